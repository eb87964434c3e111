"""The business clock: the one place Omni reads the time from.

    from omni.kernel import clock

    clock.now()        # business time: an aware datetime (UTC, like timezone.now())
    clock.today()      # the business date in settings.TIME_ZONE (Asia/Shanghai)
    clock.local_now()  # business time in settings.TIME_ZONE (for stamps people read)
    clock.wall_now()   # real time, for machinery (see the rule below)

On a demo or test instance the business time can be moved, so tests, demos and outside
acceptance runs can reach "31 days later" deterministically:

    omni clock set 2030-03-01T09:00+08:00            # travel: time runs on from there
    omni clock set 2030-03-01T09:00+08:00 --freeze   # stays at that instant until changed
    omni clock show
    omni clock reset                                 # back to wall time

*Travel* is the default: setting 2030-03-01 09:00 at wall time W stores the pair
(2030-03-01 09:00, W), and business time is then wall time plus that offset, so it keeps
running at the real pace (an hour later it is 10:00). *Frozen* stays at the set instant.
The setting is one row of `kernel.BusinessClock` (no row: wall time), so web processes and
workers on other machines agree. Each process re-reads the row at most once a second
(`settings.OMNI_CLOCK_REFRESH_SECONDS`, default 1): a change made by another process is
seen within that second; a change made by this process is seen at once. Measured on the
(shared, two-core) development machine: `timezone.now()` 0.7 µs, a cached `now()` 3 µs, a
`now()` that reads the row 0.6 ms on SQLite and 1.6 ms on local PostgreSQL. A read per call
would cost loops dearly and put a query into every query budget, hence the cache.

Production mode (`settings.OMNI_PRODUCTION`, from the environment `OMNI_ENV=production`):
the clock cannot be set (`ClockLocked`, and `omni clock set` exits non-zero), and `now()` is
wall time without reading the table at all, so a row left in a copied demo database is
ignored.

Which time to use (enforced: ruff bans `timezone.now`, `timezone.localdate`, `date.today`
and `datetime.now` everywhere but here and in tests, see pyproject.toml):

- Business time, `now()` / `today()`: every moment a business rule compares against or
  that people read as business time. Expiry of API tokens and invitations, validity days
  (authorisation rules "on" a day), the day in document numbers, revocation times, credit
  terms, overdue days, rebate periods, coupon validity, SLAs, export file stamps. A business
  moment is set by a service from `now()` (`expires_at = clock.now() + LIFETIME`), never by a
  column `default=`.
- Wall time, `wall_now()`: machinery that must follow real seconds whatever the business
  clock says. Rate limits (`kernel.throttle` counts real requests per real minute), worker
  heartbeats and the health page, the outbox retry schedule (a frozen business clock must
  not stall delivery), import job heartbeats and staleness, and explicit `updated_at` values
  written by bulk updates (they stand in for `auto_now`).
- Columns with `auto_now` / `auto_now_add` (`created_at`, `updated_at`, audit and history
  `at`, throttle hits) stay wall time: they record when a row was really written, and the
  audit trail never claims a moved time.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import audit
from .actors import Actor
from .errors import Conflict
from .models import BusinessClock

ROW_ID = 1
DEFAULT_REFRESH_SECONDS = 1.0


class ClockLocked(Conflict):
    code = "clock_locked"
    default_message = _("The business clock cannot be changed on a production instance.")


@dataclass(frozen=True, slots=True)
class Setting:
    """A moved business time: `business_at` was set at wall time `wall_at`."""

    business_at: dt.datetime
    wall_at: dt.datetime
    frozen: bool
    set_by: str

    def at(self, wall: dt.datetime) -> dt.datetime:
        if self.frozen:
            return self.business_at
        return wall + (self.business_at - self.wall_at)


@dataclass(frozen=True, slots=True)
class ClockState:
    """What `omni clock show` and the health page display."""

    adjusted: bool
    now: dt.datetime  # business time
    wall_now: dt.datetime
    frozen: bool
    offset: dt.timedelta  # business minus wall (a frozen clock's grows as wall time runs)
    set_by: str
    production: bool


# (setting or None, monotonic time until which it is fresh). One tuple, replaced whole, so
# threads of one process never see half an update.
_cache: tuple[Setting | None, float] | None = None


# --- reading -------------------------------------------------------------------------------


def production_mode() -> bool:
    return bool(getattr(settings, "OMNI_PRODUCTION", False))


def wall_now() -> dt.datetime:
    """Real time. Only for machinery (rate limits, heartbeats, retries); see the module doc."""
    return timezone.now()


def now() -> dt.datetime:
    """Business time: wall time unless the clock was set on a non-production instance."""
    wall = timezone.now()
    setting = _setting()
    return wall if setting is None else setting.at(wall)


def local_now() -> dt.datetime:
    """Business time in the business time zone (settings.TIME_ZONE)."""
    return timezone.localtime(now(), timezone.get_default_timezone())


def today() -> dt.date:
    """The business date in settings.TIME_ZONE, whatever time zone a request activated."""
    return local_now().date()


def state() -> ClockState:
    wall = timezone.now()
    setting = _setting()
    business = wall if setting is None else setting.at(wall)
    return ClockState(
        adjusted=setting is not None,
        now=business,
        wall_now=wall,
        frozen=bool(setting and setting.frozen),
        offset=business - wall,
        set_by=setting.set_by if setting else "",
        production=production_mode(),
    )


def _setting() -> Setting | None:
    if production_mode():
        return None
    cached = _cache
    if cached is not None and time.monotonic() < cached[1]:
        return cached[0]
    setting = _read()
    _remember(setting)
    return setting


def _read() -> Setting | None:
    row = (
        BusinessClock.objects.filter(pk=ROW_ID)
        .values_list("business_at", "wall_at", "frozen", "set_by")
        .first()
    )
    return Setting(*row) if row else None


def _remember(setting: Setting | None, *, seconds: float | None = None) -> None:
    global _cache
    if seconds is None:
        seconds = float(getattr(settings, "OMNI_CLOCK_REFRESH_SECONDS", DEFAULT_REFRESH_SECONDS))
    _cache = (setting, time.monotonic() + seconds)


def forget() -> None:
    """Drop this process's cached setting: the next call reads the row."""
    global _cache
    _cache = None


