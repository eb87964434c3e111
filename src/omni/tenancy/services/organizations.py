"""Organisations (集团/子公司/销售组织/部门) as a tree with materialized paths.

Permission names and audit actions keep their `party.` prefix: roles and history rows
stored before organisations moved to tenancy still name them so."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr

from omni.kernel import audit
from omni.kernel.actors import Actor
from omni.kernel.errors import Conflict, InvalidInput, NotFound
from omni.kernel.writes import insert_unique

from ..errors import CyclicHierarchy, DuplicateCode
from ..models import Organization, OrgKind
from ..selectors import list_organizations
from ..validation import is_valid_code

FIELDS = ["code", "name", "kind", "parent", "is_active"]


@transaction.atomic(durable=True)
def create_organization(
    *, actor: Actor, code: str, name: str, kind: str, parent_id: int | None = None
) -> Organization:
    actor.require("party.organization.create")
    code, name = code.strip(), name.strip()
    if not is_valid_code(code):
        raise InvalidInput(details={"code": code})
    if not name:
        raise InvalidInput(details={"name": "required"})
    if kind not in OrgKind.values:
        raise InvalidInput(details={"kind": kind})
    parent = None
    if parent_id is not None:
        parent = list_organizations(actor, mode="write").filter(pk=parent_id).first()
        if parent is None:
            raise NotFound(details={"parent_id": parent_id})
    elif Organization.objects.exists() and kind != OrgKind.GROUP:
        # the tree has its root already: a state conflict, not a malformed request
        raise Conflict("parent_required", details={"parent_id": "required below the group"})
    org = insert_unique(
        lambda: Organization.objects.create(
            code=code, name=name, kind=kind, parent=parent, path=""
        ),
        lambda: DuplicateCode(details={"code": code}),
    )
    org.path = f"{parent.path if parent else '/'}{org.pk}/"
    org.save(update_fields=["path"])
    audit.record(
        actor=actor,
        action="party.organization_created",
        object_type="party.organization",
        object_id=org.pk,
        after=audit.snapshot(org, FIELDS),
        org_id=org.pk,
    )
    return org


@transaction.atomic(durable=True)
def move_organization(*, actor: Actor, org_id: int, new_parent_id: int) -> Organization:
    """Re-parent an organisation and its whole subtree; refuses cycles."""
    actor.require("party.organization.edit")
    # Lock both rows in primary-key order (a no-op on SQLite, where BEGIN IMMEDIATE serialises).
    rows = {
        o.pk: o
        for o in list_organizations(actor, mode="write")
        .select_for_update()
        .filter(pk__in=sorted({org_id, new_parent_id}))
        .order_by("pk")
    }
    org, parent = rows.get(org_id), rows.get(new_parent_id)
    if org is None or parent is None:
        raise NotFound(details={"org_id": org_id, "new_parent_id": new_parent_id})
    if parent.path.startswith(org.path):
        raise CyclicHierarchy(details={"org_id": org_id, "new_parent_id": new_parent_id})
    before = audit.snapshot(org, FIELDS)
    old_path, new_path = org.path, f"{parent.path}{org.pk}/"
    Organization.objects.filter(path__startswith=old_path).update(
        path=Concat(Value(new_path), Substr(F("path"), len(old_path) + 1))
    )
    Organization.objects.filter(pk=org.pk).update(parent=parent)
    org.refresh_from_db()
    audit.record(
        actor=actor,
        action="party.organization_moved",
        object_type="party.organization",
        object_id=org.pk,
        before=before,
        after=audit.snapshot(org, FIELDS),
        org_id=org.pk,
    )
    return org
