"""Inventory API: warehouses, stock and the stock-move ledger, availability of a SKU across
the caller's warehouses, receipts, issues and adjustments, reservations (预占) with release
and issue. Quantities are decimal strings in the SKU's base unit."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Status

from omni.inventory import errors, selectors
from omni.inventory.services import reservations, stock, warehouses
from omni.inventory.services.stock import StockLine, from_units
from omni.kernel import clock

from ...auth import request_actor
from ...pagination import Page, narrow, paginate
from ...schemas import ERRORS, QueryId
from .schemas import (
    AvailabilityOut,
    AvailabilityQuery,
    IssueIn,
    MoveFilter,
    MoveOut,
    MovesOut,
    ReceiptIn,
    ReservationFilter,
    ReservationOut,
    ReserveIn,
    StockAdjustmentIn,
    StockFilter,
    StockOut,
    WarehouseFilter,
    WarehouseIn,
    WarehouseOut,
)

router = Router()
# Refusals that depend on the SKU named, which a schema cannot say (ARCHITECTURE.md §5).
SKU_RULES = " 422 `invalid_quantity`: a fraction where the SKU's base unit is whole."
RECEIPT_RULES = SKU_RULES + " 422 `batch_required`: a batch-managed SKU without a batch."


def _places(sku: Any) -> int:
    return 3 if sku.product.base_unit.allows_fraction else 0


def _qty(units: int, sku: Any) -> str:
    return str(from_units(units, _places(sku)))


def _batch(batch: Any) -> str:
    return batch.code if batch is not None else ""


def warehouse_out(w: Any) -> dict[str, Any]:
    return {
        "id": w.pk,
        "org_id": w.org_id,
        "org_name": w.org.name,
        "code": w.code,
        "name": w.name,
        "kind": w.kind,
        "customer_id": w.customer_id,
        "district_code": w.district_code,
        "coverage": list(w.coverage or []),
        "status": w.status,
        "created_at": w.created_at,
    }


def stock_out(s: Any) -> dict[str, Any]:
    return {
        "id": s.pk,
        "warehouse_id": s.warehouse_id,
        "warehouse_code": s.warehouse.code,
        "warehouse_name": s.warehouse.name,
        "sku_id": s.sku_id,
        "sku_code": s.sku.code,
        "sku_name": s.sku.name,
        "unit": s.sku.product.base_unit.code,
        "batch": _batch(s.batch),
        "produced_on": s.batch.produced_on if s.batch is not None else None,
        "expires_on": s.batch.expires_on if s.batch is not None else None,
        "on_hand": _qty(s.on_hand, s.sku),
        "reserved": _qty(s.reserved, s.sku),
        "available": _qty(s.on_hand - s.reserved, s.sku),
    }


def move_out(m: Any) -> dict[str, Any]:
    s = m.stock
    return {
        "id": m.pk,
        "warehouse_id": s.warehouse_id,
        "warehouse_code": s.warehouse.code,
        "warehouse_name": s.warehouse.name,
        "sku_id": s.sku_id,
        "sku_code": s.sku.code,
        "sku_name": s.sku.name,
        "unit": s.sku.product.base_unit.code,
        "batch": _batch(s.batch),
        "kind": m.kind,
        "quantity": _qty(m.quantity, s.sku),
        "on_hand_after": _qty(m.on_hand_after, s.sku),
        "source_type": m.source_type,
        "source_id": m.source_id,
        "memo": m.memo,
        "actor_name": m.actor_name,
        "business_date": m.business_date,
        "created_at": m.created_at,
    }


def reservation_out(r: Any) -> dict[str, Any]:
    lines = []
    for line in r.lines.all():
        s = line.stock
        lines.append(
            {
                "warehouse_id": s.warehouse_id,
                "warehouse_code": s.warehouse.code,
                "warehouse_name": s.warehouse.name,
                "sku_id": s.sku_id,
                "sku_code": s.sku.code,
                "sku_name": s.sku.name,
                "unit": s.sku.product.base_unit.code,
                "batch": _batch(s.batch),
                "quantity": _qty(line.quantity, s.sku),
            }
        )
    return {
        "id": r.pk,
        "org_id": r.org_id,
        "source_type": r.source_type,
        "source_id": r.source_id,
        "status": r.status,
        "expires_at": r.expires_at,
        "created_by": r.created_by,
        "created_at": r.created_at,
        "ended_at": r.ended_at,
        "lines": lines,
    }


def _moves(warehouse_id: int, moves: list) -> dict[str, Any]:
    return {
        "warehouse_id": warehouse_id,
        "moves": [move_out(m) for m in selectors.written_moves(moves)],
    }


# --- warehouses ---------------------------------------------------------------------------


@router.get("/warehouses", response={200: Page[WarehouseOut], **ERRORS}, summary="Warehouses")
def list_warehouses(request: HttpRequest, filters: Query[WarehouseFilter]):
    qs = selectors.list_warehouses(request_actor(request))
    qs = narrow(qs, filters, org_id="org_id", kind="kind", status="status")
    return paginate(qs, filters, item=warehouse_out)


@router.post(
    "/warehouses", response={201: WarehouseOut, **ERRORS}, summary="Create a warehouse (仓库)"
)
def create_warehouse(request: HttpRequest, payload: WarehouseIn):
    actor = request_actor(request)
    row = warehouses.create_warehouse(
        actor=actor,
        org_id=payload.org_id,
        code=payload.code,
        name=payload.name,
        kind=payload.kind,
        customer_id=payload.customer_id,
        district_code=payload.district_code or "",
        coverage=payload.coverage,
    )
    row.refresh_from_db()
    return Status(201, warehouse_out(row))


@router.get(
    "/warehouses/{warehouse_id}", response={200: WarehouseOut, **ERRORS}, summary="A warehouse"
)
def get_warehouse(request: HttpRequest, warehouse_id: QueryId):
    return warehouse_out(selectors.get_warehouse(request_actor(request), warehouse_id))


# --- stock, moves, availability -----------------------------------------------------------


@router.get(
    "/stock",
    response={200: Page[StockOut], **ERRORS},
    summary="Stock per warehouse, SKU and batch: on hand, reserved, available",
)
def list_stock(request: HttpRequest, filters: Query[StockFilter]):
    qs = selectors.list_stock(
        request_actor(request),
        warehouse_id=filters.warehouse_id,
        sku_id=filters.sku_id,
        low_only=filters.low_only,
    )
    return paginate(qs, filters, item=stock_out)


@router.get(
    "/moves", response={200: Page[MoveOut], **ERRORS}, summary="The stock-move ledger (库存流水)"
)
def list_moves(request: HttpRequest, filters: Query[MoveFilter]):
    qs = selectors.list_moves(
        request_actor(request),
        warehouse_id=filters.warehouse_id,
        sku_id=filters.sku_id,
        kind=filters.kind,
        date_from=filters.date_from,
        date_to=filters.date_to,
        source_type=filters.source_type,
        source_id=filters.source_id,
    )
    return paginate(qs, filters, item=move_out)


def _sku_id(actor: Any, query: AvailabilityQuery) -> int:
    """The SKU named by `sku_id`, or by `sku` (its code in any case, else its id)."""
    if query.sku_id is not None:
        return query.sku_id
    pk = selectors.find_sku_id(actor, query.sku or "")
    if pk is None:
        raise errors.UnknownSku(details={"sku": query.sku})
    return pk


@router.get(
    "/availability",
    response={200: AvailabilityOut, **ERRORS},
    summary="Availability of a SKU across the caller's warehouses (可用库存)",
    description="Name the SKU by `sku_id`, or by `sku` (code or id); 404 `unknown_sku` for "
    "none or an unknown one. Available excludes closed warehouses and expired batches.",
)
def get_availability(request: HttpRequest, query: Query[AvailabilityQuery]):
    actor = request_actor(request)
    sku_id = _sku_id(actor, query)
    found = selectors.availability(actor, sku_id)
    return {
        "sku_id": found.sku_id,
        "sku_code": found.sku_code,
        "sku_name": found.sku_name,
        "unit": found.unit,
        "on_hand": str(found.on_hand),
        "reserved": str(found.reserved),
        "available": str(found.available),
        "warehouses": [
            {
                "warehouse_id": w.warehouse_id,
                "warehouse_code": w.code,
                "warehouse_name": w.name,
                "status": w.status,
                "on_hand": str(w.on_hand),
                "reserved": str(w.reserved),
                "available": str(w.available),
            }
            for w in found.warehouses
        ],
    }


# --- receipts, issues, adjustments --------------------------------------------------------


@router.post(
    "/receipts",
    response={201: MovesOut, **ERRORS},
    summary="Receive stock (入库)",
    description="Every line or none." + RECEIPT_RULES,
)
def create_receipt(request: HttpRequest, payload: ReceiptIn):
    moves = stock.receive(
        actor=request_actor(request),
        warehouse_id=payload.warehouse_id,
        lines=[
            StockLine(x.sku_id, x.quantity, x.batch, x.produced_on, x.expires_on)
            for x in payload.lines
        ],
        source_type=payload.source_type,
        source_id=payload.source_id,
        memo=payload.memo,
    )
    return Status(201, _moves(payload.warehouse_id, moves))


@router.post(
    "/issues",
    response={201: MovesOut, **ERRORS},
    summary="Issue stock (出库) from what is available",
    description="409 `insufficient_stock`: `details.lines` names each short line with what "
    "is available; nothing is issued. 409 `batch_expired`: a named batch has expired." + SKU_RULES,
)
def create_issue(request: HttpRequest, payload: IssueIn):
    moves = stock.issue(
        actor=request_actor(request),
        warehouse_id=payload.warehouse_id,
        lines=[StockLine(x.sku_id, x.quantity, x.batch) for x in payload.lines],
        source_type=payload.source_type,
        source_id=payload.source_id,
        memo=payload.memo,
    )
    return Status(201, _moves(payload.warehouse_id, moves))


@router.post("/adjustments", response={201: MovesOut, **ERRORS}, summary="Adjust stock (库存调整)")
def create_adjustment(request: HttpRequest, payload: StockAdjustmentIn):
    moves = stock.adjust(
        actor=request_actor(request),
        warehouse_id=payload.warehouse_id,
        line=StockLine(payload.sku_id, Decimal(payload.quantity), payload.batch),
        reason=payload.reason,
    )
    return Status(201, _moves(payload.warehouse_id, moves))


# --- reservations -------------------------------------------------------------------------


@router.get("/reservations", response={200: Page[ReservationOut], **ERRORS}, summary="Reservations")
def list_reservations(request: HttpRequest, filters: Query[ReservationFilter]):
    qs = selectors.list_reservations(request_actor(request))
    qs = narrow(qs, filters, status="status", source_type="source_type", source_id="source_id")
    return paginate(qs, filters, item=reservation_out)


@router.post(
    "/reservations",
    response={201: ReservationOut, **ERRORS},
    summary="Reserve stock for a document (预占)",
    description="All lines or none: 409 `insufficient_stock` names each short line; "
    "409 `already_reserved` when the document holds a different open reservation; "
    "404 `unknown_warehouse` for a warehouse outside the caller's scope." + SKU_RULES,
)
def create_reservation(request: HttpRequest, payload: ReserveIn):
    expires_at = None
    if payload.expires_in_minutes is not None:
        expires_at = clock.now() + dt.timedelta(minutes=payload.expires_in_minutes)
    row = reservations.reserve(
        actor=request_actor(request),
        source_type=payload.source_type,
        source_id=payload.source_id,
        lines=[
            reservations.ReserveLine(x.warehouse_id, x.sku_id, x.quantity, x.batch)
            for x in payload.lines
        ],
        expires_at=expires_at,
    )
    return Status(201, reservation_out(selectors.reservation_of(row.pk)))


@router.get(
    "/reservations/{reservation_id}",
    response={200: ReservationOut, **ERRORS},
    summary="A reservation",
)
def get_reservation(request: HttpRequest, reservation_id: QueryId):
    return reservation_out(selectors.get_reservation(request_actor(request), reservation_id))


@router.post(
    "/reservations/{reservation_id}/release",
    response={200: ReservationOut, **ERRORS},
    summary="Release a reservation: its quantities are available again",
)
def release_reservation(request: HttpRequest, reservation_id: QueryId):
    reservations.release(actor=request_actor(request), reservation_id=reservation_id)
    return reservation_out(selectors.reservation_of(reservation_id))


@router.post(
    "/reservations/{reservation_id}/issue",
    response={200: ReservationOut, **ERRORS},
    summary="Issue what a reservation holds (出库): on hand and reserved go down together",
)
def issue_reservation(request: HttpRequest, reservation_id: QueryId):
    reservations.issue_reserved(actor=request_actor(request), reservation_id=reservation_id)
    return reservation_out(selectors.reservation_of(reservation_id))


from . import flash, flows  # noqa: E402, F401  (stock flows; the flash-sale router)

router.add_router("", flows.router)
