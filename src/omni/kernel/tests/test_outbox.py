import datetime as dt

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from omni.kernel import outbox
from omni.kernel.models import OutboxEvent, OutboxStatus, ProcessedEvent
from omni.kernel.tests.testapp import handlers
from omni.kernel.tests.testapp.models import Widget

pytestmark = pytest.mark.django_db(transaction=True)


def run_worker():
    call_command("worker", batch=True, interval=0)


def touch(widget, event_type="widget.touched", fail=False):
    with transaction.atomic():
        event_id = outbox.publish(event_type, {"widget_id": widget.pk}, org_id=widget.org_id)
        if fail:
            raise RuntimeError("the change fails, so must its event")
    return event_id


def test_event_is_delivered_after_commit_by_the_worker():
    widget = Widget.objects.create(name="w")
    event_id = touch(widget)
    # committed but not yet delivered: the worker has not run
    assert OutboxEvent.objects.get(pk=event_id).status == OutboxStatus.PENDING
    run_worker()
    event = OutboxEvent.objects.get(pk=event_id)
    assert event.status == OutboxStatus.DELIVERED and event.delivered_at is not None
    widget.refresh_from_db()
    assert widget.counter == 1


def test_no_event_and_no_delivery_after_rollback():
    widget = Widget.objects.create(name="w")
    with pytest.raises(RuntimeError):
        touch(widget, fail=True)
    run_worker()
    assert not OutboxEvent.objects.exists()
    widget.refresh_from_db()
    assert widget.counter == 0


def test_redelivery_does_not_run_a_handler_twice():
    widget = Widget.objects.create(name="w")
    event_id = touch(widget)
    run_worker()
    # a duplicate delivery (lost ack, second sweeper, operator retry) changes nothing
    OutboxEvent.objects.filter(pk=event_id).update(status=OutboxStatus.PENDING)
    assert outbox.deliver(event_id) == OutboxStatus.DELIVERED
    outbox.deliver(event_id)
    widget.refresh_from_db()
    assert widget.counter == 1
    assert ProcessedEvent.objects.filter(event_id=event_id).count() == 1


def test_failed_handler_retries_with_backoff_then_succeeds():
    widget = Widget.objects.create(name="w")
    event_id = touch(widget, "widget.flaky")
    handlers.FAIL_TIMES[str(event_id)] = 2
    run_worker()
    event = OutboxEvent.objects.get(pk=event_id)
    assert event.status == OutboxStatus.PENDING and event.attempts == 1
    assert "flaky handler failed" in event.last_error
    assert event.next_attempt_at > timezone.now()  # backed off
    # time passes: the sweeper in the worker re-enqueues the due event
    OutboxEvent.objects.filter(pk=event_id).update(next_attempt_at=timezone.now())
    run_worker()
    assert OutboxEvent.objects.get(pk=event_id).attempts == 2
    OutboxEvent.objects.filter(pk=event_id).update(next_attempt_at=timezone.now())
    run_worker()
    event = OutboxEvent.objects.get(pk=event_id)
    assert event.status == OutboxStatus.DELIVERED
    widget.refresh_from_db()
    assert widget.counter == 10


@override_settings(OMNI_OUTBOX_MAX_ATTEMPTS=2)
def test_event_fails_visibly_after_max_attempts_and_can_be_retried():
    widget = Widget.objects.create(name="w")
    event_id = touch(widget, "widget.flaky")
    handlers.FAIL_TIMES[str(event_id)] = 2
    run_worker()
    OutboxEvent.objects.filter(pk=event_id).update(next_attempt_at=timezone.now())
    run_worker()
    event = OutboxEvent.objects.get(pk=event_id)
    assert event.status == OutboxStatus.FAILED and event.attempts == 2
    assert outbox.list_events(status="failed").count() == 1
    assert outbox.retry_failed(event_id)
    run_worker()
    assert OutboxEvent.objects.get(pk=event_id).status == OutboxStatus.DELIVERED


def test_sweeper_delivers_an_event_whose_enqueue_was_lost():
    widget = Widget.objects.create(name="w")
    with transaction.atomic():
        event = OutboxEvent.objects.create(
            event_type="widget.touched",
            payload={"widget_id": widget.pk},
            next_attempt_at=timezone.now() - dt.timedelta(seconds=1),
        )
    run_worker()
    event.refresh_from_db()
    assert event.status == OutboxStatus.DELIVERED


def test_publish_outside_a_transaction_is_refused():
    with pytest.raises(RuntimeError):
        outbox.publish("widget.touched", {"widget_id": 1})


def test_backoff_grows_and_is_capped():
    assert [outbox.backoff(n).total_seconds() for n in (1, 2, 3)] == [5, 10, 20]
    assert outbox.backoff(30).total_seconds() == 3600
