"""Logins: the one place where a password is checked (web login form and API token).

Throttled through `omni.kernel.throttle` by (username, client address) and by client
address, counting failed attempts only: after `MAX_FAILURES` failures for one username
from one address within `WINDOW`, or `MAX_IP_FAILURES` failures from one address, that
address is refused with 429 `too_many_requests` (even with the right password) until the
window has passed. The owner logging in from another address is not affected, so nobody
can lock an account out by guessing its password. A successful login clears its
(username, address) counter. Every attempt is recorded (`LoginAttempt`) and audited.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import authenticate
from django.db import transaction

from omni.kernel import audit, throttle
from omni.kernel.actors import Actor

from ..errors import InvalidCredentials
from ..models import LoginAttempt, User

MAX_FAILURES = 5
MAX_IP_FAILURES = 30
WINDOW = dt.timedelta(minutes=15)


def _keys(username: str, ip: str) -> tuple[str, str]:
    return f"login:user-ip:{ip}|{username.lower()}", f"login:ip:{ip}"


def _rules(username: str, ip: str) -> list[throttle.Rule]:
    user_ip, by_ip = _keys(username, ip)
    return [
        throttle.Rule(user_ip, MAX_FAILURES, WINDOW),
        throttle.Rule(by_ip, MAX_IP_FAILURES, WINDOW),
    ]


def check_password_login(
    *, username: str, password: str, ip: str = "", channel: str = "web", request_id: str = ""
) -> User:
    """Return the user, or raise InvalidCredentials / Throttled. Records the attempt.
    Runs outside any service transaction: a failure must stay counted."""
    username = (username or "").strip()[:150]
    try:
        throttle.check(*_rules(username, ip))
    except throttle.Throttled:
        _record(username, ip, None, channel, request_id, outcome="throttled")
        raise
    user = authenticate(username=username, password=password)
    if user is None or not user.is_active:
        throttle.count(*_keys(username, ip))
        _record(username, ip, None, channel, request_id, outcome="failed")
        raise InvalidCredentials()
    throttle.clear(_keys(username, ip)[0])
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
        # an unknown name is no object id (and may be longer than the column): it is in `after`
        object_id=user.pk if user else "",
        after={"username": username, "ip": ip, "channel": channel},
        org_id=user.org_id if user else None,
    )
