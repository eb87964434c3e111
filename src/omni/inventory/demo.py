"""Demo inventory: three warehouses (华东中心仓 in Shanghai, 华南中心仓 in Guangzhou, 华北分仓 in
Beijing), opening stock of 40 demo SKUs in cases of 12 or 24 bottles or cans, by batch with
production and expiry dates (every demo product is batch-managed; one batch in Beijing has
already expired), a few orders shipped, one breakage written off, and open reservations.

Deterministic (seeded) and idempotent: warehouses are matched on their codes, the opening
stock on its source document, the activity on its orders, so a second run adds nothing. Goes
through the services, so every change is a move with its audit row."""

from __future__ import annotations

import datetime as dt
import random

from django.db.models import Q

from omni.catalog.selectors import list_skus
from omni.kernel import clock
from omni.kernel.actors import Actor
from omni.tenancy.selectors import organizations

from .models import FlashSale, Move, ReorderRule, Reservation, Stock, Warehouse
from .services.flash import create_flash_sale
from .services.replenishment import set_reorder_rule
from .services.reservations import ReserveLine, issue_reserved, release, reserve
from .services.stock import StockLine, adjust, issue, receive
from .services.warehouses import create_warehouse

SEED = 20261216
OPENING = "inventory.opening"

# code, name, organisation code, kind, district, regions served
WAREHOUSES = [
    (
        "WH-SH-01",
        "华东中心仓",
        "QQ-E-HS",
        "central",
        "310115",  # 上海市浦东新区
        ["310000", "320000", "330000", "340000"],
    ),
    (
        "WH-GZ-01",
        "华南中心仓",
        "QQ-S-YG",
        "central",
        "440111",  # 广州市白云区
        ["440000", "450000", "350000", "360000", "430000", "420000"],
    ),
    (
        "WH-BJ-01",
        "华北分仓",
        "QQ-E-LY",
        "regional",
        "110115",  # 北京市大兴区
        ["110000", "120000", "130000", "370000", "410000"],
    ),
]
SKU_COUNT = 40


def load_inventory_demo(*, actor: Actor) -> int:
    """Returns how many stock moves were written."""
    rng = random.Random(SEED)
    warehouses = _warehouses(actor)
    skus = _skus(actor)
    if not warehouses or not skus:
        return 0
    before = Move.objects.count()
    keeper = Actor.system("warehouse")
    for code, warehouse in warehouses.items():
        share = skus if code != "WH-BJ-01" else skus[::2] + skus[1::8]
        _opening(keeper, warehouse, share, rng, small=code == "WH-BJ-01")
    if "WH-SH-01" in warehouses and "WH-GZ-01" in warehouses:
        _activity(warehouses["WH-SH-01"], warehouses["WH-GZ-01"], skus)
    if "WH-SH-01" in warehouses:
        _flash_sale(actor, warehouses["WH-SH-01"], skus)
    _reorder_rules(actor, warehouses, skus)
    return Move.objects.count() - before


def _warehouses(actor: Actor) -> dict[str, Warehouse]:
    orgs = dict(organizations().values_list("code", "pk"))
    out = {}
    for code, name, org_code, kind, district, coverage in WAREHOUSES:
        found = Warehouse.objects.filter(code=code).first()
        if found is None and org_code in orgs:
            found = create_warehouse(
                actor=actor,
                org_id=orgs[org_code],
                code=code,
                name=name,
                kind=kind,
                district_code=district,
                coverage=coverage,
            )
        if found is not None:
            out[code] = found
    return out


