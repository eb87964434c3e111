"""Inventory API, stock flows: transfers between warehouses (调拨) with partial receipt and
closing short, stock counts (盘点) counted blind, reorder points and the low-stock list.
Mounted on the inventory router (`/api/v1/inventory/…`)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Status

from omni.inventory import selectors
from omni.inventory.services import counts, replenishment, transfers
from omni.inventory.services.stock import StockLine, from_units

from ...auth import request_actor
from ...pagination import Page, narrow, paginate
from ...schemas import ERRORS, QueryId
from .schemas import (
    LowStockOut,
    ReorderRuleFilter,
    ReorderRuleIn,
    ReorderRuleOut,
    StockCountEntriesIn,
    StockCountFilter,
    StockCountIn,
    StockCountOut,
    StockCountSummaryOut,
    StockRecountOut,
    StockTransferCloseIn,
    StockTransferFilter,
    StockTransferIn,
    StockTransferOut,
    StockTransferReceiveIn,
)

router = Router()
SKU_RULES = " 422 `invalid_quantity`: a fraction where the SKU's base unit is whole."


def _qty(units: int, sku: Any) -> str:
    return str(from_units(units, 3 if sku.product.base_unit.allows_fraction else 0))


def transfer_out(t: Any) -> dict[str, Any]:
    return {
        "id": t.pk,
        "org_id": t.org_id,
        "source_id": t.source_id,
        "source_code": t.source.code,
        "source_name": t.source.name,
        "target_id": t.target_id,
        "target_code": t.target.code,
        "target_name": t.target.name,
        "status": t.status,
        "memo": t.memo,
        "discrepancy_reason": t.discrepancy_reason,
        "created_by": t.created_by,
        "created_at": t.created_at,
        "closed_at": t.closed_at,
        "lines": [
            {
                "id": line.pk,
                "sku_id": line.sku_id,
                "sku_code": line.sku.code,
                "sku_name": line.sku.name,
                "unit": line.sku.product.base_unit.code,
                "batch": line.batch.code if line.batch_id else "",
                "shipped": _qty(line.shipped, line.sku),
                "received": _qty(line.received, line.sku),
                "in_transit": _qty(line.shipped - line.received, line.sku),
            }
            for line in t.lines.all()
        ],
    }


def _written(transfer_id: int) -> dict[str, Any]:
    return transfer_out(selectors.transfer_of(transfer_id))


# --- transfers ----------------------------------------------------------------------------


@router.get(
    "/transfers", response={200: Page[StockTransferOut], **ERRORS}, summary="Transfers (调拨)"
)
def list_stock_transfers(request: HttpRequest, filters: Query[StockTransferFilter]):
    qs = selectors.list_transfers(request_actor(request))
    qs = narrow(qs, filters, status="status", source_id="source_id", target_id="target_id")
    return paginate(qs, filters, item=transfer_out)


@router.post(
    "/transfers",
    response={201: StockTransferOut, **ERRORS},
    summary="Ship a transfer: issued at the source, in transit to the target",
    description="Every line or none: 409 `insufficient_stock` names each short line; "
    "409 `same_warehouse` for a transfer to the warehouse it comes from; 404 "
    "`unknown_warehouse` for a warehouse outside the caller's scope." + SKU_RULES,
)
def ship_stock_transfer(request: HttpRequest, payload: StockTransferIn):
    actor = request_actor(request)
    row = transfers.ship_transfer(
        actor=actor,
        source_id=payload.source_id,
        target_id=payload.target_id,
        lines=[StockLine(x.sku_id, x.quantity, x.batch) for x in payload.lines],
        memo=payload.memo,
    )
    return Status(201, _written(row.pk))


@router.get(
    "/transfers/{stock_transfer_id}",
    response={200: StockTransferOut, **ERRORS},
    summary="A transfer",
)
def get_stock_transfer(request: HttpRequest, stock_transfer_id: QueryId):
    return transfer_out(selectors.get_transfer(request_actor(request), stock_transfer_id))


@router.post(
    "/transfers/{stock_transfer_id}/receive",
    response={200: StockTransferOut, **ERRORS},
    summary="Receive a transfer at its target, in full or in part",
    description="`lines` maps transfer line ids to what arrived; empty: everything still in "
    "transit. 409 `over_receipt`: more than is in transit on a line; 409 `transfer_closed`; "
    "422 `invalid_quantity`: a line id not of this transfer." + SKU_RULES,
)
def receive_stock_transfer(
    request: HttpRequest, stock_transfer_id: QueryId, payload: StockTransferReceiveIn
):
    actor = request_actor(request)
    transfers.receive_transfer(
        actor=actor,
        transfer_id=stock_transfer_id,
        received={int(k): v for k, v in payload.lines.items()} or None,
    )
    return _written(stock_transfer_id)


@router.post(
    "/transfers/{stock_transfer_id}/close",
    response={200: StockTransferOut, **ERRORS},
    summary="Close a transfer short: what is still in transit will not arrive (差异关闭)",
)
def close_stock_transfer(
    request: HttpRequest, stock_transfer_id: QueryId, payload: StockTransferCloseIn
):
    actor = request_actor(request)
    transfers.close_short(actor=actor, transfer_id=stock_transfer_id, reason=payload.reason)
    return _written(stock_transfer_id)


# --- stock counts -------------------------------------------------------------------------


def count_summary(c: Any) -> dict[str, Any]:
    return {
        "id": c.pk,
        "org_id": c.org_id,
        "warehouse_id": c.warehouse_id,
        "warehouse_code": c.warehouse.code,
        "warehouse_name": c.warehouse.name,
        "kind": c.kind,
        "status": c.status,
        "note": c.note,
        "created_by": c.created_by,
        "created_at": c.created_at,
        "decided_by": c.decided_by,
        "decided_at": c.decided_at,
    }


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def count_out(actor: Any, count_id: int) -> dict[str, Any]:
    view = selectors.count_view(actor, count_id)
    return {
        **count_summary(view.count),
        "blind": view.blind,
        "actions": view.actions,
        "lines": [
            {
                "id": x.id,
                "sku_id": x.sku_id,
                "sku_code": x.sku_code,
                "sku_name": x.sku_name,
                "unit": x.unit,
                "batch": x.batch,
                "round": x.round,
                "mine": _text(x.mine),
                "agreed": x.agreed,
                "counted": _text(x.counted),
                "book": _text(x.book),
                "variance": _text(x.variance),
                "recount": x.recount,
                "entries": [
                    {"counter": e.counter, "round": e.round, "quantity": str(e.quantity)}
                    for e in x.entries
                ],
            }
            for x in view.lines
        ],
    }


@router.get(
    "/counts", response={200: Page[StockCountSummaryOut], **ERRORS}, summary="Stock counts (盘点)"
)
def list_stock_counts(request: HttpRequest, filters: Query[StockCountFilter]):
    qs = selectors.list_counts(request_actor(request))
    qs = narrow(qs, filters, status="status", warehouse_id="warehouse_id")
    return paginate(qs, filters, item=count_summary)


@router.post(
    "/counts",
    response={201: StockCountOut, **ERRORS},
    summary="Start a stock count: the counted SKUs are locked until it ends",
    description="409 `sku_locked`: another open count holds some of the SKUs; 422 "
    "`invalid_quantity`: a partial or quick count without SKUs; 404 `unknown_sku`.",
)
def start_stock_count(request: HttpRequest, payload: StockCountIn):
    actor = request_actor(request)
    row = counts.start_count(
        actor=actor,
        warehouse_id=payload.warehouse_id,
        kind=payload.kind,
        sku_ids=payload.sku_ids,
        note=payload.note,
    )
    return Status(201, count_out(actor, row.pk))


@router.get(
    "/counts/{count_id}",
    response={200: StockCountOut, **ERRORS},
    summary="A stock count with its lines",
    description="Blind for counters: `book`, `counted`, `variance` and the other counters' "
    "entries are null or empty unless the caller holds inventory.stock.adjust.",
)
def get_stock_count(request: HttpRequest, count_id: QueryId):
    return count_out(request_actor(request), count_id)


@router.post(
    "/counts/{count_id}/entries",
    response={200: StockCountOut, **ERRORS},
    summary="Enter one counter's figures",
    description="409 `already_counted`: this counter entered a line in this round; 409 "
    "`count_closed`; 422 `invalid_quantity`: a line id not of this count." + SKU_RULES,
)
def enter_stock_counts(request: HttpRequest, count_id: QueryId, payload: StockCountEntriesIn):
    actor = request_actor(request)
    counts.enter_counts(
        actor=actor,
        count_id=count_id,
        quantities={int(k): v for k, v in payload.quantities.items()},
    )
    return count_out(actor, count_id)


@router.post(
    "/counts/{count_id}/recount",
    response={200: StockRecountOut, **ERRORS},
    summary="Ask a recount of the lines whose counters disagree",
)
def recount_stock_count(request: HttpRequest, count_id: QueryId):
    ids = counts.request_recount(actor=request_actor(request), count_id=count_id)
    return {"line_ids": ids}


@router.post(
    "/counts/{count_id}/approve",
    response={200: StockCountOut, **ERRORS},
    summary="Approve a count: each difference is posted as a move, the SKUs are unlocked",
    description="409 `own_count`: the approver counted; 409 `count_incomplete`: lines not "
    "agreed; 409 `insufficient_stock`: a line counted below what is reserved.",
)
def approve_stock_count(request: HttpRequest, count_id: QueryId):
    actor = request_actor(request)
    counts.approve_count(actor=actor, count_id=count_id)
    return count_out(actor, count_id)


@router.post(
    "/counts/{count_id}/cancel",
    response={200: StockCountOut, **ERRORS},
    summary="Cancel a count: the SKUs are unlocked, nothing is posted",
)
def cancel_stock_count(request: HttpRequest, count_id: QueryId):
    actor = request_actor(request)
    counts.cancel_count(actor=actor, count_id=count_id)
    return count_out(actor, count_id)


# --- reorder points -----------------------------------------------------------------------


def rule_out(r: Any) -> dict[str, Any]:
    return {
        "id": r.pk,
        "warehouse_id": r.warehouse_id,
        "warehouse_code": r.warehouse.code,
        "warehouse_name": r.warehouse.name,
        "sku_id": r.sku_id,
        "sku_code": r.sku.code,
        "sku_name": r.sku.name,
        "unit": r.sku.product.base_unit.code,
        "safety_stock": _qty(r.safety_stock, r.sku),
        "reorder_point": _qty(r.reorder_point, r.sku),
        "updated_by": r.updated_by,
        "updated_at": r.updated_at,
    }


@router.get(
    "/reorder-rules",
    response={200: Page[ReorderRuleOut], **ERRORS},
    summary="Safety stock and reorder points (安全库存 / 补货点)",
)
def list_reorder_rules(request: HttpRequest, filters: Query[ReorderRuleFilter]):
    qs = selectors.list_reorder_rules(request_actor(request), warehouse_id=filters.warehouse_id)
    return paginate(qs, filters, item=rule_out)


@router.put(
    "/reorder-rules",
    response={200: ReorderRuleOut, **ERRORS},
    summary="Set a SKU's safety stock and reorder point in a warehouse",
    description="422 `invalid_quantity`: the reorder point below the safety stock, or a "
    "fraction where the SKU's base unit is whole.",
)
def set_reorder_rule(request: HttpRequest, payload: ReorderRuleIn):
    from omni.inventory.models import ReorderRule

    rule = replenishment.set_reorder_rule(
        actor=request_actor(request),
        warehouse_id=payload.warehouse_id,
        sku_id=payload.sku_id,
        safety_stock=payload.safety_stock,
        reorder_point=payload.reorder_point,
    )
    row = ReorderRule.objects.select_related("warehouse", "sku", "sku__product__base_unit").get(
        pk=rule.pk
    )
    return rule_out(row)


@router.get(
    "/low-stock",
    response={200: list[LowStockOut], **ERRORS},
    summary="SKUs at or below their reorder point, below safety stock first",
)
def list_low_stock(request: HttpRequest):
    return [
        {
            "rule_id": x.rule_id,
            "warehouse_id": x.warehouse_id,
            "warehouse_name": x.warehouse,
            "sku_id": x.sku_id,
            "sku_code": x.sku,
            "sku_name": x.sku_name,
            "available": str(x.available),
            "safety_stock": str(x.safety_stock),
            "reorder_point": str(x.reorder_point),
            "below_safety": x.below_safety,
        }
        for x in selectors.low_stock(request_actor(request))
    ]
