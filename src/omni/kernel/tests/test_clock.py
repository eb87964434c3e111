"""The business clock (kernel.clock): travel and frozen time, the `omni clock` command,
production refusal, the health page, and an expiry that happens when business time moves."""

from __future__ import annotations

import ast
import datetime as dt
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from omni.kernel import clock
from omni.kernel.actors import Actor
from omni.kernel.models import AuditEntry, BusinessClock

pytestmark = pytest.mark.django_db

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
MARCH_1_0900 = dt.datetime(2030, 3, 1, 9, 0, tzinfo=SHANGHAI)
ACTOR = Actor.system("test")


def close_to(a: dt.datetime, b: dt.datetime, seconds: float = 5) -> bool:
    return abs((a - b).total_seconds()) < seconds


def run_clock(*args: str) -> str:
    from io import StringIO

    out = StringIO()
    call_command("clock", *args, stdout=out)
    return out.getvalue()


# --- reading -------------------------------------------------------------------------------


def test_without_a_setting_business_time_is_wall_time():
    assert close_to(clock.now(), timezone.now(), 1)
    assert clock.now().tzinfo is not None
    assert clock.today() == timezone.localtime(timezone.now()).date()
    assert clock.state().adjusted is False


def test_travel_runs_on_from_the_set_point():
    clock.set_business_time(actor=ACTOR, at=MARCH_1_0900)

    first = clock.now()
    assert close_to(first, MARCH_1_0900)
    time.sleep(0.05)
    assert clock.now() > first  # time keeps running at the real pace
    assert clock.today() == dt.date(2030, 3, 1)
    assert clock.local_now().utcoffset() == dt.timedelta(hours=8)
    assert close_to(clock.wall_now(), timezone.now(), 1)  # machinery still sees real time


def test_frozen_time_stays_put():
    clock.set_business_time(actor=ACTOR, at=MARCH_1_0900, frozen=True)

    time.sleep(0.02)
    assert clock.now() == MARCH_1_0900
    assert clock.state().frozen is True


def test_the_business_date_is_the_shanghai_date_whatever_zone_a_request_activated():
    # 00:30 in Shanghai on 1 March is still 28 February in UTC
    clock.set_business_time(actor=ACTOR, at=dt.datetime(2030, 3, 1, 0, 30, tzinfo=SHANGHAI))
    with timezone.override(dt.UTC):
        assert clock.today() == dt.date(2030, 3, 1)


def test_a_time_without_offset_is_read_in_the_business_time_zone():
    assert clock.parse("2030-03-01T09:00") == MARCH_1_0900
    assert clock.parse("2030-03-01") == dt.datetime(2030, 3, 1, tzinfo=SHANGHAI)
    assert clock.parse("2030-03-01T01:00Z") == MARCH_1_0900
    with pytest.raises(ValueError):
        clock.parse("next tuesday")


def test_reset_goes_back_to_wall_time_and_both_changes_are_audited():
    clock.set_business_time(actor=ACTOR, at=MARCH_1_0900)
    assert clock.reset_business_time(actor=ACTOR) is True

    assert close_to(clock.now(), timezone.now(), 1)
    assert not BusinessClock.objects.exists()
    actions = list(AuditEntry.objects.order_by("id").values_list("action", flat=True))
    assert actions == ["kernel.clock_set", "kernel.clock_reset"]


def test_a_cached_read_costs_no_query(settings):
    settings.OMNI_CLOCK_REFRESH_SECONDS = 60
    clock.forget()
    with CaptureQueriesContext(connection) as ctx:
        for _ in range(1000):
            clock.now()
    assert len(ctx.captured_queries) == 1  # the row is read once, then cached


def test_another_process_change_is_seen_after_the_refresh_interval(settings):
    """Another process writes the row: this one sees it once its cached read is older than
    OMNI_CLOCK_REFRESH_SECONDS (1 s by default; shortened here)."""
    settings.OMNI_CLOCK_REFRESH_SECONDS = 0.2
    clock.forget()
    assert clock.state().adjusted is False  # read and cached
    BusinessClock.objects.create(
        business_at=MARCH_1_0900, wall_at=timezone.now(), frozen=True, set_by="elsewhere"
    )

    assert clock.state().adjusted is False  # still the cached read
    time.sleep(0.25)
    assert clock.now() == MARCH_1_0900


# --- production mode ----------------------------------------------------------------------


def test_production_mode_refuses_to_set_and_ignores_a_stored_row(settings):
    BusinessClock.objects.create(business_at=MARCH_1_0900, wall_at=timezone.now(), frozen=True)
    settings.OMNI_PRODUCTION = True
    clock.forget()

    with CaptureQueriesContext(connection) as ctx:
        assert close_to(clock.now(), timezone.now(), 1)
    assert ctx.captured_queries == []  # production never reads the table
    with pytest.raises(clock.ClockLocked):
        clock.set_business_time(actor=ACTOR, at=MARCH_1_0900)
    with pytest.raises(CommandError, match="clock_locked"):
        run_clock("set", "2030-03-01T09:00+08:00")
    with pytest.raises(CommandError, match="clock_locked"):
        run_clock("reset")
    assert BusinessClock.objects.get().set_by == ""  # untouched


