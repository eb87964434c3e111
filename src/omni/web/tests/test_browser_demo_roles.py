"""Every demo role in headless chromium, on the demo data: log in through the form, open every
page of their navigation at 1440 px and at 390 px, and check that the page answers without an
error, does not overflow the phone's width, and renders Chinese with a CJK font; every link
visible on those pages opens (no 404 behind a link), and the first page of each kind behind
them fits the phone too; with the language switch on English, the menu, column heads, labels
and buttons of the same pages hold no Chinese. One demo load for the whole walk.

OMNI_SCREENSHOTS=/some/dir saves a screenshot of each page and width, for a person to look at.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings

from omni.web.testing import PHONE_VIEWPORT

from .demo_walk import CJK, DEMO_PASSWORD, DEMO_ROLES, SKIPPED_URL_NAMES, load_demo, url_name

WIDE = {"width": 1440, "height": 900}
LINKS_PER_ROLE = 80

# Whether chromium renders with a CJK font: the same Latin text measured in a font stack that
# starts with Noto Sans CJK differs from the bare monospace fallback only if the font exists.
HAS_CJK_FONT = """() => {
  const c = document.createElement("canvas").getContext("2d");
  const width = (font) => { c.font = font; return c.measureText("Omni 中文 abcdefghijklmnop").width; };
  return width('16px "Noto Sans CJK SC", monospace') !== width("16px monospace");
}"""
VISIBLE_LINKS = """() => Array.from(document.querySelectorAll("a[href]"))
  .filter((a) => a.getClientRects().length > 0 && getComputedStyle(a).visibility !== "hidden")
  .map((a) => a.getAttribute("href"))"""
OVERFLOW = "() => document.documentElement.scrollWidth - window.innerWidth"
# Interface text (not data) of a page: the menu, column heads, field labels and buttons. In
# English none of it may be Chinese; the language switch names 中文 in Chinese on purpose.
UI_TEXT = """() => Array.from(document.querySelectorAll(
    "aside .nav, thead th, .field > label, .filter-bar label, .button, .page-actions a"))
  .filter((e) => e.getClientRects().length > 0 && !e.closest(".lang-switch"))
  .map((e) => e.innerText.trim())"""
PHONE_LINKS_PER_ROLE = 15


def _local(href: str | None) -> str | None:
    if not href or not href.startswith("/") or href.startswith(("//", "/static/")):
        return None
    return href.split("#")[0] or None


def _shoot(page, role: str, width: int, url: str) -> None:
    folder = os.environ.get("OMNI_SCREENSHOTS")
    if folder:
        name = re.sub(r"[^a-z0-9]+", "-", url.strip("/").lower()) or "home"
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{folder}/{role}-{width}-{name}.png", full_page=True)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_every_demo_role_opens_every_page_of_its_navigation(browser, live_server, monkeypatch):
    # The kernel's own tests register stand-in importers ("test.*", Chinese labels) in the
    # process-wide registry; the walk looks at the product as users get it, without them.
    from omni.kernel import imports

    product = {k: v for k, v in imports._importers.items() if not k.startswith("test.")}
    monkeypatch.setattr(imports, "_importers", product)
    load_demo()
    problems: list[str] = []
    for role in DEMO_ROLES:
        context = browser.new_context(
            base_url=live_server.url, viewport=WIDE, locale="zh-CN", timezone_id="Asia/Shanghai"
        )
        context.set_default_timeout(15_000)
        page = context.new_page()
        try:
            problems += _walk_role(page, role)
        finally:
            context.close()
    assert not problems, "\n".join(problems)


def _walk_role(page, role: str) -> list[str]:
    problems: list[str] = []
    page.goto("/login/")
    page.locator("input[name=username]").fill(role)
    page.locator("input[name=password]").fill(DEMO_PASSWORD)
    with page.expect_navigation():
        page.locator("form.login-card button[type=submit]").click()
    if "/login/" in page.url:
        return [f"{role}: cannot log in"]
    nav = [
        u
        for u in (
            _local(h)
            for h in page.eval_on_selector_all(
                "aside .nav a[href]", "els => els.map((a) => a.getAttribute('href'))"
            )
        )
        if u
    ]
    pages = list(dict.fromkeys(["/", *nav]))
    links: dict[str, str] = {}
    for viewport in (WIDE, PHONE_VIEWPORT):
        page.set_viewport_size(viewport)
        for url in pages:
            response = page.goto(url)
            where = f"{role} @{viewport['width']}px {url}"
            if response is None or response.status >= 400:
                problems.append(f"{where}: status {response.status if response else '?'}")
                continue
            page.wait_for_load_state("load")
            text = page.locator("body").inner_text()
            if not CJK.search(text):
                problems.append(f"{where}: no Chinese text on the page")
            overflow = page.evaluate(OVERFLOW)
            if overflow > 1:
                problems.append(f"{where}: {overflow}px wider than the screen")
            _shoot(page, role, viewport["width"], url)
            if viewport is WIDE:
                for href in page.evaluate(VISIBLE_LINKS):
                    link = _local(href)
                    if link and link not in pages:
                        links.setdefault(link, url)
    if not page.evaluate(HAS_CJK_FONT):
        problems.append(f"{role}: chromium has no CJK font (apt-get install fonts-noto-cjk)")
    problems += _english_interface(page, role, pages)
    checked: dict[str, int] = {}
    on_phone = 0
    for link, found_on in list(links.items()):
        name = url_name(link)
        if name in SKIPPED_URL_NAMES:
            continue
        if name is None:
            problems.append(f"{role}: {link} (on {found_on}) is no route")
            continue
        if checked.get(name, 0) >= 2 or sum(checked.values()) >= LINKS_PER_ROLE:
            continue
        checked[name] = checked.get(name, 0) + 1
        answer = page.request.get(link)
        if answer.status >= 400:
            problems.append(f"{role}: {link} (linked on {found_on}) answers {answer.status}")
            continue
        # detail pages and forms behind the lists: open the first of each kind on the phone
        html = answer.headers.get("content-type", "").startswith("text/html")
        if html and checked[name] == 1 and on_phone < PHONE_LINKS_PER_ROLE:
            on_phone += 1
            page.goto(link)
            overflow = page.evaluate(OVERFLOW)
            if overflow > 1:
                problems.append(f"{role} @390px {link}: {overflow}px wider than the screen")
            _shoot(page, role, PHONE_VIEWPORT["width"], link)
    return problems


def _english_interface(page, role: str, pages: list[str]) -> list[str]:
    """The same navigation with the language switch on English: no Chinese interface text."""
    problems: list[str] = []
    host = urlsplit(page.url).hostname
    page.context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "domain": host, "path": "/"}]
    )
    page.set_viewport_size(WIDE)
    try:
        for url in pages:
            page.goto(url)
            chinese = sorted({t for t in page.evaluate(UI_TEXT) if CJK.search(t)})
            if chinese:
                problems.append(f"{role} in English {url}: Chinese interface text {chinese[:5]}")
    finally:
        page.context.clear_cookies(name=settings.LANGUAGE_COOKIE_NAME)
        page.set_viewport_size(PHONE_VIEWPORT)
    return problems
