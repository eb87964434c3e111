"""Data scope for catalog rows, by organisation (catalog never imports `party`: the
organisation table is reached through the foreign key's related model).

Reading: an actor sees catalog rows owned by an organisation in the subtree of one of
their scope organisations, or by an ancestor of one (group master data is shared down the
tree). Without scope organisations the actor's own organisation is used; with neither,
nothing. Writing: only rows owned inside the subtree.
"""

from __future__ import annotations

from django.db.models import Model, Q

from omni.kernel.actors import Actor, ActorKind
from omni.kernel.errors import PermissionDenied
from omni.kernel.scope import DataScope

from . import errors
from .models import Product


def organization_model() -> type[Model]:
    return Product._meta.get_field("org").related_model  # type: ignore[return-value]


def actor_scope(actor: Actor) -> DataScope:
    if actor.kind == ActorKind.SYSTEM:
        return DataScope.all()
    return getattr(actor, "scope", None) or DataScope.nothing()


def _root_paths(actor: Actor) -> list[str]:
    scope = actor_scope(actor)
    roots = set(scope.org_ids)
    if not roots and actor.org_id is not None:
        roots = {actor.org_id}
    if not roots:
        return []
    return list(
        organization_model()._default_manager.filter(pk__in=roots).values_list("path", flat=True)
    )


def path_ids(path: str) -> list[int]:
    return [int(p) for p in path.strip("/").split("/") if p.isdigit()]


def visible_q(actor: Actor, org_field: str = "org") -> Q | None:
    """A filter for rows the actor may read; None means no filter at all."""
    if actor_scope(actor).everything:
        return None
    paths = _root_paths(actor)
    if not paths:
        return Q(pk__in=[])
    ancestors = {i for p in paths for i in path_ids(p)}
    q = Q(**{f"{org_field}_id__in": sorted(ancestors)})
    for p in paths:
        q |= Q(**{f"{org_field}__path__startswith": p})
    return q


def writable_q(actor: Actor, org_field: str = "org") -> Q | None:
    if actor_scope(actor).everything:
        return None
    paths = _root_paths(actor)
    if not paths:
        return Q(pk__in=[])
    q = Q()
    for p in paths:
        q |= Q(**{f"{org_field}__path__startswith": p})
    return q


def scoped(qs, actor: Actor, org_field: str = "org"):
    q = visible_q(actor, org_field)
    return qs if q is None else qs.filter(q)


def check_org_writable(actor: Actor, org_id: int | None) -> None:
    """The organisation exists and lies in the actor's writable subtree, else unknown_org."""
    if org_id is None:
        raise errors.invalid("unknown_org", org_id=org_id)
    orgs = organization_model()._default_manager.filter(pk=org_id)
    if not actor_scope(actor).everything:
        inside = Q(pk__in=[])
        for p in _root_paths(actor):
            inside |= Q(path__startswith=p)
        orgs = orgs.filter(inside)
    if not orgs.exists():
        raise errors.invalid("unknown_org", org_id=org_id)


def check_row_writable(actor: Actor, obj: Model, org_field: str = "org") -> None:
    """A row the actor can read but not change (group data seen from a subsidiary): 403."""
    q = writable_q(actor, org_field)
    if q is None:
        return
    if not type(obj)._default_manager.filter(q, pk=obj.pk).exists():
        raise PermissionDenied(details={"object_id": obj.pk})
