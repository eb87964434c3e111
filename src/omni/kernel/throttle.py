"""Rate limits for anonymous entry points (the public dealer application, ...).

`hit(key, limit=..., window=...)` counts a request under `key` (e.g. "apply:203.0.113.7")
and raises `Throttled` (429 `too_many_requests`) once `limit` requests fell in the last
`window`. Counting is rows in the database, so it holds across web processes; old rows are
removed as new ones come in. Two requests racing at the limit may both pass: a limit that
slows abuse down, not an exact counter.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .errors import DomainError
from .models import ThrottleHit


class Throttled(DomainError):
    code = "too_many_requests"
    status = 429
    default_message = _("Too many requests. Try again later.")


def hit(key: str, *, limit: int, window: dt.timedelta) -> None:
    now = timezone.now()
    key = key[:150]
    with transaction.atomic():
        ThrottleHit.objects.filter(key=key, at__lt=now - window).delete()
        if ThrottleHit.objects.filter(key=key).count() >= limit:
            raise Throttled(details={"retry_after_seconds": int(window.total_seconds())})
        ThrottleHit.objects.create(key=key)
