"""Units of measure (计量单位): shared reference data, no organisation."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from omni.kernel import audit
from omni.kernel.actors import Actor

from ..models import Unit
from ._common import UNSET, clean_code, clean_text, create_with_code, get_for_update

FIELDS = ("code", "name", "allows_fraction")


@transaction.atomic(durable=True)
def create_unit(*, actor: Actor, code: str, name: str, allows_fraction: bool = False) -> Unit:
    actor.require("catalog.unit.create")
    code = clean_code(code, model=Unit)
    name = clean_text(name, field="name", max_length=20)
    unit = create_with_code(
        Unit,
        code,
        lambda: Unit.objects.create(code=code, name=name, allows_fraction=bool(allows_fraction)),
    )
    audit.record_created(actor, "catalog.unit_created", unit, FIELDS)
    return unit


@transaction.atomic(durable=True)
def update_unit(
    *, actor: Actor, unit_id: int, name: Any = UNSET, allows_fraction: Any = UNSET
) -> Unit:
    """Rename a unit. Its code is kept: documents and imports refer to it."""
    actor.require("catalog.unit.edit")
    unit = get_for_update(Unit.objects.all(), unit_id, "unit")
    before = audit.snapshot(unit, FIELDS)
    if name is not UNSET:
        unit.name = clean_text(name, field="name", max_length=20)
    if allows_fraction is not UNSET:
        unit.allows_fraction = bool(allows_fraction)
    unit.save()
    audit.record_updated(actor, "catalog.unit_updated", unit, before, FIELDS)
    return unit
