"""Stock in and out: receipts, issues and adjustments, each a set of lines applied all or
none in one transaction. Every change is a guarded conditional update of the stock row
(`_rows`) and a `Move` row with the on-hand figure after it; rows are changed in
primary-key order so that concurrent documents never deadlock. Batch-managed SKUs issue
first-expiring-first (FEFO) from batches that have not expired."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.db.models import Q

from omni.catalog.facts import sku_facts
from omni.catalog.types import SkuFacts
from omni.kernel import audit, clock
from omni.kernel.actors import Actor

from .. import errors
from ..models import Batch, CountLock, Move, Stock, Warehouse
from ..scoping import warehouses_q
from ..types import MoveKind, WarehouseStatus
from . import _rows


@dataclass(frozen=True, slots=True)
class StockLine:
    """One line of a receipt, issue or adjustment: a quantity in the SKU's base unit
    (positive; an adjustment's may be negative), an optional batch (with its dates, for a
    receipt of a new batch)."""

    sku_id: int
    quantity: Decimal | str | int
    batch: str = ""
    produced_on: dt.date | None = None
    expires_on: dt.date | None = None


def to_units(value: object, places: int, *, index: int, signed: bool = False) -> int:
    """A quantity as integer minor units of the base unit (thousandths where it allows
    fractions); refuses zero, negatives (unless `signed`) and finer fractions."""
    try:
        quantity = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise errors.InvalidQuantity(details={"line": index}) from None
    scaled = quantity.scaleb(places)
    if (
        not quantity.is_finite()
        or scaled != scaled.to_integral_value()
        or quantity == 0
        or (quantity < 0 and not signed)
        or abs(scaled) >= 10**15
    ):
        raise errors.InvalidQuantity(details={"line": index, "places": places})
    return int(scaled)


def from_units(units: int, places: int) -> Decimal:
    return Decimal(units).scaleb(-places)


def warehouse_for(actor: Actor, warehouse_id: int, permission: str) -> Warehouse:
    """The warehouse if the actor may change its stock (else unknown_warehouse); open."""
    qs = Warehouse.objects.filter(pk=warehouse_id)
    q = warehouses_q(actor, permission, "write")
    warehouse = (qs if q is None else qs.filter(q)).first()
    if warehouse is None:
        raise errors.UnknownWarehouse(details={"warehouse_id": warehouse_id})
    if warehouse.status != WarehouseStatus.ACTIVE:
        raise errors.WarehouseClosed(details={"warehouse_id": warehouse_id})
    return warehouse


def locked(warehouse_id: int, sku_ids: Iterable[int]) -> list[int]:
    """The SKUs among `sku_ids` an open stock count holds in this warehouse."""
    return sorted(
        CountLock.objects.filter(warehouse_id=warehouse_id, sku_id__in=list(sku_ids)).values_list(
            "sku_id", flat=True
        )
    )


def refuse_locked(warehouse_id: int, sku_ids: Iterable[int]) -> None:
    """No receipt, issue or reservation touches a SKU while it is being counted."""
    held = locked(warehouse_id, sku_ids)
    if held:
        raise errors.SkuLocked(details={"sku_ids": held})


def facts_for(lines: Sequence[StockLine]) -> dict[int, SkuFacts]:
    facts = sku_facts({line.sku_id for line in lines})
    for index, line in enumerate(lines):
        if line.sku_id not in facts:
            raise errors.UnknownSku(details={"line": index, "sku_id": line.sku_id})
    return facts


def stock_row(warehouse_id: int, sku_id: int, batch_id: int | None) -> int:
    """The stock row's id, created empty when there is none (a concurrent creator wins)."""
    match = Stock.objects.filter(warehouse_id=warehouse_id, sku_id=sku_id, batch_id=batch_id)
    found = match.values_list("pk", flat=True).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return Stock.objects.create(
                warehouse_id=warehouse_id, sku_id=sku_id, batch_id=batch_id
            ).pk
    except IntegrityError:
        return match.values_list("pk", flat=True).get()


