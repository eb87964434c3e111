"""Roles (functional permissions, 功能权限) and role assignments (with their data scope, 数据权限).

Rules every service here enforces:
- permissions are registered "module.action" strings (`omni.kernel.permissions`);
- an actor never grants what they do not hold: permissions outside their own (unless
  superuser) -> PermissionDenied "cannot_grant"; a data scope wider than their own: "everything"
  without holding it -> "cannot_grant", an organisation / sales region / customer outside their
  scope -> 404 like any object they cannot see;
- portal roles (dealer and store users of the B2B portal) go only to users bound to a
  customer, and users bound to a customer get only portal roles -> "portal_role_mismatch";
- every change is audited in the same transaction.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from django.db import transaction

from omni.kernel import audit
from omni.kernel.actors import Actor, ActorKind
from omni.kernel.errors import InvalidInput, NotFound
from omni.kernel.permissions import unknown_permissions
from omni.kernel.writes import insert_unique

from .. import selectors
from ..errors import (
    CannotGrant,
    CannotManage,
    DuplicateAssignment,
    DuplicateCode,
    PortalRoleMismatch,
    ScopeRequired,
    UnknownPermission,
)
from ..models import Role, RoleAssignment, ScopeKind, User

ROLE_FIELDS = ["code", "name", "permissions", "is_portal"]
CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$")


# --- guards shared with services.users -----------------------------------------------------------


def check_grantable(actor: Actor, permissions: Iterable[str]) -> None:
    """The actor holds every one of `permissions` (superusers hold all)."""
    if actor.superuser:
        return
    missing = sorted(set(permissions) - set(actor.permissions))
    if missing:
        raise CannotGrant(details={"permissions": missing})


def check_manageable(actor: Actor, user: User, *, strict: bool = False) -> None:
    """Only superusers change superusers. `strict` (password resets, deactivation): the
    user may hold no permission the actor lacks, so no one takes over a stronger account.
    An API token never changes its own user (password, roles, profile, active flag): a
    leaked token must not become a password or a wider token."""
    if actor.kind == ActorKind.API_CLIENT and user.pk == actor.id:
        raise CannotManage(details={"user_id": user.pk, "via_token": True})
    if actor.superuser:
        return
    if user.is_superuser:
        raise CannotManage(details={"user_id": user.pk, "is_superuser": True})
    if strict:
        missing = sorted(selectors.list_permissions_of(user.pk) - set(actor.permissions))
        if missing:
            raise CannotManage(details={"user_id": user.pk, "permissions": missing})


def _clean_permissions(permissions: Iterable[str]) -> list[str]:
    perms = sorted({str(p).strip() for p in permissions if str(p).strip()})
    unknown = unknown_permissions(perms)
    if unknown:
        raise UnknownPermission(details={"permissions": unknown})
    return perms


def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name or len(name) > 60:
        raise InvalidInput(details={"name": "required, at most 60 characters"})
    return name


# --- roles --------------------------------------------------------------------------------------


@transaction.atomic(durable=True)
def create_role(
    *,
    actor: Actor,
    code: str,
    name: str,
    permissions: Iterable[str] = (),
    is_portal: bool = False,
) -> Role:
    actor.require("access.role.create")
    code = (code or "").strip()
    if not CODE.match(code):
        raise InvalidInput(details={"code": code})
    name = _clean_name(name)
    perms = _clean_permissions(permissions)
    check_grantable(actor, perms)
    if Role.objects.filter(code=code).exists():
        raise DuplicateCode(details={"code": code})
    role = insert_unique(
        lambda: Role.objects.create(
            code=code, name=name, permissions=perms, is_portal=bool(is_portal)
        ),
        lambda: DuplicateCode(details={"code": code}),
    )
    audit.record_created(actor, "access.role_created", role, ROLE_FIELDS)
    return role


@transaction.atomic(durable=True)
def update_role(
    *,
    actor: Actor,
    role_id: int,
    name: str,
    permissions: Iterable[str],
    is_portal: bool | None = None,
) -> Role:
    """Rename a role, change its permissions (and whether it is a portal role while nobody
    holds it). The code never changes: other systems and the demo refer to it."""
    actor.require("access.role.edit")
    role = Role.objects.select_for_update().filter(pk=role_id).first()
    if role is None:
        raise NotFound(details={"role_id": role_id})
    name = _clean_name(name)
    perms = _clean_permissions(permissions)
    old = set(role.permissions or [])
    added = set(perms) - old
    # Dropping a permission nobody registers any more needs no right; any other change does.
    removed = (old - set(perms)) - set(unknown_permissions(old))
    check_grantable(actor, added | removed)
    portal = role.is_portal if is_portal is None else bool(is_portal)
    if portal != role.is_portal and role.assignments.exists():
        raise PortalRoleMismatch(
            details={"is_portal": portal, "assignments": role.assignments.count()}
        )
    before = audit.snapshot(role, ROLE_FIELDS)
    role.name, role.permissions, role.is_portal = name, perms, portal
    role.save(update_fields=["name", "permissions", "is_portal", "updated_at"])
    audit.record_updated(actor, "access.role_updated", role, before, ROLE_FIELDS)
    return role


# --- role assignments ---------------------------------------------------------------------------


def _ids(values: Iterable[Any], field: str) -> list[int]:
    try:
        return sorted({int(v) for v in values})
    except (TypeError, ValueError):
        raise InvalidInput(details={field: "ids"}) from None


def _check_visible(qs: Any, ids: list[int], field: str) -> None:
    found = set(qs.filter(pk__in=ids).values_list("pk", flat=True))
    missing = [i for i in ids if i not in found]
    if missing:
        # unknown and out of scope look the same: 404
        raise NotFound(details={field: missing})


def assignment_view(a: RoleAssignment) -> dict[str, Any]:
    """What the audit trail records of an assignment."""
    return {
        "assignment_id": a.pk,
        "role": a.role.code,
        "scope_kind": a.scope_kind,
        "org_id": a.org_id,
        "sales_region_ids": sorted(r.pk for r in a.sales_regions.all()),
        "customer_ids": sorted(c.pk for c in a.customers.all()),
    }


@transaction.atomic(durable=True)
def assign_role(
    *,
    actor: Actor,
    user_id: int,
    role_id: int,
    scope_kind: str,
    org_id: int | None = None,
    sales_region_ids: Iterable[int] = (),
    customer_ids: Iterable[int] = (),
) -> RoleAssignment:
    """Give `user` the role with a data scope: everything, an organisation subtree (`org_id`),
    sales regions, assigned customers, or own records."""
    actor.require("access.user.edit")
    user = selectors.get_user(actor, user_id, permission=None)
    check_manageable(actor, user)
    role = Role.objects.filter(pk=role_id).first()
    if role is None:
        raise NotFound(details={"role_id": role_id})
    if scope_kind not in ScopeKind.values:
        raise InvalidInput(details={"scope_kind": scope_kind})
    if role.is_portal != bool(user.customer_id):
        raise PortalRoleMismatch(
            details={"role_id": role.pk, "is_portal": role.is_portal, "user_id": user.pk}
        )
    check_grantable(actor, role.permissions or [])
    regions = _ids(sales_region_ids, "sales_region_ids")
    customers = _ids(customer_ids, "customer_ids")
    if scope_kind == ScopeKind.ORG:
        if org_id is None:
            raise ScopeRequired(details={"org_id": "required"})
        _check_visible(selectors.list_organizations(actor), [org_id], "org_id")
    else:
        org_id = None
    if scope_kind == ScopeKind.REGIONS:
        if not regions:
            raise ScopeRequired(details={"sales_region_ids": "at least one"})
        _check_visible(selectors.list_sales_regions(actor), regions, "sales_region_ids")
    else:
        regions = []
    if scope_kind == ScopeKind.CUSTOMERS:
        if not customers:
            raise ScopeRequired(details={"customer_ids": "at least one"})
        _check_visible(selectors.list_customers(actor), customers, "customer_ids")
    else:
        customers = []
    if scope_kind == ScopeKind.ALL and not selectors.sees_everything(actor):
        raise CannotGrant(details={"scope_kind": scope_kind})
    for other in selectors.list_assignments_of([user.pk]).filter(
        role=role, scope_kind=scope_kind, org_id=org_id
    ):
        same_regions = sorted(r.pk for r in other.sales_regions.all()) == regions
        if same_regions and sorted(c.pk for c in other.customers.all()) == customers:
            raise DuplicateAssignment(details={"assignment_id": other.pk})
    assignment = insert_unique(
        lambda: RoleAssignment.objects.create(
            user=user, role=role, scope_kind=scope_kind, org_id=org_id
        ),
        lambda: DuplicateAssignment(details={"role_id": role.pk, "scope_kind": scope_kind}),
    )
    if regions:
        assignment.sales_regions.set(regions)
    if customers:
        assignment.customers.set(customers)
    audit.record_change(
        actor,
        "access.role_assigned",
        user,
        after=assignment_view(assignment),
    )
    return assignment


@transaction.atomic(durable=True)
def revoke_assignment(*, actor: Actor, assignment_id: int) -> None:
    """Take a role assignment away. Like granting, only for roles whose permissions the actor
    holds."""
    actor.require("access.user.edit")
    assignment = selectors.get_assignment(actor, assignment_id)
    user = assignment.user
    check_manageable(actor, user)
    check_grantable(actor, assignment.role.permissions or [])
    before = assignment_view(assignment)
    deleted, _rows = RoleAssignment.objects.filter(pk=assignment.pk).delete()
    if not deleted:
        raise NotFound(details={"assignment_id": assignment_id})
    audit.record_change(
        actor,
        "access.role_revoked",
        user,
        before=before,
    )
