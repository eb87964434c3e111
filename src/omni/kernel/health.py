"""System health: database reachable, outbox backlog, worker heartbeat, and the business
time when the business clock was moved (`kernel.clock`)."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.db import DatabaseError, connection

from . import clock
from .models import OutboxEvent, OutboxStatus, WorkerHeartbeat

log = logging.getLogger("omni.health")
WORKER_STALE_AFTER = dt.timedelta(seconds=60)


@dataclass(frozen=True)
class Health:
    status: str  # "ok" | "degraded" | "down"
    database: str
    database_vendor: str
    outbox_pending: int
    outbox_failed: int
    worker_heartbeat_age_seconds: float | None
    checked_at: dt.datetime  # wall time
    business_time: dt.datetime | None = None  # only when the business clock was set
    business_clock_frozen: bool = False


def beat(worker_id: str, started_at: dt.datetime) -> None:
    WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id, defaults={"seen_at": clock.wall_now(), "started_at": started_at}
    )


def check_health() -> Health:
    now = clock.wall_now()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        pending = OutboxEvent.objects.filter(status=OutboxStatus.PENDING).count()
        failed = OutboxEvent.objects.filter(status=OutboxStatus.FAILED).count()
        last = (
            WorkerHeartbeat.objects.order_by("-seen_at").values_list("seen_at", flat=True).first()
        )
        business = clock.state()
    except DatabaseError:
        log.exception("health check: database unreachable")
        return Health("down", "unreachable", connection.vendor, 0, 0, None, now)
    age = (now - last).total_seconds() if last else None
    worker_ok = age is not None and age <= WORKER_STALE_AFTER.total_seconds()
    status = "ok" if worker_ok and failed == 0 else "degraded"
    return Health(
        status,
        "ok",
        connection.vendor,
        pending,
        failed,
        age,
        now,
        business_time=business.now if business.adjusted else None,
        business_clock_frozen=business.frozen,
    )
