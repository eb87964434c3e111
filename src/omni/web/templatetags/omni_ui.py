"""Template tags for console pages: ``{% load omni_ui %}``.

{% query_string page=2 %}            "?status=open&page=2" (other parameters kept;
                                      a value of None removes the parameter)
{% sort_header "at" _("Time") %}     a <th> whose link toggles ?sort=at / ?sort=-at
{% icon "home" %}                    an inline SVG line icon (names in ICONS)
{% nav_trail active as trail %}      [(label, url), ...] for the breadcrumb
{{ value|cell }}                     a before/after value for display ("—" for None)
{{ entry|changed_fields }}           names of the fields an audit entry changed
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from django import template
from django.http import QueryDict
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from omni.kernel.audit import changed_fields as _changed_fields

from ..nav import NAV, PORTAL_NAV

register = template.Library()


def _params(context: template.Context) -> QueryDict:
    request = context.get("request")
    return request.GET.copy() if request is not None else QueryDict(mutable=True)


def build_query_string(params: QueryDict, **changes: Any) -> str:
    params = params.copy()
    for key, value in changes.items():
        if value is None:
            params.pop(key, None)
        else:
            params[key] = str(value)
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.simple_tag(takes_context=True)
def query_string(context: template.Context, **changes: Any) -> str:
    """The current URL's query string with `changes` applied (None removes a key)."""
    return build_query_string(_params(context), **changes)


@register.inclusion_tag("web/components/sort_header.html", takes_context=True)
def sort_header(context: template.Context, field: str, label: Any) -> dict[str, Any]:
    """A sortable column header. Clicking toggles ascending/descending, keeps the filters and
    goes back to page 1. The current sort comes from ``listing.sort`` (see web/listing.py)."""
    listing = context.get("listing")
    sort = getattr(listing, "sort", None)
    current = sort.field == field if sort else False
    descending = bool(sort and sort.descending)
    next_key = field if current and descending else f"-{field}" if current else field
    return {
        "label": label,
        "url": build_query_string(_params(context), sort=next_key, page=None),
        "state": ("descending" if descending else "ascending") if current else "none",
    }


ICONS: dict[str, str] = {
    "home": "M3 11l9-8 9 8M5 10v10h5v-6h4v6h5V10",
    "order": "M9 3h6v3H9zM7 4.5H5V21h14V4.5h-2M8 11h8M8 15h8",
    "fund": "M3 7h18v13H3zM3 7l13-4v4M16 13.5h2",
    "expense": "M6 4l6 8 6-8M12 12v8M8 13h8M8 17h8",
    "invoice": "M6 3h12v18l-3-2-3 2-3-2-3 2zM9 8h6M9 12h6",
    "policy": "M4 6h16M4 12h16M4 18h16M9 4v4M15 10v4M7 16v4",
    "price": "M3 12V3h9l9 9-9 9zM7.5 7.5h.01",
    "promo": "M19 5L5 19M7 9.5a2.5 2.5 0 1 0 0-5 2.5 2.5 0 0 0 0 5zM17 19.5a2.5 2.5 0 1 0 0-5 "
    "2.5 2.5 0 0 0 0 5z",
    "credit": "M2 6h20v12H2zM2 10h20M6 15h4",
    "rebate": "M3 12a9 9 0 0 1 15-6.7L21 8M21 3v5h-5M21 12a9 9 0 0 1-15 6.7L3 16M3 21v-5h5",
    "b2b": "M3 7h18v13H3zM8 7V4h8v3M3 13h18",
    "crm": "M9 11a4 4 0 1 0 0-8 4 4 0 0 0 0 8zM2 21v-1a7 7 0 0 1 14 0v1M16 3.1a4 4 0 0 1 0 "
    "7.8M22 21v-1a7 7 0 0 0-4-6.3",
    "activity": "M4 21V4M4 4h13l-2 4 2 4H4",
    "retail": "M3 9l2-5h14l2 5v2H3zM5 11v10h14V11M10 21v-5h4v5",
    "ecom": "M3 4h18v12H3zM8 20h8M12 16v4",
    "mall": "M3 3h2l3 12h11l2-8H6M9 21a1 1 0 1 0 0-2 1 1 0 0 0 0 2zM18 21a1 1 0 1 0 0-2 1 1 0 "
    "0 0 0 2z",
    "member": "M12 3l2.8 5.7 6.2.9-4.5 4.4 1 6.2L12 17.3l-5.5 2.9 1-6.2L3 9.6l6.2-.9z",
    "service": "M4 14v-2a8 8 0 0 1 16 0v2M4 14h3v6H4zM17 14h3v6h-3z",
    "chart": "M4 20V10M10 20V4M16 20v-7M3 20h18",
    "master": "M12 3c5 0 8 1.3 8 3s-3 3-8 3-8-1.3-8-3 3-3 8-3zM4 6v12c0 1.7 3 3 8 3s8-1.3 "
    "8-3V6M4 12c0 1.7 3 3 8 3s8-1.3 8-3",
    "party": "M4 21V3h10v18M14 8h6v13M2 21h20M7 7h4M7 11h4M7 15h4",
    "catalog": "M3 7l9-4 9 4v10l-9 4-9-4zM3 7l9 4 9-4M12 11v10",
    "plan": "M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18zM12 16a4 4 0 1 0 0-8 4 4 0 0 0 0 8z",
    "procure": "M2 6h12v10H2zM14 10h4l3 3v3h-7M6 20a2 2 0 1 0 0-4 2 2 0 0 0 0 4zM17 20a2 2 0 1 "
    "0 0-4 2 2 0 0 0 0 4z",
    "system": "M12 15a3 3 0 1 0 0-6 3 3 0 0 0 0 6zM12 2v3M12 19v3M4.2 4.2l2.1 2.1M17.7 "
    "17.7l2.1 2.1M2 12h3M19 12h3M4.2 19.8l2.1-2.1M17.7 6.3l2.1-2.1",
    "health": "M3 12h4l2-5 4 10 2-5h6",
    "audit": "M14 3H6v18h12V7zM14 3v4h4M9 13l2 2 4-4",
    "api": "M8 6l-6 6 6 6M16 6l6 6-6 6",
    "menu": "M3 6h18M3 12h18M3 18h18",
    "close": "M6 6l12 12M18 6L6 18",
    "download": "M12 3v12M7 10l5 5 5-5M4 21h16",
    "logout": "M15 4h4v16h-4M10 17l5-5-5-5M15 12H3",
    "globe": "M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18zM3 12h18M12 3a14 14 0 0 1 0 18M12 3a14 14 0 "
    "0 0 0 18",
    "user": "M12 12a4 4 0 1 0 0-8 4 4 0 0 0 0 8zM4 21a8 8 0 0 1 16 0",
    "bell": "M6 16V11a6 6 0 0 1 12 0v5l2 2H4zM10 20a2 2 0 0 0 4 0",
    "inbox": "M3 13l3-8h12l3 8v6H3zM3 13h5l1 3h6l1-3h5",
    "search": "M11 18a7 7 0 1 0 0-14 7 7 0 0 0 0 14zM21 21l-5-5",
    "sort": "M8 10l4-4 4 4M8 14l4 4 4-4",
}


