"""Warehouses (仓库): central, regional, store, and a dealer's virtual warehouse (channel
inventory), owned by an organisation in the actor's writable scope."""

from __future__ import annotations

import re
from collections.abc import Sequence

from django.db import transaction

from omni.kernel import audit
from omni.kernel.actors import Actor
from omni.kernel.errors import NotFound
from omni.kernel.writes import insert_unique
from omni.tenancy import directory
from omni.tenancy.selectors import get_organization

from .. import errors
from ..models import Warehouse
from ..types import WarehouseKind

CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$")
FIELDS = ("org", "code", "name", "kind", "customer", "district_code", "coverage", "status")


@transaction.atomic
def create_warehouse(
    *,
    actor: Actor,
    org_id: int,
    code: str,
    name: str,
    kind: str,
    customer_id: int | None = None,
    district_code: str = "",
    coverage: Sequence[str] = (),
) -> Warehouse:
    actor.require("inventory.warehouse.create")
    try:
        get_organization(actor, org_id, mode="write")
    except NotFound:
        raise errors.UnknownOrganisation(details={"org_id": org_id}) from None
    code = (code or "").strip().upper()
    if not CODE.match(code):
        raise errors.InvalidCode(details={"field": "code"})
    name = (name or "").strip()[:100]
    if not name:
        raise errors.InvalidCode(details={"field": "name"})
    if kind not in WarehouseKind.values:
        raise errors.InvalidCode(details={"field": "kind"})
    if customer_id is not None and not directory.customers(actor).filter(pk=customer_id).exists():
        raise errors.UnknownCustomer(details={"customer_id": customer_id})
    warehouse = insert_unique(
        lambda: Warehouse.objects.create(
            org_id=org_id,
            code=code,
            name=name,
            kind=kind,
            customer_id=customer_id,
            district_code=(district_code or "").strip()[:12],
            coverage=sorted({str(c).strip() for c in coverage if str(c).strip()}),
        ),
        lambda: errors.DuplicateCode(details={"code": code}),
    )
    audit.record_created(actor, "inventory.warehouse_created", warehouse, FIELDS)
    return warehouse
