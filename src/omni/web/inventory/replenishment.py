"""Reorder points (安全库存 / 补货点): the rules of the actor's warehouses, the form that sets
one, and the low-stock list (below safety stock first), where low-stock notices link to."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from omni.inventory import selectors
from omni.inventory.services import replenishment
from omni.kernel.actors import Actor

from ..forms import ErrorPlacement, FilterForm, search_field
from ..outcomes import form_errors
from ..permissions import needs
from ..tables import Column, ListPage, Table, filtered_by, narrowed, timestamp
from .common import inventory_page, quantity
from .stock import _StockForm, warehouse_choices

VIEW = "inventory.stock.view"
EDIT = "inventory.stock.adjust"

RULES = Table(
    "inventory.reorder_rules",
    title=gettext_lazy("Reorder points"),
    default_sort="warehouse",
    row_attrs=lambda r: {"data-sku": r.sku.code},
    columns=[
        Column(
            "warehouse",
            gettext_lazy("Warehouse"),
            lambda r: f"{r.warehouse.code} {r.warehouse.name}",
            sort=("warehouse__code", "sku__code", "pk"),
        ),
        Column(
            "sku", gettext_lazy("SKU code"), "sku.code", sort=("sku__code", "pk"), format="code"
        ),
        Column("sku_name", gettext_lazy("SKU name"), "sku.name"),
        Column(
            "safety_stock",
            gettext_lazy("Safety stock"),
            lambda r: quantity(r.safety_stock, r.sku),
            css="num",
        ),
        Column(
            "reorder_point",
            gettext_lazy("Reorder point"),
            lambda r: quantity(r.reorder_point, r.sku),
            css="num",
        ),
        Column("updated_by", gettext_lazy("By"), "updated_by"),
        timestamp("updated_at", gettext_lazy("Updated at")),
    ],
)


class RuleFilterForm(FilterForm):
    warehouse = forms.ChoiceField(label=gettext_lazy("Warehouse"), required=False)
    search = search_field(gettext_lazy("SKU code or name"))

    def __init__(self, *args: Any, actor: Actor, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["warehouse"].choices = [("", _("All")), *warehouse_choices(actor)]


def _page(actor: Actor, section: str, **context: Any) -> dict[str, Any]:
    return inventory_page(actor, section, **context)


RULE_LIST = ListPage(
    RULES,
    "inventory/reorder_rule_list.html",
    filtered_by(
        RuleFilterForm,
        narrowed(
            selectors.list_reorder_rules,
            search=("sku__code", "sku__name"),
            exact={"warehouse": "warehouse_id"},
        ),
    ),
    page=lambda actor, **context: _page(actor, "reorder-rules", **context),
    create=EDIT,
)
reorder_rule_list = needs(VIEW)(RULE_LIST.view)


class RuleForm(_StockForm):
    permission = EDIT
    safety_stock = forms.DecimalField(
        label=gettext_lazy("Safety stock"), min_value=0, max_digits=15, decimal_places=3
    )
    reorder_point = forms.DecimalField(
        label=gettext_lazy("Reorder point"),
        min_value=0,
        max_digits=15,
        decimal_places=3,
        help_text=gettext_lazy("At or below it the SKU is on the low-stock list."),
    )
    field_order = ["warehouse", "sku", "safety_stock", "reorder_point"]

    def __init__(self, *args: Any, actor: Actor, **kwargs: Any) -> None:
        super().__init__(*args, actor=actor, **kwargs)
        del self.fields["batch"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        safety, point = data.get("safety_stock"), data.get("reorder_point")
        if safety is not None and point is not None and point < safety:
            self.add_error("reorder_point", _("The reorder point is at least the safety stock."))
        return data


PLACEMENT = ErrorPlacement(
    code_fields={
        "invalid_quantity": "reorder_point",
        "unknown_sku": "sku",
        "unknown_warehouse": "warehouse",
        "warehouse_closed": "warehouse",
    },
    first_only=True,
)


@needs(EDIT)
def reorder_rule_set(request: HttpRequest, actor: Actor) -> HttpResponse:
    form = RuleForm(request.POST or None, actor=actor)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        with form_errors(form, placement=PLACEMENT) as done:
            replenishment.set_reorder_rule(
                actor=actor,
                warehouse_id=int(d["warehouse"]),
                sku_id=d["sku"],
                safety_stock=d["safety_stock"],
                reorder_point=d["reorder_point"],
            )
        if done:
            messages.success(request, _("Reorder point saved."))
            if actor.can(VIEW):
                return redirect("inventory:reorder-rules")
            return redirect("inventory:reorder-rule-set")
    return render(
        request, "inventory/reorder_rule_form.html", _page(actor, "reorder-rules", form=form)
    )


@needs(VIEW)
def low_stock(request: HttpRequest, actor: Actor) -> HttpResponse:
    rows = selectors.low_stock(actor)
    return render(
        request, "inventory/low_stock.html", _page(actor, "low-stock", rows=rows, total=len(rows))
    )
