"""Audit trail: services call `record` in the same transaction as the change they make."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models
from django.forms.models import model_to_dict

from .actors import Actor
from .models import AuditEntry


def _jsonable(data: dict[str, Any] | None) -> dict[str, Any] | None:
    if data is None:
        return None
    # Decimal -> "12.50", datetime -> ISO 8601, UUID -> str: what the API shows too.
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


def snapshot(instance: models.Model, fields: Iterable[str] | None = None) -> dict[str, Any]:
    """The audited view of a row: its field values (foreign keys as ids)."""
    return _jsonable(model_to_dict(instance, fields=list(fields) if fields else None)) or {}


def record(
    *,
    actor: Actor,
    action: str,
    object_type: str,
    object_id: Any,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    org_id: int | None = None,
) -> AuditEntry:
    if not connection.in_atomic_block:
        raise RuntimeError("audit.record must run inside the transaction of the change")
    return AuditEntry.objects.create(
        actor_kind=str(actor.kind),
        actor_id=actor.id,
        actor_name=actor.name,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        org_id=org_id if org_id is not None else actor.org_id,
        before=_jsonable(before),
        after=_jsonable(after),
        request_id=actor.request_id,
    )


def changed_fields(before: dict[str, Any] | None, after: dict[str, Any] | None) -> list[str]:
    before, after = before or {}, after or {}
    return sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))


def list_entries(
    *, object_type: str | None = None, object_id: Any = None, org_ids: Iterable[int] | None = None
) -> models.QuerySet[AuditEntry]:
    qs = AuditEntry.objects.all()
    if object_type:
        qs = qs.filter(object_type=object_type)
    if object_id is not None:
        qs = qs.filter(object_id=str(object_id))
    if org_ids is not None:
        qs = qs.filter(org_id__in=list(org_ids))
    return qs.order_by("-id")


def history_rows(object_type: str, object_id: Any) -> list[dict[str, Any]]:
    """Rows for a detail page's change-history tab: newest first, with the changed fields."""
    rows = []
    for entry in list_entries(object_type=object_type, object_id=object_id)[:200]:
        fields = changed_fields(entry.before, entry.after)
        rows.append(
            {
                "at": entry.at,
                "actor": entry.actor_name,
                "action": entry.action,
                "changes": [
                    {
                        "field": f,
                        "before": (entry.before or {}).get(f),
                        "after": (entry.after or {}).get(f),
                    }
                    for f in fields
                ],
                "request_id": entry.request_id,
            }
        )
    return rows


def record_change(
    actor: Actor,
    action: str,
    row: models.Model,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEntry:
    """`record` for one model row: its type is the model's label (``party.customer``), its
    organisation the row's own ``org_id`` (the actor's when it has none)."""
    return record(
        actor=actor,
        action=action,
        object_type=row._meta.label_lower,
        object_id=row.pk,
        before=before,
        after=after,
        org_id=getattr(row, "org_id", None),
    )


def record_created(
    actor: Actor, action: str, row: models.Model, fields: Iterable[str]
) -> AuditEntry:
    """`record_change` for a row just created: its audited view (`snapshot`) as after."""
    return record_change(actor, action, row, after=snapshot(row, fields))


def record_updated(
    actor: Actor,
    action: str,
    row: models.Model,
    before: dict[str, Any],
    fields: Iterable[str],
) -> bool:
    """`record_change` for a row changed in place, when its audited view differs from
    `before` (a save that changed nothing writes no entry). True when it did."""
    after = snapshot(row, fields)
    if after == before:
        return False
    record_change(actor, action, row, before=before, after=after)
    return True
