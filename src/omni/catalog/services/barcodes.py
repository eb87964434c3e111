"""Barcodes (条码), unit conversions (包装换算) and bundle items (组合商品) of a SKU.

Their audit entries are written against the product ("catalog.product", product id) so the
product's change history shows them.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.db import transaction

from omni.kernel import audit
from omni.kernel.actors import Actor

from .. import errors
from ..models import Barcode, BundleItem, Sku, Unit, UnitConversion
from ..scoping import check_row_writable, scoped
from ..types import BarcodeRow
from ._common import clean_decimal, get_for_update, insert_unique, issue_error, reference
from .barcode_batch import upsert_barcodes
from .barcode_rules import valid_barcode
from .products import _INTEGRITY, _sku_for_update

FACTOR_PLACES = 6
QUANTITY_PLACES = 4


def _record(actor: Actor, sku: Sku, action: str, before: Any, after: Any) -> None:
    audit.record(
        actor=actor,
        action=action,
        object_type="catalog.product",
        object_id=sku.product_id,
        before=before,
        after=after,
        org_id=sku.product.org_id,
    )


def clean_barcode(code: Any) -> str:
    """The one barcode rule of every write path (page, API, Excel): NFKC, trimmed, capitals;
    a GTIN with a right check digit or an internal code (`calculations.INTERNAL_CODE`)."""
    text = valid_barcode(code)
    if text is None:
        raise errors.invalid("invalid_barcode", value=str(code)[:64])
    return text


# a barcode row's field → the argument of `add_barcode` it comes from
_ARGUMENTS = {"code": "code", "sku": "sku_id", "unit": "unit_id", "primary": "is_primary"}


@transaction.atomic(durable=True)
def add_barcode(
    *, actor: Actor, sku_id: int, code: str, unit_id: int | None = None, is_primary: bool = False
) -> Barcode:
    """Label one packaging level of a SKU: one row through `barcode_batch.upsert_barcodes`
    (its rules and codes are an Excel row's). The first barcode of a unit becomes its
    primary; `is_primary` takes the flag from the previous one."""
    actor.require("catalog.product.edit")
    code = clean_barcode(code)
    sku = _sku_for_update(actor, sku_id)  # the SKU in the URL: 404 / 403 before the body
    row = BarcodeRow(sku=sku.pk, code=code, unit=unit_id, primary=bool(is_primary))
    try:
        with transaction.atomic():
            result = upsert_barcodes(actor=actor, rows=[row], create_only=True)
    except _INTEGRITY:  # the same barcode added by someone else meanwhile
        raise errors.conflict("duplicate_barcode", code=code) from None
    if result.issues:
        raise issue_error(result.issues[0], _ARGUMENTS)
    return Barcode.objects.get(code=code)


@transaction.atomic(durable=True)
def remove_barcode(*, actor: Actor, barcode_id: int) -> None:
    actor.require("catalog.product.edit")
    barcode = get_for_update(
        Barcode.objects.select_related("unit").filter(
            pk__in=scoped(Barcode.objects.all(), actor, "sku__product__org").values("pk")
        ),
        barcode_id,
        "barcode",
    )
    sku = Sku.objects.select_related("product").get(pk=barcode.sku_id)
    check_row_writable(actor, sku.product)
    barcode.delete()
    if barcode.is_primary:
        successor = Barcode.objects.filter(sku=sku, unit_id=barcode.unit_id).order_by("id").first()
        if successor is not None:
            Barcode.objects.filter(pk=successor.pk).update(is_primary=True)
    _record(
        actor,
        sku,
        "catalog.barcode_removed",
        {f"barcode {barcode.code}": f"{sku.code} / {barcode.unit.name}"},
        None,
    )


@transaction.atomic(durable=True)
def set_unit_conversion(
    *, actor: Actor, sku_id: int, unit_id: int, factor: Decimal | str | int
) -> UnitConversion:
    """1 `unit` = `factor` base units for this SKU (箱 = 24 瓶). Creates or changes it."""
    actor.require("catalog.product.edit")
    factor = clean_decimal(factor, code="invalid_factor", field="factor", places=FACTOR_PLACES)
    sku = _sku_for_update(actor, sku_id)
    sku = Sku.objects.select_related("product").get(pk=sku.pk)
    unit = reference(Unit.objects.all(), unit_id, "unknown_unit")
    if unit.pk == sku.product.base_unit_id:
        raise errors.invalid("invalid_factor", reason="base_unit", unit=unit.code)
    current = UnitConversion.objects.filter(sku=sku, unit=unit).first()
    before = {f"{sku.code} 1{unit.name}": str(current.factor.normalize())} if current else None
    if current is None:
        conversion = insert_unique(
            lambda: UnitConversion.objects.create(sku=sku, unit=unit, factor=factor),
            error="duplicate_code",
            field="unit_id",
        )
    else:
        UnitConversion.objects.filter(pk=current.pk).update(factor=factor)
        current.factor = factor
        conversion = current
    after = {f"{sku.code} 1{unit.name}": str(factor.normalize())}
    if before != after:
        _record(actor, sku, "catalog.conversion_set", before, after)
    return conversion


@transaction.atomic(durable=True)
def remove_unit_conversion(*, actor: Actor, sku_id: int, unit_id: int) -> None:
    actor.require("catalog.product.edit")
    sku = _sku_for_update(actor, sku_id)
    conversion = UnitConversion.objects.select_related("unit").filter(sku=sku, unit_id=unit_id)
    current = conversion.first()
    if current is None:
        raise errors.not_found("unit_conversion", unit_id)
    if Barcode.objects.filter(sku=sku, unit_id=unit_id).exists():
        raise errors.conflict("unit_in_use", unit=current.unit.code)
    conversion.delete()
    _record(
        actor,
        sku,
        "catalog.conversion_removed",
        {f"{sku.code} 1{current.unit.name}": str(current.factor.normalize())},
        None,
    )


@transaction.atomic(durable=True)
def set_bundle_items(
    *, actor: Actor, bundle_sku_id: int, items: Sequence[tuple[int, Decimal | str | int]]
) -> list[BundleItem]:
    """Replace the components of a bundle SKU (its product must be a bundle)."""
    actor.require("catalog.product.edit")
    bundle = _sku_for_update(actor, bundle_sku_id)
    if not bundle.product.is_bundle:
        raise errors.invalid("not_a_bundle", sku=bundle.code)
    cleaned: dict[int, Decimal] = {}
    for component_id, quantity in items:
        qty = clean_decimal(
            quantity, code="invalid_quantity", field="quantity", places=QUANTITY_PLACES
        )
        if component_id in cleaned:
            raise errors.invalid("duplicate_component", component_id=component_id)
        cleaned[component_id] = qty
    visible_skus = scoped(Sku.objects.all(), actor, "product__org")
    components = {s.pk: s for s in visible_skus.filter(pk__in=list(cleaned))}
    missing = [c for c in cleaned if c not in components]
    if missing:
        raise errors.invalid("unknown_sku", id=missing[0])
    if bundle.pk in cleaned or bundle.pk in _contained(list(cleaned)):
        raise errors.invalid("bundle_cycle", sku=bundle.code)
    before = _items_view(bundle)
    BundleItem.objects.filter(bundle=bundle).delete()
    created = BundleItem.objects.bulk_create(
        [BundleItem(bundle=bundle, component_id=c, quantity=q) for c, q in cleaned.items()]
    )
    after = _items_view(bundle)
    if before != after:
        _record(actor, bundle, "catalog.bundle_items_set", before or None, after or None)
    return created


def _contained(sku_ids: list[int]) -> set[int]:
    """Every SKU inside these SKUs, through nested bundles (one query per nesting level)."""
    seen: set[int] = set()
    frontier = set(sku_ids)
    while frontier:
        seen |= frontier
        frontier = (
            set(
                BundleItem.objects.filter(bundle_id__in=frontier).values_list(
                    "component_id", flat=True
                )
            )
            - seen
        )
    return seen


def _items_view(bundle: Sku) -> dict[str, str]:
    rows = BundleItem.objects.filter(bundle=bundle).values_list("component__code", "quantity")
    return {f"{bundle.code} ⊃ {code}": str(qty.normalize()) for code, qty in rows}
