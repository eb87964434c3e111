"""Data scope for catalog rows: the one rule (`omni.tenancy.scope.scope_q`) with
`shared_down=True`.

Catalog rows are group master data. Reading: an actor sees rows owned by an organisation in
the subtree of one of their scope organisations, or by an ancestor of one (group master
data is shared down the tree). Without scope organisations the actor's own organisation is
used; with neither, nothing. Writing: only rows owned inside the subtree.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Model, Q, QuerySet

from omni.kernel.actors import Actor, ActorKind
from omni.kernel.scope import DataScope
from omni.tenancy import directory
from omni.tenancy import selectors as tenancy
from omni.tenancy.scope import SELF, path_ids, require_in_scope, scope_q

from . import errors

__all__ = [
    "actor_scope",
    "check_org_writable",
    "check_row_writable",
    "path_ids",
    "scoped",
    "subject_queryset",
    "visible_orgs",
    "visible_q",
    "writable_orgs",
    "writable_q",
]


def actor_scope(actor: Actor) -> DataScope:
    if actor.kind == ActorKind.SYSTEM:
        return DataScope.all()
    return getattr(actor, "scope", None) or DataScope.nothing()


def visible_q(actor: Actor, org_field: str = "org") -> Q | None:
    """A filter for rows the actor may read; None means no filter at all."""
    return scope_q(actor, None, "read", org=org_field, shared_down=True)


def writable_q(actor: Actor, org_field: str = "org") -> Q | None:
    return scope_q(actor, None, "write", org=org_field, shared_down=True)


def scoped(qs, actor: Actor, org_field: str = "org"):
    q = visible_q(actor, org_field)
    return qs if q is None else qs.filter(q)


def visible_orgs(actor: Actor) -> QuerySet[Any]:
    """Organisations whose catalog rows the actor may read (their subtrees and ancestors)."""
    q = scope_q(actor, None, "read", org=SELF, shared_down=True)
    qs = tenancy.organizations()
    return qs if q is None else qs.filter(q)


def writable_orgs(actor: Actor) -> QuerySet[Any]:
    """Organisations in which the actor may create or change catalog rows."""
    q = scope_q(actor, None, "write", org=SELF, shared_down=True)
    qs = tenancy.organizations()
    return qs if q is None else qs.filter(q)


def check_org_writable(actor: Actor, org_id: int | None) -> None:
    """The organisation exists and lies in the actor's writable subtree, else unknown_org."""
    if org_id is None or not writable_orgs(actor).filter(pk=org_id).exists():
        raise errors.invalid("unknown_org", org_id=org_id)


def check_row_writable(actor: Actor, obj: Model, org_field: str = "org") -> None:
    """A row the actor can read but not change (group data seen from a subsidiary): 403."""
    require_in_scope(actor, obj, None, "write", org=org_field, shared_down=True)


_ALL = Actor.system("catalog.subjects")


def subject_queryset(kind: str, actor: Actor) -> QuerySet[Any]:
    """The rows an authorisation rule's subject of `kind` may name: party's customer classes
    and levels (enterprise-wide), and sales regions and customers within the actor's catalog
    scope. Reached through tenancy (sales regions) and `tenancy.directory` (party's rows,
    which catalog may not import)."""
    from .models import SubjectKind

    kind = SubjectKind(kind)
    if kind == SubjectKind.CUSTOMER_CLASS:
        return directory.customer_classes()
    if kind == SubjectKind.CUSTOMER_LEVEL:
        return directory.customer_levels()
    if kind == SubjectKind.SALES_REGION:
        return scoped(tenancy.sales_regions(), actor)
    if kind == SubjectKind.CUSTOMER:
        return scoped(directory.customers(_ALL), actor)
    raise ValueError(f"no subject rows for {kind!r}")
