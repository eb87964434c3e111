"""The rules of a product write, as pure functions over a snapshot (no ORM, no I/O).

`product_batch.load_snapshot` reads what the rows name in bulk (a few queries for any number
of rows); `check_rows` decides every row against it. The page, the API (through
`products.create_product`) and an Excel row (through `importers.products`) all meet these
rules and get the same error codes (`errors.MESSAGES`).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ..calculations import MAX_SPEC_ATTRIBUTES, MAX_SPEC_VALUES, SPEC_TEXT, barcode_kind
from ..states import ProductStatus
from ..types import ProductRow, Ref, RowIssue
from ._common import CODE_MAX, CODE_RE, SKU_CODE_MAX, SKU_CODE_RE

NAME_MAX = 120
SKU_NAME_MAX = 200
DESCRIPTION_MAX = 2000
SHELF_LIFE_MAX = 36500
CASE_QTY_MAX = 1_000_000
BARCODE_MAX = 32


@dataclass
class ProductSnapshot:
    """What the database holds for the references and codes of a batch of rows."""

    brands: dict[Ref, tuple[int, int]] = field(default_factory=dict)  # ref → (id, org id)
    categories: dict[Ref, tuple[int, int]] = field(default_factory=dict)
    units: dict[Ref, int] = field(default_factory=dict)  # id, code or name → id
    orgs: dict[Ref, int] = field(default_factory=dict)  # writable organisations: ref → id
    case_unit_id: int | None = None
    default_org_id: int | None = None  # the actor's organisation for new products
    everything: bool = False  # the actor sees every organisation
    products: dict[str, dict[str, Any]] = field(default_factory=dict)  # code → fields
    writable_products: set[str] = field(default_factory=set)
    skus: dict[str, dict[str, Any]] = field(default_factory=dict)  # code → fields
    spec_keys: dict[tuple[int, str], str] = field(default_factory=dict)  # (product, key) → sku
    barcodes: dict[str, int] = field(default_factory=dict)  # code → sku id
    # stored codes that equal a row's code but for letter case: folded code → stored code
    product_folds: dict[str, str] = field(default_factory=dict)
    sku_folds: dict[str, str] = field(default_factory=dict)


def spec_key(pairs: Sequence[tuple[str, str]]) -> str:
    return "/".join(v for _n, v in pairs)


def sku_label(product_name: str, pairs: Sequence[tuple[str, str]]) -> str:
    return f"{product_name} {' '.join(v for _n, v in pairs)}".strip()[:SKU_NAME_MAX]


def normal_code(text: str) -> str:
    """NFKC and trimmed: the form every write path compares and stores codes in."""
    return unicodedata.normalize("NFKC", text).strip() if isinstance(text, str) else ""


def fold(code: str) -> str:
    """The form in which two codes are the same code: upper case (codes are ASCII letters,
    digits, dots, dashes and underscores after NFKC, so this is also SQL's UPPER). "p1" and
    "P1" (and "Ｐ１") are one product: a second is a duplicate_code."""
    return code.upper()


def new_product_org(snap: ProductSnapshot, row: ProductRow) -> int | None:
    """Where a new product goes: the organisation given, else the actor's own (or their
    only scope organisation); for actors who see everything, else the brand's or the
    category's organisation."""
    if row.org is not None and row.org != "":
        return snap.orgs.get(row.org)
    if snap.default_org_id is not None:
        return snap.default_org_id
    if snap.everything:
        for ref in (snap.brands.get(row.brand or ""), snap.categories.get(row.category or "")):
            if ref is not None:
                return ref[1]
    return None


_STATUSES = frozenset(ProductStatus.values)  # (the enum's .values builds a list per call)
_PRODUCT_FIELDS = ("product_name", "brand", "category", "base_unit", "org")


