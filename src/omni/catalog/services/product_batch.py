"""Products and their SKUs written in bulk: `upsert_products(*, actor, rows) -> BatchResult`.

One `ProductRow` per SKU. Rows match on codes: a new product / SKU code creates, a known one
updates what differs, and a row whose product, SKU, barcode and case size are already as
given writes nothing. Lookups take one query per reference type (and per chunk of codes),
inserts go through `kernel.imports.insert_rows` and changes through bulk_update, so 100,000
rows take seconds. Status changes of existing SKUs go through the status flow (one history
row each). The rules are `product_rules.check_rows`: when a row is refused nothing is written.

`create_product` (page, API) calls this with the rows of one product. The products Excel
importer uses `ProductBatch` directly, one chunk of the file at a time: every chunk checked,
then every chunk written in the import's one transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Upper

from omni.kernel import audit
from omni.kernel.actors import Actor
from omni.kernel.imports import rows_by_keys
from omni.kernel.writes import chunks, require_any

from ..models import Barcode, Brand, Category, Product, Sku, Unit
from ..scoping import actor_scope, scoped, writable_orgs, writable_q
from ..types import BatchResult, ProductRow, Ref, RowIssue
from .product_rules import (
    ProductSnapshot,
    Seen,
    check_rows,
    fold,
)
from .product_write import AUDIT_FIELDS, write_rows

CASE_UNIT_CODES = ("case", "箱")
CASE_UNIT_NAME = "箱"
PERMISSIONS = ("catalog.product.import", "catalog.product.create", "catalog.product.edit")

_PRODUCT_FIELDS = (
    "id",
    "code",
    "org_id",
    "name",
    "brand_id",
    "category_id",
    "base_unit_id",
    "spec_attributes",
    "status",
)
_SKU_FIELDS = ("id", "code", "product_id", "name", "spec_values", "spec_key", "status")


def _refs(values: Iterable[Ref | None]) -> tuple[list[str], list[int]]:
    """The distinct codes and ids among `values` (sorted, empty values dropped)."""
    codes: set[str] = set()
    ids: set[int] = set()
    for v in values:
        if isinstance(v, bool) or v is None or v == "":
            continue
        (ids if isinstance(v, int) else codes).add(v)  # type: ignore[arg-type]
    return sorted(codes), sorted(ids)


def _lookup(qs: Any, values: Iterable[Ref | None], *fields: str) -> dict[Ref, Any]:
    """{code or id: values_list(*fields)} for the rows of `qs` named by code or id."""
    codes, ids = _refs(values)
    found: dict[Ref, Any] = {}
    for key, parts in (("code", chunks(codes)), ("pk", chunks(ids))):
        for chunk in parts:
            for row in qs.filter(**{f"{key}__in": chunk}).values_list(key, *fields):
                found[row[0]] = row[1:] if len(fields) > 1 else row[1]
    return found


def load_snapshot(
    actor: Actor, rows: Sequence[ProductRow], *, with_spec_keys: bool = True
) -> ProductSnapshot:
    snap = ProductSnapshot()
    snap.brands = _lookup(
        scoped(Brand.objects.all(), actor), (r.brand for r in rows), "id", "org_id"
    )
    snap.categories = _lookup(
        scoped(Category.objects.all(), actor), (r.category for r in rows), "id", "org_id"
    )
    unit_codes, unit_ids = _refs(r.base_unit for r in rows)
    units = list(
        Unit.objects.filter(
            Q(code__in=unit_codes)
            | Q(name__in=unit_codes)
            | Q(pk__in=unit_ids)
            | Q(code__in=CASE_UNIT_CODES)
            | Q(name=CASE_UNIT_NAME)
        ).values_list("id", "code", "name")
    )
    for uid, _code, name in units:  # names first, so that codes win
        snap.units.setdefault(name, uid)
    for uid, code, _name in units:
        snap.units[code] = uid
        snap.units[uid] = uid
    snap.case_unit_id = next(
        (uid for code in CASE_UNIT_CODES for uid, c, _n in units if c == code),
        next((uid for uid, _c, n in units if n == CASE_UNIT_NAME), None),
    )
    snap.orgs = _lookup(writable_orgs(actor), (r.org for r in rows), "id")
    scope = actor_scope(actor)
    snap.everything = scope.everything
    if actor.org_id is not None:
        snap.default_org_id = actor.org_id
    elif len(scope.org_ids) == 1:
        snap.default_org_id = next(iter(scope.org_ids))

    product_codes = sorted({r.product_code for r in rows})
    for values in rows_by_keys(Product, "code", product_codes, _PRODUCT_FIELDS):
        snap.products[values[1]] = dict(zip(_PRODUCT_FIELDS, values, strict=True))
    writable = writable_q(actor)
    if writable is None:
        snap.writable_products.update(snap.products)
    else:
        for chunk in chunks(sorted(p["id"] for p in snap.products.values())):
            snap.writable_products.update(
                Product.objects.filter(pk__in=chunk).filter(writable).values_list("code", flat=True)
            )
    for values in rows_by_keys(Sku, "code", sorted({r.sku_code for r in rows}), _SKU_FIELDS):
        snap.skus[values[1]] = dict(zip(_SKU_FIELDS, values, strict=True))
    snap.product_folds = other_case_codes(Product, [r.product_code for r in rows], snap.products)
    snap.sku_folds = other_case_codes(Sku, [r.sku_code for r in rows], snap.skus)
    if with_spec_keys:
        product_ids = sorted(p["id"] for p in snap.products.values())
        snap.spec_keys.update(
            ((pid, key), code)
            for pid, key, code in rows_by_keys(
                Sku, "product", product_ids, ("product_id", "spec_key", "code")
            )
        )
    barcodes = sorted({r.barcode for r in rows if r.barcode})
    snap.barcodes.update(rows_by_keys(Barcode, "code", barcodes, ("code", "sku_id")))
    return snap


def other_case_codes(
    model: type[Product] | type[Sku], codes: Iterable[str], exact: Iterable[str] = ()
) -> dict[str, str]:
    """Stored codes of `model` that equal one of `codes` but for letter case (and are not in
    `exact`): {folded code: stored code}. One query per chunk, on the UPPER(code) index."""
    skip = set(exact)
    folds = sorted({fold(c) for c in codes if isinstance(c, str)})
    found: dict[str, str] = {}
    for chunk in chunks(folds):
        qs = model.objects.annotate(folded=Upper("code")).filter(folded__in=chunk)
        for code in qs.values_list("code", flat=True):
            if code not in skip:
                found.setdefault(fold(code), code)
    return found


class ProductBatch:
    """One bulk write of products and SKUs, in as many chunks as the caller likes: every
    chunk is checked (`check`, indexes continuing across chunks), then written (`write`,
    inside the caller's transaction). What the rules across rows need (duplicates within
    the batch, the rows of one product agreeing, a product's status and whether an earlier
    chunk created it) is kept compactly in `seen`, so that an import of 200,000 rows holds
    one chunk of rows and snapshot at a time."""

    def __init__(self, actor: Actor, *, create_only: bool = False) -> None:
        require_any(actor, PERMISSIONS)
        self.actor, self.create_only = actor, create_only
        self.seen = Seen()

    def check(self, rows: Sequence[ProductRow]) -> list[RowIssue]:
        """The refused rows of the chunk (indexes from `seen.rows`), writing nothing."""
        snap = load_snapshot(self.actor, rows)
        return check_rows(rows, snap, create_only=self.create_only, seen=self.seen)

    def write(self, rows: Sequence[ProductRow], *, progress: Any = None) -> BatchResult:
        """Write a checked chunk. Its rules that read the database run again on a fresh
        snapshot: a change made meanwhile is refused (indexes from 0 in the chunk) and
        nothing is written."""
        if not rows:
            return BatchResult()
        snap = load_snapshot(self.actor, rows)
        issues = check_rows(rows, snap, create_only=self.create_only, cells=False)
        if issues:
            return BatchResult(issues=issues)
        return write_rows(self.actor, rows, snap, self.seen.products, progress or _nothing)


def _nothing(_n: int) -> None:
    return None


def check_products(*, actor: Actor, rows: Sequence[ProductRow]) -> BatchResult:
    """The refused rows of `rows`, writing nothing (an import's validation pass)."""
    return BatchResult(issues=ProductBatch(actor).check(rows))


@transaction.atomic
def upsert_products(
    *,
    actor: Actor,
    rows: Sequence[ProductRow],
    create_only: bool = False,
    audit_rows: bool = True,
    progress: Any = None,
) -> BatchResult:
    """Create and update products and SKUs; all rows or none (see `BatchResult.issues`).

    Runs in the caller's transaction when there is one (an import job's). `audit_rows`:
    one audit entry per product created (an import job writes one entry for the file
    instead). `create_only`: a known product code is a duplicate_code."""
    batch = ProductBatch(actor, create_only=create_only)
    if not rows:
        return BatchResult()
    issues = batch.check(rows)
    if issues:
        return BatchResult(issues=issues)
    result = batch.write(rows, progress=progress)
    if audit_rows and not result.issues:
        created = sorted(code for code, p in batch.seen.products.items() if p.created)
        if created:
            _audit_created(actor, created)
    return result


def _audit_created(actor: Actor, codes: Sequence[str]) -> None:
    """One `catalog.product_created` entry per product created, with its SKU codes."""
    skus: dict[int, list[str]] = {}
    products = list(Product.objects.filter(code__in=codes).order_by("id"))
    for pid, code in (
        Sku.objects.filter(product__in=products).order_by("id").values_list("product_id", "code")
    ):
        skus.setdefault(pid, []).append(code)
    for product in products:
        audit.record_change(
            actor,
            "catalog.product_created",
            product,
            after={**audit.snapshot(product, AUDIT_FIELDS), "skus": skus.get(product.pk, [])},
        )
