"""Administrative regions (loaded from the vendored data package) and sales regions.

Permission names and audit actions keep their `party.` prefix (stored roles and history)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.db import transaction

from omni.kernel import audit
from omni.kernel.actors import Actor
from omni.kernel.errors import InvalidInput, NotFound
from omni.kernel.writes import insert_unique

from ..errors import DuplicateCode, UnknownRegion
from ..models import Region, RegionLevel, SalesRegion, SalesRegionKind
from ..selectors import list_organizations, list_sales_regions
from ..validation import is_valid_code

DATA = Path(__file__).resolve().parent.parent / "data" / "pca-code.json"


def _six(code: str) -> str:
    return code.ljust(6, "0")


@transaction.atomic
def load_regions() -> int:
    """Load provinces, cities and districts (GB/T 2260 six-digit codes). Idempotent."""
    if Region.objects.count() >= 3000:
        return 0
    rows: list[Region] = []
    levels = (RegionLevel.PROVINCE, RegionLevel.CITY, RegionLevel.DISTRICT)

    def add(items: list[dict[str, Any]], depth: int, parent: str | None) -> None:
        """Each item, then its children one level down (to districts)."""
        for item in items:
            code = _six(item["code"])
            rows.append(Region(code=code, name=item["name"], level=levels[depth], parent_id=parent))
            if depth + 1 < len(levels):
                add(item.get("children", []), depth + 1, code)

    add(json.loads(DATA.read_text(encoding="utf-8")), 0, None)
    existing = set(Region.objects.values_list("code", flat=True))
    new = [r for r in rows if r.code not in existing]
    # parents first so foreign keys hold on every insert
    new.sort(key=lambda r: r.level)
    Region.objects.bulk_create(new, batch_size=1000)
    return len(new)


def resolve_region(code: str, *, field: str = "region") -> Region:
    region = Region.objects.filter(pk=(code or "").strip()).first()
    if region is None:
        raise UnknownRegion(details={"field": field, "value": code})
    return region


@transaction.atomic(durable=True)
def create_sales_region(
    *,
    actor: Actor,
    org_id: int,
    code: str,
    name: str,
    kind: str,
    parent_id: int | None = None,
    region_codes: list[str] | None = None,
) -> SalesRegion:
    actor.require("party.region.create")
    if not is_valid_code(code) or not name.strip() or kind not in SalesRegionKind.values:
        raise InvalidInput(details={"code": code, "name": name, "kind": kind})
    org = list_organizations(actor, mode="write").filter(pk=org_id).first()
    if org is None:
        raise NotFound(details={"org_id": org_id})
    parent = None
    if parent_id is not None:
        parent = list_sales_regions(actor, mode="write").filter(pk=parent_id).first()
        if parent is None:
            raise NotFound(details={"parent_id": parent_id})
    regions = [resolve_region(c, field="region_codes") for c in (region_codes or [])]
    sr = insert_unique(
        lambda: SalesRegion.objects.create(
            org=org, code=code, name=name.strip(), kind=kind, parent=parent
        ),
        lambda: DuplicateCode(details={"code": code}),
    )
    sr.regions.set(regions)
    audit.record(
        actor=actor,
        action="party.sales_region_created",
        object_type="party.salesregion",
        object_id=sr.pk,
        after={"code": code, "name": name, "kind": kind, "regions": [r.code for r in regions]},
        org_id=org.pk,
    )
    return sr
