"""The one rate limit for anonymous entry points: logins (web and API) and the public
dealer application form. Refusals are 429 with the one code `too_many_requests`.

A *rule* is a key (e.g. "login:user-ip:admin|203.0.113.7") with a limit of hits per
window. `check(*rules)` raises `Throttled` when any rule is full; `count(*keys)` adds a hit
to each key; `hit(key, limit=..., window=...)` does both for "every request counts" limits.
`clear(key)` forgets a key (a successful login clears its username-and-address counter).

Hits are rows in the database, so they hold across web processes. They must survive the
refusal of the request that made them: a refused request rolls its transaction back, and a
hit counted inside it would vanish with it. So `count` and `hit` refuse to run inside an
atomic block of the default database; callers count *before* their service transaction
(see `party.services.applications.submit_application`, `access.services.logins`). Two
requests racing at the limit may both pass: a limit that slows abuse down, not an exact
counter. Old rows are removed as new ones come in.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import connection
from django.utils.translation import gettext_lazy as _

from . import clock
from .errors import DomainError
from .models import ThrottleHit

MAX_KEY = 150


class Throttled(DomainError):
    code = "too_many_requests"
    status = 429
    default_message = _("Too many requests. Try again later.")


@dataclass(frozen=True, slots=True)
class Rule:
    key: str
    limit: int
    window: dt.timedelta

    @property
    def stored_key(self) -> str:
        return self.key[:MAX_KEY]


def _outside_transaction(what: str) -> None:
    """A hit counted inside a service's (durable) transaction would be rolled back with the
    request it refuses: refuse that mistake loudly."""
    if any(getattr(block, "durable", False) for block in connection.atomic_blocks):
        raise RuntimeError(
            f"throttle.{what} must run before the service transaction, or the hit is rolled "
            "back with the request it refuses"
        )


def check(*rules: Rule) -> None:
    """Raise `Throttled` if any rule already holds `limit` hits within its window."""
    now = clock.wall_now()
    for rule in rules:
        recent = ThrottleHit.objects.filter(key=rule.stored_key, at__gte=now - rule.window)
        if recent.count() >= rule.limit:
            oldest = recent.order_by("at").values_list("at", flat=True).first() or now
            retry = max(int((oldest + rule.window - now).total_seconds()) + 1, 1)
            raise Throttled(details={"retry_after_seconds": retry})


def count(*keys: str) -> None:
    """Add one hit to each key (and drop hits older than a day)."""
    _outside_transaction("count")
    now = clock.wall_now()
    stored = [k[:MAX_KEY] for k in keys]
    ThrottleHit.objects.filter(key__in=stored, at__lt=now - dt.timedelta(days=1)).delete()
    ThrottleHit.objects.bulk_create([ThrottleHit(key=k) for k in stored])


def hit(key: str, *, limit: int, window: dt.timedelta) -> None:
    """Count this request under `key`, refusing it once `limit` fell within `window`."""
    _outside_transaction("hit")
    rule = Rule(key, limit, window)
    check(rule)
    count(key)


def clear(key: str) -> None:
    ThrottleHit.objects.filter(key=key[:MAX_KEY]).delete()
