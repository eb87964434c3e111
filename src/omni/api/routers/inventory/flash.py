"""Flash-sale API (秒杀), mounted at `/api/v1/flash-sales`: sales with their pool (what is
left per bucket), a buyer's reservation answered at once (201, or 409 `sold_out`,
`limit_reached`, `not_started`, `ended`), and paying or cancelling a reservation (unpaid
ones go back to the pool after the sale's time)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Status

from omni.inventory import selectors
from omni.inventory.services import flash

from ...auth import request_actor
from ...pagination import Page, narrow, paginate
from ...schemas import ERRORS, QueryId
from .flash_schemas import (
    FlashReservationFilter,
    FlashReservationOut,
    FlashReserveIn,
    FlashSaleFilter,
    FlashSaleIn,
    FlashSaleOut,
)

router = Router()


def sale_out(s: Any, buckets: list[tuple[int, int]] | None = None) -> dict[str, Any]:
    pool = buckets if buckets is not None else selectors.flash_buckets(s)
    return {
        "id": s.pk,
        "org_id": s.org_id,
        "name": s.name,
        "warehouse_id": s.warehouse_id,
        "warehouse_code": s.warehouse.code,
        "warehouse_name": s.warehouse.name,
        "sku_id": s.sku_id,
        "sku_code": s.sku.code,
        "sku_name": s.sku.name,
        "quantity": s.quantity,
        "remaining": sum(r for _i, r in pool),
        "per_customer_limit": s.per_customer_limit,
        "starts_at": s.starts_at,
        "ends_at": s.ends_at,
        "pay_within_seconds": s.pay_within_seconds,
        "buckets": [{"index": i, "remaining": r} for i, r in pool],
        "created_by": s.created_by,
        "created_at": s.created_at,
    }


def reservation_out(r: Any) -> dict[str, Any]:
    return {
        "id": r.pk,
        "sale_id": r.sale_id,
        "customer_id": r.customer_id,
        "quantity": r.quantity,
        "status": r.status,
        "expires_at": r.expires_at,
        "created_at": r.created_at,
        "paid_at": r.paid_at,
    }


@router.get("", response={200: Page[FlashSaleOut], **ERRORS}, summary="Flash sales (秒杀)")
def list_flash_sales(request: HttpRequest, filters: Query[FlashSaleFilter]):
    qs = selectors.list_flash_sales(request_actor(request), live=filters.live)
    return paginate(qs, filters, item=sale_out)


@router.post(
    "",
    response={201: FlashSaleOut, **ERRORS},
    summary="Create a flash sale: its quantity is reserved from the warehouse's stock",
    description="409 `insufficient_stock`: less is available; 404 `unknown_warehouse`, "
    "`unknown_sku`; 422 `invalid_sale`: ends_at not after starts_at, or a SKU sold by "
    "weight (a fraction of its unit).",
)
def create_flash_sale(request: HttpRequest, payload: FlashSaleIn):
    actor = request_actor(request)
    sale = flash.create_flash_sale(
        actor=actor,
        name=payload.name,
        warehouse_id=payload.warehouse_id,
        sku_id=payload.sku_id,
        quantity=payload.quantity,
        per_customer_limit=payload.per_customer_limit,
        starts_at=payload.starts_at,
        ends_at=payload.ends_at,
        pay_within_seconds=payload.pay_within_seconds,
        buckets=payload.buckets,
    )
    return Status(201, sale_out(selectors.flash_sale_of(sale.pk)))


@router.get(
    "/reservations",
    response={200: Page[FlashReservationOut], **ERRORS},
    summary="Flash-sale reservations",
)
def list_flash_reservations(request: HttpRequest, filters: Query[FlashReservationFilter]):
    qs = selectors.list_flash_reservations(request_actor(request), sale_id=filters.sale_id)
    qs = narrow(qs, filters, status="status")
    return paginate(qs, filters, item=reservation_out)


@router.post(
    "/reservations/{flash_reservation_id}/pay",
    response={200: FlashReservationOut, **ERRORS},
    summary="Mark a reservation paid: the units stay sold",
    description="409 `reservation_closed`: it was paid, cancelled or has expired.",
)
def pay_flash_reservation(request: HttpRequest, flash_reservation_id: QueryId):
    actor = request_actor(request)
    selectors.get_flash_reservation(actor, flash_reservation_id)
    return reservation_out(flash.pay_flash(actor=actor, reservation_id=flash_reservation_id))


@router.post(
    "/reservations/{flash_reservation_id}/cancel",
    response={200: FlashReservationOut, **ERRORS},
    summary="Cancel a reservation: its units go back to the pool",
    description="409 `reservation_closed`: it was paid, cancelled or has expired.",
)
def cancel_flash_reservation(request: HttpRequest, flash_reservation_id: QueryId):
    actor = request_actor(request)
    selectors.get_flash_reservation(actor, flash_reservation_id)
    return reservation_out(flash.cancel_flash(actor=actor, reservation_id=flash_reservation_id))


@router.get("/{sale_id}", response={200: FlashSaleOut, **ERRORS}, summary="A flash sale")
def get_flash_sale(request: HttpRequest, sale_id: QueryId):
    return sale_out(selectors.get_flash_sale(request_actor(request), sale_id))


@router.post(
    "/{sale_id}/reserve",
    response={201: FlashReservationOut, **ERRORS},
    summary="Reserve in a flash sale (抢购), all of the quantity or nothing",
    description="409 `sold_out`, `limit_reached` (the customer's limit across the sale), "
    "`not_started`, `ended`; 404 `unknown_customer`: a customer outside the caller's scope "
    "(staff must name one; a dealer or store reserves for itself). Unpaid reservations go "
    "back to the pool after the sale's pay_within_seconds.",
)
def reserve_flash_sale(request: HttpRequest, sale_id: QueryId, payload: FlashReserveIn):
    row = flash.reserve_flash(
        actor=request_actor(request),
        sale_id=sale_id,
        customer_id=payload.customer_id,
        quantity=payload.quantity,
    )
    return Status(201, reservation_out(row))
