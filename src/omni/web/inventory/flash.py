"""Flash-sale pages (秒杀): for staff the list, the form that creates one (its quantity is
set aside from the warehouse's stock) and the sale's page with what is left in each bucket
of the pool and its reservations; for dealers and stores (inventory.flash.reserve) the live
sales open to them, each with a 抢购 button."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from omni.inventory import selectors
from omni.inventory.services import flash
from omni.kernel import clock
from omni.kernel.actors import Actor

from ..forms import ErrorPlacement
from ..outcomes import flash_errors, form_errors
from ..permissions import needs
from ..tables import Column, ListPage, Table, detail_link, timestamp
from .common import inventory_page
from .stock import _StockForm

VIEW = "inventory.flash.view"
EDIT = "inventory.flash.edit"
RESERVE = "inventory.flash.reserve"


def _state(s: Any) -> str:
    now = clock.now()
    if now < s.starts_at:
        return str(_("Not started"))
    if now >= s.ends_at:
        return str(_("Ended"))
    return str(_("Live"))


SALES = Table(
    "inventory.flash_sales",
    title=gettext_lazy("Flash sales"),
    default_sort="-starts_at",
    row_attrs=lambda s: {"data-sale": s.pk},
    columns=[
        Column(
            "name",
            gettext_lazy("Name"),
            "name",
            sort=("name", "pk"),
            link=detail_link("inventory:flash-sale-detail"),
        ),
        Column(
            "warehouse",
            gettext_lazy("Warehouse"),
            lambda s: f"{s.warehouse.code} {s.warehouse.name}",
        ),
        Column("sku", gettext_lazy("SKU code"), "sku.code", format="code"),
        Column("quantity", gettext_lazy("Quantity"), "quantity", css="num"),
        Column("left", gettext_lazy("Left"), "left", sort=("left", "pk"), css="num"),
        Column("limit", gettext_lazy("Limit per customer"), "per_customer_limit", css="num"),
        timestamp("starts_at", gettext_lazy("Starts at")),
        timestamp("ends_at", gettext_lazy("Ends at")),
        Column("state", gettext_lazy("Status"), _state),
    ],
)


def _page(actor: Actor, **context: Any) -> dict[str, Any]:
    return inventory_page(actor, "flash-sales", **context)


def _rows(request: HttpRequest, actor: Actor) -> tuple[None, Any]:
    return None, selectors.list_flash_sales(actor)


SALE_LIST = ListPage(SALES, "inventory/flash_sale_list.html", _rows, page=_page, create=EDIT)
flash_sale_list = needs(VIEW)(SALE_LIST.view)


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M")


class FlashSaleForm(_StockForm):
    permission = EDIT
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100)
    quantity = forms.IntegerField(label=gettext_lazy("Quantity"), min_value=1, max_value=10**9)
    per_customer_limit = forms.IntegerField(
        label=gettext_lazy("Limit per customer"), min_value=1, max_value=10**9
    )
    starts_at = forms.DateTimeField(label=gettext_lazy("Starts at"), widget=DateTimeInput())
    ends_at = forms.DateTimeField(label=gettext_lazy("Ends at"), widget=DateTimeInput())
    pay_within_minutes = forms.IntegerField(
        label=gettext_lazy("Pay within (minutes)"), min_value=1, max_value=1440, initial=15
    )
    buckets = forms.IntegerField(
        label=gettext_lazy("Pool buckets"),
        min_value=1,
        max_value=64,
        initial=1,
        help_text=gettext_lazy("Split the pool so that many buyers do not queue on one row."),
    )
    field_order = ["name", "warehouse", "sku", "quantity", "per_customer_limit"]

    def __init__(self, *args: Any, actor: Actor, **kwargs: Any) -> None:
        super().__init__(*args, actor=actor, **kwargs)
        del self.fields["batch"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("starts_at"), data.get("ends_at")
        if start and end and end <= start:
            self.add_error("ends_at", _("The sale ends after it starts."))
        return data


PLACEMENT = ErrorPlacement(
    code_fields={
        "invalid_sale": "name",
        "invalid_quantity": "quantity",
        "insufficient_stock": "quantity",
        "sku_locked": "sku",
        "unknown_sku": "sku",
        "unknown_warehouse": "warehouse",
        "warehouse_closed": "warehouse",
    },
    first_only=True,
)


@needs(EDIT)
def flash_sale_create(request: HttpRequest, actor: Actor) -> HttpResponse:
    initial = {"starts_at": timezone.localtime(clock.now()).replace(second=0, microsecond=0)}
    initial["ends_at"] = initial["starts_at"] + dt.timedelta(hours=2)
    form = FlashSaleForm(request.POST or None, actor=actor, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        with form_errors(form, placement=PLACEMENT) as done:
            sale = flash.create_flash_sale(
                actor=actor,
                name=d["name"],
                warehouse_id=int(d["warehouse"]),
                sku_id=d["sku"],
                quantity=d["quantity"],
                per_customer_limit=d["per_customer_limit"],
                starts_at=d["starts_at"],
                ends_at=d["ends_at"],
                pay_within_seconds=d["pay_within_minutes"] * 60,
                buckets=d["buckets"],
            )
        if done:
            messages.success(request, _("Flash sale %(name)s created.") % {"name": sale.name})
            if actor.can(VIEW):
                return redirect("inventory:flash-sale-detail", sale.pk)
            return redirect("inventory:flash-sale-create")
    return render(request, "inventory/flash_sale_form.html", _page(actor, form=form))


@needs(VIEW)
def flash_sale_detail(request: HttpRequest, actor: Actor, pk: int) -> HttpResponse:
    sale = selectors.get_flash_sale(actor, pk)
    reservations = list(
        selectors.list_flash_reservations(actor, sale_id=sale.pk).select_related("customer")[:200]
    )
    return render(
        request,
        "inventory/flash_sale_detail.html",
        _page(
            actor,
            sale=sale,
            state=_state(sale),
            buckets=selectors.flash_buckets(sale),
            reservations=reservations,
            tabs=[
                ("pool", gettext_lazy("Pool")),
                ("reservations", gettext_lazy("Reservations")),
            ],
        ),
    )


@needs(RESERVE)
def flash_buy(request: HttpRequest, actor: Actor) -> HttpResponse:
    """抢购: the live sales open to a dealer or store, and its own reservations."""
    if request.method == "POST":
        sale_id = request.POST.get("sale", "")
        if sale_id.isdigit() and len(sale_id) < 19:
            with flash_errors(request, gettext_lazy("Reserved: pay for it in time.")):
                flash.reserve_flash(
                    actor=actor,
                    sale_id=int(sale_id),
                    quantity=request.POST.get("quantity") or "1",
                )
        return redirect("inventory:flash-buy")
    sales = list(selectors.list_flash_sales(actor, live=True)[:50])
    mine = list(
        selectors.list_flash_reservations(actor).select_related("sale").order_by("-pk")[:20]
    )
    return render(
        request,
        "inventory/flash_buy.html",
        {"active": "flash", "sales": sales, "mine": mine},
    )
