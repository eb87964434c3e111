"""Party pages' shared plumbing: sub-navigation, page context, region options, places.

Every page reads through `omni.party.selectors` (scoped by the actor's data scope) and writes
through `omni.party.services`, exactly like the JSON API (omni/api/routers/party.py). Without
the page's permission, or for an object outside the scope, the answer is 404.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy

from omni.kernel.actors import Actor
from omni.kernel.errors import NotFound
from omni.kernel.states import state_history
from omni.party import selectors
from omni.party.services import customers
from omni.tenancy import selectors as tenancy

from ..nav import is_portal
from . import forms as f

CUSTOMER_ACTIONS = {
    "activate": gettext_lazy("Activate"),
    "freeze": gettext_lazy("Freeze"),
    "unfreeze": gettext_lazy("Unfreeze"),
    "exit": gettext_lazy("Exit"),
}
NOTE_LABELS = {
    "reject": gettext_lazy("Reason for rejection"),
    "request_info": gettext_lazy("What is missing"),
}


# --- plumbing -----------------------------------------------------------------------------------


def _sections(actor: Actor) -> list[tuple[str, Any, str]]:
    """The party sub-navigation: (key, label, url) of the pages this actor may open (none for
    portal users: their own navigation leads to their company)."""
    if is_portal(actor):
        return []
    links = [
        ("customers", gettext_lazy("Customers"), "party.customer.view", "party:customers"),
        (
            "applications",
            gettext_lazy("Dealer applications"),
            "party.application.view|party.application.approve",
            "party:applications",
        ),
        (
            "organizations",
            gettext_lazy("Organisations"),
            "party.organization.view",
            "party:organizations",
        ),
        (
            "sales-regions",
            gettext_lazy("Sales regions"),
            "party.region.view",
            "party:sales-regions",
        ),
        (
            "classification",
            gettext_lazy("Classes and levels"),
            "party.classification.view|party.customer.view",
            "party:classification",
        ),
        ("suppliers", gettext_lazy("Suppliers"), "party.supplier.view", "party:suppliers"),
    ]
    return [
        (key, label, reverse(name))
        for key, label, perms, name in links
        if any(actor.can(p) for p in perms.split("|"))
    ]


def _page(actor: Actor, section: str, **context: Any) -> dict[str, Any]:
    return {"active": "party", "section": section, "sections": _sections(actor), **context}


def _int(value: Any) -> int | None:
    return f.int_or_none(value)


def application_number(app: Any) -> str:
    """What the applicant quotes: SQ + submission date + id, e.g. SQ2025061200042."""
    return f"SQ{timezone.localtime(app.created_at):%Y%m%d}{app.pk:05d}"


def _status_rows(model: type, pk: int, labels: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "at": h.at,
            "actor": h.actor_name,
            "action": h.action,
            "from": labels.get(h.from_status, h.from_status),
            "to": labels.get(h.to_status, h.to_status),
            "reason": h.reason,
        }
        for h in state_history(model, pk).order_by("-id")
    ]


# --- regions (public: the application form uses it too) -------------------------------------


def region_options(request: HttpRequest) -> HttpResponse:
    """<option>s of the regions under `?parent=` (or under the value of the one select that
    asked, as htmx sends it: ``?province=310000``). ``clear=<id>`` also empties that select
    (the district list when the province changes)."""
    params = request.GET.copy()
    clear = params.pop("clear", [""])[0]
    parent = params.get("parent")
    if parent is None:
        parent = next((v for v in params.values() if v), "")
    regions = list(tenancy.list_regions(parent[:12])) if parent else []
    return render(
        request,
        "party/region_options.html",
        {"regions": regions, "clear": clear if clear.replace("_", "").isalnum() else ""},
    )


PARTY_AREA = (
    "party.customer.view|party.application.view|party.application.approve|"
    "party.organization.view|party.region.view|party.classification.view|party.supplier.view"
)


def _place(region: Any) -> str:
    names: list[str] = []
    while region is not None:
        names.insert(0, region.name)
        region = region.parent
    return " ".join(n for n in names if n != "市辖区")


def _get_customer(actor: Actor, pk: int) -> Any:
    try:
        return selectors.get_customer(actor, pk, permission=None)
    except NotFound:
        raise Http404 from None


def _customer_data(form: f.CustomerForm, *, account_manager_id: int | None = None) -> Any:
    d = form.cleaned_data
    return customers.CustomerData(
        name=d["name"],
        kind=d["kind"],
        org_id=int(d["org"]),
        short_name=d.get("short_name") or "",
        class_id=_int(d.get("customer_class")),
        level_id=_int(d.get("level")),
        sales_region_id=_int(d.get("sales_region")),
        region_code=form.cascade_code(),
        account_manager_id=account_manager_id,
        upper_id=d.get("upper"),
        tags=d.get("tags") or [],
        invoice_title=d.get("invoice_title") or "",
        tax_number=d.get("tax_number") or "",
    )
