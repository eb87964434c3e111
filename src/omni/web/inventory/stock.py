"""Stock pages: the stock list (库存) and the stock-move ledger (库存流水) with filters and
export, and the receipt (入库) and adjustment (库存调整) forms. Quantities are shown in the
SKU's base unit with its decimals."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from omni.inventory import selectors
from omni.inventory.services import stock
from omni.inventory.services.stock import StockLine
from omni.inventory.types import MoveKind
from omni.kernel.actors import Actor

from ..forms import DateInput, ErrorPlacement, FilterForm, choice_filter, search_field
from ..outcomes import form_errors
from ..permissions import needs, needs_all
from ..tables import Column, ListPage, Table, filtered_by, narrowed, timestamp
from .common import inventory_page, quantity, units

VIEW = "inventory.stock.view"
EXPORT = "inventory.stock.export"


def _batch(row: Any) -> str:
    return row.batch.code if row.batch_id else ""


def _available(row: Any) -> Any:
    text = quantity(row.on_hand - row.reserved, row.sku)
    if row.on_hand - row.reserved <= 0:
        return format_html('<span class="short" data-test="short">{}</span>', text)
    return text


STOCK = Table(
    "inventory.stock",
    title=gettext_lazy("Stock"),
    default_sort="warehouse",
    row_attrs=lambda s: {"data-sku": s.sku.code},
    columns=[
        Column(
            "warehouse",
            gettext_lazy("Warehouse"),
            lambda s: f"{s.warehouse.code} {s.warehouse.name}",
            sort=("warehouse__code", "sku__code", "pk"),
        ),
        Column(
            "sku", gettext_lazy("SKU code"), "sku.code", sort=("sku__code", "pk"), format="code"
        ),
        Column("sku_name", gettext_lazy("SKU name"), "sku.name"),
        Column("batch", gettext_lazy("Batch"), _batch, sort=("batch__code", "pk")),
        Column(
            "expires_on",
            gettext_lazy("Expires on"),
            lambda s: s.batch.expires_on if s.batch_id else None,
            format="date",
            sort=("batch__expires_on", "pk"),
        ),
        Column(
            "on_hand",
            gettext_lazy("On hand"),
            lambda s: quantity(s.on_hand, s.sku),
            sort=("on_hand", "pk"),
            export=lambda s: units(s.on_hand, s.sku),
            css="num",
        ),
        Column(
            "reserved",
            gettext_lazy("Reserved"),
            lambda s: quantity(s.reserved, s.sku),
            sort=("reserved", "pk"),
            export=lambda s: units(s.reserved, s.sku),
            css="num",
        ),
        Column(
            "available",
            gettext_lazy("Available"),
            lambda s: quantity(s.on_hand - s.reserved, s.sku),
            html=_available,
            sort=("available", "pk"),
            export=lambda s: units(s.on_hand - s.reserved, s.sku),
            css="num",
        ),
        Column("unit", gettext_lazy("Unit"), "sku.product.base_unit.name", page=False),
    ],
)


def warehouse_choices(actor: Actor) -> list[tuple[str, str]]:
    return [
        (str(pk), f"{code} {name}")
        for pk, code, name in selectors.list_warehouses(actor, permission=None).values_list(
            "pk", "code", "name"
        )
    ]


class StockFilterForm(FilterForm):
    warehouse = forms.ChoiceField(label=gettext_lazy("Warehouse"), required=False)
    search = search_field(gettext_lazy("SKU code or name"))
    low_only = forms.BooleanField(label=gettext_lazy("Only available ≤ 0"), required=False)

    def __init__(self, *args: Any, actor: Actor, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["warehouse"].choices = [("", _("All")), *warehouse_choices(actor)]


def _stock_rows(actor: Actor, form: FilterForm) -> Any:
    qs = narrowed(
        lambda a: selectors.list_stock(a, low_only=bool(form.valid_data.get("low_only"))),
        search=("sku__code", "sku__name"),
        exact={"warehouse": "warehouse_id"},
    )(actor, form)
    return qs


def _page(actor: Actor, section: str, **context: Any) -> dict[str, Any]:
    return inventory_page(actor, section, **context)


STOCK_LIST = ListPage(
    STOCK,
    "inventory/stock_list.html",
    filtered_by(StockFilterForm, _stock_rows),
    page=lambda actor, **context: _page(actor, "stock", **context),
    export=(EXPORT, "inventory:stock-export"),
)
stock_list = needs(VIEW)(STOCK_LIST.view)
stock_export = needs_all(EXPORT, VIEW)(STOCK_LIST.export_view)


# --- the stock-move ledger ----------------------------------------------------------------


def _source(m: Any) -> str:
    return " ".join(p for p in (m.source_type, m.source_id) if p)


MOVES = Table(
    "inventory.moves",
    title=gettext_lazy("Stock moves"),
    default_sort="-created_at",
    row_attrs=lambda m: {"data-move": m.pk, "data-kind": m.kind},
    columns=[
        timestamp("created_at", gettext_lazy("Time")),
        Column(
            "warehouse",
            gettext_lazy("Warehouse"),
            lambda m: f"{m.stock.warehouse.code} {m.stock.warehouse.name}",
            sort=("stock__warehouse__code", "pk"),
        ),
        Column(
            "sku",
            gettext_lazy("SKU code"),
            "stock.sku.code",
            sort=("stock__sku__code", "pk"),
            format="code",
        ),
        Column("sku_name", gettext_lazy("SKU name"), "stock.sku.name"),
        Column("batch", gettext_lazy("Batch"), lambda m: _batch(m.stock)),
        Column("kind", gettext_lazy("Type"), lambda m: m.get_kind_display()),
        Column(
            "quantity",
            gettext_lazy("Quantity"),
            lambda m: quantity(m.quantity, m.stock.sku, signed=True),
            sort=("quantity", "pk"),
            export=lambda m: units(m.quantity, m.stock.sku),
            css="num",
        ),
        Column(
            "on_hand_after",
            gettext_lazy("On hand after"),
            lambda m: quantity(m.on_hand_after, m.stock.sku),
            export=lambda m: units(m.on_hand_after, m.stock.sku),
            css="num",
        ),
        Column("source", gettext_lazy("Source document"), _source),
        Column("memo", gettext_lazy("Memo"), "memo"),
        Column("actor_name", gettext_lazy("By"), "actor_name"),
        Column("unit", gettext_lazy("Unit"), "stock.sku.product.base_unit.name", page=False),
        Column("business_date", gettext_lazy("Business date"), "business_date", page=False),
    ],
)


class MoveFilterForm(FilterForm):
    warehouse = forms.ChoiceField(label=gettext_lazy("Warehouse"), required=False)
    kind = choice_filter(gettext_lazy("Type"), MoveKind.choices)
    date_from = forms.DateField(label=gettext_lazy("From"), required=False, widget=DateInput())
    date_to = forms.DateField(label=gettext_lazy("To"), required=False, widget=DateInput())
    search = search_field(gettext_lazy("Source document or SKU"))

    def __init__(self, *args: Any, actor: Actor, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["warehouse"].choices = [("", _("All")), *warehouse_choices(actor)]


def _move_rows(actor: Actor, form: FilterForm) -> Any:
    d = form.valid_data
    return narrowed(
        lambda a: selectors.list_moves(a, date_from=d.get("date_from"), date_to=d.get("date_to")),
        search=("source_id", "source_type", "stock__sku__code", "stock__sku__name", "memo"),
        exact={"warehouse": "stock__warehouse_id", "kind": "kind"},
    )(actor, form)


MOVE_LIST = ListPage(
    MOVES,
    "inventory/move_list.html",
    filtered_by(MoveFilterForm, _move_rows),
    page=lambda actor, **context: _page(actor, "moves", **context),
    export=(EXPORT, "inventory:move-export"),
)
move_list = needs(VIEW)(MOVE_LIST.view)
move_export = needs_all(EXPORT, VIEW)(MOVE_LIST.export_view)


# --- receipt and adjustment forms ---------------------------------------------------------


class _StockForm(forms.Form):
    warehouse = forms.ChoiceField(label=gettext_lazy("Warehouse"))
    sku = forms.CharField(
        label=gettext_lazy("SKU code"),
        max_length=40,
        help_text=gettext_lazy("The SKU's code, as on the product page."),
    )
    batch = forms.RegexField(
        label=gettext_lazy("Batch"),
        regex=r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,39}$",
        max_length=40,
        required=False,
        help_text=gettext_lazy("Required for products managed by batch."),
    )
    permission = ""

    def __init__(self, *args: Any, actor: Actor, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.actor = actor
        self.fields["warehouse"].choices = [
            (str(w.pk), f"{w.code} {w.name}")
            for w in selectors.writable_warehouses(actor, self.permission)
        ]

    def clean_sku(self) -> int:
        sku_id = selectors.find_sku_id(self.actor, self.cleaned_data["sku"], by_id=False)
        if sku_id is None:
            raise forms.ValidationError(_("Unknown SKU."))
        return sku_id


QUANTITY_HELP = gettext_lazy(
    "In the SKU's base unit (bottles, cans …); up to 3 decimals where the unit allows fractions."
)


class ReceiptForm(_StockForm):
    permission = "inventory.stock.receive"
    quantity = forms.DecimalField(
        label=gettext_lazy("Quantity"),
        min_value=0.001,
        max_digits=15,
        decimal_places=3,
        help_text=QUANTITY_HELP,
    )
    produced_on = forms.DateField(
        label=gettext_lazy("Produced on"), required=False, widget=DateInput()
    )
    expires_on = forms.DateField(
        label=gettext_lazy("Expires on"), required=False, widget=DateInput()
    )
    source_id = forms.CharField(
        label=gettext_lazy("Source document"),
        max_length=64,
        required=False,
        help_text=gettext_lazy("e.g. the purchase order or delivery note number."),
    )
    memo = forms.CharField(label=gettext_lazy("Note"), max_length=200, required=False)

    field_order = ["warehouse", "sku", "quantity", "batch", "produced_on", "expires_on"]


class AdjustmentForm(_StockForm):
    permission = "inventory.stock.adjust"
    quantity = forms.DecimalField(
        label=gettext_lazy("Change"),
        max_digits=15,
        decimal_places=3,
        help_text=gettext_lazy(
            "More (e.g. 5) or less (e.g. -5) than on hand, in the SKU's base unit."
        ),
    )
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=200)

    field_order = ["warehouse", "sku", "quantity", "batch", "reason"]

    def clean_quantity(self) -> Any:
        value = self.cleaned_data["quantity"]
        if value == 0:
            raise forms.ValidationError(_("Give a quantity other than 0."))
        return value


PLACEMENT = ErrorPlacement(
    code_fields={
        "invalid_quantity": "quantity",
        "insufficient_stock": "quantity",
        "unknown_sku": "sku",
        "unknown_warehouse": "warehouse",
        "warehouse_closed": "warehouse",
        "unknown_batch": "batch",
        "batch_required": "batch",
        "batch_expired": "batch",
        "reason_required": "reason",
        "sku_locked": "sku",
    },
    first_only=True,
)


def _after(request: HttpRequest, actor: Actor, warehouse_id: int, again: str) -> HttpResponse:
    """To the warehouse's moves when the actor may read them, else back to the form."""
    if actor.can(VIEW):
        return redirect(f"{reverse('inventory:moves')}?warehouse={warehouse_id}")
    return redirect(again)


