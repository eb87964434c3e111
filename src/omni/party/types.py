from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CustomerRef:
    """What other domains need to know about a customer (e.g. for product authorisation)."""

    id: int
    org_id: int
    org_path: str
    class_id: int | None
    level_id: int | None
    sales_region_id: int | None
    upper_id: int | None
    status: str
