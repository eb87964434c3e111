"""Stock-count pages (盘点): the list, the form that starts one (a full count of a
warehouse, or a partial or quick count of the SKUs named), and the count's page, where a
counter enters what they find without seeing the book (blind), and the lead (who holds
inventory.stock.adjust) sees book against counted and the variance, asks a recount of the
lines whose counters disagree, approves (not having counted: four eyes) or cancels."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from omni.inventory import selectors
from omni.inventory.services import counts
from omni.inventory.types import CountKind, CountStatus
from omni.kernel.actors import Actor

from ..forms import ErrorPlacement, FilterForm, choice_filter
from ..outcomes import flash_errors, form_errors
from ..permissions import needs
from ..tables import Column, ListPage, Table, badge, detail_link, filtered_by, narrowed, timestamp
from .common import inventory_page

COUNT = "inventory.stock.count"
LEAD = "inventory.stock.adjust"
STATUS_CSS = {"counting": "prospect", "approved": "active", "cancelled": "exited"}

COUNTS = Table(
    "inventory.counts",
    title=gettext_lazy("Stock counts"),
    default_sort="-created_at",
    row_attrs=lambda c: {"data-count": c.pk, "data-status": c.status},
    columns=[
        Column(
            "id",
            gettext_lazy("No."),
            lambda c: f"#{c.pk}",
            sort=("pk",),
            link=detail_link("inventory:count-detail"),
        ),
        Column(
            "warehouse",
            gettext_lazy("Warehouse"),
            lambda c: f"{c.warehouse.code} {c.warehouse.name}",
            sort=("warehouse__code", "pk"),
        ),
        Column("kind", gettext_lazy("Type"), lambda c: c.get_kind_display()),
        Column(
            "status",
            gettext_lazy("Status"),
            lambda c: c.get_status_display(),
            html=lambda c: badge(STATUS_CSS.get(c.status, ""), c.get_status_display()),
        ),
        Column("note", gettext_lazy("Note"), "note"),
        Column("created_by", gettext_lazy("Created by"), "created_by"),
        timestamp("created_at", gettext_lazy("Created at")),
    ],
)


class CountFilterForm(FilterForm):
    status = choice_filter(gettext_lazy("Status"), CountStatus.choices)
    kind = choice_filter(gettext_lazy("Type"), CountKind.choices)


def _page(actor: Actor, **context: Any) -> dict[str, Any]:
    return inventory_page(actor, "counts", **context)


COUNT_LIST = ListPage(
    COUNTS,
    "inventory/count_list.html",
    filtered_by(
        CountFilterForm,
        narrowed(selectors.list_counts, exact={"status": "status", "kind": "kind"}),
        with_actor=False,
    ),
    page=_page,
    create=LEAD,
)
count_list = needs(COUNT, LEAD)(COUNT_LIST.view)


class CountForm(forms.Form):
    warehouse = forms.ChoiceField(label=gettext_lazy("Warehouse"))
    kind = forms.ChoiceField(label=gettext_lazy("Type"), choices=CountKind.choices)
    skus = forms.CharField(
        label=gettext_lazy("SKU codes"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy(
            "For a partial or quick count: the SKUs' codes, separated by commas or spaces."
        ),
    )
    note = forms.CharField(label=gettext_lazy("Note"), max_length=200, required=False)

    def __init__(self, *args: Any, actor: Actor, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.actor = actor
        self.fields["warehouse"].choices = [
            (str(w.pk), f"{w.code} {w.name}") for w in selectors.writable_warehouses(actor, LEAD)
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        codes = [c for c in re.split(r"[\s,，、;；]+", data.get("skus") or "") if c]
        ids, unknown = [], []
        for code in codes:
            pk = selectors.find_sku_id(self.actor, code, by_id=False)
            (unknown if pk is None else ids).append(code if pk is None else pk)
        if unknown:
            self.add_error("skus", _("Unknown SKU: %(codes)s") % {"codes": ", ".join(unknown[:5])})
        elif data.get("kind") != CountKind.FULL and not ids:
            self.add_error("skus", _("Name the SKUs to count."))
        data["sku_ids"] = ids
        return data


PLACEMENT = ErrorPlacement(
    code_fields={
        "sku_locked": "skus",
        "unknown_sku": "skus",
        "invalid_quantity": "skus",
        "unknown_warehouse": "warehouse",
        "warehouse_closed": "warehouse",
    },
    first_only=True,
)


@needs(LEAD)
def count_create(request: HttpRequest, actor: Actor) -> HttpResponse:
    form = CountForm(request.POST or None, actor=actor)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        with form_errors(form, placement=PLACEMENT) as done:
            row = counts.start_count(
                actor=actor,
                warehouse_id=int(d["warehouse"]),
                kind=d["kind"],
                sku_ids=d["sku_ids"],
                note=d["note"],
            )
        if done:
            messages.success(request, _("Count #%(id)s started.") % {"id": row.pk})
            return redirect("inventory:count-detail", row.pk)
    return render(request, "inventory/count_form.html", _page(actor, form=form))


def _figures(request: HttpRequest) -> dict[int, str]:
    """The counter's figures from the form: line id → quantity (blank lines left out)."""
    out = {}
    for key, value in request.POST.items():
        if key.startswith("line-") and key[5:].isdigit() and value.strip():
            out[int(key[5:])] = value.strip()
    return out


def _valid(value: str) -> bool:
    try:
        return Decimal(value) >= 0
    except ArithmeticError:
        return False


@needs(COUNT, LEAD)
def count_detail(request: HttpRequest, actor: Actor, pk: int) -> HttpResponse:
    view = selectors.count_view(actor, pk)
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action == "enter" and action in view.actions:
            figures = _figures(request)
            if not figures or not all(_valid(v) for v in figures.values()):
                messages.error(request, _("Enter what you counted, 0 or more, for each line."))
            else:
                with flash_errors(request, gettext_lazy("Your figures are saved.")):
                    counts.enter_counts(actor=actor, count_id=pk, quantities=figures)
        elif action == "recount" and action in view.actions:
            with flash_errors(request, gettext_lazy("Recount requested.")):
                counts.request_recount(actor=actor, count_id=pk)
        elif action == "approve" and action in view.actions:
            with flash_errors(request, gettext_lazy("Count approved: the variance is posted.")):
                counts.approve_count(actor=actor, count_id=pk)
        elif action == "cancel" and action in view.actions:
            with flash_errors(request, gettext_lazy("Count cancelled.")):
                counts.cancel_count(actor=actor, count_id=pk)
        return redirect("inventory:count-detail", pk)
    return render(
        request,
        "inventory/count_detail.html",
        _page(
            actor,
            count=view.count,
            lines=view.lines,
            blind=view.blind,
            actions=view.actions,
            tabs=[("lines", gettext_lazy("Lines"))],
        ),
    )
