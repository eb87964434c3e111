"""Frozen dataclasses crossing the catalog's boundary."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any


@dataclass(frozen=True, slots=True)
class AuthorisationSubject:
    """Who is asking for the authorised catalogue: a customer described by plain ids, so
    the catalog never has to import `party`. `org_path` is the customer's organisation path
    ("/1/4/9/"): rules of an organisation apply to customers anywhere in its subtree."""

    customer_id: int | None = None
    org_id: int | None = None
    org_path: str | None = None
    class_id: int | None = None
    level_id: int | None = None
    sales_region_id: int | None = None


@dataclass(frozen=True, slots=True)
class SpecCombination:
    """One cell of a spec matrix: values in the product's attribute order."""

    values: tuple[tuple[str, str], ...]

    @property
    def as_dict(self) -> dict[str, str]:
        return dict(self.values)

    @property
    def key(self) -> str:
        return "/".join(v for _n, v in self.values)


@dataclass(frozen=True, slots=True)
class BarcodeHit:
    """What a scanned barcode means: which SKU, which packaging level, how many base units."""

    sku_id: int
    sku_code: str
    unit_code: str
    factor: Decimal


# --- bulk writes -------------------------------------------------------------------------------

Ref = int | str  # an id, or a code (units: a code or a name)


@dataclass(frozen=True, slots=True)
class RowIssue:
    """Why row `index` (0-based, in the order given) of a bulk write is refused: a stable
    code of `errors.MESSAGES` (or the kernel's "invalid_input"), the field it is about and
    details (`details["row"]` is the index of an earlier row the row clashes with)."""

    index: int
    field: str
    code: str
    details: tuple[tuple[str, object], ...] = ()

    @property
    def detail(self) -> dict[str, object]:
        return dict(self.details)


@dataclass(slots=True)
class BatchResult:
    """What a bulk write did: counts of rows created / updated / unchanged, further counts
    in `details`, and the refused rows in `issues` (when any, nothing was written)."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    details: dict[str, int] = field(default_factory=dict)
    issues: list[RowIssue] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.issues


@dataclass(frozen=True, slots=True)
class ProductRow:
    """One SKU of a product, the command of `services.product_batch.upsert_products`.

    The product fields repeat on every SKU row of the product and must agree. References
    are ids or codes (`Ref`; the base unit by id, code or name, the organisation by id or
    code; no organisation: the actor's). `description`, the flags and `shelf_life_days` are
    used for new products only; None leaves the model default."""

    product_code: str
    product_name: str
    base_unit: Ref
    sku_code: str
    brand: Ref | None = None
    category: Ref | None = None
    spec: tuple[tuple[str, str], ...] = ()
    barcode: str | None = None
    case_qty: int | None = None
    status: str | None = None
    org: Ref | None = None
    description: str | None = None
    track_batch: bool | None = None
    track_expiry: bool | None = None
    shelf_life_days: int | None = None
    track_serial: bool | None = None
    weighed: bool | None = None
    is_bundle: bool | None = None


@dataclass(frozen=True, slots=True)
class BarcodeRow:
    """One barcode of a SKU, the command of `services.barcode_batch.upsert_barcodes`.

    `sku` by id or code; `unit` by id, code or name (None: the SKU's base unit; another
    unit needs the SKU's conversion). `primary=True` makes it the primary barcode of its SKU
    and unit (the previous one loses the flag); the first barcode of a unit becomes its
    primary anyway; False never takes the flag away."""

    sku: Ref
    code: str
    unit: Ref | None = None
    primary: bool = False


@dataclass(frozen=True, slots=True)
class AuthorisationRow:
    """One authorisation rule, the command of `services.authorisation_batch`.

    References by id or code: the organisation (writable by the actor), the subject (a
    customer class, level, sales region or customer; none for "all") and the target (a
    brand, category, product or SKU; none for "all"). `rule_id` names the rule a row
    changes; without it a row matches a rule with the same organisation, effect, subject,
    target and dates (only its note can then change) or creates one."""

    org: Ref | None
    effect: str
    subject_kind: str
    target_kind: str
    subject: Ref | None = None
    target: Ref | None = None
    valid_from: Any = None
    valid_to: Any = None
    note: str = ""
    rule_id: int | None = None


@dataclass(frozen=True, slots=True)
class SkuFacts:
    """A SKU as stock keeping sees it (catalog.selectors.sku_facts)."""

    id: int
    code: str
    name: str
    unit: str  # the base unit's code
    places: int  # 3 where the base unit allows fractions (kg), else 0
    track_batch: bool
    track_expiry: bool
    track_serial: bool
    status: str
