"""Helpers for browser tests (Playwright driving headless Debian chromium).

The fixtures (`browser`, `browser_context`, `page`, `browser_login`) live in the repository's
top-level conftest.py so every app's tests can use them; mark such tests with
``@pytest.mark.browser`` and ``@pytest.mark.django_db(transaction=True)`` (the live server
runs in another thread and must see committed rows)::

    @pytest.mark.browser
    @pytest.mark.django_db(transaction=True)
    def test_something(page, browser_login, staff_user):
        browser_login("staff", "staff-pass-123")
        page.get_by_role("link", name="审计日志").click()
        expect(page.locator("h1")).to_have_text("审计日志")

`page` is already pointed at the live server: ``page.goto("/system/health/")`` works.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playwright.sync_api import Page

CHROMIUM_PATH = os.environ.get("OMNI_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
DESKTOP_VIEWPORT = {"width": 1366, "height": 860}
PHONE_VIEWPORT = {"width": 390, "height": 844}


def chromium_missing() -> str | None:
    """Why browser tests cannot run here, or None when chromium is installed."""
    if os.path.isfile(CHROMIUM_PATH) and os.access(CHROMIUM_PATH, os.X_OK):
        return None
    return f"chromium not found at {CHROMIUM_PATH} (Debian: apt-get install chromium)"


def submit_login(page: Page, username: str, password: str) -> None:
    """Fill in and submit the real login form (whatever the outcome)."""
    page.goto("/login/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(password)
    with page.expect_navigation():
        page.locator("form.login-card button[type=submit]").click()


def login(page: Page, username: str, password: str) -> None:
    """Log in through the login form and wait for the console; fails if login is refused."""
    submit_login(page, username, password)
    if "/login/" in page.url:
        raise AssertionError(f"login as {username!r} failed: still on {page.url}")
    page.wait_for_selector("body.console")
