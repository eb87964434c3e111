"""Transfer pages (调拨): the list with a status filter, the form that ships one (source,
target, SKU, quantity, batch), and the transfer's page where the target's keeper receives
each line (in part or in full) or closes it short with a reason."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from omni.inventory import selectors
from omni.inventory.services import transfers
from omni.inventory.services.stock import StockLine
from omni.inventory.types import TransferStatus
from omni.kernel.actors import Actor

from ..forms import ErrorPlacement, FilterForm, choice_filter, search_field
from ..outcomes import flash_errors, form_errors
from ..permissions import needs
from ..tables import Column, ListPage, Table, badge, detail_link, filtered_by, narrowed, timestamp
from .common import inventory_page, quantity
from .stock import QUANTITY_HELP, _StockForm

VIEW = "inventory.stock.view"
SHIP = "inventory.stock.issue"
STATUS_CSS = {
    "in_transit": "prospect",
    "partly_received": "suspended",
    "received": "active",
    "closed_short": "exited",
}


def _summary(t: Any) -> str:
    return "; ".join(f"{x.sku.code} × {quantity(x.shipped, x.sku)}" for x in t.lines.all())


TRANSFERS = Table(
    "inventory.transfers",
    title=gettext_lazy("Transfers"),
    default_sort="-created_at",
    row_attrs=lambda t: {"data-transfer": t.pk, "data-status": t.status},
    columns=[
        Column(
            "id",
            gettext_lazy("No."),
            lambda t: f"#{t.pk}",
            sort=("pk",),
            link=detail_link("inventory:transfer-detail"),
        ),
        Column("source", gettext_lazy("From"), lambda t: f"{t.source.code} {t.source.name}"),
        Column("target", gettext_lazy("To"), lambda t: f"{t.target.code} {t.target.name}"),
        Column("lines", gettext_lazy("Lines"), _summary),
        Column(
            "status",
            gettext_lazy("Status"),
            lambda t: t.get_status_display(),
            html=lambda t: badge(STATUS_CSS.get(t.status, ""), t.get_status_display()),
        ),
        Column("created_by", gettext_lazy("Created by"), "created_by"),
        timestamp("created_at", gettext_lazy("Created at")),
    ],
)


class TransferFilterForm(FilterForm):
    search = search_field(gettext_lazy("Warehouse code or name"))
    status = choice_filter(gettext_lazy("Status"), TransferStatus.choices)


def _page(actor: Actor, **context: Any) -> dict[str, Any]:
    return inventory_page(actor, "transfers", **context)


TRANSFER_LIST = ListPage(
    TRANSFERS,
    "inventory/transfer_list.html",
    filtered_by(
        TransferFilterForm,
        narrowed(
            selectors.list_transfers,
            search=("source__code", "source__name", "target__code", "target__name", "memo"),
            exact={"status": "status"},
        ),
        with_actor=False,
    ),
    page=_page,
    create=SHIP,
)
transfer_list = needs(VIEW)(TRANSFER_LIST.view)


class TransferForm(_StockForm):
    permission = SHIP
    target = forms.ChoiceField(label=gettext_lazy("To warehouse"))
    quantity = forms.DecimalField(
        label=gettext_lazy("Quantity"),
        min_value=0.001,
        max_digits=15,
        decimal_places=3,
        help_text=QUANTITY_HELP,
    )
    memo = forms.CharField(label=gettext_lazy("Note"), max_length=200, required=False)

    field_order = ["warehouse", "target", "sku", "quantity", "batch", "memo"]

    def __init__(self, *args: Any, actor: Actor, **kwargs: Any) -> None:
        super().__init__(*args, actor=actor, **kwargs)
        self.fields["warehouse"].label = gettext_lazy("From warehouse")
        self.fields["target"].choices = self.fields["warehouse"].choices


PLACEMENT = ErrorPlacement(
    code_fields={
        "invalid_quantity": "quantity",
        "insufficient_stock": "quantity",
        "unknown_sku": "sku",
        "unknown_warehouse": "warehouse",
        "warehouse_closed": "warehouse",
        "same_warehouse": "target",
        "unknown_batch": "batch",
        "batch_expired": "batch",
        "sku_locked": "sku",
    },
    first_only=True,
)


@needs(SHIP)
def transfer_create(request: HttpRequest, actor: Actor) -> HttpResponse:
    form = TransferForm(request.POST or None, actor=actor)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        with form_errors(form, placement=PLACEMENT) as done:
            row = transfers.ship_transfer(
                actor=actor,
                source_id=int(d["warehouse"]),
                target_id=int(d["target"]),
                lines=[StockLine(d["sku"], d["quantity"], d["batch"])],
                memo=d["memo"],
            )
        if done:
            messages.success(request, _("Transfer #%(id)s shipped.") % {"id": row.pk})
            if actor.can(VIEW):
                return redirect("inventory:transfer-detail", row.pk)
            return redirect("inventory:transfer-create")
    return render(request, "inventory/transfer_form.html", _page(actor, form=form))


@needs(VIEW)
def transfer_detail(request: HttpRequest, actor: Actor, pk: int) -> HttpResponse:
    row = selectors.get_transfer(actor, pk)
    allowed = selectors.transfer_actions(actor, row)
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action == "receive" and action in allowed:
            received = None  # the header's button: everything still in transit
            if "line" in request.POST:  # one line's form: what arrived of it
                line_id = request.POST["line"]
                amount = (request.POST.get("quantity") or "").strip() or "0"
                received = {int(line_id) if line_id.isdigit() else 0: amount}
            with flash_errors(request, gettext_lazy("Received.")):
                transfers.receive_transfer(actor=actor, transfer_id=pk, received=received)
        elif action == "close" and action in allowed:
            with flash_errors(request, gettext_lazy("Transfer closed with a discrepancy.")):
                transfers.close_short(
                    actor=actor, transfer_id=pk, reason=request.POST.get("reason", "")
                )
        return redirect("inventory:transfer-detail", pk)
    lines = [
        {
            "id": x.pk,
            "sku": x.sku,
            "batch": x.batch,
            "shipped": quantity(x.shipped, x.sku),
            "received": quantity(x.received, x.sku),
            "in_transit": quantity(x.shipped - x.received, x.sku),
            "open": x.shipped > x.received,
        }
        for x in row.lines.all()
    ]
    return render(
        request,
        "inventory/transfer_detail.html",
        _page(
            actor,
            transfer=row,
            lines=lines,
            allowed=allowed,
            tabs=[("lines", gettext_lazy("Lines"))],
        ),
    )
