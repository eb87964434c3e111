"""Frozen dataclasses crossing the catalog's boundary."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


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
