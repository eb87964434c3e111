"""Transfers between warehouses (调拨): shipping issues the stock at the source at once
(moves of kind transfer_out) and puts it in transit; the target receives it in one or
several parts (transfer_in); what never arrives is closed as a discrepancy with a reason
(the source already gave it up: nothing is put back). Each step is one transaction with
the transfer locked and its lines changed by guarded updates."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.db.models import F

from omni.catalog.facts import sku_facts
from omni.kernel import audit, clock
from omni.kernel.actors import Actor
from omni.kernel.errors import NotFound

from .. import errors
from ..models import Stock, Transfer, TransferLine
from ..scoping import warehouses_q
from ..types import MoveKind, TransferStatus
from .stock import Source, StockLine, _issue, _receive, from_units, to_units, warehouse_for

SOURCE = "inventory.transfer"
OPEN = (TransferStatus.IN_TRANSIT, TransferStatus.PARTLY_RECEIVED)


@transaction.atomic
def ship_transfer(
    *,
    actor: Actor,
    source_id: int,
    target_id: int,
    lines: Sequence[StockLine],
    memo: str = "",
) -> Transfer:
    actor.require("inventory.stock.issue")
    if source_id == target_id:
        raise errors.SameWarehouse(details={"warehouse_id": source_id})
    source = warehouse_for(actor, source_id, "inventory.stock.issue")
    target = warehouse_for(actor, target_id, "inventory.stock.issue")
    transfer = Transfer.objects.create(
        org_id=source.org_id,
        source=source,
        target=target,
        memo=(memo or "").strip()[:200],
        created_by=actor.name[:150],
    )
    moves = _issue(
        actor, source, lines, Source(MoveKind.TRANSFER_OUT, SOURCE, str(transfer.pk), transfer.memo)
    )
    rows = {
        pk: (sku, batch)
        for pk, sku, batch in Stock.objects.filter(pk__in={m.stock_id for m in moves}).values_list(
            "pk", "sku_id", "batch_id"
        )
    }
    shipped: dict[tuple[int, int | None], int] = {}
    for move in moves:
        key = rows[move.stock_id]
        shipped[key] = shipped.get(key, 0) - move.quantity
    TransferLine.objects.bulk_create(
        TransferLine(transfer=transfer, sku_id=sku, batch_id=batch, shipped=units)
        for (sku, batch), units in sorted(shipped.items(), key=lambda x: (x[0][0], x[0][1] or 0))
    )
    audit.record_created(actor, "inventory.transfer_shipped", transfer, ("source", "target"))
    return transfer


def _open(actor: Actor, transfer_id: int, permission: str) -> Transfer:
    actor.require(permission)
    qs = Transfer.objects.select_for_update().filter(pk=transfer_id)
    q = warehouses_q(actor, permission, "write", prefix="target__")
    transfer = (qs if q is None else qs.filter(q)).first()
    if transfer is None:
        raise NotFound(details={"object": "transfer", "id": transfer_id})
    if transfer.status not in OPEN:
        raise errors.TransferClosed(details={"status": transfer.status})
    return transfer


@transaction.atomic
def receive_transfer(
    *, actor: Actor, transfer_id: int, received: dict[int, object] | None = None
) -> Transfer:
    """Receive at the target: `received` maps line ids to quantities (in the SKU's unit);
    None receives everything still in transit."""
    transfer = _open(actor, transfer_id, "inventory.stock.receive")
    lines = {line.pk: line for line in transfer.lines.select_related("batch")}
    facts = sku_facts({line.sku_id for line in lines.values()})
    wanted: list[tuple[TransferLine, int]] = []
    if received is None:
        wanted = [(line, line.shipped - line.received) for line in lines.values()]
        wanted = [(line, units) for line, units in wanted if units > 0]
    else:
        for index, (line_id, quantity) in enumerate(sorted(received.items())):
            line = lines.get(int(line_id))
            if line is None:
                raise errors.InvalidQuantity(details={"line": index, "line_id": line_id})
            wanted.append((line, to_units(quantity, facts[line.sku_id].places, index=index)))
    if not wanted:
        raise errors.InvalidQuantity(details={"lines": 0})
    for line, units in wanted:
        changed = TransferLine.objects.filter(
            pk=line.pk, received__lte=F("shipped") - units
        ).update(received=F("received") + units)
        if not changed:
            raise errors.OverReceipt(
                details={
                    "line_id": line.pk,
                    "in_transit": str(
                        from_units(line.shipped - line.received, facts[line.sku_id].places)
                    ),
                }
            )
    stock_lines = [
        StockLine(
            line.sku_id,
            from_units(units, facts[line.sku_id].places),
            line.batch.code if line.batch else "",
        )
        for line, units in wanted
    ]
    _receive(
        actor, transfer.target, stock_lines, Source(MoveKind.TRANSFER_IN, SOURCE, str(transfer.pk))
    )
    outstanding = any(
        shipped > got for shipped, got in transfer.lines.values_list("shipped", "received")
    )
    status = TransferStatus.PARTLY_RECEIVED if outstanding else TransferStatus.RECEIVED
    Transfer.objects.filter(pk=transfer.pk).update(
        status=status, closed_at=None if outstanding else clock.now()
    )
    transfer.refresh_from_db()
    audit.record_change(
        actor, "inventory.transfer_received", transfer, after={"status": transfer.status}
    )
    return transfer


@transaction.atomic
def close_short(*, actor: Actor, transfer_id: int, reason: str) -> Transfer:
    """Close an open transfer whose remaining goods will not arrive (差异关闭)."""
    transfer = _open(actor, transfer_id, "inventory.stock.receive")
    text = (reason or "").strip()[:200]
    if not text:
        raise errors.ReasonRequired(details={"field": "reason"})
    Transfer.objects.filter(pk=transfer.pk).update(
        status=TransferStatus.CLOSED_SHORT, discrepancy_reason=text, closed_at=clock.now()
    )
    transfer.refresh_from_db()
    missing = [
        [sku, shipped - got]
        for sku, shipped, got in transfer.lines.values_list("sku_id", "shipped", "received")
        if shipped > got
    ]
    audit.record_change(
        actor,
        "inventory.transfer_closed_short",
        transfer,
        after={"reason": text, "missing": missing},
    )
    return transfer


def in_transit(warehouse_ids: Sequence[int]) -> dict[tuple[int, int], int]:
    """(target warehouse, SKU) → quantity on its way there (minor units)."""
    out: dict[tuple[int, int], int] = {}
    for target, sku, shipped, got in TransferLine.objects.filter(
        transfer__target_id__in=list(warehouse_ids), transfer__status__in=OPEN
    ).values_list("transfer__target_id", "sku_id", "shipped", "received"):
        out[(target, sku)] = out.get((target, sku), 0) + shipped - got
    return out
