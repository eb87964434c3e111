"""The filters of the party lists, declared once: the customers page, its Excel export, the
API's ``GET /party/customers`` and the export endpoint all build this object, and
``selectors.list_customers`` applies it (``omni.kernel.filters``)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class CustomerFilter:
    search: str = ""
    """Contained in the code, name or short name (surrounding blanks ignored)."""
    status: str = ""
    """A `states.CustomerStatus` value; empty: any."""
    kind: str = ""
    """A `CustomerKind` value; empty: any."""
    org_id: int | None = None
    """That organisation exactly."""
    sales_region_id: int | None = None
    """That sales region and its subregions."""
    class_id: int | None = None
    level_id: int | None = None
    province_code: str = ""
    """An administrative region code: its first two digits (the province) are matched."""
    tag: str = ""
    """One whole tag."""
