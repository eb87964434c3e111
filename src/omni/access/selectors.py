"""Reads for users, roles and role assignments, always through the actor's data scope.

A user outside the scope does not exist for the actor (NotFound, 404). `access` never
imports `party` (import-linter): organisations, sales regions and customers are reached
through the related models of our own string foreign keys, and the scope rules below mirror
`party.selectors` (organisation subtrees by materialized path, sales-region subtrees,
assigned customers, own records, a dealer's own customer and its lower-level customers).

Which users an actor sees:
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

from django.db.models import Model, Prefetch, Q, QuerySet

from omni.kernel.actors import Actor
from omni.kernel.errors import NotFound

from .models import ApiToken, Role, RoleAssignment, User


def org_model() -> type[Model]:
    return User._meta.get_field("org").related_model  # type: ignore[return-value]


def customer_model() -> type[Model]:
    return User._meta.get_field("customer").related_model  # type: ignore[return-value]


def sales_region_model() -> type[Model]:
    return RoleAssignment._meta.get_field("sales_regions").related_model  # type: ignore[return-value]


def sees_everything(actor: Actor) -> bool:
    return actor.superuser or actor.scope.everything


def _org_paths(org_ids: Iterable[int]) -> list[str]:
    ids = list(org_ids)
    if not ids:
        return []
    return list(
        org_model()._default_manager.filter(pk__in=ids).values_list("path", flat=True)  # type: ignore[attr-defined]
    )


def region_subtree_ids(region_ids: Iterable[int]) -> set[int]:
    model = sales_region_model()
    ids = set(region_ids)
    frontier = set(ids)
    while frontier:  # sales regions are two or three levels deep
        frontier = (
            set(
                model._default_manager.filter(parent_id__in=frontier).values_list("pk", flat=True)  # type: ignore[attr-defined]
            )
            - ids
        )
        ids |= frontier
    return ids


# --- what an actor may see (and therefore grant) ------------------------------------------------


def visible_orgs(actor: Actor) -> QuerySet[Any]:
    qs = org_model()._default_manager.all()  # type: ignore[attr-defined]
    if sees_everything(actor):
        return qs
    q = Q(pk__in=[])
    for path in _org_paths(actor.scope.org_ids):
        q |= Q(path__startswith=path)
    return qs.filter(q)


def visible_sales_regions(actor: Actor) -> QuerySet[Any]:
    qs = sales_region_model()._default_manager.all()  # type: ignore[attr-defined]
    if sees_everything(actor):
        return qs
    s = actor.scope
    q = Q(pk__in=region_subtree_ids(s.sales_region_ids)) if s.sales_region_ids else Q(pk__in=[])
    for path in _org_paths(s.org_ids):
        q |= Q(org__path__startswith=path)
    return qs.filter(q)


def visible_customers(actor: Actor) -> QuerySet[Any]:
    qs = customer_model()._default_manager.all()  # type: ignore[attr-defined]
    if sees_everything(actor):
        return qs
    s = actor.scope
    if s.bound_customer_id is not None:
        return qs.filter(Q(pk=s.bound_customer_id) | Q(upper_id=s.bound_customer_id))
    q = Q(pk__in=[])
    for path in _org_paths(s.org_ids):
        q |= Q(org__path__startswith=path)
    if s.sales_region_ids:
        q |= Q(sales_region_id__in=region_subtree_ids(s.sales_region_ids))
    if s.customer_ids:
        q |= Q(pk__in=s.customer_ids)
    if s.own_user_id is not None:
        q |= Q(account_manager_id=s.own_user_id) | Q(created_by_id=s.own_user_id)
    return qs.filter(q)


def _users_q(actor: Actor) -> Q | None:
    if sees_everything(actor):
        return None
    s = actor.scope
    if s.bound_customer_id is not None:
        return Q(customer_id=s.bound_customer_id) | Q(customer__upper_id=s.bound_customer_id)
    q = Q(pk__in=[])
    for path in _org_paths(s.org_ids):
        q |= Q(customer__isnull=True, org__path__startswith=path)
        q |= Q(customer__org__path__startswith=path)
    if s.sales_region_ids:
        q |= Q(customer__sales_region_id__in=region_subtree_ids(s.sales_region_ids))
    if s.customer_ids:
        q |= Q(customer_id__in=s.customer_ids)
    if s.own_user_id is not None:
        q |= Q(pk=s.own_user_id)
    return q


def scoped_users(actor: Actor) -> QuerySet[User]:
    q = _users_q(actor)
    qs = User.objects.all()
    return qs if q is None else qs.filter(q)


# --- users --------------------------------------------------------------------------------------


def get_user(actor: Actor, user_id: int) -> User:
    user = scoped_users(actor).select_related("org", "customer").filter(pk=user_id).first()
    if user is None:
        raise NotFound(details={"user_id": user_id})
    return user


def list_users(
    actor: Actor,
    *,
    search: str = "",
    role_id: int | None = None,
    is_active: bool | None = None,
    org_id: int | None = None,
    customer_id: int | None = None,
    portal: bool | None = None,
) -> QuerySet[User]:
    """Users in scope; `org_id` filters on that organisation's subtree."""
    qs = scoped_users(actor).select_related("org", "customer")
    if search:
        qs = qs.filter(
            Q(username__icontains=search)
            | Q(display_name__icontains=search)
            | Q(phone__icontains=search)
            | Q(email__icontains=search)
        )
    if role_id:
        qs = qs.filter(pk__in=RoleAssignment.objects.filter(role_id=role_id).values("user_id"))
    if is_active is not None:
        qs = qs.filter(is_active=is_active)
    if org_id:
        path = _org_paths([org_id])
        qs = (
            qs.filter(Q(org__path__startswith=path[0]) | Q(customer__org__path__startswith=path[0]))
            if path
            else qs.none()
        )
    if customer_id:
        qs = qs.filter(customer_id=customer_id)
    if portal is not None:
        qs = qs.filter(customer__isnull=not portal)
    return qs