def _batch_for_receipt(line: StockLine, fact: SkuFacts, index: int) -> int | None:
    code = (line.batch or "").strip()
    if not code:
        if fact.track_batch or fact.track_expiry:
            raise errors.BatchRequired(details={"line": index, "sku_id": line.sku_id})
        return None
    batch = Batch.objects.filter(sku_id=line.sku_id, code=code).first()
    if batch is not None:
        return batch.pk
    try:
        with transaction.atomic():
            return Batch.objects.create(
                sku_id=line.sku_id,
                code=code[:40],
                produced_on=line.produced_on,
                expires_on=line.expires_on,
            ).pk
    except IntegrityError:
        return Batch.objects.get(sku_id=line.sku_id, code=code).pk


def _move(
    actor: Actor,
    stock_id: int,
    kind: str,
    quantity: int,
    on_hand_after: int,
    source_type: str,
    source_id: str,
    memo: str,
) -> Move:
    return Move(
        stock_id=stock_id,
        kind=kind,
        quantity=quantity,
        on_hand_after=on_hand_after,
        source_type=source_type[:40],
        source_id=source_id[:64],
        memo=memo[:200],
        actor_name=actor.name[:150],
        business_date=clock.today(),
    )


@transaction.atomic(durable=False)
def receive(
    *,
    actor: Actor,
    warehouse_id: int,
    lines: Sequence[StockLine],
    kind: str = MoveKind.RECEIPT,
    source_type: str = "",
    source_id: str = "",
    memo: str = "",
) -> list[Move]:
    """入库: add every line to the warehouse (new batches are created with their dates)."""
    actor.require("inventory.stock.receive")
    warehouse = warehouse_for(actor, warehouse_id, "inventory.stock.receive")
    return _receive(actor, warehouse, lines, Source(kind, source_type, source_id, memo))


@dataclass(frozen=True, slots=True)
class Source:
    """What a set of moves comes from: their kind and the document."""

    kind: str
    type: str = ""
    id: str = ""
    memo: str = ""


def _checked(warehouse: Warehouse, lines: Sequence[StockLine]) -> dict[int, SkuFacts]:
    """The lines' SKUs, known and not being counted here."""
    if not lines:
        raise errors.InvalidQuantity(details={"lines": 0})
    facts = facts_for(lines)
    refuse_locked(warehouse.pk, facts)
    return facts


def _receive(
    actor: Actor, warehouse: Warehouse, lines: Sequence[StockLine], src: Source
) -> list[Move]:
    kind, source_type, source_id, memo = src.kind, src.type, src.id, src.memo
    facts = _checked(warehouse, lines)
    planned = []
    for index, line in enumerate(lines):
        fact = facts[line.sku_id]
        units = to_units(line.quantity, fact.places, index=index)
        batch_id = _batch_for_receipt(line, fact, index)
        planned.append((stock_row(warehouse.pk, line.sku_id, batch_id), units))
    moves = []
    for stock_id, units in sorted(planned):
        on_hand, _reserved = _rows.add(stock_id, units)  # type: ignore[misc]
        moves.append(_move(actor, stock_id, kind, units, on_hand, source_type, source_id, memo))
    Move.objects.bulk_create(moves)
    audit.record(
        actor=actor,
        action=f"inventory.{kind}",
        object_type="inventory.warehouse",
        object_id=warehouse.pk,
        after={"lines": [[s, u] for s, u in planned], "source": f"{source_type}:{source_id}"},
        org_id=warehouse.org_id,
    )
    return moves


def candidates(warehouse_id: int, line: StockLine, fact: SkuFacts, index: int) -> list[Stock]:
    """The stock rows a line may take from, in the order to take them: the named batch, or
    (batch-managed SKUs) every unexpired batch first-expiring-first, else the one row."""
    rows = Stock.objects.filter(warehouse_id=warehouse_id, sku_id=line.sku_id)
    code = (line.batch or "").strip()
    today = clock.today()
    if code:
        batch = Batch.objects.filter(sku_id=line.sku_id, code=code).first()
        if batch is None:
            raise errors.UnknownBatch(details={"line": index, "batch": code})
        if batch.expires_on is not None and batch.expires_on < today:
            raise errors.BatchExpired(details={"line": index, "batch": code})
        return list(rows.filter(batch=batch))
    if fact.track_batch or fact.track_expiry:
        live = rows.filter(batch__isnull=False).filter(
            Q(batch__expires_on__isnull=True) | Q(batch__expires_on__gte=today)
        )
        return list(live.order_by("batch__expires_on", "batch_id"))
    return list(rows.filter(batch__isnull=True))