def test_omni_clock_set_exits_non_zero_in_production(tmp_path):
    env = {
        **os.environ,
        "OMNI_ENV": "production",
        "OMNI_SECRET_KEY": "k" * 50,
        "OMNI_VAR_DIR": str(tmp_path),
    }
    env.pop("PYTEST_CURRENT_TEST", None)
    done = subprocess.run(
        [sys.executable, "-m", "omni.cli", "clock", "set", "2030-03-01T09:00+08:00"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0
    assert "clock_locked" in done.stderr


# --- the command ---------------------------------------------------------------------------


def test_omni_clock_set_show_reset():
    out = run_clock("set", "2030-03-01T09:00+08:00")
    assert "business time 2030-03-01T09:00" in out and "running" in out
    assert clock.today() == dt.date(2030, 3, 1)
    assert BusinessClock.objects.get().set_by == "omni clock"

    assert "2030-03-01T09:00" in run_clock("show")

    out = run_clock("reset")
    assert "wall time" in out
    assert close_to(clock.now(), timezone.now(), 1)


def test_omni_clock_set_freeze():
    out = run_clock("set", "2030-03-01T09:00", "--freeze")
    assert "frozen" in out
    assert clock.now() == MARCH_1_0900


def test_omni_clock_set_refuses_a_bad_time():
    with pytest.raises(CommandError, match="ISO 8601"):
        run_clock("set", "tomorrow")
    assert not BusinessClock.objects.exists()


# --- what the business clock moves --------------------------------------------------------


def test_an_api_token_expires_when_business_time_passes_its_expiry(staff_user):
    """Given a token issued today (30 days' lifetime), when business time moves past its
    expiry, the API refuses it; back on wall time it works again (it never really expired)."""
    res = Client().post(
        "/api/v1/auth/token",
        {"username": "staff", "password": "staff-pass-123"},
        content_type="application/json",
    )
    assert res.status_code == 200
    body = res.json()
    expires_at = dt.datetime.fromisoformat(body["expires_at"])
    api = Client(headers={"Authorization": f"Bearer {body['token']}"})
    assert api.get("/api/v1/auth/tokens").status_code == 200

    run_clock("set", (expires_at - dt.timedelta(minutes=1)).isoformat())
    assert api.get("/api/v1/auth/tokens").status_code == 200  # a minute before: still valid

    run_clock("set", (expires_at + dt.timedelta(minutes=1)).isoformat())
    assert api.get("/api/v1/auth/tokens").status_code == 401  # expired in business time

    run_clock("reset")
    assert api.get("/api/v1/auth/tokens").status_code == 200


def test_a_token_issued_in_moved_time_expires_from_there(staff_user):
    run_clock("set", "2030-03-01T09:00+08:00", "--freeze")
    res = Client().post(
        "/api/v1/auth/token",
        {"username": "staff", "password": "staff-pass-123"},
        content_type="application/json",
    )
    assert dt.datetime.fromisoformat(res.json()["expires_at"]) == MARCH_1_0900 + dt.timedelta(
        days=30
    )


# --- health ---------------------------------------------------------------------------------


def test_health_shows_the_business_time_only_when_set(staff_user):
    assert Client().get("/api/v1/health").json()["business_time"] is None
    web = Client()
    web.force_login(staff_user)
    assert 'data-test="business-clock"' not in web.get("/system/health/").content.decode()

    clock.set_business_time(actor=ACTOR, at=MARCH_1_0900, frozen=True)

    body = Client().get("/api/v1/health").json()
    assert dt.datetime.fromisoformat(body["business_time"]) == MARCH_1_0900
    assert body["business_clock_frozen"] is True
    html = web.get("/system/health/").content.decode()
    assert 'data-test="business-clock"' in html and "2030-03-01 09:00:00" in html


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_health_page_shows_the_banner_in_a_browser(page, browser_login, staff_user):
    from playwright.sync_api import expect

    run_clock("set", "2030-03-01T09:00+08:00", "--freeze")
    browser_login("staff", "staff-pass-123")
    page.goto("/system/health/")
    banner = page.locator("[data-test=business-clock]")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("2030-03-01 09:00:00")
    expect(page.locator("[data-test=business-time]")).to_have_text("2030-03-01 09:00:00")


# --- the rule -------------------------------------------------------------------------------


def test_no_argumentless_localtime_outside_the_clock():
    """ruff bans timezone.now / localdate / date.today / datetime.now (pyproject.toml); a bare
    `timezone.localtime()` also reads wall time but cannot be banned by name, so look here."""
    src = Path(clock.__file__).resolve().parents[1]
    offenders = []
    for path in src.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts or path.name == "clock.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute | ast.Name)
                and getattr(node.func, "attr", getattr(node.func, "id", "")) == "localtime"
                and not node.args
                and not node.keywords
            ):
                offenders.append(f"{path.relative_to(src)}:{node.lineno}")
    assert offenders == []