def assignments_of(user_ids: Iterable[int]) -> QuerySet[RoleAssignment]:
    return (
        RoleAssignment.objects.filter(user_id__in=list(user_ids))
        .select_related("role", "org")
        .prefetch_related(
            Prefetch(
                "sales_regions", queryset=sales_region_model()._default_manager.order_by("pk")
            ),  # type: ignore[attr-defined]
            Prefetch("customers", queryset=customer_model()._default_manager.order_by("pk")),  # type: ignore[attr-defined]
        )
        .order_by("pk")
    )


def get_assignment(actor: Actor, assignment_id: int) -> RoleAssignment:
    """An assignment of a user in the actor's scope (others: NotFound)."""
    found = (
        RoleAssignment.objects.select_related("role", "user")
        .filter(pk=assignment_id, user__in=scoped_users(actor))
        .first()
    )
    if found is None:
        raise NotFound(details={"assignment_id": assignment_id})
    return found


def user_permissions(user_id: int) -> set[str]:
    """Every functional permission the user's roles give (superusers: see `is_superuser`)."""
    perms: set[str] = set()
    for role_perms in RoleAssignment.objects.filter(user_id=user_id).values_list(
        "role__permissions", flat=True
    ):
        perms.update(role_perms or [])
    return perms


def tokens_of(user_id: int) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user_id=user_id).order_by("-created_at", "-pk")


# --- roles (enterprise-wide: guarded by functional permissions only) ----------------------------


def list_roles(*, search: str = "", is_portal: bool | None = None) -> QuerySet[Role]:
    qs = Role.objects.all()
    if search:
        qs = qs.filter(Q(code__icontains=search) | Q(name__icontains=search))
    if is_portal is not None:
        qs = qs.filter(is_portal=is_portal)
    return qs.order_by("code")


def get_role(role_id: int) -> Role:
    role = Role.objects.filter(pk=role_id).first()
    if role is None:
        raise NotFound(details={"role_id": role_id})
    return role
