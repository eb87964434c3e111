"""The one scope rule: which rows an actor may read or change.

`scope_q(actor, permission, mode, *, org=…, sales_region=…, customer=…, owner=…)` checks the
functional permission (PermissionDenied when the actor lacks it) and returns the filter
(`Q`) for the rows of one table that the actor's data scope (`kernel.scope.DataScope`,
built by `access` from role assignments) reaches, or None for "every row". Every selector
and service of every app filters through it; nothing else decides what an actor sees.

The keyword arguments name the row's paths to the scope dimensions; None means "this table
has no such dimension", and a scope kind that reaches a table only through a missing
dimension reaches none of its rows. `SELF` means "the row itself is one" (the organisation
table, the sales-region table, the customer table, the user table). `org` and `owner` may
be a tuple of paths (any of them matches).

Rules (read = mode "read", write = mode "write"; the same unless said otherwise):

  everything / superuser / system   every row (None).
  organisation subtrees             rows whose organisation lies in the subtree of a scope
                                    organisation (materialized path prefix match).
  sales regions                     rows whose sales region lies in the subtree of a scope
                                    sales region (areas contain districts).
  assigned customers                rows of those customers.
  own records                       rows the user owns (`owner`: e.g. account manager or
                                    creator of a customer; the user row itself).
  bound customer (dealer / store)   rows of their own customer and of its lower-level
                                    customers (`customer = bound or customer.upper = bound`),
                                    whatever their roles say; nothing else, except shared
                                    master data below.
  shared_down=True (master data)    group master data is shared down the tree for reading:
                                    read also reaches rows owned by an ancestor of a scope
                                    organisation (a subsidiary sees the group's products);
                                    write reaches only rows inside the subtrees. An actor
                                    whose scope names no organisation (sales-region,
                                    customer, own-record or dealer scopes) uses their own
                                    organisation as the root.

A row outside the scope does not exist for the actor: selectors answer NotFound (404),
never PermissionDenied, never data. A row the actor may read but not change (group data
seen from a subsidiary) is PermissionDenied on write (`require_in_scope`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal, TypeVar

from django.db.models import Model, Q, QuerySet

from omni.kernel.actors import Actor
from omni.kernel.errors import NotFound, PermissionDenied

from .models import Organization, SalesRegion

SELF = "self"
Mode = Literal["read", "write"]
Paths = str | tuple[str, ...] | None
M = TypeVar("M", bound=Model)

NOTHING = Q(pk__in=[])


def sees_everything(actor: Actor) -> bool:
    return actor.superuser or actor.scope.everything  # Actor.system() carries both


def path_ids(path: str) -> list[int]:
    """ "/1/4/9/" → [1, 4, 9]: the organisation and its ancestors."""
    return [int(p) for p in path.strip("/").split("/") if p.isdigit()]


def org_paths(org_ids: Iterable[int]) -> list[str]:
    ids = sorted(set(org_ids))
    if not ids:
        return []
    return list(Organization.objects.filter(pk__in=ids).values_list("path", flat=True))


def sales_region_subtree_ids(region_ids: Iterable[int]) -> set[int]:
    """The sales regions and every region below them (two or three levels)."""
    ids = set(region_ids)
    frontier = set(ids)
    while frontier:
        frontier = (
            set(SalesRegion.objects.filter(parent_id__in=frontier).values_list("pk", flat=True))
            - ids
        )
        ids |= frontier
    return ids


def _paths(value: Paths) -> tuple[str, ...]:
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


def _ref(path: str) -> str:
    """The lookup for "this foreign key equals an id" (`pk` for the row itself)."""
    return "pk" if path == SELF else path


def _org_q(paths: tuple[str, ...], roots: list[str], *, ancestors: bool) -> Q:
    q = Q()
    for field in paths:
        prefix = "" if field == SELF else f"{field}__"
        for root in roots:
            q |= Q(**{f"{prefix}path__startswith": root})
        if ancestors:
            ids = sorted({i for root in roots for i in path_ids(root)})
            q |= Q(**{f"{_ref(field)}__in": ids})
    return q


def _bound_q(customer: str, bound: int) -> Q:
    upper = "upper" if customer == SELF else f"{customer}__upper"
    return Q(**{_ref(customer): bound}) | Q(**{upper: bound})


def scope_q(
    actor: Actor,
    permission: str | None,
    mode: Mode = "read",
    *,
    org: Paths = None,
    sales_region: str | None = None,
    customer: str | None = None,
    owner: Paths = None,
    shared_down: bool = False,
) -> Q | None:
    """The filter for the rows `actor` may `mode` ("read" or "write"); None = every row.

    `permission` (e.g. "party.customer.view") is required first (PermissionDenied);
    None for reference reads that need no permission of their own (choices in a form)."""
    if mode not in ("read", "write"):
        raise ValueError(f"mode must be 'read' or 'write', not {mode!r}")
    if permission:
        actor.require(permission)
    if sees_everything(actor):
        return None
    s = actor.scope
    orgs = _paths(org)
    q = Q()
    if s.bound_customer_id is not None:
        if customer is not None:
            q |= _bound_q(customer, s.bound_customer_id)
        if shared_down and orgs and actor.org_id is not None:
            q |= _org_q(orgs, org_paths([actor.org_id]), ancestors=mode == "read")
        return q or NOTHING
    roots = set(s.org_ids)
    if not roots and shared_down and actor.org_id is not None:
        roots = {actor.org_id}
    if orgs and roots:
        q |= _org_q(orgs, org_paths(roots), ancestors=shared_down and mode == "read")
    if sales_region is not None and s.sales_region_ids:
        subtree = sorted(sales_region_subtree_ids(s.sales_region_ids))
        q |= Q(**{f"{_ref(sales_region)}__in": subtree})
    if customer is not None and s.customer_ids:
        q |= Q(**{f"{_ref(customer)}__in": sorted(s.customer_ids)})
    if s.own_user_id is not None:
        for field in _paths(owner):
            q |= Q(**{_ref(field): s.own_user_id})
    return q or NOTHING


def scoped(
    qs: QuerySet[M],
    actor: Actor,
    permission: str | None,
    mode: Mode = "read",
    **paths: object,
) -> QuerySet[M]:
    """`qs` narrowed by `scope_q` (same arguments)."""
    q = scope_q(actor, permission, mode, **paths)  # type: ignore[arg-type]
    return qs if q is None else qs.filter(q)


def get_in_scope(
    qs: QuerySet[M],
    actor: Actor,
    permission: str | None,
    pk: object,
    mode: Mode = "read",
    **paths: object,
) -> M:
    """The row `pk` if the actor may `mode` it; otherwise NotFound (as if it did not exist)."""
    found = scoped(qs, actor, permission, mode, **paths).filter(pk=pk).first()
    if found is None:
        raise NotFound(details={"id": pk})
    return found


def require_in_scope(
    actor: Actor, obj: Model, permission: str | None = None, mode: Mode = "write", **paths: object
) -> None:
    """PermissionDenied unless `obj` lies in the actor's scope for `mode` (for rows already
    read through the read scope: group data seen from a subsidiary may not be changed)."""
    q = scope_q(actor, permission, mode, **paths)  # type: ignore[arg-type]
    if q is None:
        return
    if not type(obj)._default_manager.filter(q, pk=obj.pk).exists():
        raise PermissionDenied(details={"object_id": obj.pk})
