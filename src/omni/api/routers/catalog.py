"""Catalog API: brands, categories, units, products with their SKUs, barcodes, unit
conversions, bundle items, and product authorisation rules.

Decimals (conversion factors, bundle quantities) travel as strings. PATCH bodies change
only the fields they contain."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from django.db.models import Q
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from omni.catalog import selectors
from omni.catalog.services import authorisation, barcodes, brands, categories, products, units
from omni.catalog.types import AuthorisationSubject
from omni.kernel.errors import NotFound
from omni.party import selectors as party_selectors

from ..auth import request_actor
from ..pagination import PageIn, paginate
from ..schemas import ERRORS, Input

router = Router()

CODE = r"^[A-Za-z0-9._-]{1,32}$"
SKU_CODE = r"^[A-Za-z0-9._-]{1,40}$"
DECIMAL = r"^\d{1,12}(\.\d{1,6})?$"
StatusLiteral = Literal["active", "inactive"]


def _dec(value: Decimal) -> str:
    return f"{value.normalize():f}"


def _changes(payload: Input) -> dict[str, Any]:
    return payload.model_dump(exclude_unset=True)


# --- schemas ------------------------------------------------------------------------------


class CatalogRefOut(Schema):
    id: int
    code: str
    name: str


class BrandOut(Schema):
    id: int
    org_id: int
    code: str
    name: str
    is_active: bool
    created_at: dt.datetime
    updated_at: dt.datetime


class BrandIn(Input):
    org_id: int
    code: str = Field(pattern=CODE)
    name: str = Field(min_length=1, max_length=100)


class BrandPatch(Input):
    code: str = Field(None, pattern=CODE)
    name: str = Field(None, min_length=1, max_length=100)
    is_active: bool = None


class CategoryOut(Schema):
    id: int
    org_id: int
    code: str
    name: str
    parent_id: int | None
    path: str
    depth: int
    sort_order: int
    is_active: bool


class CategoryIn(Input):
    org_id: int
    code: str = Field(pattern=CODE)
    name: str = Field(min_length=1, max_length=60)
    parent_id: int | None = None
    sort_order: int = Field(0, ge=-1_000_000, le=1_000_000)


class CategoryPatch(Input):
    code: str = Field(None, pattern=CODE)
    name: str = Field(None, min_length=1, max_length=60)
    parent_id: int | None = Field(None, description="null makes it a root; moves the subtree")
    sort_order: int = Field(None, ge=-1_000_000, le=1_000_000)
    is_active: bool = None


class UnitOut(Schema):
    id: int
    code: str
    name: str
    allows_fraction: bool


class UnitIn(Input):
    code: str = Field(pattern=r"^[A-Za-z0-9._-]{1,16}$")
    name: str = Field(min_length=1, max_length=20)
    allows_fraction: bool = False


class UnitPatch(Input):
    name: str = Field(None, min_length=1, max_length=20)
    allows_fraction: bool = None


class ConversionOut(Schema):
    unit_id: int
    unit_code: str
    unit_name: str
    factor: str

    @staticmethod
    def resolve_unit_code(obj: Any) -> str:
        return obj.unit.code

    @staticmethod
    def resolve_unit_name(obj: Any) -> str:
        return obj.unit.name

    @staticmethod
    def resolve_factor(obj: Any) -> str:
        return _dec(obj.factor)


class BarcodeOut(Schema):
    id: int
    code: str
    sku_id: int
    unit_id: int
    is_primary: bool


class BundleItemOut(Schema):
    component_id: int
    component_code: str
    quantity: str

    @staticmethod
    def resolve_component_code(obj: Any) -> str:
        return obj.component.code

    @staticmethod
    def resolve_quantity(obj: Any) -> str:
        return _dec(obj.quantity)


class SkuOut(Schema):
    id: int
    product_id: int
    code: str
    name: str
    spec_values: dict[str, str]
    status: str
    created_at: dt.datetime
    updated_at: dt.datetime


class SkuDetailOut(SkuOut):
    conversions: list[ConversionOut]
    barcodes: list[BarcodeOut]
    bundle_items: list[BundleItemOut]

    @staticmethod
    def resolve_conversions(obj: Any) -> list:
        return list(obj.conversions.all())

    @staticmethod
    def resolve_barcodes(obj: Any) -> list:
        return list(obj.barcodes.all())

    @staticmethod
    def resolve_bundle_items(obj: Any) -> list:
        return list(obj.bundle_items.all())


class ProductOut(Schema):
    id: int
    org_id: int
    code: str
    name: str
    brand: CatalogRefOut | None
    category: CatalogRefOut | None
    base_unit: CatalogRefOut
    spec_attributes: dict[str, list[str]]
    track_batch: bool
    track_expiry: bool
    shelf_life_days: int | None
    track_serial: bool
    weighed: bool
    is_bundle: bool
    status: str
    sku_count: int = 0
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_spec_attributes(obj: Any) -> dict[str, list[str]]:
        return obj.spec_dict


class ProductDetailOut(ProductOut):
    description: str
    skus: list[SkuDetailOut]

    @staticmethod
    def resolve_skus(obj: Any) -> list:
        return list(obj.skus.all())

    @staticmethod
    def resolve_sku_count(obj: Any) -> int:
        return len(obj.skus.all())


class ProductIn(Input):
    org_id: int
    code: str = Field(pattern=CODE)
    name: str = Field(min_length=1, max_length=120)
    base_unit_id: int
    brand_id: int | None = None
    category_id: int | None = None
    spec_attributes: dict[str, list[str]] = Field(
        default_factory=dict,
        max_length=5,
        description='e.g. {"规格": ["500ml", "1L"], "口味": ["原味", "无糖"]}: one SKU per '
        "combination",
    )
    sku_codes: list[str] | None = Field(
        None, max_length=1000, description="codes for the SKUs in matrix order (default <code>-n)"
    )
    description: str = Field("", max_length=2000)
    track_batch: bool = False
    track_expiry: bool = False
    shelf_life_days: int | None = Field(None, ge=1, le=36500)
    track_serial: bool = False
    weighed: bool = False
    is_bundle: bool = False


class ProductPatch(Input):
    code: str = Field(None, pattern=CODE)
    name: str = Field(None, min_length=1, max_length=120)
    base_unit_id: int = None
    brand_id: int | None = None
    category_id: int | None = None
    spec_attributes: dict[str, list[str]] = Field(None, max_length=5)
    description: str = Field(None, max_length=2000)
    track_batch: bool = None
    track_expiry: bool = None
    shelf_life_days: int | None = Field(None, ge=1, le=36500)
    track_serial: bool = None
    weighed: bool = None
    is_bundle: bool = None


class CatalogStatusIn(Input):
    status: StatusLiteral
    reason: str = Field("", max_length=500)


class SkuPatch(Input):
    code: str = Field(None, pattern=SKU_CODE)
    name: str = Field(None, min_length=1, max_length=200)


class BarcodeIn(Input):
    code: str = Field(min_length=1, max_length=32)
    unit_id: int | None = Field(None, description="packaging level; default the base unit")
    is_primary: bool = False


class BarcodeHitOut(Schema):
    sku_id: int
    sku_code: str
    unit_code: str
    factor: str


class ConversionIn(Input):
    factor: str = Field(pattern=DECIMAL, description='base units in one of this unit, e.g. "24"')


class BundleItemIn(Input):
    component_id: int
    quantity: str = Field(pattern=DECIMAL)


class BundleItemsIn(Input):
    items: list[BundleItemIn] = Field(max_length=200)


SubjectKindLiteral = Literal["all", "customer_class", "customer_level", "sales_region", "customer"]
TargetKindLiteral = Literal["all", "brand", "category", "product", "sku"]


class RuleOut(Schema):
    id: int
    org_id: int
    effect: str
    subject_kind: str
    subject_id: int | None
    target_kind: str
    target_id: int | None
    valid_from: dt.date | None
    valid_to: dt.date | None
    note: str
    created_at: dt.datetime
    updated_at: dt.datetime


class RuleIn(Input):
    org_id: int
    effect: Literal["include", "exclude"]
    subject_kind: SubjectKindLiteral
    subject_id: int | None = None
    target_kind: TargetKindLiteral
    target_id: int | None = None
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    note: str = Field("", max_length=200)


class RulePatch(Input):
    effect: Literal["include", "exclude"] = None
    subject_kind: SubjectKindLiteral = None
    subject_id: int | None = None
    target_kind: TargetKindLiteral = None
    target_id: int | None = None
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    note: str = Field(None, max_length=200)


def _page(item: type[Schema], name: str) -> type[Schema]:
    return type(
        name,
        (Schema,),
        {"__annotations__": {"items": list[item], "total": int, "page": int, "page_size": int}},
    )


BrandPage = _page(BrandOut, "BrandPage")
CategoryPage = _page(CategoryOut, "CategoryPage")
UnitPage = _page(UnitOut, "UnitPage")
ProductPage = _page(ProductOut, "ProductPage")
SkuPage = _page(SkuOut, "SkuPage")
RulePage = _page(RuleOut, "RulePage")


class BrandFilter(PageIn):
    search: str = Field("", max_length=60)
    is_active: bool | None = None


class CategoryFilter(PageIn):
    search: str = Field("", max_length=60)
    parent_id: int | None = None
    root_id: int | None = Field(None, description="this category and its whole subtree")


class ProductFilter(PageIn):
    search: str = Field("", max_length=60, description="code, name, SKU code or exact barcode")
    brand_id: int | None = None
    category_id: int | None = Field(None, description="includes subcategories")
    status: StatusLiteral | None = None
    is_bundle: bool | None = None
    ordering: str = Field("code", pattern="^-?(code|name|created_at|updated_at|status)$")


class SkuFilter(PageIn):
    search: str = Field("", max_length=60)
    product_id: int | None = None
    status: StatusLiteral | None = None


class RuleFilter(PageIn):
    effect: Literal["include", "exclude"] | None = None
    subject_kind: SubjectKindLiteral | None = None
    target_kind: TargetKindLiteral | None = None
    customer_id: int | None = None


# --- brands -------------------------------------------------------------------------------


@router.get("/brands", response={200: BrandPage, **ERRORS}, summary="Brands")
def list_brands(request: HttpRequest, filters: Query[BrandFilter]):
    qs = selectors.list_brands(
        actor=request_actor(request), search=filters.search, is_active=filters.is_active
    )
    return paginate(qs, filters)


@router.post("/brands", response={201: BrandOut, **ERRORS}, summary="Create a brand")
def create_brand(request: HttpRequest, payload: BrandIn):
    return Status(201, brands.create_brand(actor=request_actor(request), **payload.model_dump()))


@router.get("/brands/{brand_id}", response={200: BrandOut, **ERRORS}, summary="One brand")
def get_brand(request: HttpRequest, brand_id: int):
    return selectors.get_brand(actor=request_actor(request), brand_id=brand_id)


@router.patch("/brands/{brand_id}", response={200: BrandOut, **ERRORS}, summary="Change a brand")
def update_brand(request: HttpRequest, brand_id: int, payload: BrandPatch):
    return brands.update_brand(actor=request_actor(request), brand_id=brand_id, **_changes(payload))


# --- categories ---------------------------------------------------------------------------


@router.get(
    "/categories", response={200: CategoryPage, **ERRORS}, summary="Categories in tree order"
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
def get_category(request: HttpRequest, category_id: int):
    return selectors.get_category(actor=request_actor(request), category_id=category_id)


@router.patch(
    "/categories/{category_id}",
    response={200: CategoryOut, **ERRORS},
    summary="Change or move a category",
)
def update_category(request: HttpRequest, category_id: int, payload: CategoryPatch):
    return categories.update_category(
        actor=request_actor(request), category_id=category_id, **_changes(payload)
    )


# --- units --------------------------------------------------------------------------------


@router.get("/units", response={200: UnitPage, **ERRORS}, summary="Units of measure")
def list_units(request: HttpRequest, filters: Query[PageIn]):
    return paginate(selectors.list_units(actor=request_actor(request)), filters)


@router.post("/units", response={201: UnitOut, **ERRORS}, summary="Create a unit")
def create_unit(request: HttpRequest, payload: UnitIn):
    return Status(201, units.create_unit(actor=request_actor(request), **payload.model_dump()))


@router.get("/units/{unit_id}", response={200: UnitOut, **ERRORS}, summary="One unit")
def get_unit(request: HttpRequest, unit_id: int):
    return selectors.get_unit(actor=request_actor(request), unit_id=unit_id)


@router.patch("/units/{unit_id}", response={200: UnitOut, **ERRORS}, summary="Change a unit")
def update_unit(request: HttpRequest, unit_id: int, payload: UnitPatch):
    return units.update_unit(actor=request_actor(request), unit_id=unit_id, **_changes(payload))


# --- products -----------------------------------------------------------------------------


@router.get("/products", response={200: ProductPage, **ERRORS}, summary="Products")
def list_products(request: HttpRequest, filters: Query[ProductFilter]):
    qs = selectors.list_products(
        actor=request_actor(request),
        search=filters.search,
        brand_id=filters.brand_id,
        category_id=filters.category_id,
        status=filters.status,
        is_bundle=filters.is_bundle,
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
def get_product(request: HttpRequest, product_id: int):
    return selectors.get_product(actor=request_actor(request), product_id=product_id)


@router.patch(
    "/products/{product_id}",
    response={200: ProductDetailOut, **ERRORS},
    summary="Change a product (added spec values create SKUs)",
)
def update_product(request: HttpRequest, product_id: int, payload: ProductPatch):
    actor = request_actor(request)
    products.update_product(actor=actor, product_id=product_id, **_changes(payload))
    return selectors.get_product(actor=actor, product_id=product_id)


@router.post(
    "/products/{product_id}/status",
    response={200: ProductDetailOut, **ERRORS},
    summary="Activate or deactivate a product (上架/下架)",
)
def set_product_status(request: HttpRequest, product_id: int, payload: CatalogStatusIn):
    actor = request_actor(request)
    products.set_product_status(
        actor=actor, product_id=product_id, status=payload.status, reason=payload.reason
    )
    return selectors.get_product(actor=actor, product_id=product_id)


# --- authorised catalogue (商品授权) for one customer -----------------------------------------


class AuthorisedFilter(PageIn):
    customer_id: int | None = Field(
        None, description="the customer to ask for; dealer and store users: omit (their own)"
    )
    on: dt.date | None = Field(None, description="the day the authorisation applies (today)")
    search: str = Field("", max_length=60)


@router.get(
    "/authorised-skus",
    response={200: SkuPage, **ERRORS},
    summary="The SKUs a customer may see and order (product authorisation)",
)
def authorised_skus(request: HttpRequest, filters: Query[AuthorisedFilter]):
    """Brand staff ask for a customer in their data scope; a dealer or store user gets
    their own customer's catalogue (another customer id answers 404)."""
    actor = request_actor(request)
    actor.require("catalog.product.view")
    customer_id = filters.customer_id or actor.scope.bound_customer_id
    if customer_id is None:
        raise NotFound(details={"customer_id": "required for users not bound to a customer"})
    customer = party_selectors.get_customer(actor, customer_id)
    ref = party_selectors.customer_ref(customer)
    subject = AuthorisationSubject(
        customer_id=ref.id,
        org_id=ref.org_id,
        org_path=ref.org_path,
        class_id=ref.class_id,
        level_id=ref.level_id,
        sales_region_id=ref.sales_region_id,
    )
    qs = selectors.authorised_skus(subject, on=filters.on).order_by("code")
    if filters.search:
        qs = qs.filter(Q(code__icontains=filters.search) | Q(name__icontains=filters.search))
    return paginate(qs, filters)


