"""Outbox handlers used by the kernel tests."""

from django.db.models import F

from omni.kernel.outbox import Event, handles

from .models import Widget

FAIL_TIMES: dict[str, int] = {}


@handles("widget.touched")
def count_touch(event: Event) -> None:
    Widget.objects.filter(pk=event.payload["widget_id"]).update(counter=F("counter") + 1)


@handles("widget.flaky")
def flaky(event: Event) -> None:
    remaining = FAIL_TIMES.get(str(event.id), 0)
    if remaining:
        FAIL_TIMES[str(event.id)] = remaining - 1
        raise RuntimeError("flaky handler failed on purpose")
    Widget.objects.filter(pk=event.payload["widget_id"]).update(counter=F("counter") + 10)
