"""Logins with throttling: the one place where a password is checked.

After `MAX_FAILURES` failed attempts for a username within `WINDOW`, or `MAX_IP_FAILURES`
from one client address, further attempts are refused with `too_many_attempts` (even with
the right password) until the window has passed. Every attempt is recorded and audited.
Counting is by rows in `LoginAttempt`; two attempts racing at the limit may both be
checked, which lets at most a couple of extra guesses through: acceptable for throttling,
which needs to slow guessing down, not count exactly.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import authenticate
from django.db import transaction
from django.utils import timezone

from omni.kernel import audit
from omni.kernel.actors import Actor

from ..errors import InvalidCredentials, TooManyAttempts
from ..models import LoginAttempt, User

MAX_FAILURES = 5
MAX_IP_FAILURES = 30
WINDOW = dt.timedelta(minutes=15)


def _failures(**filters) -> int:
    since = timezone.now() - WINDOW
    return LoginAttempt.objects.filter(succeeded=False, at__gte=since, **filters).count()


def is_throttled(username: str, ip: str) -> bool:
    return _failures(username=username) >= MAX_FAILURES or (
        bool(ip) and _failures(ip=ip) >= MAX_IP_FAILURES
    )


def check_password_login(
    *, username: str, password: str, ip: str = "", channel: str = "web", request_id: str = ""
) -> User:
    """Return the user, or raise InvalidCredentials / TooManyAttempts. Records the attempt."""
    username = (username or "").strip()[:150]
    if is_throttled(username, ip):
        _record(username, ip, None, channel, request_id, outcome="throttled")
        raise TooManyAttempts(details={"retry_after_seconds": int(WINDOW.total_seconds())})
    user = authenticate(username=username, password=password)
    if user is None or not user.is_active:
        _record(username, ip, None, channel, request_id, outcome="failed")
        raise InvalidCredentials()
    _record(username, ip, user, channel, request_id, outcome="succeeded")
    return user


@transaction.atomic
def _record(
    username: str, ip: str, user: User | None, channel: str, request_id: str, *, outcome: str
) -> None:
    LoginAttempt.objects.create(username=username, ip=ip[:45], succeeded=outcome == "succeeded")
    actor = (
        Actor.for_user(user, request_id=request_id)
        if user
        else Actor.channel(f"login:{channel}", request_id=request_id)
    )
    audit.record(
        actor=actor,
        action=f"access.login_{outcome}",
        object_type="access.user",
        object_id=user.pk if user else username,
        after={"username": username, "ip": ip, "channel": channel},
        org_id=user.org_id if user else None,
    )
