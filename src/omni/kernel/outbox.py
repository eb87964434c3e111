"""Transactional outbox.

`publish()` stores an event in the same transaction as the change that caused it. After
commit the event is handed to the task worker (`deliver_event` task). Delivery runs every
registered handler for the event type; each handler runs in its own transaction together
with a `ProcessedEvent(handler, event_id)` row, so a redelivered event is skipped by the
handlers that already did their part. A failing handler leaves the event pending with a
backoff; the worker's sweeper (`relay_due_events`) re-enqueues due events, so an event
whose enqueue was lost is still delivered. After `OMNI_OUTBOX_MAX_ATTEMPTS` the event is
marked failed and stays visible (API `GET /api/v1/outbox?status=failed`) until retried.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import traceback
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django_tasks import task

from . import clock
from .actors import Actor
from .errors import Conflict, NotFound
from .models import OutboxEvent, OutboxStatus, ProcessedEvent

log = logging.getLogger("omni.outbox")

# Time the fast path (enqueue after commit) has before the sweeper takes over.
FAST_PATH_GRACE = dt.timedelta(seconds=30)
# A sweeper that enqueues an event leases it for this long.
SWEEP_LEASE = dt.timedelta(seconds=60)


@dataclass(frozen=True)
class Event:
    id: uuid.UUID
    type: str
    payload: dict[str, Any]
    org_id: int | None


Handler = Callable[[Event], None]
_handlers: dict[str, list[tuple[str, Handler]]] = defaultdict(list)


def handles(event_type: str) -> Callable[[Handler], Handler]:
    """Register a handler. Its name (module.function) is its identity for idempotency."""

    def register(fn: Handler) -> Handler:
        name = f"{fn.__module__}.{fn.__qualname__}"
        if all(existing != name for existing, _ in _handlers[event_type]):
            _handlers[event_type].append((name, fn))
        return fn

    return register


def handlers_for(event_type: str) -> list[tuple[str, Handler]]:
    return list(_handlers.get(event_type, []))


def backoff(attempts: int) -> dt.timedelta:
    """5s, 10s, 20s, ... capped at one hour."""
    return dt.timedelta(seconds=min(5 * 2 ** max(attempts - 1, 0), 3600))


def publish(event_type: str, payload: dict[str, Any], *, org_id: int | None = None) -> uuid.UUID:
    if not connection.in_atomic_block:
        raise RuntimeError("publish must run inside the transaction of the change")
    now = _now()
    event = OutboxEvent.objects.create(
        event_type=event_type,
        payload=json.loads(json.dumps(payload, cls=DjangoJSONEncoder)),
        org_id=org_id,
        next_attempt_at=now + FAST_PATH_GRACE,
    )
    event_id = str(event.id)
    transaction.on_commit(lambda: _enqueue(event_id))
    return event.id


def _now() -> dt.datetime:
    return clock.wall_now()  # retries follow real time, a frozen clock must not stall them


def _enqueue(event_id: str) -> None:
    try:
        deliver_event.enqueue(event_id)
    except Exception:  # the sweeper will pick the event up; never fail the caller's request
        log.exception("could not enqueue outbox event %s; the sweeper will retry", event_id)


@task()
def deliver_event(event_id: str) -> str:
    return deliver(uuid.UUID(event_id))


def deliver(event_id: uuid.UUID) -> str:
    """Run every handler that has not yet processed this event. Returns the new status."""
    row = OutboxEvent.objects.filter(pk=event_id).first()
    if row is None or row.status == OutboxStatus.DELIVERED:
        return row.status if row else "missing"
    event = Event(row.id, row.event_type, row.payload, row.org_id)
    errors: list[str] = []
    for name, fn in handlers_for(event.type):
        try:
            with transaction.atomic():
                try:
                    with transaction.atomic():
                        ProcessedEvent.objects.create(handler=name, event_id=event.id)
                except IntegrityError:
                    continue  # this handler already did its part
                fn(event)
        except Exception:
            log.exception("outbox handler %s failed on event %s", name, event.id)
            errors.append(f"{name}: {traceback.format_exc(limit=5)}")
    now = _now()
    if not errors:
        OutboxEvent.objects.filter(pk=event.id).exclude(status=OutboxStatus.DELIVERED).update(
            status=OutboxStatus.DELIVERED, delivered_at=now, last_error=""
        )
        return OutboxStatus.DELIVERED
    attempts = row.attempts + 1
    give_up = attempts >= settings.OMNI_OUTBOX_MAX_ATTEMPTS
    OutboxEvent.objects.filter(pk=event.id, status=OutboxStatus.PENDING).update(
        attempts=F("attempts") + 1,
        status=OutboxStatus.FAILED if give_up else OutboxStatus.PENDING,
        next_attempt_at=now + backoff(attempts),
        last_error="\n".join(errors)[-8000:],
    )
    return OutboxStatus.FAILED if give_up else OutboxStatus.PENDING


def relay_due_events(limit: int = 200) -> int:
    """Enqueue pending events whose time has come. Run periodically by the worker."""
    now = _now()
    due = list(
        OutboxEvent.objects.filter(status=OutboxStatus.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("id", "next_attempt_at")[:limit]
    )
    sent = 0
    for event_id, seen_at in due:
        # Lease with a compare-and-set so two sweepers never enqueue the same event twice.
        leased = OutboxEvent.objects.filter(
            pk=event_id, status=OutboxStatus.PENDING, next_attempt_at=seen_at
        ).update(next_attempt_at=now + SWEEP_LEASE)
        if leased:
            _enqueue(str(event_id))
            sent += 1
    return sent


def retry_failed(event_id: uuid.UUID) -> bool:
    """Give a failed event a fresh set of attempts (an operator action)."""
    changed = OutboxEvent.objects.filter(pk=event_id, status=OutboxStatus.FAILED).update(
        status=OutboxStatus.PENDING, attempts=0, next_attempt_at=_now()
    )
    if changed:
        _enqueue(str(event_id))
    return bool(changed)


def list_events(*, status: str | None = None, event_type: str | None = None):
    qs = OutboxEvent.objects.order_by("-created_at")
    if status:
        qs = qs.filter(status=status)
    if event_type:
        qs = qs.filter(event_type=event_type)
    return qs


def find_event(event_id: uuid.UUID) -> OutboxEvent | None:
    return OutboxEvent.objects.filter(pk=event_id).first()


# --- operators (the API): every organisation's events, enterprise-wide scopes only -------------


def _require_operator(actor: Actor, permission: str) -> None:
    """The outbox carries every organisation's events: an operator needs the permission and
    an enterprise-wide data scope; anybody else sees no outbox at all (404)."""
    actor.require(permission)
    if not actor.scope.everything:
        raise NotFound()


def list_events_for(
    *, actor: Actor, status: str | None = None, event_type: str | None = None
) -> Any:
    """`list_events` for an operator (system.outbox.view)."""
    _require_operator(actor, "system.outbox.view")
    return list_events(status=status, event_type=event_type)


def retry_event(*, actor: Actor, event_id: uuid.UUID) -> OutboxEvent | None:
    """An operator gives a failed event a fresh set of attempts (system.outbox.edit)."""
    _require_operator(actor, "system.outbox.edit")
    if find_event(event_id) is None:
        raise NotFound()
    if not retry_failed(event_id):
        raise Conflict("event_not_failed", details={"event_id": str(event_id)})
    return find_event(event_id)
