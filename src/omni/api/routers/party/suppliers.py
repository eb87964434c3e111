"""Party API: suppliers."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Query, Router, Status

from omni.party import selectors
from omni.party.services import (
    suppliers,
)

from ...auth import request_actor
from ...pagination import Page, PageIn, paginate
from ...schemas import (
    ERRORS,
    QueryId,
)
from .schemas import (
    SupplierIn,
    SupplierOut,
    SupplierUpdateIn,
)

router = Router()


# --- suppliers ----------------------------------------------------------------------------------


@router.get("/suppliers", response={200: Page[SupplierOut], **ERRORS}, summary="Suppliers")
def list_suppliers(request: HttpRequest, filters: Query[PageIn]):
    return paginate(selectors.list_suppliers(request_actor(request)), filters)


@router.put(
    "/suppliers/{supplier_id}", response={200: SupplierOut, **ERRORS}, summary="Edit a supplier"
)
def update_supplier(request: HttpRequest, supplier_id: QueryId, payload: SupplierUpdateIn):
    return suppliers.update_supplier(
        actor=request_actor(request), supplier_id=supplier_id, **payload.model_dump()
    )


@router.post("/suppliers", response={201: SupplierOut, **ERRORS}, summary="Create a supplier")
def create_supplier(request: HttpRequest, payload: SupplierIn):
    return Status(
        201, suppliers.create_supplier(actor=request_actor(request), **payload.model_dump())
    )