@needs("inventory.stock.receive")
def receipt_create(request: HttpRequest, actor: Actor) -> HttpResponse:
    form = ReceiptForm(request.POST or None, actor=actor)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        warehouse_id = int(d["warehouse"])
        with form_errors(form, placement=PLACEMENT) as done:
            stock.receive(
                actor=actor,
                warehouse_id=warehouse_id,
                lines=[
                    StockLine(
                        d["sku"], d["quantity"], d["batch"], d["produced_on"], d["expires_on"]
                    )
                ],
                source_type="inventory.receipt" if d["source_id"] else "",
                source_id=d["source_id"],
                memo=d["memo"],
            )
        if done:
            messages.success(request, _("Stock received."))
            return _after(request, actor, warehouse_id, "inventory:receipt")
    return render(request, "inventory/receipt_form.html", _page(actor, "receipt", form=form))


@needs("inventory.stock.adjust")
def adjustment_create(request: HttpRequest, actor: Actor) -> HttpResponse:
    form = AdjustmentForm(request.POST or None, actor=actor)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        warehouse_id = int(d["warehouse"])
        with form_errors(form, placement=PLACEMENT) as done:
            stock.adjust(
                actor=actor,
                warehouse_id=warehouse_id,
                line=StockLine(d["sku"], d["quantity"], d["batch"]),
                reason=d["reason"],
            )
        if done:
            messages.success(request, _("Stock adjusted."))
            return _after(request, actor, warehouse_id, "inventory:adjustment")
    return render(request, "inventory/adjustment_form.html", _page(actor, "adjustment", form=form))
