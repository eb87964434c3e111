"""Warehouse pages (仓库): the list with filters and export, the form that creates one, and
the warehouse's page with its stock."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from omni.inventory import selectors
from omni.inventory.services import warehouses
from omni.inventory.types import WarehouseKind, WarehouseStatus
from omni.kernel.actors import Actor
from omni.tenancy import selectors as tenancy

from ..forms import ErrorPlacement, FilterForm, choice_filter, search_field
from ..outcomes import form_errors
from ..permissions import needs, needs_all
from ..tables import (
    Column,
    ListPage,
    Table,
    created_at,
    detail_link,
    filtered_by,
    narrowed,
    status_badge,
)
from .common import inventory_page
from .stock import STOCK

VIEW = "inventory.warehouse.view"

WAREHOUSES = Table(
    "inventory.warehouses",
    title=gettext_lazy("Warehouses"),
    default_sort="code",
    row_attrs=lambda w: {"data-code": w.code},
    columns=[
        Column(
            "code",
            gettext_lazy("Warehouse code"),
            "code",
            sort=("code",),
            format="code",
            link=detail_link("inventory:warehouse-detail"),
        ),
        Column("name", gettext_lazy("Name"), "name", sort=("name", "code")),
        Column("kind", gettext_lazy("Type"), lambda w: w.get_kind_display()),
        Column("org", gettext_lazy("Organisation"), "org.name", sort=("org__name", "code")),
        Column("district_code", gettext_lazy("Region code"), "district_code"),
        Column(
            "coverage",
            gettext_lazy("Regions served"),
            lambda w: ", ".join(w.coverage or []),
        ),
        Column(
            "status",
            gettext_lazy("Status"),
            lambda w: w.get_status_display(),
            html=status_badge,
        ),
        created_at(),
    ],
)


class WarehouseFilterForm(FilterForm):
    search = search_field()
    kind = choice_filter(gettext_lazy("Type"), WarehouseKind.choices)
    status = choice_filter(gettext_lazy("Status"), WarehouseStatus.choices)


def _page(actor: Actor, **context: Any) -> dict[str, Any]:
    return inventory_page(actor, "warehouses", **context)


WAREHOUSE_LIST = ListPage(
    WAREHOUSES,
    "inventory/warehouse_list.html",
    filtered_by(
        WarehouseFilterForm,
        narrowed(
            selectors.list_warehouses,
            search=("code", "name"),
            exact={"kind": "kind", "status": "status"},
        ),
        with_actor=False,
    ),
    page=_page,
    export=("inventory.warehouse.export", "inventory:warehouse-export"),
    create="inventory.warehouse.create",
)
warehouse_list = needs(VIEW)(WAREHOUSE_LIST.view)
warehouse_export = needs_all("inventory.warehouse.export", VIEW)(WAREHOUSE_LIST.export_view)

REGION = re.compile(r"^[0-9]{6}([0-9]{3}){0,2}$")


class WarehouseForm(forms.Form):
    org = forms.ChoiceField(label=gettext_lazy("Organisation"))
    code = forms.RegexField(
        label=gettext_lazy("Warehouse code"),
        regex=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$",
        max_length=32,
        help_text=gettext_lazy("Letters, digits, - or _ (at most 32); stored in capitals."),
    )
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100)
    kind = forms.ChoiceField(label=gettext_lazy("Type"), choices=WarehouseKind.choices)
    district_code = forms.RegexField(
        label=gettext_lazy("Region code"),
        regex=REGION.pattern,
        required=False,
        help_text=gettext_lazy("Where it is: the district's 6-digit code, e.g. 310115."),
    )
    coverage = forms.CharField(
        label=gettext_lazy("Regions served"),
        required=False,
        max_length=1000,
        help_text=gettext_lazy("Region codes it delivers to, separated by commas or spaces."),
    )

    def __init__(self, *args: Any, actor: Actor, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        orgs = list(tenancy.list_organizations(actor, mode="write").order_by("path"))
        top = min((o.path.count("/") for o in orgs), default=0)
        self.fields["org"].choices = [
            (str(o.pk), f"{'　' * (o.path.count('/') - top)}{o.name} ({o.code})") for o in orgs
        ]

    def clean_coverage(self) -> list[str]:
        codes = [c for c in re.split(r"[\s,，、]+", self.cleaned_data["coverage"]) if c]
        bad = [c for c in codes if not REGION.match(c)]
        if bad:
            raise forms.ValidationError(
                _("Not a region code: %(codes)s") % {"codes": ", ".join(bad[:5])}
            )
        return codes


PLACEMENT = ErrorPlacement(
    code_fields={
        "duplicate_code": "code",
        "unknown_organisation": "org",
    },
    detail_fields={"org_id": "org"},
)


@needs("inventory.warehouse.create")
def warehouse_create(request: HttpRequest, actor: Actor) -> HttpResponse:
    form = WarehouseForm(request.POST or None, actor=actor)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        with form_errors(form, placement=PLACEMENT) as done:
            row = warehouses.create_warehouse(
                actor=actor,
                org_id=int(d["org"]),
                code=d["code"],
                name=d["name"],
                kind=d["kind"],
                district_code=d["district_code"] or "",
                coverage=d["coverage"],
            )
        if done:
            messages.success(request, _("Warehouse %(code)s created.") % {"code": row.code})
            if actor.can(VIEW):
                return redirect("inventory:warehouse-detail", row.pk)
            return redirect("inventory:home")
    return render(request, "inventory/warehouse_form.html", _page(actor, form=form))


@needs(VIEW)
def warehouse_detail(request: HttpRequest, actor: Actor, pk: int) -> HttpResponse:
    warehouse = selectors.get_warehouse(actor, pk)
    context: dict[str, Any] = {"warehouse": warehouse, "tabs": []}
    if actor.can("inventory.stock.view"):
        context["tabs"] = [("stock", _("Stock"))]
        context.update(
            STOCK.page(
                request,
                selectors.list_stock(actor, warehouse_id=pk),
                hide=("warehouse",),
            )
        )
    return render(request, "inventory/warehouse_detail.html", _page(actor, **context))
