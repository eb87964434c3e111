"""Reads of organisations, administrative regions and sales regions.

Scoped reads take the actor and go through `scope.scope_q`. The reference querysets at the
end (`organizations()`, `regions()`, `sales_regions()`) are unscoped lookups by code for the
apps above (importers resolving codes, demo data) that apply their own scope to the rows
they write; they are the public way to reach these tables without importing the models.
"""

from __future__ import annotations

from django.db.models import QuerySet

from omni.kernel import audit
from omni.kernel.actors import Actor
from omni.kernel.errors import NotFound
from omni.kernel.models import AuditEntry

from .models import Organization, Region, SalesRegion
from .scope import SELF, Mode, sales_region_subtree_ids, scoped, sees_everything


def list_organizations(
    actor: Actor, *, permission: str | None = None, mode: Mode = "read"
) -> QuerySet[Organization]:
    """Organisations in the actor's organisation subtrees (sales-region, customer and own
    scopes reach none)."""
    return scoped(Organization.objects.all(), actor, permission, mode, org=SELF)


def get_organization(
    actor: Actor, org_id: int, *, permission: str | None = None, mode: Mode = "read"
) -> Organization:
    org = list_organizations(actor, permission=permission, mode=mode).filter(pk=org_id).first()
    if org is None:
        raise NotFound(details={"org_id": org_id})
    return org


def list_scope_org_ids(actor: Actor) -> list[int] | None:
    """Ids of the organisations in the actor's scope, or None when the scope is everything
    (for rows of other modules that carry only an `org_id`, such as audit entries)."""
    if sees_everything(actor):
        return None
    return list(list_organizations(actor).values_list("pk", flat=True))


def list_sales_regions(
    actor: Actor, *, permission: str | None = None, mode: Mode = "read"
) -> QuerySet[SalesRegion]:
    """Sales regions in the actor's sales-region subtrees or organisation subtrees."""
    qs = SalesRegion.objects.select_related("org", "parent")
    return scoped(qs, actor, permission, mode, org="org", sales_region=SELF).order_by("code")


def list_audit_entries(
    actor: Actor, *, object_type: str | None = None, object_id: str | None = None
) -> QuerySet[AuditEntry]:
    """Audit entries of the organisations in the actor's scope, newest first (every entry
    for enterprise-wide scopes); needs the audit view permission."""
    actor.require("system.audit.view")
    return audit.list_entries(
        org_ids=list_scope_org_ids(actor), object_type=object_type, object_id=object_id
    )


def sales_region_subtree(region_id: int) -> set[int]:
    """The sales region and every region below it (for filtering a list by region)."""
    return sales_region_subtree_ids([region_id])


def list_regions(parent_code: str | None = None) -> QuerySet[Region]:
    """Administrative regions (public data): provinces, or the children of one region."""
    if parent_code:
        return Region.objects.filter(parent_id=parent_code).order_by("code")
    return Region.objects.filter(level=1).order_by("code")


# --- reference lookups (unscoped) ---------------------------------------------------------------


def organizations() -> QuerySet[Organization]:
    return Organization.objects.all()


def regions() -> QuerySet[Region]:
    return Region.objects.all()


def sales_regions() -> QuerySet[SalesRegion]:
    return SalesRegion.objects.all()
