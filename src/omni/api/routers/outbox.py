from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema

from omni.kernel import outbox
from omni.kernel.models import OutboxStatus

from ..auth import request_actor
from ..pagination import Page, PageIn, paginate
from ..schemas import ERRORS, line

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


class EventFilter(PageIn):
    status: OutboxStatus | None = None
    event_type: line(100) | None = None


@router.get("", response={200: Page[EventOut], **ERRORS}, summary="Outbox events")
def list_events(request: HttpRequest, filters: Query[EventFilter]):
    qs = outbox.list_events_for(
        actor=request_actor(request), status=filters.status, event_type=filters.event_type
    )
    return paginate(qs, filters)


@router.post(
    "/{event_id}/retry", response={200: EventOut, **ERRORS}, summary="Retry a failed event"
)
def retry_event(request: HttpRequest, event_id: uuid.UUID):
    # the outbox carries every organisation's events: enterprise-wide operators only
    return outbox.retry_event(actor=request_actor(request), event_id=event_id)
