"""Fixtures shared by every test package."""

from __future__ import annotations

import os

import pytest
from django.test import Client

from omni.access.models import User
from omni.kernel.actors import Actor

IS_POSTGRES = os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))


def pytest_collection_modifyitems(config, items):
    if IS_POSTGRES:
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (runs in the PostgreSQL pass of make test)")
    for item in items:
        if "postgres_only" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _business_clock_not_set():
    """Every test starts with the business clock not set (its row, if a test wrote one, is
    rolled back or flushed), and this process's cache must not carry a moved time over."""
    from omni.kernel import clock

    clock.assume_not_adjusted()
    yield
    clock.assume_not_adjusted()


@pytest.fixture
def system_actor() -> Actor:
    return Actor.system("test")


@pytest.fixture
def staff_user(db) -> User:
    """An administrator: superuser, sees and may do everything."""
    return User.objects.create_superuser(
        "staff", password="staff-pass-123", display_name="测试管理员"
    )


@pytest.fixture
def plain_user(db) -> User:
    return User.objects.create_user("plain", password="plain-pass-123", display_name="普通用户")


def _token_client(username: str, password: str) -> Client:
    client = Client()
    res = client.post(
        "/api/v1/auth/token",
        {"username": username, "password": password},
        content_type="application/json",
    )
    assert res.status_code == 200, res.content
    return Client(headers={"Authorization": f"Bearer {res.json()['token']}"})


@pytest.fixture
def staff_api(staff_user) -> Client:
    return _token_client("staff", "staff-pass-123")


@pytest.fixture
def plain_api(plain_user) -> Client:
    return _token_client("plain", "plain-pass-123")


# --- browser fixtures ---------------------------------------------------------------------------
# Playwright (sync API) driving headless Debian chromium against pytest-django's live_server.
# Helpers and usage: omni/web/testing.py. Never `playwright install`: we use /usr/bin/chromium.
# Without chromium the tests are skipped, except under CI=true where they fail.


@pytest.fixture(scope="session")
def browser():
    from omni.web.testing import CHROMIUM_ARGS, CHROMIUM_PATH, chromium_missing

    missing = chromium_missing()
    if missing:
        if os.environ.get("CI") == "true":
            pytest.fail(f"browser tests cannot run in CI: {missing}", pytrace=False)
        pytest.skip(missing)
    # Playwright's sync API keeps an event loop running in this thread; Django would then
    # refuse ORM calls made by the tests themselves (SynchronousOnlyOperation).
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(
            executable_path=CHROMIUM_PATH, headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def browser_context(browser, live_server):
    from omni.web.testing import DESKTOP_VIEWPORT

    # A Chinese-speaking user's browser (Accept-Language zh-CN); chromium's default is en-US.
    context = browser.new_context(
        base_url=live_server.url,
        viewport=DESKTOP_VIEWPORT,
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        accept_downloads=True,
    )
    context.set_default_timeout(10_000)
    yield context
    context.close()


@pytest.fixture
def page(browser_context):
    page = browser_context.new_page()
    yield page
    page.close()


@pytest.fixture
def browser_login(page):
    """browser_login(username, password): log in through the real login form."""
    from omni.web.testing import login as login_through_form

    return lambda username, password: login_through_form(page, username, password)
