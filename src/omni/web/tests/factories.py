"""Test data for console tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from omni.kernel import audit
from omni.kernel.actors import Actor
from omni.kernel.models import AuditEntry


def audit_entry(
    *,
    actor: str = "王芳",
    action: str = "price.updated",
    object_type: str = "catalog.price",
    object_id: Any = 1,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    at: dt.datetime | None = None,
) -> AuditEntry:
    """One audit row written the way services write it (inside a transaction)."""
    with transaction.atomic():
        entry = audit.record(
            actor=Actor.system(actor),
            action=action,
            object_type=object_type,
            object_id=object_id,
            before=before,
            after=after,
        )
    if at is not None:  # `at` is auto_now_add: move it afterwards to place it on a given day
        AuditEntry.objects.filter(pk=entry.pk).update(at=at)
        entry.at = at
    return entry


def days_ago(n: int, hour: int = 10) -> dt.datetime:
    day = timezone.localdate() - dt.timedelta(days=n)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def three_audit_entries() -> list[AuditEntry]:
    """Given: two price changes by 王芳 (objects 1 and 2, three days ago and today) and a
    credit limit change by 李雷 (object 5, yesterday)."""
    rows = [
        ("王芳", "price.updated", "catalog.price", 1, "price", "10.00", "12.00", 3),
        ("李雷", "credit.limit_changed", "credit.account", 5, "limit", "1000", "5000", 1),
        ("王芳", "price.updated", "catalog.price", 2, "price", "8.00", "9.00", 0),
    ]
    return [
        audit_entry(
            actor=actor,
            action=action,
            object_type=object_type,
            object_id=object_id,
            before={field: before},
            after={field: after},
            at=days_ago(age),
        )
        for actor, action, object_type, object_id, field, before, after, age in rows
    ]


# the audit log export's header row
AUDIT_EXPORT_HEADER = (
    "时间",
    "操作人",
    "操作人类型",
    "操作",
    "对象类型",
    "对象 ID",
    "对象",
    "变更字段",
    "请求编号",
)
