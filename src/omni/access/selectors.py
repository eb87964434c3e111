"""Reads for users, roles and role assignments, always through the actor's data scope.

A user outside the scope does not exist for the actor (NotFound, 404). What an actor sees
is decided by the one rule, `omni.tenancy.scope.scope_q`: organisations and sales regions
are tenancy's (a lower layer, imported directly); customers are party's, reached through
`omni.tenancy.directory` (party registers its scoped selector there), never by importing
party nor through a foreign key's related model.

Which users an actor sees (scope_q with org = the user's organisation or their customer's,
sales region = their customer's, customer = their customer, owner = the user row):
  everything (or superuser)  every user
  organisation subtree       brand staff whose organisation lies in the subtree, and dealer /
                             store users whose customer belongs to an organisation in it
  sales regions              dealer / store users of customers in those regions (subtrees)
  assigned customers         users bound to those customers
  dealer / store user        users of their own customer and of its lower-level customers
  own records                themself
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from omni.kernel.actors import Actor
from omni.kernel.errors import NotFound
from omni.kernel.permissions import PermissionModule, modules
from omni.tenancy import directory
from omni.tenancy import selectors as tenancy
from omni.tenancy.scope import SELF, Mode, org_paths, scope_q
from omni.tenancy.scope import sees_everything as _sees_everything

from .filters import UserFilter
from .models import ApiToken, Role, RoleAssignment, User


def sees_everything(actor: Actor) -> bool:
    return _sees_everything(actor)


# --- what an actor may see (and therefore grant) ------------------------------------------------


def list_organizations(actor: Actor) -> QuerySet[Any]:
    return tenancy.list_organizations(actor)


def list_sales_regions(actor: Actor) -> QuerySet[Any]:
    return tenancy.list_sales_regions(actor)


def list_customers(actor: Actor) -> QuerySet[Any]:
    return directory.customers(actor)


def users_q(actor: Actor, permission: str | None = None, mode: Mode = "read") -> Q | None:
    """The one scope rule applied to users (see the module docstring)."""
    return scope_q(
        actor,
        permission,
        mode,
        org=("org", "customer__org"),
        sales_region="customer__sales_region",
        customer="customer",
        owner=SELF,
    )


USER_VIEW = "access.user.view"
ROLE_VIEW = "access.role.view"
ROLE_EDIT = "access.role.edit"


def list_users_in_scope(
    actor: Actor, permission: str | None = None, mode: Mode = "read"
) -> QuerySet[User]:
    """The bare scope rule on users (no permission unless given)."""
    q = users_q(actor, permission, mode)
    qs = User.objects.all()
    return qs if q is None else qs.filter(q)


# --- users --------------------------------------------------------------------------------------


def get_user(actor: Actor, user_id: int, *, permission: str | None = USER_VIEW) -> User:
    """A user in the actor's scope; `permission` None for a service that checked its own."""
    user = (
        list_users_in_scope(actor, permission)
        .select_related("org", "customer")
        .filter(pk=user_id)
        .first()
    )
    if user is None:
        raise NotFound(details={"user_id": user_id})
    return user


NO_FILTER = UserFilter()


def list_users(
    actor: Actor,
    filters: UserFilter = NO_FILTER,
    *,
    permission: str | None = USER_VIEW,
) -> QuerySet[User]:
    """Users in scope, filtered by `filters` (the one filter description of the users page
    and API)."""
    qs = list_users_in_scope(actor, permission).select_related("org", "customer")
    f = filters
    search = f.search.strip()
    if search:
        qs = qs.filter(
            Q(username__icontains=search)
            | Q(display_name__icontains=search)
            | Q(phone__icontains=search)
            | Q(email__icontains=search)
        )
    if f.role_id:
        qs = qs.filter(pk__in=RoleAssignment.objects.filter(role_id=f.role_id).values("user_id"))
    if f.is_active is not None:
        qs = qs.filter(is_active=f.is_active)
    if f.org_id:
        path = org_paths([f.org_id])
        qs = (
            qs.filter(Q(org__path__startswith=path[0]) | Q(customer__org__path__startswith=path[0]))
            if path
            else qs.none()
        )
    if f.customer_id:
        qs = qs.filter(customer_id=f.customer_id)
    if f.portal is not None:
        qs = qs.filter(customer__isnull=not f.portal)
    return qs


_EVERYTHING = Actor.system("access.assignments")  # an assignment lists all its customers


def list_assignments_of(user_ids: Iterable[int]) -> QuerySet[RoleAssignment]:
    return (
        RoleAssignment.objects.filter(user_id__in=list(user_ids))
        .select_related("role", "org")
        .prefetch_related(
            Prefetch("sales_regions", queryset=tenancy.sales_regions().order_by("pk")),
            Prefetch("customers", queryset=directory.customers(_EVERYTHING).order_by("pk")),
        )
        .order_by("pk")
    )


def get_assignment(actor: Actor, assignment_id: int) -> RoleAssignment:
    """An assignment of a user in the actor's scope (others: NotFound)."""
    found = (
        RoleAssignment.objects.select_related("role", "user")
        .filter(pk=assignment_id, user__in=list_users_in_scope(actor))
        .first()
    )
    if found is None:
        raise NotFound(details={"assignment_id": assignment_id})
    return found


def list_permissions_of(user_id: int) -> set[str]:
    """Every functional permission the user's roles give (superusers: see `is_superuser`)."""
    perms: set[str] = set()
    for role_perms in RoleAssignment.objects.filter(user_id=user_id).values_list(
        "role__permissions", flat=True
    ):
        perms.update(role_perms or [])
    return perms


def list_tokens_of(user_id: int) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user_id=user_id).order_by("-created_at", "-pk")


# --- roles (enterprise-wide: guarded by functional permissions only) ----------------------------


def list_permission_modules(actor: Actor) -> list[PermissionModule]:
    """The functional permissions a role can hold, by module: for those who may view or
    edit roles."""
    if not (actor.can(ROLE_VIEW) or actor.can(ROLE_EDIT)):
        actor.require(ROLE_VIEW)
    return list(modules())


def list_roles(
    actor: Actor | None = None, *, search: str = "", is_portal: bool | None = None
) -> QuerySet[Role]:
    """Roles by code. With an actor: the list as the role pages and the API show it (needs
    the role view permission); without: choices for a form."""
    if actor is not None:
        actor.require(ROLE_VIEW)
    qs = Role.objects.all()
    if search:
        qs = qs.filter(Q(code__icontains=search) | Q(name__icontains=search))
    if is_portal is not None:
        qs = qs.filter(is_portal=is_portal)
    return qs.order_by("code")


def get_role(role_id: int, *, actor: Actor | None = None) -> Role:
    """One role; with an actor, needs the role view permission (see `list_roles`)."""
    if actor is not None:
        actor.require(ROLE_VIEW)
    role = Role.objects.filter(pk=role_id).first()
    if role is None:
        raise NotFound(details={"role_id": role_id})
    return role


def holders_of(permission: str, org_id: int) -> list[int]:
    """Active users who hold `permission` with a scope that reaches organisation `org_id`
    (everything, or an organisation subtree containing it): whom to tell about it."""
    path = tenancy.organizations().filter(pk=org_id).values_list("path", flat=True).first()
    if path is None:
        return []
    out = set()
    for user_id, perms, kind, org_path in RoleAssignment.objects.filter(
        user__is_active=True
    ).values_list("user_id", "role__permissions", "scope_kind", "org__path"):
        if permission not in (perms or []):
            continue
        if kind == "all" or (kind == "org" and org_path and path.startswith(org_path)):
            out.add(user_id)
    return sorted(out)
