"""Stock counts (盘点).

`start_count` snapshots the book quantity of the counted SKUs (all of the warehouse for a
full count, the given ones for a partial or quick count) and locks them: while the count is
open no receipt, issue or reservation touches them (`sku_locked`) and no other count takes
them. Counters enter what they find without seeing the book (blind counting); a line is
agreed when every counter of its latest round found the same; `lines_to_recount` lists the
others, counted again in round 2. `approve_count` (not the counters themselves: four eyes)
posts each difference as a move of kind count and lifts the locks; `cancel_count` lifts
them without posting. A quick count (stores) is one counter, agreed as entered."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from django.db import IntegrityError, transaction
from django.db.models import F

from omni.kernel import audit, clock
from omni.kernel.actors import Actor
from omni.kernel.errors import NotFound

from .. import errors
from ..models import CountEntry, CountLine, CountLock, Stock, StockCount
from ..scoping import warehouses_q
from ..types import CountKind, CountStatus, MoveKind
from . import _rows
from .stock import (
    StockLine,
    _move,
    facts_for,
    from_units,
    locked,
    stock_row,
    to_units,
    warehouse_for,
)

PERMISSION = "inventory.stock.adjust"


@transaction.atomic
def start_count(
    *,
    actor: Actor,
    warehouse_id: int,
    kind: str = CountKind.FULL,
    sku_ids: Sequence[int] = (),
    note: str = "",
) -> StockCount:
    actor.require(PERMISSION)
    warehouse = warehouse_for(actor, warehouse_id, PERMISSION)
    if kind not in CountKind.values:
        raise errors.InvalidQuantity(details={"field": "kind"})
    rows = Stock.objects.filter(warehouse=warehouse)
    if kind == CountKind.FULL:
        skus = sorted(set(rows.values_list("sku_id", flat=True)))
    else:
        skus = sorted(set(sku_ids))
        if not skus:
            raise errors.InvalidQuantity(details={"field": "sku_ids"})
        facts_for([StockLine(s, 1) for s in skus])  # unknown_sku for a wrong id
    count = StockCount.objects.create(
        org_id=warehouse.org_id,
        warehouse=warehouse,
        kind=kind,
        note=(note or "").strip()[:200],
        created_by=actor.name[:150],
    )
    try:
        with transaction.atomic():
            CountLock.objects.bulk_create(
                CountLock(warehouse=warehouse, sku_id=s, count=count) for s in skus
            )
    except IntegrityError:
        raise errors.SkuLocked(details={"sku_ids": locked(warehouse.pk, skus)}) from None

    for sku in skus:  # a SKU never stocked here gets its (empty) row to count against
        if not rows.filter(sku_id=sku).exists():
            stock_row(warehouse.pk, sku, None)
    CountLine.objects.bulk_create(
        CountLine(count=count, stock_id=pk, book=on_hand)
        for pk, on_hand in rows.filter(sku_id__in=skus).order_by("pk").values_list("pk", "on_hand")
    )
    audit.record_created(actor, "inventory.count_started", count, ("warehouse", "kind"))
    return count


def _open(actor: Actor, count_id: int, permission: str) -> StockCount:
    actor.require(permission)
    qs = StockCount.objects.select_for_update().filter(pk=count_id)
    q = warehouses_q(actor, permission, "write", prefix="warehouse__")
    count = (qs if q is None else qs.filter(q)).first()
    if count is None:
        raise NotFound(details={"object": "stock_count", "id": count_id})
    if count.status != CountStatus.COUNTING:
        raise errors.CountClosed(details={"status": count.status})
    return count


@transaction.atomic
def enter_counts(
    *, actor: Actor, count_id: int, quantities: Mapping[int, object]
) -> list[CountLine]:
    """One counter's figures: line id → quantity found (in the SKU's unit). A counter enters
    each line once per round (again in a recount round)."""
    count = _open(actor, count_id, "inventory.stock.count")
    lines = {
        line.pk: line
        for line in count.lines.select_related("stock").filter(pk__in=list(quantities))
    }
    facts = facts_for([StockLine(line.stock.sku_id, 1) for line in lines.values()])
    for index, (line_id, value) in enumerate(sorted(quantities.items())):
        line = lines.get(int(line_id))
        if line is None:
            raise errors.InvalidQuantity(details={"line": index, "line_id": line_id})
        text = str(value).strip()
        units = (
            0
            if text in ("0", "0.0", "0.00", "0.000")
            else to_units(value, facts[line.stock.sku_id].places, index=index)
        )
        try:
            with transaction.atomic():
                CountEntry.objects.create(
                    line=line, counter=actor.name[:150], round=line.round, quantity=units
                )
        except IntegrityError:
            raise errors.AlreadyCounted(details={"line_id": line.pk}) from None
    _settle(count)
    return list(count.lines.order_by("pk"))


def _settle(count: StockCount) -> None:
    """A line whose latest round's counters agree gets that figure (a quick count: the one
    counter's); a disagreement leaves it open for a recount."""
    need = 1 if count.kind == CountKind.QUICK else 2
    for line in count.lines.all():
        figures = list(
            CountEntry.objects.filter(line=line, round=line.round).values_list(
                "quantity", flat=True
            )
        )
        agreed = figures[0] if len(figures) >= need and len(set(figures)) == 1 else None
        if line.counted != agreed:
            CountLine.objects.filter(pk=line.pk).update(counted=agreed)


