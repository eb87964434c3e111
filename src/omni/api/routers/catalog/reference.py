"""Catalog API: brands, categories and units of measure."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Query, Router, Status

from omni.catalog import selectors
from omni.catalog.services import brands, categories, units

from ...auth import request_actor
from ...pagination import Page, PageIn, paginate
from ...schemas import (
    ERRORS,
    QueryId,
)
from .schemas import (
    BrandFilter,
    BrandIn,
    BrandOut,
    BrandPatch,
    CategoryFilter,
    CategoryIn,
    CategoryOut,
    CategoryPatch,
    UnitIn,
    UnitOut,
    UnitPatch,
    changed_fields,
)

router = Router()


# --- brands -------------------------------------------------------------------------------


@router.get("/brands", response={200: Page[BrandOut], **ERRORS}, summary="Brands")
def list_brands(request: HttpRequest, filters: Query[BrandFilter]):
    qs = selectors.list_brands(
        actor=request_actor(request), search=filters.search, is_active=filters.is_active
    )
    return paginate(qs, filters)


@router.post("/brands", response={201: BrandOut, **ERRORS}, summary="Create a brand")
def create_brand(request: HttpRequest, payload: BrandIn):
    return Status(201, brands.create_brand(actor=request_actor(request), **payload.model_dump()))


@router.get("/brands/{brand_id}", response={200: BrandOut, **ERRORS}, summary="One brand")
def get_brand(request: HttpRequest, brand_id: QueryId):
    return selectors.get_brand(actor=request_actor(request), brand_id=brand_id)


@router.patch("/brands/{brand_id}", response={200: BrandOut, **ERRORS}, summary="Change a brand")
def update_brand(request: HttpRequest, brand_id: QueryId, payload: BrandPatch):
    return brands.update_brand(
        actor=request_actor(request), brand_id=brand_id, **changed_fields(payload)
    )


# --- categories ---------------------------------------------------------------------------


@router.get(
    "/categories", response={200: Page[CategoryOut], **ERRORS}, summary="Categories in tree order"
)
def list_categories(request: HttpRequest, filters: Query[CategoryFilter]):
    qs = selectors.list_categories(
        actor=request_actor(request),
        search=filters.search,
        parent_id=filters.parent_id,
        root_id=filters.root_id,
    )
    return paginate(qs, filters)


@router.post("/categories", response={201: CategoryOut, **ERRORS}, summary="Create a category")
def create_category(request: HttpRequest, payload: CategoryIn):
    return Status(
        201, categories.create_category(actor=request_actor(request), **payload.model_dump())
    )


@router.get(
    "/categories/{category_id}", response={200: CategoryOut, **ERRORS}, summary="One category"
)
def get_category(request: HttpRequest, category_id: QueryId):
    return selectors.get_category(actor=request_actor(request), category_id=category_id)


@router.patch(
    "/categories/{category_id}",
    response={200: CategoryOut, **ERRORS},
    summary="Change or move a category",
)
def update_category(request: HttpRequest, category_id: QueryId, payload: CategoryPatch):
    return categories.update_category(
        actor=request_actor(request), category_id=category_id, **changed_fields(payload)
    )


# --- units --------------------------------------------------------------------------------


@router.get("/units", response={200: Page[UnitOut], **ERRORS}, summary="Units of measure")
def list_units(request: HttpRequest, filters: Query[PageIn]):
    return paginate(selectors.list_units(actor=request_actor(request)), filters)


@router.post("/units", response={201: UnitOut, **ERRORS}, summary="Create a unit")
def create_unit(request: HttpRequest, payload: UnitIn):
    return Status(201, units.create_unit(actor=request_actor(request), **payload.model_dump()))


@router.get("/units/{unit_id}", response={200: UnitOut, **ERRORS}, summary="One unit")
def get_unit(request: HttpRequest, unit_id: QueryId):
    return selectors.get_unit(actor=request_actor(request), unit_id=unit_id)


@router.patch("/units/{unit_id}", response={200: UnitOut, **ERRORS}, summary="Change a unit")
def update_unit(request: HttpRequest, unit_id: QueryId, payload: UnitPatch):
    return units.update_unit(
        actor=request_actor(request), unit_id=unit_id, **changed_fields(payload)
    )
