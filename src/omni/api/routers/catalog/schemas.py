"""Catalog API request and response schemas.

Decimals (conversion factors, bundle quantities) travel as strings. PATCH bodies change
only the fields they contain."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from ninja import Field, Query, Schema
from pydantic import model_validator

from omni.catalog.calculations import BARCODE_MAX_LENGTH, GS1_LENGTHS, INTERNAL_CODE

from ...pagination import PageIn
from ...schemas import (
    LINE_PATTERN,
    Bool,
    Day,
    Id,
    Input,
    Int,
    QueryBool,
    QueryId,
    choices_of,
    code_of,
    line,
    line_of,
    max_length_of,
    name_of,
    rule_error,
    text,
)

StatusLiteral = choices_of("catalog.Product", "status")
EffectLiteral = choices_of("catalog.AuthorisationRule", "effect")
SubjectKindLiteral = choices_of("catalog.AuthorisationRule", "subject_kind")
TargetKindLiteral = choices_of("catalog.AuthorisationRule", "target_kind")
BrandCode = code_of("catalog.Brand")
CategoryCode = code_of("catalog.Category")
UnitCode = code_of("catalog.Unit")
ProductCode = code_of("catalog.Product")
SkuCode = code_of("catalog.Sku")
Search = line(60)


def _positive_decimal(int_digits: int, places: int) -> str:
    """A decimal string > 0 with at most `int_digits` + `places` digits (no exponent, no
    sign): the values the column (max_digits, decimal_places) holds."""
    fractions = "|".join(f"{'0' * k}[1-9][0-9]{{0,{places - 1 - k}}}" for k in range(places))
    return (
        rf"^(?:[1-9][0-9]{{0,{int_digits - 1}}}(?:\.[0-9]{{1,{places}}})?"
        rf"|0?\.(?:{fractions}))$"
    )


FACTOR = _positive_decimal(12, 6)  # UnitConversion.factor: max_digits 18, decimal_places 6
QUANTITY = _positive_decimal(14, 4)  # BundleItem.quantity: max_digits 18, decimal_places 4
# A spec attribute name or value: 1-40 characters, no "/", no control characters, no
# surrounding blanks (so two values never differ only by blanks).
_SPEC_EDGE = r"[^/\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]"
_SPEC_MID = r"[^/\x00-\x1f\x7f-\x9f\u2028\u2029]"
SPEC_TEXT = rf"^{_SPEC_EDGE}(?:{_SPEC_MID}{{0,38}}{_SPEC_EDGE})?$"
SpecText = Annotated[str, Field(pattern=SPEC_TEXT)]
SpecAttributes = Annotated[
    dict[SpecText, Annotated[list[SpecText], Field(min_length=1, max_length=50)]],
    Field(max_length=5),
]
# A barcode as the catalog takes it (calculations.barcode_kind): an all-digit GTIN of a GS1
# length (its check digit is the "barcode" format), or an internal code. Lower-case letters
# are accepted and stored in capitals.
BARCODE = "^(?:{}|{})$".format(
    "|".join(f"[0-9]{{{n}}}" for n in sorted(GS1_LENGTHS)),
    INTERNAL_CODE.pattern.strip("^$").replace("[A-Z]", "[A-Za-z]"),
)


def decimal_text(value: Decimal) -> str:
    return f"{value.normalize():f}"


def changed_fields(payload: Input) -> dict[str, Any]:
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
    org_id: Id
    code: BrandCode
    name: name_of("catalog.Brand")


class BrandPatch(Input):
    code: BrandCode = None
    name: name_of("catalog.Brand") = None
    is_active: Bool = None


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
    org_id: Id
    code: CategoryCode
    name: name_of("catalog.Category")
    parent_id: Id | None = None
    sort_order: Int(ge=-1_000_000, le=1_000_000) = 0


class CategoryPatch(Input):
    code: CategoryCode = None
    name: name_of("catalog.Category") = None
    parent_id: Id | None = Field(None, description="null makes it a root; moves the subtree")
    sort_order: Int(ge=-1_000_000, le=1_000_000) = None
    is_active: Bool = None


class UnitOut(Schema):
    id: int
    code: str
    name: str
    allows_fraction: bool


class UnitIn(Input):
    code: UnitCode
    name: name_of("catalog.Unit")
    allows_fraction: Bool = False


class UnitPatch(Input):
    name: name_of("catalog.Unit") = None
    allows_fraction: Bool = None


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
        return decimal_text(obj.factor)


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
        return decimal_text(obj.quantity)


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


ShelfLife = Int(ge=1, le=36500)
# Expiry tracking needs a shelf life (the service's shelf_life_required, as a schema rule).
_EXPIRY_NEEDS_SHELF_LIFE = {
    "anyOf": [
        {"not": {"required": ["track_expiry"]}},
        {"properties": {"track_expiry": {"const": False}}},
        {"required": ["shelf_life_days"], "properties": {"shelf_life_days": {"type": "integer"}}},
    ]
}


def _expiry_needs_shelf_life(values: Any, *, fields_set: set[str]) -> None:
    if values.track_expiry is True and (
        "shelf_life_days" not in fields_set or values.shelf_life_days is None
    ):
        raise rule_error("shelf_life_required", "track_expiry needs shelf_life_days")


def _unique_spec_values(spec: dict[str, list[str]] | None) -> None:
    for values in (spec or {}).values():
        if len(set(values)) != len(values):
            raise rule_error("invalid_spec", "the values of an attribute repeat")


def _spec_schema(schema: dict[str, Any]) -> None:
    """Attribute names follow SPEC_TEXT; the values of one attribute are unique."""
    for obj in [schema, *schema.get("anyOf", [])]:
        if obj.get("type") == "object":
            # pydantic writes patternProperties, which leaves other names allowed
            (values,) = obj.pop("patternProperties").values()
            obj["propertyNames"] = {"pattern": SPEC_TEXT}
            obj["additionalProperties"] = {**values, "uniqueItems": True}


SPEC_DESCRIPTION = (
    'e.g. {"规格": ["500ml", "1L"], "口味": ["原味", "无糖"]}: one SKU per combination '
    "(at most 1000 combinations); values of one attribute are unique"
)


class ProductIn(Input):
    model_config = {"json_schema_extra": _EXPIRY_NEEDS_SHELF_LIFE}

    org_id: Id
    code: ProductCode
    name: name_of("catalog.Product")
    base_unit_id: Id
    brand_id: Id | None = None
    category_id: Id | None = None
    spec_attributes: SpecAttributes = Field(
        default_factory=dict, description=SPEC_DESCRIPTION, json_schema_extra=_spec_schema
    )
    sku_codes: list[SkuCode] | None = Field(
        None,
        max_length=1000,
        description="codes for the SKUs in matrix order, one per combination (default <code>-n)",
    )
    description: text(2000) = ""
    track_batch: Bool = False
    track_expiry: Bool = False
    shelf_life_days: ShelfLife | None = None
    track_serial: Bool = False
    weighed: Bool = False
    is_bundle: Bool = False

    @model_validator(mode="after")
    def _rules(self) -> ProductIn:
        _expiry_needs_shelf_life(self, fields_set=self.model_fields_set)
        _unique_spec_values(self.spec_attributes)
        return self


class ProductPatch(Input):
    model_config = {"json_schema_extra": _EXPIRY_NEEDS_SHELF_LIFE}

    code: ProductCode = None
    name: name_of("catalog.Product") = None
    base_unit_id: Id = None
    brand_id: Id | None = None
    category_id: Id | None = None
    spec_attributes: SpecAttributes = Field(None, json_schema_extra=_spec_schema)
    description: text(2000) = None
    track_batch: Bool = None
    track_expiry: Bool = None
    shelf_life_days: ShelfLife | None = None
    track_serial: Bool = None
    weighed: Bool = None
    is_bundle: Bool = None

    @model_validator(mode="after")
    def _rules(self) -> ProductPatch:
        _expiry_needs_shelf_life(self, fields_set=self.model_fields_set)
        _unique_spec_values(self.spec_attributes)
        return self


class CatalogStatusIn(Input):
    status: StatusLiteral
    reason: line(500) = ""


class SkuPatch(Input):
    code: SkuCode = None
    name: name_of("catalog.Sku") = None


class BarcodeIn(Input):
    code: str = Field(
        pattern=BARCODE,
        max_length=min(BARCODE_MAX_LENGTH, max_length_of("catalog.Barcode", "code")),
        json_schema_extra={"format": "barcode"},
        examples=["6901234567892", "SKU00017"],
        description="a GTIN (EAN-8, UPC-A, EAN-13, GTIN-14) with its check digit, or an "
        "internal code: 1-4 letters then digits (SKU00017)",
    )
    unit_id: Id | None = Field(None, description="packaging level; default the base unit")
    is_primary: Bool = False


class BarcodeHitOut(Schema):
    sku_id: int
    sku_code: str
    unit_code: str
    factor: str


class ConversionIn(Input):
    factor: str = Field(pattern=FACTOR, description='base units in one of this unit, e.g. "24"')


class BundleItemIn(Input):
    component_id: Id
    quantity: str = Field(pattern=QUANTITY)


class BundleItemsIn(Input):
    items: list[BundleItemIn] = Field(max_length=200)


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


def _kind_and_id(kind: str, id_field: str, kinds: tuple[str, ...]) -> dict[str, Any]:
    """`<kind>` "all" goes with no `<id_field>` (or null); every other kind needs one."""
    others = [k for k in kinds if k != "all"]
    return {
        "anyOf": [
            {"properties": {kind: {"const": "all"}, id_field: {"type": "null"}}},
            {
                "properties": {kind: {"enum": others}, id_field: {"type": "integer"}},
                "required": [kind, id_field],
            },
        ]
    }


def _rule_kinds_schema(patch: bool) -> dict[str, Any]:
    subject = _kind_and_id("subject_kind", "subject_id", SubjectKindLiteral.__args__)
    target = _kind_and_id("target_kind", "target_id", TargetKindLiteral.__args__)
    if patch:
        # A PATCH may leave both out, or must give the kind and its id together.
        subject = {
            "anyOf": [
                {"not": {"anyOf": [{"required": ["subject_kind"]}, {"required": ["subject_id"]}]}},
                subject,
            ]
        }
        target = {
            "anyOf": [
                {"not": {"anyOf": [{"required": ["target_kind"]}, {"required": ["target_id"]}]}},
                target,
            ]
        }
    return {"allOf": [subject, target]}


def _check_kind_and_id(values: Any, kind: str, id_field: str, *, patch: bool) -> None:
    given = values.model_fields_set
    if patch and kind not in given and id_field not in given:
        return
    if kind not in given and not (values.__class__.model_fields[kind].is_required()):
        raise rule_error("invalid_rule", f"{kind} and {id_field} go together")
    kind_value, id_value = getattr(values, kind), getattr(values, id_field)
    if kind_value == "all" and id_value is not None:
        raise rule_error("invalid_rule", f"{id_field} must be empty when {kind} is all")
    if kind_value != "all" and (id_value is None or id_field not in given):
        raise rule_error("invalid_rule", f"{id_field} is required when {kind} is not all")


RULE_DATES = "valid_to is not before valid_from (refused with 422 invalid_date_range)"


class RuleIn(Input):
    model_config = {"json_schema_extra": _rule_kinds_schema(patch=False)}

    org_id: Id
    effect: EffectLiteral
    subject_kind: SubjectKindLiteral
    subject_id: Id | None = None
    target_kind: TargetKindLiteral
    target_id: Id | None = None
    valid_from: Day | None = None
    valid_to: Day | None = Field(None, description=RULE_DATES)
    note: line_of("catalog.AuthorisationRule", "note") = ""

    @model_validator(mode="after")
    def _kinds(self) -> RuleIn:
        _check_kind_and_id(self, "subject_kind", "subject_id", patch=False)
        _check_kind_and_id(self, "target_kind", "target_id", patch=False)
        return self


class RulePatch(Input):
    model_config = {"json_schema_extra": _rule_kinds_schema(patch=True)}

    effect: EffectLiteral = None
    subject_kind: SubjectKindLiteral = None
    subject_id: Id | None = None
    target_kind: TargetKindLiteral = None
    target_id: Id | None = None
    valid_from: Day | None = None
    valid_to: Day | None = Field(None, description=RULE_DATES)
    note: line_of("catalog.AuthorisationRule", "note") = None

    @model_validator(mode="after")
    def _kinds(self) -> RulePatch:
        _check_kind_and_id(self, "subject_kind", "subject_id", patch=True)
        _check_kind_and_id(self, "target_kind", "target_id", patch=True)
        return self


class BrandFilter(PageIn):
    search: Search = ""
    is_active: QueryBool | None = None


class CategoryFilter(PageIn):
    search: Search = ""
    parent_id: QueryId | None = None
    root_id: QueryId | None = Field(None, description="this category and its whole subtree")


ProductOrdering = Literal[
    "code",
    "-code",
    "name",
    "-name",
    "created_at",
    "-created_at",
    "updated_at",
    "-updated_at",
    "status",
    "-status",
]


class ProductFilter(PageIn):
    search: Search = Field("", description="code, name, SKU code or exact barcode")
    brand_id: QueryId | None = None
    category_id: QueryId | None = Field(None, description="includes subcategories")
    status: StatusLiteral | None = None
    is_bundle: QueryBool | None = None
    ordering: ProductOrdering = "code"


class SkuFilter(PageIn):
    search: Search = ""
    product_id: QueryId | None = None
    status: StatusLiteral | None = None


class RuleFilter(PageIn):
    effect: EffectLiteral | None = None
    subject_kind: SubjectKindLiteral | None = None
    target_kind: TargetKindLiteral | None = None
    customer_id: QueryId | None = None


# --- authorised catalogue (商品授权) for one customer -----------------------------------------


class AuthorisedFilter(PageIn):
    customer_id: QueryId | None = Field(
        None, description="the customer to ask for; dealer and store users: omit (their own)"
    )
    on: dt.date | None = Field(None, description="the day the authorisation applies (today)")
    search: Search = ""


BarcodeQuery = Annotated[str, Query(..., min_length=1, max_length=32, pattern=LINE_PATTERN)]