# --- SKUs, barcodes, conversions, bundles -------------------------------------------------


@router.get("/skus", response={200: SkuPage, **ERRORS}, summary="SKUs")
def list_skus(request: HttpRequest, filters: Query[SkuFilter]):
    qs = selectors.list_skus(
        actor=request_actor(request),
        search=filters.search,
        product_id=filters.product_id,
        status=filters.status,
    )
    return paginate(qs, filters)


@router.get("/skus/{sku_id}", response={200: SkuOut, **ERRORS}, summary="One SKU")
def get_sku(request: HttpRequest, sku_id: int):
    return selectors.get_sku(actor=request_actor(request), sku_id=sku_id)


@router.patch("/skus/{sku_id}", response={200: SkuOut, **ERRORS}, summary="Rename or recode a SKU")
def update_sku(request: HttpRequest, sku_id: int, payload: SkuPatch):
    return products.update_sku(actor=request_actor(request), sku_id=sku_id, **_changes(payload))


@router.post(
    "/skus/{sku_id}/status", response={200: SkuOut, **ERRORS}, summary="Activate or deactivate"
)
def set_sku_status(request: HttpRequest, sku_id: int, payload: CatalogStatusIn):
    return products.set_sku_status(
        actor=request_actor(request), sku_id=sku_id, status=payload.status, reason=payload.reason
    )


