"""Demo catalogue for a beverage group: 3 brands, a category tree, 5 units, ~800 SKUs.

Deterministic (one seeded `random.Random`) and idempotent: brands, categories, units,
products, SKUs and barcodes are matched on their codes, so a second run creates nothing.

Speed: rows are written with `bulk_create` in one transaction (a few seconds for ~800 SKUs
with ~1,600 barcodes), so this bypasses the one-object services. The audit stays honest:
one "catalog.product_created" entry per product (with its SKU codes) and one
"catalog.demo_loaded" entry with the counts.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction

from omni.kernel import audit
from omni.kernel.actors import Actor

from .calculations import make_ean13, normalise_spec_attributes, sku_name, spec_matrix
from .models import Barcode, Brand, BundleItem, Category, Product, Sku, Unit, UnitConversion
from .scoping import check_org_writable
from .services.products import FIELDS as PRODUCT_FIELDS

SEED = 20261123
TARGET_SKUS = 800

UNITS = [
    ("bottle", "瓶", False),
    ("can", "罐", False),
    ("case", "箱", False),
    ("pack", "提", False),
    ("giftbox", "盒", False),
]

# code, name, EAN prefix (690-693) + 4-digit company number
BRANDS = [
    ("QQ", "清泉", "6901234"),
    ("GYX", "果园鲜", "6925678"),
    ("CY", "茶语", "6938765"),
]

# code, name, parent code
CATEGORIES = [
    ("BEV", "饮料", None),
    ("WATER", "饮用水", "BEV"),
    ("WATER-MIN", "天然矿泉水", "WATER"),
    ("WATER-PUR", "纯净水", "WATER"),
    ("WATER-SODA", "苏打水", "WATER"),
    ("JUICE", "果汁", "BEV"),
    ("JUICE-NFC", "100%果汁", "JUICE"),
    ("JUICE-DRINK", "果汁饮料", "JUICE"),
    ("JUICE-VEG", "果蔬汁", "JUICE"),
    ("TEA", "茶饮料", "BEV"),
    ("TEA-GREEN", "绿茶", "TEA"),
    ("TEA-BLACK", "红茶", "TEA"),
    ("TEA-OOLONG", "乌龙茶", "TEA"),
    ("TEA-MILK", "奶茶", "TEA"),
    ("TEA-HERB", "凉茶", "TEA"),
    ("CSD", "碳酸饮料", "BEV"),
    ("CSD-COLA", "可乐", "CSD"),
    ("CSD-FRUIT", "果味汽水", "CSD"),
    ("CSD-SPARK", "气泡水", "CSD"),
    ("FUNC", "功能饮料", "BEV"),
    ("FUNC-SPORT", "运动饮料", "FUNC"),
    ("FUNC-ENERGY", "能量饮料", "FUNC"),
    ("FUNC-ELEC", "电解质水", "FUNC"),
    ("GIFT", "礼盒", "BEV"),
]

SUGAR = ["无糖", "低糖", "标准"]


@dataclass(frozen=True)
class Line:
    """A product line: every product of it shares brand, category and value pools."""

    brand: str
    category: str
    stems: tuple[str, ...]  # product names after the brand name
    unit: str  # base unit code
    sizes: tuple[str, ...]
    flavours: tuple[str, ...] = ()
    sugar: bool = False
    shelf_life: int = 365
    case_factors: tuple[int, ...] = (12, 24)


LINES = [
    Line("QQ", "WATER-MIN", ("天然矿泉水", "高端矿泉水"), "bottle",
         ("350ml", "550ml", "1L", "1.5L", "4L", "5L"), shelf_life=540),
    Line("QQ", "WATER-PUR", ("纯净水", "饮用纯净水·家庭装"), "bottle",
         ("350ml", "550ml", "1.5L", "4.5L", "5L"), shelf_life=540),
    Line("QQ", "WATER-SODA", ("苏打水", "无汽苏打水"), "bottle", ("350ml", "500ml"),
         ("原味", "柠檬", "青柠", "白桃", "西柚", "荔枝", "青提"), sugar=True, shelf_life=365),
    Line("QQ", "CSD-SPARK", ("气泡水", "果味气泡水"), "can", ("330ml", "480ml"),
         ("白桃", "青提", "西柚", "荔枝", "柠檬", "菠萝", "草莓", "卡曼橘"), sugar=True,
         shelf_life=270, case_factors=(24,)),
    Line("QQ", "CSD-COLA", ("可乐", "零度可乐"), "can", ("330ml", "500ml", "1.25L", "2L"),
         ("经典", "樱桃", "香草", "青柠"), shelf_life=365, case_factors=(12, 24)),
    Line("QQ", "CSD-FRUIT", ("橙味汽水", "水果汽水"), "can", ("330ml", "600ml", "2L"),
         ("橙味", "柠檬", "葡萄", "苹果", "菠萝", "荔枝"), shelf_life=365),
    Line("QQ", "FUNC-SPORT", ("运动饮料",), "bottle", ("500ml", "600ml", "1L"),
         ("柠檬", "橙味", "青柠", "葡萄", "西柚", "蓝莓"), shelf_life=365),
    Line("QQ", "FUNC-ENERGY", ("能量饮料", "维生素能量饮料"), "can", ("250ml", "310ml", "500ml"),
         ("原味", "牛磺酸强化", "无糖", "莓果"), shelf_life=540, case_factors=(24,)),
    Line("QQ", "FUNC-ELEC", ("电解质水",), "bottle", ("500ml", "1L"),
         ("柠檬", "白桃", "青柠", "西柚", "荔枝", "无味"), shelf_life=365),
    Line("GYX", "JUICE-NFC", ("NFC鲜榨果汁", "冷压果汁"), "bottle", ("300ml", "900ml", "1.5L"),
         ("橙", "苹果", "葡萄", "芒果", "桃", "番茄", "西柚", "猕猴桃", "椰子", "石榴"),
         shelf_life=60, case_factors=(12,)),
    Line("GYX", "JUICE-DRINK", ("果汁饮料", "果粒饮料", "家庭装果汁"), "bottle",
         ("450ml", "1L", "1.5L", "2L"),
         ("橙", "苹果", "葡萄", "芒果", "桃", "菠萝", "山楂", "酸梅"), sugar=True, shelf_life=365),
    Line("GYX", "JUICE-VEG", ("果蔬汁", "轻断食果蔬汁"), "bottle", ("300ml", "1L"),
         ("胡萝卜", "番茄", "羽衣甘蓝", "甜菜", "混合果蔬"), shelf_life=180, case_factors=(12,)),
    Line("CY", "TEA-GREEN", ("绿茶", "冷泡绿茶"), "bottle", ("500ml", "900ml", "1.5L"),
         ("原味", "蜂蜜", "茉莉", "柠檬", "青梅"), sugar=True, shelf_life=365),
    Line("CY", "TEA-BLACK", ("红茶", "冰红茶"), "bottle", ("500ml", "1L", "1.5L"),
         ("原味", "柠檬", "蜜桃", "荔枝", "百香果"), sugar=True, shelf_life=365),
    Line("CY", "TEA-OOLONG", ("乌龙茶", "茉莉乌龙"), "bottle", ("500ml", "1L"),
         ("原味", "蜜桃", "白桃", "桂花", "炭焙"), sugar=True, shelf_life=365),
    Line("CY", "TEA-MILK", ("奶茶", "瓶装鲜奶茶"), "bottle", ("280ml", "500ml"),
         ("原味", "红豆", "香芋", "抹茶", "焦糖", "椰果"), sugar=True, shelf_life=180,
         case_factors=(12,)),
    Line("CY", "TEA-HERB", ("草本凉茶", "罐装凉茶"), "can", ("310ml", "500ml", "1.5L"),
         ("原味", "菊花", "金银花", "罗汉果"), shelf_life=540, case_factors=(12, 24)),
]  # fmt: skip

# bundle product code, name, brand, [(component product code prefix, count)]
BUNDLES = [
    ("QQ-GIFT-1", "清泉家庭饮水礼盒", "QQ", 3),
    ("QQ-GIFT-2", "清泉气泡水缤纷礼盒", "QQ", 4),
    ("GYX-GIFT-1", "果园鲜鲜果礼盒", "GYX", 4),
    ("CY-GIFT-1", "茶语四季茶礼", "CY", 4),
    ("CY-GIFT-2", "茶语新春礼盒", "CY", 3),
]


@dataclass
class _Plan:
    code: str
    name: str
    brand: str
    category: str
    unit: str
    spec: list[dict[str, Any]]
    shelf_life: int
    case_factor: int


def _plans() -> list[_Plan]:
    """The demo products, deterministic: round-robin over the lines' product names, each
    with a seeded subset of its sizes and flavours, until about TARGET_SKUS SKUs."""
    rng = random.Random(SEED)
    plans: list[_Plan] = []
    counters: dict[str, int] = {}
    total = 0
    round_no = 0
    while total < TARGET_SKUS and round_no < 5:
        for line in LINES:
            if round_no >= len(line.stems) * 2:
                continue
            stem = line.stems[round_no % len(line.stems)]
            series = "" if round_no < len(line.stems) else rng.choice(["臻选", "轻享", "季节限定"])
            sizes = sorted(
                rng.sample(line.sizes, max(1, min(len(line.sizes), rng.randint(2, 4)))),
                key=line.sizes.index,
            )
            spec: dict[str, list[str]] = {"规格": sizes}
            if line.flavours:
                k = min(len(line.flavours), rng.randint(3, 6))
                spec["口味"] = sorted(rng.sample(line.flavours, k), key=line.flavours.index)
            if line.sugar:
                spec["糖度"] = SUGAR[: rng.randint(2, 3)]
            n = counters[line.brand] = counters.get(line.brand, 0) + 1
            brand_name = next(b[1] for b in BRANDS if b[0] == line.brand)
            plans.append(
                _Plan(
                    code=f"{line.brand}-{n:03d}",
                    name=f"{brand_name}{series}{stem}",
                    brand=line.brand,
                    category=line.category,
                    unit=line.unit,
                    spec=normalise_spec_attributes(spec),
                    shelf_life=line.shelf_life,
                    case_factor=rng.choice(line.case_factors),
                )
            )
            total += len(spec_matrix(plans[-1].spec))
            if total >= TARGET_SKUS:
                break
        round_no += 1
    return plans


@transaction.atomic(durable=True)
def load_catalog_demo(*, actor: Actor, org_id: int) -> dict[str, Any]:
    """Load (or complete) the demo catalogue for organisation `org_id`; returns how many
    of each thing were created by this run (all zero on a second run) and `totals`."""
    actor.require("catalog.product.create")
    check_org_writable(actor, org_id)
    created = {"units": 0, "brands": 0, "categories": 0, "products": 0, "skus": 0}
    created.update({"barcodes": 0, "conversions": 0, "bundle_items": 0})

    units = {u.code: u for u in Unit.objects.filter(code__in=[c for c, _n, _f in UNITS])}
    for code, name, fraction in UNITS:
        if code not in units:
            units[code] = Unit.objects.create(code=code, name=name, allows_fraction=fraction)
            created["units"] += 1

    brands = {b.code: b for b in Brand.objects.filter(code__in=[c for c, _n, _p in BRANDS])}
    for code, name, _prefix in BRANDS:
        if code not in brands:
            brands[code] = Brand.objects.create(org_id=org_id, code=code, name=name)
            created["brands"] += 1

    cats = {c.code: c for c in Category.objects.filter(code__in=[c for c, _n, _p in CATEGORIES])}
    for i, (code, name, parent_code) in enumerate(CATEGORIES):
        if code in cats:
            continue
        parent = cats[parent_code] if parent_code else None
        cat = Category.objects.create(
            org_id=org_id, code=code, name=name, parent=parent, sort_order=i
        )
        cat.path = f"{parent.path if parent else '/'}{cat.pk}/"
        Category.objects.filter(pk=cat.pk).update(path=cat.path)
        cats[code] = cat
        created["categories"] += 1

    plans = _plans()
    bundle_plans = [
        _Plan(code, name, brand, "GIFT", "giftbox", [], 365, 6) for code, name, brand, _n in BUNDLES
    ]
    all_plans = plans + bundle_plans
    existing = set(
        Product.objects.filter(code__in=[p.code for p in all_plans]).values_list("code", flat=True)
    )
    new_plans = [p for p in all_plans if p.code not in existing]
    bundle_codes = {b[0] for b in BUNDLES}
    Product.objects.bulk_create(
        [
            Product(
                org_id=org_id,
                code=p.code,
                name=p.name,
                brand=brands[p.brand],
                category=cats[p.category],
                base_unit=units[p.unit],
                spec_attributes=p.spec,
                track_batch=True,
                track_expiry=True,
                shelf_life_days=p.shelf_life,
                is_bundle=p.code in bundle_codes,
            )
            for p in new_plans
        ]
    )
    created["products"] = len(new_plans)
    products = {p.code: p for p in Product.objects.filter(code__in=[p.code for p in all_plans])}

    # SKUs: one per spec cell, coded <product>-<n> like the service does.
    new_skus: list[Sku] = []
    for plan in new_plans:
        product = products[plan.code]
        for n, combo in enumerate(spec_matrix(plan.spec), start=1):
            new_skus.append(
                Sku(
                    product=product,
                    code=f"{plan.code}-{n}",
                    name=sku_name(product.name, combo),
                    spec_values=combo.as_dict,
                    spec_key=combo.key,
                )
            )
    Sku.objects.bulk_create(new_skus, ignore_conflicts=True)
    created["skus"] = len(new_skus)
    skus_of: dict[str, list[Sku]] = {}
    for sku in Sku.objects.filter(product__code__in=[p.code for p in all_plans]).order_by("id"):
        skus_of.setdefault(sku.product_id, []).append(sku)  # type: ignore[arg-type]

    # Conversions and barcodes: every SKU gets a base-unit barcode and a case with its
    # own barcode; cans also come in packs (提) of 6. Item numbers are stable per brand.
    conversions: list[UnitConversion] = []
    barcodes: list[Barcode] = []
    item_no: dict[str, int] = {}
    new_codes = {p.code for p in new_plans}
    for plan in all_plans:
        product = products[plan.code]
        prefix = next(b[2] for b in BRANDS if b[0] == plan.brand)
        for sku in skus_of.get(product.pk, []):  # type: ignore[call-overload]
            n = item_no[plan.brand] = item_no.get(plan.brand, 0) + 1
            if plan.code not in new_codes:
                continue
            barcodes.append(
                Barcode(
                    code=make_ean13(f"{prefix}{n:05d}"),
                    sku=sku,
                    unit=units[plan.unit],
                    is_primary=True,
                )
            )
            if plan.code in bundle_codes:
                continue
            conversions.append(
                UnitConversion(sku=sku, unit=units["case"], factor=Decimal(plan.case_factor))
            )
            barcodes.append(
                Barcode(
                    code=make_ean13(f"{prefix}{50000 + n:05d}"),
                    sku=sku,
                    unit=units["case"],
                    is_primary=True,
                )
            )
            if plan.unit == "can":
                conversions.append(UnitConversion(sku=sku, unit=units["pack"], factor=Decimal(6)))
    UnitConversion.objects.bulk_create(conversions, ignore_conflicts=True)
    Barcode.objects.bulk_create(barcodes, ignore_conflicts=True)
    created["conversions"], created["barcodes"] = len(conversions), len(barcodes)

    # Bundles: a few 500ml-ish SKUs of the brand, 2 to 6 of each.
    rng = random.Random(SEED + 1)
    items: list[BundleItem] = []
    for code, _name, brand, count in BUNDLES:
        if code not in new_codes:
            continue
        [bundle_sku] = skus_of[products[code].pk]  # type: ignore[index]
        pool = [
            s
            for p in plans
            if p.brand == brand
            for s in skus_of.get(products[p.code].pk, [])  # type: ignore[call-overload]
        ]
        for component in rng.sample(pool, min(count, len(pool))):
            items.append(
                BundleItem(bundle=bundle_sku, component=component, quantity=rng.randint(2, 6))
            )
    BundleItem.objects.bulk_create(items)
    created["bundle_items"] = len(items)

    for plan in new_plans:
        product = products[plan.code]
        audit.record(
            actor=actor,
            action="catalog.product_created",
            object_type="catalog.product",
            object_id=product.pk,
            after={
                **audit.snapshot(product, PRODUCT_FIELDS),
                "skus": [s.code for s in skus_of.get(product.pk, [])],  # type: ignore[call-overload]
            },
            org_id=org_id,
        )
    totals = {
        "products": len(products),
        "skus": sum(len(v) for v in skus_of.values()),
        "bundles": len(bundle_codes),
    }
    if any(created.values()):
        audit.record(
            actor=actor,
            action="catalog.demo_loaded",
            object_type="catalog.demo",
            object_id=org_id,
            after={"created": created, "totals": totals},
            org_id=org_id,
        )
    return {**created, "totals": totals}