@register.simple_tag
def icon(name: str, size: int = 16) -> SafeString:
    path = ICONS.get(name, ICONS["catalog"])
    return format_html(
        '<svg class="icon" width="{}" height="{}" viewBox="0 0 24 24" fill="none" '
        'stroke="currentColor" stroke-width="1.8" stroke-linecap="round" '
        'stroke-linejoin="round" aria-hidden="true" focusable="false"><path d="{}"/></svg>',
        size,
        size,
        path,
    )


def _url(url_name: str | None) -> str | None:
    if not url_name:
        return None
    try:
        return reverse(url_name)
    except NoReverseMatch:
        return None


@register.simple_tag(takes_context=True)
def nav_trail(context: template.Context, active: str | None) -> list[tuple[Any, str | None]]:
    """Breadcrumb for the nav item whose key is `active`: its group (if any), then itself
    (in the portal navigation for portal users)."""
    for item in PORTAL_NAV if context.get("portal") else NAV:
        if item.key == active:
            return [(item.label, _url(item.url_name))]
        for child in item.children:
            if child.key == active:
                return [(item.label, None), (child.label, _url(child.url_name))]
    return []


@register.filter
def cell(value: Any) -> str:
    """How a before/after value from the audit trail reads on a page."""
    if value is None or value == "":
        return "—"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


@register.filter
def pretty_json(value: Any) -> str:
    if value is None:
        return "—"
    return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True)


@register.filter
def changed_fields(entry: Any) -> list[str]:
    return _changed_fields(entry.before, entry.after)


ACTOR_KINDS = {
    "user": _("User"),
    "api_client": _("API client"),
    "system": _("System"),
    "channel": _("Channel"),
}


@register.filter
def actor_kind(value: str) -> Any:
    return ACTOR_KINDS.get(value, value)


DATABASE_STATES = {"ok": _("Normal"), "unreachable": _("Unreachable")}
DATABASE_VENDORS = {
    "sqlite": "SQLite",
    "postgresql": "PostgreSQL",
    "mysql": "MySQL",
    "oracle": "Oracle",
}


@register.filter
def database_state(value: str) -> Any:
    """The health check's database state in people's words ("ok" → 正常)."""
    return DATABASE_STATES.get(value, value)


@register.filter
def database_vendor(value: str) -> str:
    return DATABASE_VENDORS.get(value, value)


@register.filter
def fen(value: Any) -> str:
    """An amount in fen (integer minor units) as yuan with thousands separators: 1234500 →
    12,345.00."""
    if value is None or value == "":
        return "—"
    return f"{Decimal(int(value)) / 100:,.2f}"
