"""Reservation pages (预占): the list with a status filter, and the reservation's page with
its lines, where a warehouse keeper releases it or issues what it holds."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy

from omni.inventory import selectors
from omni.inventory.services import reservations
from omni.inventory.types import ReservationStatus
from omni.kernel.actors import Actor

from ..forms import FilterForm, choice_filter, search_field
from ..outcomes import flash_errors
from ..permissions import needs
from ..tables import Column, ListPage, Table, badge, detail_link, filtered_by, narrowed, timestamp
from .common import inventory_page, quantity

VIEW = "inventory.reservation.view"
STATUS_CSS = {
    "reserved": "prospect",
    "released": "exited",
    "issued": "active",
    "expired": "suspended",
}


def _warehouses(r: Any) -> str:
    names: list[str] = []
    for line in r.lines.all():
        if line.stock.warehouse.name not in names:
            names.append(line.stock.warehouse.name)
    return ", ".join(names)


def _summary(r: Any) -> str:
    return "; ".join(
        f"{line.stock.sku.code} × {quantity(line.quantity, line.stock.sku)}"
        for line in r.lines.all()
    )


RESERVATIONS = Table(
    "inventory.reservations",
    title=gettext_lazy("Stock reservations"),
    default_sort="-created_at",
    row_attrs=lambda r: {"data-reservation": r.pk, "data-status": r.status},
    columns=[
        Column(
            "id",
            gettext_lazy("No."),
            lambda r: f"#{r.pk}",
            sort=("pk",),
            link=detail_link("inventory:reservation-detail"),
        ),
        Column(
            "source",
            gettext_lazy("Source document"),
            lambda r: f"{r.source_type} {r.source_id}",
            sort=("source_id", "pk"),
        ),
        Column("warehouses", gettext_lazy("Warehouse"), _warehouses),
        Column("lines", gettext_lazy("Lines"), _summary),
        Column(
            "status",
            gettext_lazy("Status"),
            lambda r: r.get_status_display(),
            html=lambda r: badge(STATUS_CSS.get(r.status, ""), r.get_status_display()),
        ),
        timestamp("expires_at", gettext_lazy("Expires at")),
        Column("created_by", gettext_lazy("Created by"), "created_by"),
        timestamp("created_at", gettext_lazy("Created at")),
    ],
)


class ReservationFilterForm(FilterForm):
    search = search_field(gettext_lazy("Source document"))
    status = choice_filter(gettext_lazy("Status"), ReservationStatus.choices)


def _page(actor: Actor, **context: Any) -> dict[str, Any]:
    return inventory_page(actor, "reservations", **context)


RESERVATION_LIST = ListPage(
    RESERVATIONS,
    "inventory/reservation_list.html",
    filtered_by(
        ReservationFilterForm,
        narrowed(
            selectors.list_reservations,
            search=("source_id", "source_type"),
            exact={"status": "status"},
        ),
        with_actor=False,
    ),
    page=_page,
)
reservation_list = needs(VIEW)(RESERVATION_LIST.view)


class IssueForm(forms.Form):
    memo = forms.CharField(label=gettext_lazy("Note"), max_length=200, required=False)


@needs(VIEW)
def reservation_detail(request: HttpRequest, actor: Actor, pk: int) -> HttpResponse:
    row = selectors.get_reservation(actor, pk)
    allowed = selectors.reservation_actions(actor, row)
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action == "release" and action in allowed:
            with flash_errors(request, gettext_lazy("Reservation released.")):
                reservations.release(actor=actor, reservation_id=pk)
        elif action == "issue" and action in allowed:
            memo = (request.POST.get("memo") or "").strip()[:200]
            with flash_errors(request, gettext_lazy("Issued: the stock has left the warehouse.")):
                reservations.issue_reserved(actor=actor, reservation_id=pk, memo=memo)
        return redirect("inventory:reservation-detail", pk)
    lines = [
        {
            "warehouse": line.stock.warehouse,
            "sku": line.stock.sku,
            "batch": line.stock.batch,
            "quantity": quantity(line.quantity, line.stock.sku),
        }
        for line in row.lines.all()
    ]
    return render(
        request,
        "inventory/reservation_detail.html",
        _page(
            actor,
            reservation=row,
            lines=lines,
            allowed=allowed,
            tabs=[("lines", gettext_lazy("Lines"))],
        ),
    )
