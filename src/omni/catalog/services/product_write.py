"""Writing checked product rows (`product_batch.ProductBatch.write`): new products, SKUs,
barcodes and case conversions inserted in bulk (`kernel.imports.insert_rows`), changes
through bulk_update, status changes of existing SKUs through the status flow (one history
row each). The rows were checked by `product_rules.check_rows` against the same snapshot."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from omni.kernel import clock
from omni.kernel.actors import Actor
from omni.kernel.imports import insert_rows, rows_by_keys
from omni.kernel.states import apply_transition
from omni.kernel.writes import chunks

from ..models import Barcode, Product, Sku, UnitConversion
from ..states import ACTION_FOR_STATUS, STATUS_FLOW, ProductStatus
from ..types import BatchResult, ProductRow
from .product_rules import (
    ProductSnapshot,
    SeenProduct,
    merged_attributes,
    new_product_org,
    sku_label,
    spec_key,
)

_PRODUCT_CHANGES = ("name", "brand_id", "category_id", "spec_attributes")
_NEW_ONLY = (
    "description",
    "track_batch",
    "track_expiry",
    "shelf_life_days",
    "track_serial",
    "weighed",
    "is_bundle",
)
# a product's audited view (`audit.snapshot`), in every entry that shows one
AUDIT_FIELDS = (
    "org",
    "code",
    "name",
    "brand",
    "category",
    "base_unit",
    "spec_attributes",
    *_NEW_ONLY,
    "status",
)
_NEW_DEFAULTS = {"description": "", "shelf_life_days": None}


def write_rows(
    actor: Actor,
    rows: Sequence[ProductRow],
    snap: ProductSnapshot,
    seen: Mapping[str, SeenProduct],
    progress: Callable[[int], None],
) -> BatchResult:
    """Write checked rows against their snapshot. `seen`: the batch's products as
    `check_rows` recorded them over every chunk (a new product is active when a row of
    any chunk leaves a SKU active; a product an earlier chunk created is completed, not
    counted as updated); empty when the rows are the whole batch."""
    result = BatchResult()
    now = clock.wall_now()  # stands in for auto_now
    groups: dict[str, list[ProductRow]] = {}
    for row in rows:
        groups.setdefault(row.product_code, []).append(row)
    touched: set[int] = set()  # indexes of rows of existing SKUs that changed something
    first_index: dict[str, int] = {}
    for i, row in enumerate(rows):
        first_index.setdefault(row.product_code, i)

    # products: new ones inserted in bulk, changed ones updated in bulk
    new_products: list[tuple[Any, ...]] = []
    changed_products: list[Product] = []
    product_ids: dict[str, int] = {}
    product_names: dict[str, str] = {}
    updated_products = 0
    for pcode, group in groups.items():
        v = group[0]
        brand = snap.brands.get(v.brand) if v.brand not in (None, "") else None
        category = snap.categories.get(v.category) if v.category not in (None, "") else None
        current = snap.products.get(pcode)
        name = v.product_name.strip()
        fields = {
            "name": name,
            "brand_id": brand[0] if brand else None,
            "category_id": category[0] if category else None,
            "spec_attributes": merged_attributes(
                current["spec_attributes"] if current else [], group
            ),
        }
        product_names[pcode] = name
        entry = seen.get(pcode)
        if current is None:
            all_off = (
                not entry.active
                if entry is not None
                else all(r.status == ProductStatus.INACTIVE for r in group)
            )
            if entry is not None:
                entry.created = True
            new_only = [
                _NEW_DEFAULTS.get(f, False) if getattr(v, f) is None else getattr(v, f)
                for f in _NEW_ONLY
            ]
            new_products.append(
                (
                    new_product_org(snap, v),
                    pcode,
                    snap.units[v.base_unit],
                    ProductStatus.INACTIVE if all_off else ProductStatus.ACTIVE,
                    *(fields[k] for k in _PRODUCT_CHANGES),
                    *new_only,
                )
            )
        else:
            product_ids[pcode] = current["id"]
            if any(current[k] != val for k, val in fields.items()):
                changed_products.append(Product(id=current["id"], updated_at=now, **fields))
                if entry is None or not entry.created:  # else: completing its creation
                    touched.add(first_index[pcode])
                    updated_products += 1
    insert_rows(
        Product,
        ("org_id", "code", "base_unit_id", "status", *_PRODUCT_CHANGES, *_NEW_ONLY),
        new_products,
    )
    product_ids.update(_ids_by_code(Product, [p[1] for p in new_products]))
    if changed_products:
        Product.objects.bulk_update(
            changed_products, [*_PRODUCT_CHANGES, "updated_at"], batch_size=500
        )
    result.details["products_created"] = len(new_products)
    result.details["products_updated"] = updated_products

    # SKUs
    new_skus: list[tuple[Any, ...]] = []
    changed_skus: list[Sku] = []
    status_changes: list[tuple[int, str]] = []
    sku_ids: dict[str, int] = {}
    new_sku_rows: set[int] = set()
    for i, v in enumerate(rows):
        status = v.status or ProductStatus.ACTIVE
        name = sku_label(product_names[v.product_code], v.spec)
        spec_values, key = dict(v.spec), spec_key(v.spec)
        current = snap.skus.get(v.sku_code)
        if current is None:
            new_skus.append(
                (product_ids[v.product_code], v.sku_code, status, name, spec_values, key)
            )
            new_sku_rows.add(i)
            continue
        sku_ids[v.sku_code] = current["id"]
        if (current["name"], current["spec_values"], current["spec_key"]) != (
            name,
            spec_values,
            key,
        ):
            changed_skus.append(
                Sku(
                    id=current["id"],
                    name=name,
                    spec_values=spec_values,
                    spec_key=key,
                    updated_at=now,
                )
            )
            touched.add(i)
        if current["status"] != status:
            status_changes.append((current["id"], status))
            touched.add(i)
    done = 0
    for chunk in chunks(new_skus):
        insert_rows(Sku, ("product_id", "code", "status", "name", "spec_values", "spec_key"), chunk)
        done += len(chunk)
        progress(done)
    sku_ids.update(_ids_by_code(Sku, [s[1] for s in new_skus]))
    if changed_skus:
        Sku.objects.bulk_update(
            changed_skus, ["name", "spec_values", "spec_key", "updated_at"], batch_size=500
        )
    for sku_id, status in status_changes:
        apply_transition(
            Sku, sku_id, STATUS_FLOW, ACTION_FOR_STATUS[status], actor=actor, reason="import"
        )

    _write_packaging(rows, snap, sku_ids, touched, result)
    result.created = len(new_skus)
    result.updated = len(touched - new_sku_rows)
    result.unchanged = len(rows) - result.created - result.updated
    progress(len(rows))
    return result


def _write_packaging(
    rows: Sequence[ProductRow],
    snap: ProductSnapshot,
    sku_ids: dict[str, int],
    touched: set[int],
    result: BatchResult,
) -> None:
    """Barcodes (of the base unit) and case sizes."""
    existing_sku_ids = sorted(s["id"] for s in snap.skus.values())
    has_primary: set[tuple[int, int]] = set()
    conversions: dict[int, tuple[int, Decimal]] = {}
    case_unit = snap.case_unit_id
    for chunk in chunks(existing_sku_ids):
        has_primary.update(
            Barcode.objects.filter(sku_id__in=chunk, is_primary=True).values_list(
                "sku_id", "unit_id"
            )
        )
        if case_unit is not None:
            conversions.update(
                (sku_id, (cid, factor))
                for cid, sku_id, factor in UnitConversion.objects.filter(
                    sku_id__in=chunk, unit_id=case_unit
                ).values_list("id", "sku_id", "factor")
            )
    new_barcodes: list[tuple[Any, ...]] = []
    new_conversions: list[tuple[Any, ...]] = []
    changed_conversions: list[UnitConversion] = []
    for i, v in enumerate(rows):
        sku_id = sku_ids[v.sku_code]
        if v.barcode and v.barcode not in snap.barcodes:
            unit_id = snap.units[v.base_unit]
            primary = (sku_id, unit_id) not in has_primary
            new_barcodes.append((v.barcode, sku_id, unit_id, primary))
            has_primary.add((sku_id, unit_id))
            touched.add(i)
        if v.case_qty is not None and case_unit is not None:
            factor = Decimal(v.case_qty)
            current = conversions.get(sku_id)
            if current is None:
                new_conversions.append((sku_id, case_unit, factor))
                touched.add(i)
            elif current[1] != factor:
                changed_conversions.append(UnitConversion(id=current[0], factor=factor))
                touched.add(i)
    insert_rows(Barcode, ("code", "sku_id", "unit_id", "is_primary"), new_barcodes)
    insert_rows(UnitConversion, ("sku_id", "unit_id", "factor"), new_conversions)
    if changed_conversions:
        UnitConversion.objects.bulk_update(changed_conversions, ["factor"], batch_size=500)
    result.details["barcodes_created"] = len(new_barcodes)
    result.details["case_sizes_set"] = len(new_conversions) + len(changed_conversions)


def _ids_by_code(model: type[Product] | type[Sku], codes: Sequence[str]) -> dict[str, int]:
    return dict(rows_by_keys(model, "code", codes, ("code", "id")))
