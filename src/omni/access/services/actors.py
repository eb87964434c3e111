"""Build the `Actor` for a logged-in user: permissions and data scope from role assignments."""

from __future__ import annotations

from typing import Any

from omni.kernel.actors import Actor, ActorKind
from omni.kernel.scope import DataScope

from ..models import RoleAssignment, ScopeKind, User


def build_actor(
    user: User,
    *,
    request_id: str = "",
    via_token: bool = False,
    token_permissions: list[str] | None = None,
) -> Actor:
    """`token_permissions` (a scoped API token) narrows the user's permissions, never widens."""
    kind = ActorKind.API_CLIENT if via_token else ActorKind.USER
    if not user.is_active:
        return Actor(kind, user.pk, user.get_username(), request_id)
    if user.is_superuser:  # everything; through a scoped token, only the token's permissions
        narrowed = token_permissions is not None
        return Actor(
            kind,
            user.pk,
            user.get_username(),
            request_id,
            user.org_id,
            permissions=frozenset(token_permissions or ()),
            scope=DataScope.all(),
            superuser=not narrowed,
        )
    permissions: set[str] = set()
    everything = False
    org_ids: set[int] = set()
    region_ids: set[int] = set()
    customer_ids: set[int] = set()
    own = False
    assignments = (
        RoleAssignment.objects.filter(user=user)
        .select_related("role")
        .prefetch_related("sales_regions", "customers")
    )
    for a in assignments:
        permissions.update(a.role.permissions)
        if a.scope_kind == ScopeKind.ALL:
            everything = True
        elif a.scope_kind == ScopeKind.ORG and a.org_id:
            org_ids.add(a.org_id)
        elif a.scope_kind == ScopeKind.REGIONS:
            region_ids.update(r.pk for r in a.sales_regions.all())
        elif a.scope_kind == ScopeKind.CUSTOMERS:
            customer_ids.update(c.pk for c in a.customers.all())
        elif a.scope_kind == ScopeKind.OWN:
            own = True
    if user.customer_id:
        # Dealer and store users: whatever their roles say, only their own customer.
        scope = DataScope(bound_customer_id=user.customer_id)
    else:
        scope = DataScope(
            everything=everything,
            org_ids=frozenset(org_ids),
            sales_region_ids=frozenset(region_ids),
            customer_ids=frozenset(customer_ids),
            own_user_id=user.pk if own else None,
        )
    if token_permissions is not None:
        permissions &= set(token_permissions)
    return Actor(
        kind,
        user.pk,
        user.get_username(),
        request_id,
        user.org_id,
        permissions=frozenset(permissions),
        scope=scope,
    )


def actor_for_request(request: Any) -> Actor:
    """The acting user of an HTTP request (page or API), built once and cached on it.
    API bearer-token requests carry `via_token` and `token_permissions` (see omni.api.auth)."""
    cached = getattr(request, "_omni_actor", None)
    if cached is None:
        cached = build_actor(
            request.user,
            request_id=getattr(request, "request_id", ""),
            via_token=getattr(request, "via_token", False),
            token_permissions=getattr(request, "token_permissions", None),
        )
        request._omni_actor = cached
    return cached