@router.post(
    "/skus/{sku_id}/barcodes", response={201: BarcodeOut, **ERRORS}, summary="Add a barcode"
)
def add_barcode(request: HttpRequest, sku_id: int, payload: BarcodeIn):
    barcode = barcodes.add_barcode(
        actor=request_actor(request), sku_id=sku_id, **payload.model_dump()
    )
    return Status(201, barcode)


@router.delete("/barcodes/{barcode_id}", response={204: None, **ERRORS}, summary="Remove a barcode")
def remove_barcode(request: HttpRequest, barcode_id: int):
    barcodes.remove_barcode(actor=request_actor(request), barcode_id=barcode_id)
    return Status(204, None)


@router.get(
    "/barcode-lookup",
    response={200: BarcodeHitOut, **ERRORS},
    summary="What a scanned barcode is: SKU, packaging unit, base units per scan",
)
def lookup_barcode(request: HttpRequest, code: str = Query(..., min_length=1, max_length=32)):
    hit = selectors.find_barcode(actor=request_actor(request), code=code)
    if hit is None:
        raise NotFound(details={"object": "barcode", "code": code})
    return BarcodeHitOut(
        sku_id=hit.sku_id, sku_code=hit.sku_code, unit_code=hit.unit_code, factor=_dec(hit.factor)
    )