def lines_to_recount(count: StockCount) -> list[CountLine]:
    """Lines whose counters disagree in their latest round."""
    out = []
    for line in count.lines.filter(counted__isnull=True):
        figures = set(
            CountEntry.objects.filter(line=line, round=line.round).values_list(
                "quantity", flat=True
            )
        )
        if len(figures) > 1:
            out.append(line)
    return out


@transaction.atomic
def request_recount(*, actor: Actor, count_id: int) -> list[int]:
    """Open round 2 (3 …) for the lines whose counters disagree; returns their ids."""
    count = _open(actor, count_id, PERMISSION)
    lines = lines_to_recount(count)
    CountLine.objects.filter(pk__in=[x.pk for x in lines]).update(
        counted=None, round=F("round") + 1
    )
    return [x.pk for x in lines]


@transaction.atomic
def approve_count(*, actor: Actor, count_id: int) -> StockCount:
    count = _open(actor, count_id, PERMISSION)
    if CountEntry.objects.filter(line__count=count, counter=actor.name).exists():
        raise errors.OwnCount(details={"count_id": count_id})
    open_lines = list(count.lines.filter(counted__isnull=True).values_list("pk", flat=True))
    if open_lines:
        raise errors.CountIncomplete(details={"line_ids": open_lines})
    moves = []
    for line in count.lines.select_related("stock").order_by("stock_id"):
        difference = line.counted - line.book
        if not difference:
            continue
        after = (
            _rows.add(line.stock_id, difference)
            if difference > 0
            else _rows.take(line.stock_id, -difference)
        )
        if after is None:  # the count found less than is reserved: say which
            places = facts_for([StockLine(line.stock.sku_id, 1)])[line.stock.sku_id].places
            raise errors.InsufficientStock(
                details={
                    "line_id": line.pk,
                    "counted": str(from_units(line.counted, places)),
                    "reserved": str(from_units(line.stock.reserved, places)),
                }
            )
        moves.append(
            _move(
                actor,
                line.stock_id,
                MoveKind.COUNT,
                difference,
                after[0],
                "inventory.count",
                str(count.pk),
                count.note,
            )
        )
    from ..models import Move

    Move.objects.bulk_create(moves)
    CountLock.objects.filter(count=count).delete()
    StockCount.objects.filter(pk=count.pk).update(
        status=CountStatus.APPROVED, decided_by=actor.name[:150], decided_at=clock.now()
    )
    count.refresh_from_db()
    audit.record_change(
        actor,
        "inventory.count_approved",
        count,
        after={"variances": [[m.stock_id, m.quantity] for m in moves]},
    )
    return count


@transaction.atomic
def cancel_count(*, actor: Actor, count_id: int) -> StockCount:
    count = _open(actor, count_id, PERMISSION)
    CountLock.objects.filter(count=count).delete()
    StockCount.objects.filter(pk=count.pk).update(
        status=CountStatus.CANCELLED, decided_by=actor.name[:150], decided_at=clock.now()
    )
    count.refresh_from_db()
    audit.record_change(actor, "inventory.count_cancelled", count)
    return count
