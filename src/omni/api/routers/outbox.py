from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from omni.kernel import outbox
from omni.kernel.errors import Conflict, NotFound
from omni.kernel.models import OutboxStatus

from ..auth import request_actor
from ..pagination import PageIn, paginate
from ..schemas import ERRORS

router = Router()


def _require_operator(request: HttpRequest, permission: str) -> None:
    """The outbox carries every organisation's events: enterprise-wide operators only."""
    actor = request_actor(request)
    actor.require(permission)
    if not actor.scope.everything:
        raise NotFound()


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
    _require_operator(request, "system.outbox.view")
    qs = outbox.list_events(status=filters.status, event_type=filters.event_type)
    return paginate(qs, filters)


@router.post(
    "/{event_id}/retry", response={200: EventOut, **ERRORS}, summary="Retry a failed event"
)
def retry_event(request: HttpRequest, event_id: uuid.UUID):
    _require_operator(request, "system.outbox.edit")
    if outbox.find_event(event_id) is None:
        raise NotFound()
    if not outbox.retry_failed(event_id):
        raise Conflict("event_not_failed", details={"event_id": str(event_id)})
    return outbox.find_event(event_id)