@router.put(
    "/skus/{sku_id}/conversions/{unit_id}",
    response={200: ConversionOut, **ERRORS},
    summary="Set how many base units one `unit` holds (箱 = 24 瓶)",
)
def set_conversion(request: HttpRequest, sku_id: int, unit_id: int, payload: ConversionIn):
    conversion = barcodes.set_unit_conversion(
        actor=request_actor(request), sku_id=sku_id, unit_id=unit_id, factor=payload.factor
    )
    return conversion


@router.delete(
    "/skus/{sku_id}/conversions/{unit_id}",
    response={204: None, **ERRORS},
    summary="Remove a unit conversion",
)
def remove_conversion(request: HttpRequest, sku_id: int, unit_id: int):
    barcodes.remove_unit_conversion(actor=request_actor(request), sku_id=sku_id, unit_id=unit_id)
    return Status(204, None)


@router.put(
    "/skus/{sku_id}/bundle-items",
    response={200: list[BundleItemOut], **ERRORS},
    summary="Replace the components of a bundle SKU",
)
def set_bundle_items(request: HttpRequest, sku_id: int, payload: BundleItemsIn):
    barcodes.set_bundle_items(
        actor=request_actor(request),
        bundle_sku_id=sku_id,
        items=[(i.component_id, i.quantity) for i in payload.items],
    )
    sku = selectors.get_sku(actor=request_actor(request), sku_id=sku_id)
    return list(sku.bundle_items.select_related("component").order_by("id"))