def assume_not_adjusted() -> None:
    """Take the clock as not set, without reading the database, until this process sets it.
    For the test suite: every test starts on a database without the row (each test's
    transaction is rolled back or its tables flushed), so no test pays a query for it."""
    _remember(None, seconds=float("inf"))


# --- setting -------------------------------------------------------------------------------


def parse(text: str) -> dt.datetime:
    """ISO 8601 date or date-time; without an offset it is read in settings.TIME_ZONE."""
    try:
        value = dt.datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise ValueError(
            f"not an ISO 8601 time: {text!r} (e.g. 2030-03-01T09:00+08:00 or 2030-03-01)"
        ) from exc
    if timezone.is_naive(value):
        value = timezone.make_aware(value, timezone.get_default_timezone())
    return value


def set_business_time(*, actor: Actor, at: dt.datetime, frozen: bool = False) -> Setting:
    """Move business time to `at` (running on from there, or `frozen` at it). Refused in
    production mode. Written to the one row, so every process follows within a second."""
    _refuse_in_production()
    if timezone.is_naive(at):
        at = timezone.make_aware(at, timezone.get_default_timezone())
    setting = Setting(at, timezone.now(), frozen, actor.name[:150])
    try:
        with transaction.atomic(durable=True):
            before = _read()
            BusinessClock.objects.update_or_create(
                pk=ROW_ID,
                defaults={
                    "business_at": setting.business_at,
                    "wall_at": setting.wall_at,
                    "frozen": setting.frozen,
                    "set_by": setting.set_by,
                },
            )
            audit.record(
                actor=actor,
                action="kernel.clock_set",
                object_type="kernel.businessclock",
                object_id=ROW_ID,
                before=_describe(before),
                after=_describe(setting),
            )
    except BaseException:
        forget()
        raise
    _remember(setting)
    return setting


def reset_business_time(*, actor: Actor) -> bool:
    """Back to wall time. Returns whether the clock had been set."""
    _refuse_in_production()
    try:
        with transaction.atomic(durable=True):
            before = _read()
            deleted, _n = BusinessClock.objects.filter(pk=ROW_ID).delete()
            if deleted:
                audit.record(
                    actor=actor,
                    action="kernel.clock_reset",
                    object_type="kernel.businessclock",
                    object_id=ROW_ID,
                    before=_describe(before),
                )
    except BaseException:
        forget()
        raise
    _remember(None)
    return bool(deleted)


def _refuse_in_production() -> None:
    if production_mode():
        raise ClockLocked(details={"omni_env": "production"})


def _describe(setting: Setting | None) -> dict[str, object] | None:
    if setting is None:
        return None
    return {
        "business_at": setting.business_at,
        "wall_at": setting.wall_at,
        "frozen": setting.frozen,
    }