def _skus(actor: Actor) -> list:
    """40 SKUs spread over the product lines (no gift boxes), with their case size."""
    qs = (
        list_skus(actor=actor, status="active")
        .filter(product__is_bundle=False)
        .prefetch_related("conversions__unit")
    )
    every = list(qs)
    if not every:
        return []
    step = max(len(every) // SKU_COUNT, 1)
    return every[::step][:SKU_COUNT]


def _case(sku) -> int:
    for conversion in sku.conversions.all():
        if conversion.unit.code == "case":
            return int(conversion.factor)
    return 24


def _opening(keeper: Actor, warehouse: Warehouse, skus: list, rng: random.Random, *, small: bool):
    """期初库存: one receipt of every SKU's batches (drawn even when it exists, so the
    sequence stays the same)."""
    today = clock.today()
    lines = []
    for i, sku in enumerate(skus):
        life = sku.product.shelf_life_days or 365
        cases = rng.randint(40, 300) if small else rng.randint(120, 800)
        batches = 2 if i % 3 == 0 else 1
        for b in range(batches):
            age = rng.randint(10, max(life // 3, 12)) + b * 30
            produced = today - dt.timedelta(days=age)
            part = cases // batches + (cases % batches if b == 0 else 0)
            lines.append(
                StockLine(
                    sku.pk,
                    part * _case(sku),
                    f"{produced:%Y%m%d}",
                    produced,
                    produced + dt.timedelta(days=life),
                )
            )
    if small and skus:  # a lot that expired on the shelf: on hand, never issued or reserved
        sku = skus[0]
        life = sku.product.shelf_life_days or 365
        produced = today - dt.timedelta(days=life + 15)
        lines.append(
            StockLine(
                sku.pk,
                3 * _case(sku),
                f"{produced:%Y%m%d}X",
                produced,
                produced + dt.timedelta(days=life),
            )
        )
    if Move.objects.filter(stock__warehouse=warehouse, source_type=OPENING).exists():
        return
    receive(
        actor=keeper,
        warehouse_id=warehouse.pk,
        lines=lines,
        source_type=OPENING,
        source_id=f"OPEN-{warehouse.code}",
        memo="期初库存",
    )


# order, warehouse key, [(sku index, cases)], what happens to it
ORDERS = [
    ("SO-DEMO-0901", "east", [(0, 20), (3, 15)], "shipped"),
    ("SO-DEMO-0902", "east", [(5, 30)], "issued"),
    ("SO-DEMO-0903", "east", [(6, 8), (7, 12)], "released"),
    ("SO-DEMO-1001", "east", [(1, 40), (2, 25), (4, 10)], "open"),
    ("SO-DEMO-1002", "east", [(8, 60)], "open"),
    ("SO-DEMO-1003", "east", [(9, 18), (10, 6)], "expiring"),
    ("SO-DEMO-1004", "south", [(11, 50), (12, 20)], "open"),
]


def _activity(east: Warehouse, south: Warehouse, skus: list) -> None:
    """Orders shipped and reserved, and one breakage written off (once)."""
    if Move.objects.filter(source_id="SO-DEMO-0901").exists():
        return
    if Reservation.objects.filter(source_id__startswith="SO-DEMO-").exists():
        return
    keeper, sales = Actor.system("warehouse"), Actor.system("sales_admin")
    places = {"east": east, "south": south}
    for order, where, items, outcome in ORDERS:
        warehouse = places[where]
        picked = [(skus[i], cases) for i, cases in items if i < len(skus)]
        if outcome == "shipped":
            issue(
                actor=keeper,
                warehouse_id=warehouse.pk,
                lines=[StockLine(s.pk, n * _case(s)) for s, n in picked],
                source_type="order",
                source_id=order,
                memo="直接出库",
            )
            continue
        expires = None
        if outcome == "expiring":
            expires = clock.now() + dt.timedelta(days=2)
        reservation = reserve(
            actor=sales,
            source_type="order",
            source_id=order,
            lines=[ReserveLine(warehouse.pk, s.pk, n * _case(s)) for s, n in picked],
            expires_at=expires,
        )
        if outcome == "issued":
            issue_reserved(actor=keeper, reservation_id=reservation.pk, memo="已发货")
        elif outcome == "released":
            release(actor=sales, reservation_id=reservation.pk)
    if len(skus) > 13:
        adjust(
            actor=keeper,
            warehouse_id=east.pk,
            line=StockLine(skus[13].pk, -6),
            reason="搬运破损 6 瓶",
        )


FLASH_NAME = "夏日冰饮秒杀"


def _available(warehouse: Warehouse, sku_id: int) -> int:
    return sum(
        on_hand - reserved
        for on_hand, reserved in Stock.objects.filter(warehouse=warehouse, sku_id=sku_id)
        .filter(Q(batch__isnull=True) | Q(batch__expires_on__gte=clock.today()))
        .values_list("on_hand", "reserved")
    )


def _flash_sale(actor: Actor, warehouse: Warehouse, skus: list) -> None:
    """秒杀: one sale running now (for a month from the first load) in the Shanghai warehouse,
    open to the dealers and stores of its sales organisation, 5 per customer, 4 buckets."""
    if FlashSale.objects.filter(name=FLASH_NAME).exists():
        return
    for sku in skus[20:] + skus[:20]:
        if sku.product.base_unit.allows_fraction or _available(warehouse, sku.pk) < 240:
            continue
        now = clock.now()
        create_flash_sale(
            actor=actor,
            name=FLASH_NAME,
            warehouse_id=warehouse.pk,
            sku_id=sku.pk,
            quantity=240,
            per_customer_limit=5,
            starts_at=now - dt.timedelta(hours=1),
            ends_at=now + dt.timedelta(days=30),
            pay_within_seconds=900,
            buckets=4,
        )
        return


def _reorder_rules(actor: Actor, warehouses: dict[str, Warehouse], skus: list) -> None:
    """安全库存 / 补货点: in Beijing one SKU below its safety stock, one at its reorder point;
    in Shanghai one comfortably above (once)."""
    if ReorderRule.objects.exists() or len(skus) < 6:
        return
    plan = [
        ("WH-BJ-01", skus[2], "below"),
        ("WH-BJ-01", skus[4], "low"),
        ("WH-SH-01", skus[5], "ok"),
    ]
    for code, sku, how in plan:
        warehouse = warehouses.get(code)
        if warehouse is None or sku.product.base_unit.allows_fraction:
            continue
        available = max(_available(warehouse, sku.pk), 0)
        case = _case(sku)
        safety, point = {
            "below": (available + case, available + 3 * case),
            "low": (max(available - case, 0), available + case),
            "ok": (case, 2 * case),
        }[how]
        set_reorder_rule(
            actor=actor,
            warehouse_id=warehouse.pk,
            sku_id=sku.pk,
            safety_stock=safety,
            reorder_point=point,
        )
