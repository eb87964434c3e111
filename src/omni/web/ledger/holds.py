"""Fund holds (冻结记录): money held on an account for a source document (an order), then
captured or released. Finance sees the holds in its scope; a dealer sees what its own
orders hold."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy

from omni.kernel.actors import Actor
from omni.ledger import selectors
from omni.ledger.calculations import from_minor
from omni.ledger.types import HoldStatus

from ..forms import FilterForm, choice_filter, search_field
from ..permissions import needs
from ..tables import Column, ListPage, Table, badge, created_at, filtered_by
from .common import fund_page

VIEW = "ledger.hold.view"
STATUS_CSS = {"held": "frozen", "captured": "active", "released": "exited"}


def _customer(h: Any) -> str:
    account = h.account
    return account.customer.name if account.customer_id else account.org.name


def _money(h: Any, minor: int) -> str:
    return f"{from_minor(minor, h.account.type.places):,}"


HOLDS = Table(
    "ledger.holds",
    title=gettext_lazy("Fund holds"),
    default_sort="-created_at",
    row_attrs=lambda h: {"data-hold": h.pk, "data-source": h.source_id},
    columns=[
        Column(
            "customer",
            gettext_lazy("Customer"),
            _customer,
            sort=("account__customer__name", "pk"),
            link=lambda h: reverse("ledger:account-detail", args=[h.account_id]),
        ),
        Column(
            "type",
            gettext_lazy("Account type"),
            "account.type.name",
            sort=("account__type__sort_order", "pk"),
        ),
        Column(
            "amount",
            gettext_lazy("Amount"),
            lambda h: _money(h, h.amount),
            sort=("amount", "pk"),
            export=lambda h: from_minor(h.amount, h.account.type.places),
            css="num",
        ),
        Column(
            "captured",
            gettext_lazy("Captured"),
            lambda h: _money(h, h.captured),
            export=lambda h: from_minor(h.captured, h.account.type.places),
            css="num",
        ),
        Column(
            "status",
            gettext_lazy("Status"),
            lambda h: h.get_status_display(),
            html=lambda h: badge(
                STATUS_CSS.get(h.status, ""), h.get_status_display(), status=h.status
            ),
        ),
        Column(
            "source",
            gettext_lazy("Source document"),
            lambda h: f"{h.source_type} {h.source_id}".strip(),
            sort=("source_type", "source_id", "pk"),
            format="code",
        ),
        created_at(format="datetime"),
    ],
)


class HoldFilterForm(FilterForm):
    search = search_field(gettext_lazy("Customer or source document"))
    status = choice_filter(gettext_lazy("Status"), HoldStatus.choices)


def _holds(actor: Actor, form: HoldFilterForm) -> QuerySet[Any]:
    qs = selectors.list_holds(actor).select_related("account__customer", "account__org")
    d = form.valid_data
    if search := (d.get("search") or "").strip():
        qs = qs.filter(
            Q(account__customer__name__icontains=search)
            | Q(account__customer__code__icontains=search)
            | Q(source_id__icontains=search)
        )
    if d.get("status"):
        qs = qs.filter(status=d["status"])
    return qs


def _page(actor: Actor, **context: Any) -> dict[str, Any]:
    return fund_page(actor, "holds", **context)


def _context(request: HttpRequest, actor: Actor, **extra: Any) -> dict[str, Any]:
    # the customer links to its account's page, for those who may open it
    return {"unlinked": () if actor.can("ledger.account.view") else ("customer",), **extra}


HOLD_LIST = ListPage(
    HOLDS,
    "ledger/hold_list.html",
    filtered_by(HoldFilterForm, _holds, with_actor=False),
    page=_page,
    export=(VIEW, "ledger:hold-export"),  # holds have no export permission of their own
    context=_context,
)
hold_list = needs(VIEW)(HOLD_LIST.view)
hold_export = needs(VIEW)(HOLD_LIST.export_view)