def plan_take(
    warehouse_id: int, line: StockLine, fact: SkuFacts, index: int, units: int
) -> tuple[list[tuple[int, int]], int]:
    """How much to take from which rows (FEFO), by what is available now; and the shortfall.
    The guarded updates that follow re-check each row."""
    plan, left = [], units
    for row in candidates(warehouse_id, line, fact, index):
        free = row.on_hand - row.reserved
        if free <= 0 or left <= 0:
            continue
        part = min(free, left)
        plan.append((row.pk, part))
        left -= part
    return plan, left


def shortfall(index: int, line: StockLine, fact: SkuFacts, wanted: int, short: int) -> dict:
    return {
        "line": index,
        "sku_id": line.sku_id,
        "sku": fact.code,
        "wanted": str(from_units(wanted, fact.places)),
        "available": str(from_units(wanted - short, fact.places)),
    }


@transaction.atomic(durable=False)
def issue(
    *,
    actor: Actor,
    warehouse_id: int,
    lines: Sequence[StockLine],
    kind: str = MoveKind.ISSUE,
    source_type: str = "",
    source_id: str = "",
    memo: str = "",
) -> list[Move]:
    """出库 from what is available (not reserved): all lines or none; a short line is named
    with what is available."""
    actor.require("inventory.stock.issue")
    warehouse = warehouse_for(actor, warehouse_id, "inventory.stock.issue")
    return _issue(actor, warehouse, lines, Source(kind, source_type, source_id, memo))


def _issue(
    actor: Actor, warehouse: Warehouse, lines: Sequence[StockLine], src: Source
) -> list[Move]:
    kind, source_type, source_id, memo = src.kind, src.type, src.id, src.memo
    facts = _checked(warehouse, lines)
    steps: list[tuple[int, int]] = []
    short = []
    for index, line in enumerate(lines):
        fact = facts[line.sku_id]
        units = to_units(line.quantity, fact.places, index=index)
        plan, left = plan_take(warehouse.pk, line, fact, index, units)
        if left:
            short.append(shortfall(index, line, fact, units, left))
        steps += plan
    if short:
        raise errors.InsufficientStock(details={"lines": short})
    moves = []
    for stock_id, units in sorted(steps):
        after = _rows.take(stock_id, units)
        if after is None:  # taken by someone else between the plan and now
            raise errors.InsufficientStock(details={"stock_id": stock_id})
        moves.append(_move(actor, stock_id, kind, -units, after[0], source_type, source_id, memo))
    Move.objects.bulk_create(moves)
    audit.record(
        actor=actor,
        action=f"inventory.{kind}",
        object_type="inventory.warehouse",
        object_id=warehouse.pk,
        after={"lines": [[s, -u] for s, u in steps], "source": f"{source_type}:{source_id}"},
        org_id=warehouse.org_id,
    )
    return moves


def adjust(*, actor: Actor, warehouse_id: int, line: StockLine, reason: str) -> list[Move]:
    """库存调整: a signed quantity with a reason (an increase is a receipt of kind
    adjustment, a decrease an issue of kind adjustment)."""
    actor.require("inventory.stock.adjust")
    text = (reason or "").strip()[:200]
    if not text:
        raise errors.ReasonRequired(details={"field": "reason"})
    fact = facts_for([line])[line.sku_id]
    units = to_units(line.quantity, fact.places, index=0, signed=True)
    warehouse = warehouse_for(actor, warehouse_id, "inventory.stock.adjust")
    source = Source(MoveKind.ADJUSTMENT, "inventory.adjustment", "", text)
    with transaction.atomic():
        if units > 0:
            return _receive(actor, warehouse, [line], source)
        positive = StockLine(line.sku_id, from_units(-units, fact.places), line.batch)
        return _issue(actor, warehouse, [positive], source)