def _cell_issues(row: ProductRow) -> list[tuple[str, str, dict[str, Any]]]:
    """Rules of a single row, without the database: formats, lengths, ranges."""
    out: list[tuple[str, str, dict[str, Any]]] = []
    if not CODE_RE.match(row.product_code):
        out.append(("product_code", "invalid_code", {"max_length": CODE_MAX}))
    name = row.product_name
    if not isinstance(name, str) or not name.strip() or len(name) > NAME_MAX or "\x00" in name:
        out.append(("product_name", "invalid_input", {"max_length": NAME_MAX}))
    if row.description is not None and (
        len(row.description) > DESCRIPTION_MAX or "\x00" in row.description
    ):
        out.append(("description", "invalid_input", {"max_length": DESCRIPTION_MAX}))
    if not SKU_CODE_RE.match(row.sku_code):
        out.append(("sku_code", "invalid_code", {"max_length": SKU_CODE_MAX}))
    if len(row.spec) > MAX_SPEC_ATTRIBUTES or any(
        not SPEC_TEXT.match(n) or not SPEC_TEXT.match(v) for n, v in row.spec
    ):
        out.append(("spec", "invalid_spec", {"reason": "invalid_spec_values"}))
    elif len({n for n, _v in row.spec}) != len(row.spec):
        out.append(("spec", "invalid_spec", {"reason": "duplicate_spec_name"}))
    if row.barcode and (len(row.barcode) > BARCODE_MAX or barcode_kind(row.barcode) is None):
        out.append(("barcode", "invalid_barcode", {"value": row.barcode[:64]}))
    if row.case_qty is not None and (
        isinstance(row.case_qty, bool) or not 0 < row.case_qty <= CASE_QTY_MAX
    ):
        out.append(("case_qty", "invalid_factor", {"value": str(row.case_qty)}))
    if row.status is not None:
        out.extend(status_issues(row.status))
    out.extend(shelf_life_issues(bool(row.track_expiry), row.shelf_life_days))
    return out


# --- rules of one product or SKU, shared by the bulk rows above and the single-row edits
# (`products.update_product`, `update_sku`, the status changes): page, API and Excel meet
# the same rule and the same code.

Issue = tuple[str, str, dict[str, Any]]  # (field, error code, details)


def status_issues(status: Any) -> list[Issue]:
    if status not in _STATUSES:
        return [("status", "invalid_input", {"allowed": list(ProductStatus.values)})]
    return []


def shelf_life_issues(track_expiry: bool, days: Any) -> list[Issue]:
    """A shelf life is 1 to SHELF_LIFE_MAX days, and required when expiry is tracked."""
    if days is not None and (
        isinstance(days, bool) or not isinstance(days, int) or not 0 < days <= SHELF_LIFE_MAX
    ):
        return [("shelf_life_days", "shelf_life_required", {"value": str(days)})]
    if track_expiry and days is None:
        return [("shelf_life_days", "shelf_life_required", {})]
    return []


def respec_issues(
    current: Sequence[dict[str, Any]] | None,
    attributes: Sequence[dict[str, Any]],
    skus: Sequence[tuple[str, dict[str, str] | None]],
) -> list[Issue]:
    """New spec attributes of a product with SKUs `skus` ((code, spec values)): the
    attribute names and their order are fixed, and a value a SKU uses stays."""
    names = [a["name"] for a in current or []]
    if [a["name"] for a in attributes] != names:
        return [
            ("spec_attributes", "spec_value_in_use", {"reason": "attributes_fixed", "names": names})
        ]
    allowed = {a["name"]: set(a["values"]) for a in attributes}
    for sku_code, values in skus:
        for attr, value in (values or {}).items():
            if value not in allowed.get(attr, set()):
                details = {"attribute": attr, "value": value, "sku": sku_code}
                return [("spec_attributes", "spec_value_in_use", details)]
    return []


def taken_by_other(code: str, own: str | None, folds: dict[str, str]) -> str | None:
    """The stored code that `code` would duplicate (the same but for letter case, see
    `fold`), other than the row's own code `own`; `folds` from `other_case_codes`."""
    stored = folds.get(fold(code))
    return stored if stored is not None and stored != own else None


class SeenProduct:
    """One product code of a batch as its first row gave it (see `Seen`)."""

    __slots__ = ("active", "created", "fields", "first", "names", "reported", "spec")

    def __init__(self, first: int, fields: tuple[Any, ...], names: tuple[str, ...]) -> None:
        self.first = first  # index of its first row
        self.fields = fields  # the row's _PRODUCT_FIELDS
        self.names = names  # its spec attribute names (one tuple per distinct list)
        self.spec: dict[str, int] = {}  # spec key → first row
        self.active = False  # a valid row of the batch leaves a SKU active
        self.created = False  # written by this batch (an earlier chunk)
        self.reported = False  # too many spec values, said once


