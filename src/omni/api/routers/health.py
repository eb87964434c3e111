from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from omni.kernel.health import check_health

router = Router()


class HealthOut(Schema):
    status: str
    database: str
    database_vendor: str
    outbox_pending: int
    outbox_failed: int
    worker_heartbeat_age_seconds: float | None
    checked_at: dt.datetime
    business_time: dt.datetime | None = Field(
        None, description="Business time, only when the business clock was moved (demo/test)"
    )
    business_clock_frozen: bool = False


@router.get("", response={200: HealthOut, 503: HealthOut}, auth=None, summary="System health")
def health(request: HttpRequest):
    h = check_health()
    return Status(503 if h.status == "down" else 200, h)
