"""Catalog API: products and their SKUs."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Query, Router, Status

from omni.catalog import filters as catalog_filters
from omni.catalog import selectors
from omni.catalog.services import products
from omni.kernel.filters import build

from ...auth import request_actor
from ...pagination import Page, paginate
from ...schemas import (
    ERRORS,
    QueryId,
)
from .schemas import (
    CatalogStatusIn,
    ProductDetailOut,
    ProductFilter,
    ProductIn,
    ProductOut,
    ProductPatch,
    SkuFilter,
    SkuOut,
    SkuPatch,
    changed_fields,
)

router = Router()


# --- products -----------------------------------------------------------------------------


@router.get("/products", response={200: Page[ProductOut], **ERRORS}, summary="Products")
def list_products(request: HttpRequest, filters: Query[ProductFilter]):
    qs = selectors.list_products(
        actor=request_actor(request),
        filters=build(catalog_filters.ProductFilter, filters.model_dump()),
    )
    return paginate(qs.order_by(filters.ordering, "id"), filters)


@router.post(
    "/products",
    response={201: ProductDetailOut, **ERRORS},
    summary="Create a product and its SKUs (one per spec combination)",
)
def create_product(request: HttpRequest, payload: ProductIn):
    actor = request_actor(request)
    product = products.create_product(actor=actor, **payload.model_dump())
    return Status(201, selectors.get_product(actor=actor, product_id=product.pk))


@router.get(
    "/products/{product_id}",
    response={200: ProductDetailOut, **ERRORS},
    summary="One product with SKUs, conversions, barcodes and bundle items",
)
def get_product(request: HttpRequest, product_id: QueryId):
    return selectors.get_product(actor=request_actor(request), product_id=product_id)


@router.patch(
    "/products/{product_id}",
    response={200: ProductDetailOut, **ERRORS},
    summary="Change a product (added spec values create SKUs)",
)
def update_product(request: HttpRequest, product_id: QueryId, payload: ProductPatch):
    actor = request_actor(request)
    products.update_product(actor=actor, product_id=product_id, **changed_fields(payload))
    return selectors.get_product(actor=actor, product_id=product_id)


@router.post(
    "/products/{product_id}/status",
    response={200: ProductDetailOut, **ERRORS},
    summary="Activate or deactivate a product (上架/下架)",
)
def set_product_status(request: HttpRequest, product_id: QueryId, payload: CatalogStatusIn):
    actor = request_actor(request)
    products.set_product_status(
        actor=actor, product_id=product_id, status=payload.status, reason=payload.reason
    )
    return selectors.get_product(actor=actor, product_id=product_id)


# --- SKUs, barcodes, conversions, bundles -------------------------------------------------


@router.get("/skus", response={200: Page[SkuOut], **ERRORS}, summary="SKUs")
def list_skus(request: HttpRequest, filters: Query[SkuFilter]):
    qs = selectors.list_skus(
        actor=request_actor(request),
        search=filters.search,
        product_id=filters.product_id,
        status=filters.status,
    )
    return paginate(qs, filters)


@router.get("/skus/{sku_id}", response={200: SkuOut, **ERRORS}, summary="One SKU")
def get_sku(request: HttpRequest, sku_id: QueryId):
    return selectors.get_sku(actor=request_actor(request), sku_id=sku_id)


@router.patch("/skus/{sku_id}", response={200: SkuOut, **ERRORS}, summary="Rename or recode a SKU")
def update_sku(request: HttpRequest, sku_id: QueryId, payload: SkuPatch):
    return products.update_sku(
        actor=request_actor(request), sku_id=sku_id, **changed_fields(payload)
    )


@router.post(
    "/skus/{sku_id}/status", response={200: SkuOut, **ERRORS}, summary="Activate or deactivate"
)
def set_sku_status(request: HttpRequest, sku_id: QueryId, payload: CatalogStatusIn):
    return products.set_sku_status(
        actor=request_actor(request), sku_id=sku_id, status=payload.status, reason=payload.reason
    )