@dataclass
class Seen:
    """What the earlier chunks of one bulk write held, for the rules across rows
    (duplicates, rows of one product that must agree), kept compactly: codes → row
    indexes, one small record per product. `check_rows` of the next chunk continues it."""

    rows: int = 0  # rows checked so far: the index of the next chunk's first row
    products: dict[str, SeenProduct] = field(default_factory=dict)  # product code → record
    # folded product code → (first row, its spelling), where that spelling is not the
    # folded code itself (those are found in `products`)
    folds: dict[str, tuple[int, str]] = field(default_factory=dict)
    skus: dict[str, int] = field(default_factory=dict)  # folded SKU code → first row
    barcodes: dict[str, int] = field(default_factory=dict)  # barcode → first row
    keys: dict[Any, Any] = field(default_factory=dict)  # spec keys and names, one object each

    def shared(self, value: Any) -> Any:
        """One object per distinct spec key or list of names (they repeat across products)."""
        if len(self.keys) < 65536:
            value = self.keys.setdefault(value, value)
        return value


def check_rows(
    rows: Sequence[ProductRow],
    snap: ProductSnapshot,
    *,
    create_only: bool = False,
    seen: Seen | None = None,
    cells: bool = True,
) -> list[RowIssue]:
    """Every refused row of the batch, with a stable code. `create_only`: a product code
    that exists is a duplicate (a create), not an update (an upsert). `seen`: the chunks
    checked before this one (indexes continue from `seen.rows`); the rules across rows see
    them all. `cells=False` skips the rules of a single row without the database (formats,
    lengths: a chunk checked before is written after a second look at the database only)."""
    seen = Seen() if seen is None else seen
    base = seen.rows
    issues: list[RowIssue] = []
    touched: dict[str, SeenProduct] = {}
    with_skus = {pid for pid, _key in snap.spec_keys}

    for i, row in enumerate(rows, base):

        def add(fld: str, error: str, /, _i: int = i, **details: Any) -> None:
            issues.append(RowIssue(_i, fld, error, tuple(details.items())))

        for fld, code, details in _cell_issues(row) if cells else ():
            add(fld, code, **details)
        pcode, scode, pairs = row.product_code, row.sku_code, row.spec
        names = seen.shared(tuple(n for n, _v in pairs))
        # references
        if row.org not in (None, "") and row.org not in snap.orgs:
            add("org", "unknown_org", org=row.org)
        if row.brand not in (None, "") and row.brand not in snap.brands:
            add("brand", "unknown_brand", id=row.brand)
        if row.category not in (None, "") and row.category not in snap.categories:
            add("category", "unknown_category", id=row.category)
        if row.base_unit not in snap.units:
            add("base_unit", "unknown_unit", id=row.base_unit)
        if row.case_qty is not None and snap.case_unit_id is None:
            add("case_qty", "unknown_unit", reason="no_case_unit")
        # the rows of one product agree
        fields = tuple(getattr(row, fld) for fld in _PRODUCT_FIELDS)
        entry = seen.products.get(pcode)
        if entry is None:
            entry = seen.products[pcode] = SeenProduct(i, fields, names)
        else:
            for fld, mine, first in zip(_PRODUCT_FIELDS, fields, entry.fields, strict=True):
                if mine != first:
                    add(fld, "inconsistent_rows", row=entry.first)
            if names != entry.names:
                add("spec", "inconsistent_rows", row=entry.first)
        touched[pcode] = entry
        # duplicates inside the batch (codes that differ only by letter case are one code)
        folded = fold(pcode)
        other_case = seen.folds.get(folded)
        if other_case is None and folded != pcode:
            first_same = seen.products.get(folded)
            if first_same is not None:
                other_case = (first_same.first, folded)
            else:
                seen.folds[folded] = other_case = (i, pcode)
        if other_case is not None and other_case[1] != pcode:
            add("product_code", "duplicate_code", row=other_case[0])
        folded_sku = fold(scode)
        if folded_sku in seen.skus:
            add("sku_code", "duplicate_code", row=seen.skus[folded_sku])
        else:
            seen.skus[folded_sku] = i
        if row.barcode:
            if row.barcode in seen.barcodes:
                add("barcode", "duplicate_barcode", row=seen.barcodes[row.barcode])
            else:
                seen.barcodes[row.barcode] = i
        key = seen.shared(spec_key(pairs))
        if key in entry.spec:
            add("spec", "duplicate_spec", row=entry.spec[key])
        else:
            entry.spec[key] = i
        # against the database
        product = snap.products.get(pcode)
        if product is not None:
            if create_only or pcode not in snap.writable_products:
                add("product_code", "duplicate_code", value=pcode)
                continue
            unit_id = snap.units.get(row.base_unit)
            if unit_id is not None and unit_id != product["base_unit_id"]:
                add("base_unit", "base_unit_in_use", reason="existing_product")
            stored = [a["name"] for a in product["spec_attributes"] or []]
            if product["id"] in with_skus and list(names) != stored:
                add("spec", "invalid_spec", reason="attributes_fixed", names=stored)
            other_sku = snap.spec_keys.get((product["id"], key))
            if other_sku is not None and other_sku != scode:
                add("spec", "duplicate_spec", sku=other_sku)
        elif folded in snap.product_folds:
            add("product_code", "duplicate_code", value=snap.product_folds[folded])
        sku = snap.skus.get(scode)
        if sku is not None and (product is None or sku["product_id"] != product["id"]):
            add("sku_code", "duplicate_code", value=scode)
        elif sku is None and folded_sku in snap.sku_folds:
            add("sku_code", "duplicate_code", value=snap.sku_folds[folded_sku])
        if (
            row.barcode
            and row.barcode in snap.barcodes
            and (sku is None or snap.barcodes[row.barcode] != sku["id"])
        ):
            add("barcode", "duplicate_barcode", code=row.barcode)
        unknown_ref = (row.brand not in (None, "") and row.brand not in snap.brands) or (
            row.category not in (None, "") and row.category not in snap.categories
        )
        if (
            product is None
            and row.org in (None, "")
            and not unknown_ref
            and new_product_org(snap, row) is None
        ):
            add("org", "unknown_org", reason="required")
    seen.rows = base + len(rows)
    refused = {issue.index for issue in issues}
    for i, row in enumerate(rows, base):  # a new product is active when a valid row says so
        if i not in refused and row.status != ProductStatus.INACTIVE:
            seen.products[row.product_code].active = True
    # spec values per product (every chunk so far + database) stay within the limit
    for pcode, entry in touched.items():
        if not entry.reported and _too_many_values(entry, snap.products.get(pcode)):
            entry.reported = True
            issues.append(
                RowIssue(entry.first, "spec", "invalid_spec", (("reason", "too_many_values"),))
            )
    return issues


