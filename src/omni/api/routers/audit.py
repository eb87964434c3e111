from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema

from omni.tenancy.selectors import list_audit_entries

from ..auth import request_actor
from ..pagination import Page, PageIn, paginate
from ..schemas import ERRORS, line

router = Router()


class AuditOut(Schema):
    id: int
    at: dt.datetime
    actor_kind: str
    actor_id: int | None
    actor_name: str
    action: str
    object_type: str
    object_id: str
    org_id: int | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    request_id: str


class AuditFilter(PageIn):
    object_type: line(100) | None = None
    object_id: line(64) | None = None


@router.get("", response={200: Page[AuditOut], **ERRORS}, summary="Audit trail (newest first)")
def list_audit(request: HttpRequest, filters: Query[AuditFilter]):
    """Entries of the organisations in the caller's data scope (everything for admins)."""
    qs = list_audit_entries(
        request_actor(request),
        object_type=filters.object_type,
        object_id=filters.object_id,
    )
    return paginate(qs, filters)
