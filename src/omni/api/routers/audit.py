from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from omni.kernel import audit
from omni.party.selectors import scoped_org_ids

from ..auth import request_actor
from ..pagination import PageIn, paginate
from ..schemas import ERRORS

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


class AuditPage(Schema):
    items: list[AuditOut]
    total: int
    page: int
    page_size: int


class AuditFilter(PageIn):
    object_type: str | None = Field(None, max_length=100)
    object_id: str | None = Field(None, max_length=64)


@router.get("", response={200: AuditPage, **ERRORS}, summary="Audit trail (newest first)")
def list_audit(request: HttpRequest, filters: Query[AuditFilter]):
    """Entries of the organisations in the caller's data scope (everything for admins)."""
    actor = request_actor(request)
    actor.require("system.audit.view")
    qs = audit.list_entries(
        org_ids=scoped_org_ids(actor),
        object_type=filters.object_type,
        object_id=filters.object_id,
    )
    return paginate(qs, filters)