# --- authorisation rules ------------------------------------------------------------------


@router.get(
    "/authorisation-rules", response={200: RulePage, **ERRORS}, summary="Authorisation rules"
)
def list_rules(request: HttpRequest, filters: Query[RuleFilter]):
    qs = selectors.list_authorisation_rules(
        actor=request_actor(request),
        effect=filters.effect,
        subject_kind=filters.subject_kind,
        target_kind=filters.target_kind,
        customer_id=filters.customer_id,
    )
    return paginate(qs, filters)


@router.post("/authorisation-rules", response={201: RuleOut, **ERRORS}, summary="Create a rule")
def create_rule(request: HttpRequest, payload: RuleIn):
    rule = authorisation.create_authorisation_rule(
        actor=request_actor(request), **payload.model_dump()
    )
    return Status(201, rule)


@router.get("/authorisation-rules/{rule_id}", response={200: RuleOut, **ERRORS}, summary="One rule")
def get_rule(request: HttpRequest, rule_id: int):
    return selectors.get_authorisation_rule(actor=request_actor(request), rule_id=rule_id)


@router.patch(
    "/authorisation-rules/{rule_id}", response={200: RuleOut, **ERRORS}, summary="Change a rule"
)
def update_rule(request: HttpRequest, rule_id: int, payload: RulePatch):
    return authorisation.update_authorisation_rule(
        actor=request_actor(request), rule_id=rule_id, **_changes(payload)
    )


@router.delete(
    "/authorisation-rules/{rule_id}", response={204: None, **ERRORS}, summary="Delete a rule"
)
def delete_rule(request: HttpRequest, rule_id: int):
    authorisation.delete_authorisation_rule(actor=request_actor(request), rule_id=rule_id)
    return Status(204, None)
