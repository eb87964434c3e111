"""Products (SPU) and their SKUs: create with a spec matrix, update, change status.

A product's spec attributes, e.g. ``{"规格": ["500ml", "1L"], "口味": ["原味", "无糖"]}``,
span a matrix; each cell is one SKU, coded ``<product code>-<n>`` (n from 1, in matrix
order: first attribute varying slowest) unless the caller gives the codes. Adding values
later creates the new cells' SKUs; values in use by a SKU cannot be removed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.db import IntegrityError, transaction

from omni.kernel import audit
from omni.kernel.actors import Actor
from omni.kernel.states import apply_transition

from .. import errors
from ..calculations import normalise_spec_attributes, sku_name, spec_matrix
from ..models import Brand, Category, Product, Sku, Unit, UnitConversion
from ..scoping import check_row_writable, scoped
from ..states import ACTION_FOR_STATUS, STATUS_FLOW, ProductStatus
from ..types import ProductRow, RowIssue, SpecCombination
from ._common import (
    UNSET,
    clean_code,
    clean_text,
    get_for_update,
    insert_unique,
    issue_error,
    reference,
    save_unique,
)
from .product_batch import other_case_codes, upsert_products
from .product_rules import (
    DESCRIPTION_MAX,
    NAME_MAX,
    SKU_NAME_MAX,
    Issue,
    normal_code,
    respec_issues,
    shelf_life_issues,
    status_issues,
    taken_by_other,
)
from .product_write import AUDIT_FIELDS

FIELDS = AUDIT_FIELDS
FLAGS = ("track_batch", "track_expiry", "track_serial", "weighed", "is_bundle")


def _clean_spec(spec: Any) -> list[dict[str, Any]]:
    try:
        return normalise_spec_attributes(spec)
    except (ValueError, TypeError, KeyError) as exc:
        raise errors.invalid("invalid_spec", reason=str(exc)) from None


def _refuse(issues: Sequence[Issue]) -> None:
    """Raise the first issue of a `product_rules` rule as the single-row services do: the
    error of its code (`issue_error`, the one an Excel row of the same data gets)."""
    if issues:
        field, code, details = issues[0]
        raise issue_error(RowIssue(0, field, code, tuple(details.items())), {})


def _sku_codes(
    product_code: str, given: Sequence[str] | None, combos: int, existing: set[str] = frozenset()
) -> list[str]:
    if given is None:
        codes, n = [], 1
        while len(codes) < combos:
            code = f"{product_code}-{n}"
            if code not in existing:
                codes.append(code)
            n += 1
        return codes
    if isinstance(given, str) or len(given) != combos:
        raise errors.invalid("invalid_spec", reason="sku_codes_count", expected=combos)
    codes = [clean_code(c, model=Sku, field="sku_codes") for c in given]
    if len(set(codes)) != len(codes):
        raise errors.conflict("duplicate_code", field="sku_codes")
    return codes


def _check_sku_codes_free(codes: Sequence[str]) -> None:
    """No SKU has one of `codes`, nor one of them in other letter case."""
    taken = sorted(other_case_codes(Sku, codes).values())[:20]
    if taken:
        raise errors.conflict("duplicate_code", field="sku_codes", value=taken)


def _new_skus(product: Product, combos: Sequence[SpecCombination], codes: Sequence[str]) -> list:
    return Sku.objects.bulk_create(
        [
            Sku(
                product=product,
                code=code,
                name=sku_name(product.name, combo),
                spec_values=combo.as_dict,
                spec_key=combo.key,
                status=ProductStatus.ACTIVE,
            )
            for combo, code in zip(combos, codes, strict=True)
        ]
    )


def _snapshot(product: Product) -> dict[str, Any]:
    return audit.snapshot(product, FIELDS)


def _references(
    actor: Actor, *, brand_id: Any = UNSET, category_id: Any = UNSET, base_unit_id: Any = UNSET
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if brand_id is not UNSET:
        out["brand"] = (
            None
            if brand_id is None
            else reference(scoped(Brand.objects.all(), actor), brand_id, "unknown_brand")
        )
    if category_id is not UNSET:
        out["category"] = (
            None
            if category_id is None
            else reference(scoped(Category.objects.all(), actor), category_id, "unknown_category")
        )
    if base_unit_id is not UNSET:
        out["base_unit"] = reference(Unit.objects.all(), base_unit_id, "unknown_unit")
    return out


try:  # insert_rows writes with COPY on PostgreSQL: the driver's error, not Django's
    from psycopg import IntegrityError as _DriverIntegrityError

    _INTEGRITY: tuple[type[Exception], ...] = (IntegrityError, _DriverIntegrityError)
except ImportError:  # pragma: no cover (SQLite only)
    _INTEGRITY = (IntegrityError,)


@transaction.atomic(durable=True)
def create_product(
    *,
    actor: Actor,
    org_id: int,
    code: str,
    name: str,
    base_unit_id: int,
    brand_id: int | None = None,
    category_id: int | None = None,
    spec_attributes: Mapping[str, Sequence[str]] | None = None,
    sku_codes: Sequence[str] | None = None,
    description: str = "",
    track_batch: bool = False,
    track_expiry: bool = False,
    shelf_life_days: int | None = None,
    track_serial: bool = False,
    weighed: bool = False,
    is_bundle: bool = False,
) -> Product:
    """Create a product and one SKU per cell of its spec matrix: the rows of one product
    through `product_batch.upsert_products`, so the rules and codes are those of a bulk
    write (an Excel import)."""
    actor.require("catalog.product.create")
    code = normal_code(code)
    if org_id is None or isinstance(org_id, bool):
        raise errors.invalid("unknown_org", org_id=org_id)
    combos = spec_matrix(_clean_spec(spec_attributes))
    if sku_codes is not None and (isinstance(sku_codes, str) or len(sku_codes) != len(combos)):
        raise errors.invalid("invalid_spec", reason="sku_codes_count", expected=len(combos))
    codes = (
        [f"{code}-{n}" for n in range(1, len(combos) + 1)]
        if sku_codes is None
        else [normal_code(c) for c in sku_codes]
    )
    rows = [
        ProductRow(
            product_code=code,
            product_name=name,
            base_unit=base_unit_id,
            sku_code=sku_code,
            brand=brand_id,
            category=category_id,
            spec=combo.values,
            org=org_id,
            description=description or "",
            track_batch=bool(track_batch),
            track_expiry=bool(track_expiry),
            shelf_life_days=shelf_life_days if shelf_life_days != "" else None,
            track_serial=bool(track_serial),
            weighed=bool(weighed),
            is_bundle=bool(is_bundle),
        )
        for combo, sku_code in zip(combos, codes, strict=True)
    ]
    try:
        with transaction.atomic():
            result = upsert_products(actor=actor, rows=rows, create_only=True)
    except _INTEGRITY:  # a product or SKU created by someone else meanwhile
        raise errors.conflict("duplicate_code", field="code", value=code) from None
    if result.issues:
        raise issue_error(result.issues[0])
    return Product.objects.get(code=code)


@transaction.atomic(durable=True)
def update_product(
    *,
    actor: Actor,
    product_id: int,
    code: Any = UNSET,
    name: Any = UNSET,
    brand_id: Any = UNSET,
    category_id: Any = UNSET,
    base_unit_id: Any = UNSET,
    spec_attributes: Any = UNSET,
    description: Any = UNSET,
    track_batch: Any = UNSET,
    track_expiry: Any = UNSET,
    shelf_life_days: Any = UNSET,
    track_serial: Any = UNSET,
    weighed: Any = UNSET,
    is_bundle: Any = UNSET,
) -> Product:
    """Change a product. Spec attributes may gain values (new SKUs are created for the new
    cells) and lose unused ones; the attribute names and their order are fixed."""
    actor.require("catalog.product.edit")
    product = get_for_update(scoped(Product.objects.all(), actor), product_id, "product")
    check_row_writable(actor, product)
    before = _snapshot(product)
    if code is not UNSET:
        _set_code(product, code)
    if name is not UNSET:
        product.name = clean_text(name, field="name", max_length=NAME_MAX)
    if description is not UNSET:
        product.description = clean_text(
            description or "", field="description", max_length=DESCRIPTION_MAX, required=False
        )
    refs = _references(actor, brand_id=brand_id, category_id=category_id, base_unit_id=base_unit_id)
    if (
        "base_unit" in refs
        and refs["base_unit"].pk != product.base_unit_id
        and UnitConversion.objects.filter(sku__product=product).exists()
    ):
        raise errors.conflict("base_unit_in_use")
    for attr, value in refs.items():
        setattr(product, attr, value)
    for flag, value in zip(
        FLAGS, (track_batch, track_expiry, track_serial, weighed, is_bundle), strict=True
    ):
        if value is not UNSET:
            setattr(product, flag, bool(value))
    days = product.shelf_life_days if shelf_life_days is UNSET else shelf_life_days
    days = None if days == "" else days
    _refuse(shelf_life_issues(product.track_expiry, days))
    product.shelf_life_days = days
    added: list[str] = []
    if spec_attributes is not UNSET:
        added = _respec(product, _clean_spec(spec_attributes))
    save_unique(product)
    after = _snapshot(product)
    if after != before or added:
        audit.record_change(
            actor,
            "catalog.product_updated",
            product,
            before=before,
            after={**after, "skus_added": added} if added else after,
        )
    return product


def _set_code(row: Product | Sku, code: Any) -> None:
    """A new code for a product or SKU: one another row has, whatever the letter case
    (`product_rules.fold`: codes that differ only by case are one code), is a duplicate_code."""
    model = type(row)
    code = clean_code(code, model=model)
    if taken_by_other(code, row.code, other_case_codes(model, [code])):
        raise errors.conflict("duplicate_code", field="code", value=code)
    row.code = code


def _respec(product: Product, attributes: list[dict[str, Any]]) -> list[str]:
    """Apply new spec attributes (`product_rules.respec_issues`); create SKUs for the new
    cells; return their codes."""
    existing = list(product.skus.values_list("code", "spec_key", "spec_values"))
    _refuse(
        respec_issues(
            product.spec_attributes, attributes, [(c, values) for c, _k, values in existing]
        )
    )
    product.spec_attributes = attributes
    keys = {key for _c, key, _v in existing}
    combos = [c for c in spec_matrix(attributes) if c.key not in keys]
    if not combos:
        return []
    taken = set(
        Sku.objects.filter(code__startswith=f"{product.code}-").values_list("code", flat=True)
    )
    codes = _sku_codes(product.code, None, len(combos), existing=taken)
    _check_sku_codes_free(codes)
    insert_unique(
        lambda: _new_skus(product, combos, codes), error="duplicate_code", field="sku_codes"
    )
    return codes


def _clean_status(status: Any) -> str:
    _refuse(status_issues(status))  # the rule of a bulk row's status
    return status


@transaction.atomic(durable=True)
def set_product_status(*, actor: Actor, product_id: int, status: str, reason: str = "") -> Product:
    """上架 / 下架. Same status again is an `invalid_transition` (409)."""
    actor.require("catalog.product.edit")
    status = _clean_status(status)
    product = get_for_update(scoped(Product.objects.all(), actor), product_id, "product")
    check_row_writable(actor, product)
    old = apply_transition(
        Product, product.pk, STATUS_FLOW, ACTION_FOR_STATUS[status], actor=actor, reason=reason
    )
    audit.record_change(
        actor,
        "catalog.product_status_changed",
        product,
        before={"status": old},
        after={"status": status},
    )
    product.refresh_from_db()
    return product


def _sku_for_update(actor: Actor, sku_id: Any) -> Sku:
    sku = get_for_update(
        Sku.objects.select_related("product").filter(
            pk__in=scoped(Sku.objects.all(), actor, org_field="product__org").values("pk")
        ),
        sku_id,
        "sku",
    )
    check_row_writable(actor, sku.product)
    return sku


@transaction.atomic(durable=True)
def set_sku_status(*, actor: Actor, sku_id: int, status: str, reason: str = "") -> Sku:
    actor.require("catalog.product.edit")
    status = _clean_status(status)
    sku = _sku_for_update(actor, sku_id)
    old = apply_transition(
        Sku, sku.pk, STATUS_FLOW, ACTION_FOR_STATUS[status], actor=actor, reason=reason
    )
    audit.record(
        actor=actor,
        action="catalog.sku_status_changed",
        object_type="catalog.product",
        object_id=sku.product_id,
        before={f"{sku.code}.status": old},
        after={f"{sku.code}.status": status},
        org_id=sku.product.org_id,
    )
    sku.refresh_from_db()
    return sku


@transaction.atomic(durable=True)
def update_sku(*, actor: Actor, sku_id: int, code: Any = UNSET, name: Any = UNSET) -> Sku:
    actor.require("catalog.product.edit")
    sku = _sku_for_update(actor, sku_id)
    before = {"code": sku.code, "name": sku.name}
    if code is not UNSET:
        _set_code(sku, code)
    if name is not UNSET:
        sku.name = clean_text(name, field="name", max_length=SKU_NAME_MAX)
    save_unique(sku)
    after = {"code": sku.code, "name": sku.name}
    if after != before:
        audit.record(
            actor=actor,
            action="catalog.sku_updated",
            object_type="catalog.product",
            object_id=sku.product_id,
            before={f"{before['code']}.{k}": v for k, v in before.items()},
            after={f"{before['code']}.{k}": v for k, v in after.items()},
            org_id=sku.product.org_id,
        )
    return sku