def _too_many_values(entry: SeenProduct, product: dict[str, Any] | None) -> bool:
    """Whether an attribute of the product has more than MAX_SPEC_VALUES values, counting
    the database's and the batch's (the values of a spec key, in the names' order)."""
    known = {a["name"]: set(a["values"]) for a in (product or {}).get("spec_attributes") or []}
    if len(entry.spec) + max((len(v) for v in known.values()), default=0) <= MAX_SPEC_VALUES:
        return False  # cannot be exceeded: the usual case, decided without counting
    values: dict[str, set[str]] = {n: set(known.get(n, ())) for n in entry.names}
    for key in entry.spec:
        for name, value in zip(entry.names, key.split("/"), strict=False):
            values[name].add(value)
    return any(len(v) > MAX_SPEC_VALUES for v in values.values())


def merged_attributes(
    current: Sequence[dict[str, Any]] | None, rows: Sequence[ProductRow]
) -> list[dict[str, Any]]:
    """The product's spec attributes with the rows' values appended (names fixed)."""
    merged = [{"name": a["name"], "values": list(a["values"])} for a in current or []]
    by_name = {a["name"]: a for a in merged}
    for row in rows:
        for name, value in row.spec:
            attr = by_name.get(name)
            if attr is None:
                attr = {"name": name, "values": []}
                merged.append(attr)
                by_name[name] = attr
            if value not in attr["values"]:
                attr["values"].append(value)
    return merged
