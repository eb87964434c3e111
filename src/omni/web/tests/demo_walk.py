"""Shared by the demo-role walks (Django test client and browser): the demo roles, loading the
demo once per test module, and finding the links of a page."""

from __future__ import annotations

import io
import re
from html.parser import HTMLParser

from django.core.management import call_command
from django.urls import Resolver404, resolve

DEMO_PASSWORD = "omni-demo-2026"  # omni.access.demo.DEMO_PASSWORD (printed by `omni demo`)
DEMO_ROLES = (
    "admin",
    "sales_admin",
    "finance",
    "warehouse",
    "sales_rep",
    "cashier",
    "service_agent",
    "dealer",
    "store_owner",
)
PORTAL_ROLES = ("dealer", "store_owner")
CJK = re.compile(r"[\u4e00-\u9fff]")
# GET links that change nothing but are not pages to walk into
SKIPPED_URL_NAMES = {"web:logout", "set_language"}


def load_demo() -> None:
    """The demo data, through the same code as `omni demo`."""
    call_command("demo", stdout=io.StringIO())


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.nav: list[str] = []
        self._in_nav = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "nav" and "nav" in (a.get("class") or "").split():
            self._in_nav += 1
        if tag == "a" and a.get("href"):
            self.links.append(a["href"] or "")
            if self._in_nav:
                self.nav.append(a["href"] or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "nav" and self._in_nav:
            self._in_nav -= 1


def links_of(html: str) -> tuple[list[str], list[str]]:
    """(every same-site link, the sidebar's links) of a page, without fragments."""
    parser = _Links()
    parser.feed(html)

    def local(hrefs: list[str]) -> list[str]:
        out = []
        for href in hrefs:
            href = href.split("#")[0]
            if href.startswith("/") and not href.startswith(("//", "/static/")):
                out.append(href)
        return list(dict.fromkeys(out))

    return local(parser.links), local(parser.nav)


def url_name(url: str) -> str | None:
    try:
        return resolve(url.split("?")[0]).view_name
    except Resolver404:
        return None
