from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from omni.kernel import outbox
from omni.kernel.errors import Conflict, NotFound
from omni.kernel.models import OutboxStatus

from ..pagination import PageIn, paginate
from ..permissions import require_staff
from ..schemas import ERRORS

router = Router()


class EventOut(Schema):
    id: uuid.UUID
    event_type: str
    status: str
    attempts: int
    payload: dict[str, Any]
    org_id: int | None
    created_at: dt.datetime
    next_attempt_at: dt.datetime
    delivered_at: dt.datetime | None
    last_error: str


class EventPage(Schema):
    items: list[EventOut]
    total: int
    page: int
    page_size: int


class EventFilter(PageIn):
    status: OutboxStatus | None = None
    event_type: str | None = Field(None, max_length=100)


@router.get("", response={200: EventPage, **ERRORS}, summary="Outbox events")
def list_events(request: HttpRequest, filters: Query[EventFilter]):
    require_staff(request)
    qs = outbox.list_events(status=filters.status, event_type=filters.event_type)
    return paginate(qs, filters)


@router.post(
    "/{event_id}/retry", response={200: EventOut, **ERRORS}, summary="Retry a failed event"
)
def retry_event(request: HttpRequest, event_id: uuid.UUID):
    require_staff(request)
    if outbox.find_event(event_id) is None:
        raise NotFound()
    if not outbox.retry_failed(event_id):
        raise Conflict("event_not_failed", details={"event_id": str(event_id)})
    return outbox.find_event(event_id)
