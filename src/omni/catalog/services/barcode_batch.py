"""Barcodes written in bulk: `upsert_barcodes(*, actor, rows) -> BatchResult`.

One `BarcodeRow` per barcode. A barcode already on the SKU and unit is unchanged (or takes
the primary flag); on another SKU it is a duplicate. The rules are
`barcode_rules.check_rows`: when a row is refused nothing is written. Lookups take one
query per kind of reference (and per chunk of codes); inserts go through
`kernel.imports.insert_rows`.

`barcodes.add_barcode` (page, API) calls this with one row; the barcodes Excel importer with
the rows of a file.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import transaction
from django.db.models import Q

from omni.kernel import audit
from omni.kernel.actors import Actor
from omni.kernel.imports import insert_rows, rows_by_keys
from omni.kernel.writes import chunks

from ..models import Barcode, Sku, Unit, UnitConversion
from ..scoping import scoped, writable_q
from ..types import BarcodeRow, BatchResult, Ref
from ._common import check_batch
from .barcode_rules import BarcodeSnapshot, check_rows, plan, valid_barcode
from .product_batch import _refs

PERMISSIONS = ("catalog.product.import", "catalog.product.edit")
_SKU_COLUMNS = ("id", "code", "product_id", "product__base_unit_id", "product__org_id")
_SKU_FIELDS = ("id", "code", "product_id", "base_unit_id", "org_id")


def _skus(actor: Actor, refs: Iterable[Ref]) -> dict[Ref, dict[str, Any]]:
    codes, ids = _refs(refs)
    visible = scoped(Sku.objects.all(), actor, "product__org")
    found: dict[Ref, dict[str, Any]] = {}
    for key, values in (("code", codes), ("pk", ids)):
        for chunk in chunks(values):
            for row in visible.filter(**{f"{key}__in": chunk}).values_list(*_SKU_COLUMNS):
                sku = dict(zip(_SKU_FIELDS, row, strict=True))
                found[sku["code"] if key == "code" else sku["id"]] = sku
    return found


def load_snapshot(actor: Actor, rows: Sequence[BarcodeRow]) -> BarcodeSnapshot:
    snap = BarcodeSnapshot(skus=_skus(actor, (r.sku for r in rows)))
    ids = sorted({s["id"] for s in snap.skus.values()})
    writable = writable_q(actor, "product__org")
    for chunk in chunks(ids):
        qs = Sku.objects.filter(pk__in=chunk)
        snap.writable.update(
            (qs if writable is None else qs.filter(writable)).values_list("id", flat=True)
        )
        snap.conversions.update(
            UnitConversion.objects.filter(sku_id__in=chunk).values_list("sku_id", "unit_id")
        )
        snap.primaries.update(
            ((sku, unit), code)
            for sku, unit, code in Barcode.objects.filter(
                sku_id__in=chunk, is_primary=True
            ).values_list("sku_id", "unit_id", "code")
        )
    codes, unit_ids = _refs(r.unit for r in rows)
    units = list(
        Unit.objects.filter(Q(code__in=codes) | Q(name__in=codes) | Q(pk__in=unit_ids)).values_list(
            "id", "code", "name"
        )
    )
    for uid, _code, name in units:  # names first, so that codes win
        snap.units.setdefault(name, uid)
    for uid, code, _name in units:
        snap.units[code] = uid
        snap.units[uid] = uid
    barcodes = sorted({c for r in rows if (c := valid_barcode(r.code))})
    snap.barcodes.update(
        (code, (sku, unit, primary))
        for code, sku, unit, primary in rows_by_keys(
            Barcode, "code", barcodes, ("code", "sku_id", "unit_id", "is_primary")
        )
    )
    return snap


def check_barcodes(*, actor: Actor, rows: Sequence[BarcodeRow]) -> BatchResult:
    """The refused rows of `rows`, writing nothing (an import's validation pass)."""
    _snap, answer = check_batch(actor, rows, PERMISSIONS, load_snapshot, check_rows)
    return answer or BatchResult()


@transaction.atomic
def upsert_barcodes(
    *,
    actor: Actor,
    rows: Sequence[BarcodeRow],
    create_only: bool = False,
    audit_rows: bool = True,
) -> BatchResult:
    """Add barcodes and move primary flags; all rows or none (see `BatchResult.issues`).

    Runs in the caller's transaction when there is one (an import job's). `audit_rows`: one
    audit entry per barcode added, on its product (an import job writes one for the file).
    `create_only`: a barcode that exists is a duplicate_barcode."""
    snap, answer = check_batch(
        actor, rows, PERMISSIONS, load_snapshot, check_rows, create_only=create_only
    )
    if answer is not None:
        return answer
    changes = plan(rows, snap)
    # the previous primaries step down first (one primary per SKU and unit at any time)
    for chunk in chunks(changes.demote):
        Barcode.objects.filter(code__in=chunk).update(is_primary=False)
    for chunk in chunks(changes.promote):
        Barcode.objects.filter(code__in=chunk).update(is_primary=True)
    insert_rows(Barcode, ("code", "sku_id", "unit_id", "is_primary"), changes.new)
    result = BatchResult(created=len(changes.new), updated=len(changes.promote))
    result.unchanged = len(rows) - result.created - result.updated
    result.details["primaries_replaced"] = len(changes.demote)
    if audit_rows and changes.new:
        _audit_added(actor, snap, changes.new)
    return result


def _audit_added(actor: Actor, snap: BarcodeSnapshot, new: Sequence[tuple[Any, ...]]) -> None:
    skus = {s["id"]: s for s in snap.skus.values()}
    names = dict(Unit.objects.filter(pk__in={n[2] for n in new}).values_list("id", "name"))
    for code, sku_id, unit_id, primary in new:
        sku = skus[sku_id]
        label = f"{sku['code']} / {names[unit_id]}" + (" *" if primary else "")
        audit.record(
            actor=actor,
            action="catalog.barcode_added",
            object_type="catalog.product",
            object_id=sku["product_id"],
            after={f"barcode {code}": label},
            org_id=sku["org_id"],
        )
