"""Catalog API: barcodes, unit conversions and bundle items of SKUs."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Status

from omni.catalog import selectors
from omni.catalog.services import barcodes
from omni.kernel.errors import NotFound

from ...auth import request_actor
from ...schemas import (
    ERRORS,
    QueryId,
)
from .schemas import (
    BarcodeHitOut,
    BarcodeIn,
    BarcodeOut,
    BarcodeQuery,
    BundleItemOut,
    BundleItemsIn,
    ConversionIn,
    ConversionOut,
    decimal_text,
)

router = Router()


@router.post(
    "/skus/{sku_id}/barcodes", response={201: BarcodeOut, **ERRORS}, summary="Add a barcode"
)
def add_barcode(request: HttpRequest, sku_id: QueryId, payload: BarcodeIn):
    barcode = barcodes.add_barcode(
        actor=request_actor(request), sku_id=sku_id, **payload.model_dump()
    )
    return Status(201, barcode)


@router.delete("/barcodes/{barcode_id}", response={204: None, **ERRORS}, summary="Remove a barcode")
def remove_barcode(request: HttpRequest, barcode_id: QueryId):
    barcodes.remove_barcode(actor=request_actor(request), barcode_id=barcode_id)
    return Status(204, None)


@router.get(
    "/barcode-lookup",
    response={200: BarcodeHitOut, **ERRORS},
    summary="What a scanned barcode is: SKU, packaging unit, base units per scan",
)
def lookup_barcode(request: HttpRequest, code: BarcodeQuery):
    hit = selectors.find_barcode(actor=request_actor(request), code=code)
    if hit is None:
        raise NotFound(details={"object": "barcode", "code": code})
    return BarcodeHitOut(
        sku_id=hit.sku_id,
        sku_code=hit.sku_code,
        unit_code=hit.unit_code,
        factor=decimal_text(hit.factor),
    )


@router.put(
    "/skus/{sku_id}/conversions/{unit_id}",
    response={200: ConversionOut, **ERRORS},
    summary="Set how many base units one `unit` holds (箱 = 24 瓶)",
)
def set_conversion(request: HttpRequest, sku_id: QueryId, unit_id: QueryId, payload: ConversionIn):
    conversion = barcodes.set_unit_conversion(
        actor=request_actor(request), sku_id=sku_id, unit_id=unit_id, factor=payload.factor
    )
    return conversion


@router.delete(
    "/skus/{sku_id}/conversions/{unit_id}",
    response={204: None, **ERRORS},
    summary="Remove a unit conversion",
)
def remove_conversion(request: HttpRequest, sku_id: QueryId, unit_id: QueryId):
    barcodes.remove_unit_conversion(actor=request_actor(request), sku_id=sku_id, unit_id=unit_id)
    return Status(204, None)


@router.put(
    "/skus/{sku_id}/bundle-items",
    response={200: list[BundleItemOut], **ERRORS},
    summary="Replace the components of a bundle SKU",
)
def set_bundle_items(request: HttpRequest, sku_id: QueryId, payload: BundleItemsIn):
    barcodes.set_bundle_items(
        actor=request_actor(request),
        bundle_sku_id=sku_id,
        items=[(i.component_id, i.quantity) for i in payload.items],
    )
    sku = selectors.get_sku(actor=request_actor(request), sku_id=sku_id)
    return list(sku.bundle_items.select_related("component").order_by("id"))
