"""Catalog lists declared once as Tables (web/tables.py): products. The page, its sort,
saved filters and the Excel export come from the declaration."""

from __future__ import annotations

from functools import partial
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _

from omni.catalog import selectors
from omni.kernel.actors import Actor
from omni.web.permissions import needs

from ..tables import (
    Column,
    ListPage,
    Table,
    detail_link,
    filtered_by,
    join,
    link,
    status_badge,
    tags,
    timestamp,
)
from . import filters as ff
from . import forms as f
from .common import page as _page

_product_url = detail_link("catalog:product-detail")


def _yes(flag: bool) -> str:
    return str(_("Yes")) if flag else ""


def _flag(key: str, label: Any, field: str) -> Column:
    """A yes/blank column of the export only."""
    return Column(key, label, field, export=lambda p: _yes(getattr(p, field)), page=False)


PRODUCTS = Table(
    "catalog.products",
    title=_("Products"),
    default_sort="code",
    row_attrs=lambda p: {"data-code": p.code},
    columns=[
        Column("code", _("Product code"), "code", sort=("code",), link=_product_url, css="nowrap"),
        Column(
            "name",
            _("Product name"),
            "name",
            sort=("name", "code"),
            html=lambda p: join(link(_product_url(p), p.name), p.is_bundle and tags([_("Bundle")])),
        ),
        Column("brand", _("Brand"), "brand.name", sort=("brand__name", "code")),
        Column("category", _("Category"), "category.name", sort=("category__path", "code")),
        Column("base_unit", _("Base unit"), "base_unit.name"),
        Column(
            "spec",
            _("Spec attributes"),
            lambda p: f.spec_to_text(p.spec_dict).replace("\n", "; "),
            page=False,
        ),
        Column("sku_count", _("SKU count"), "sku_count", sort=("sku_count", "code")),
        Column(
            "status", _("Status"), "get_status_display", sort=("status", "code"), html=status_badge
        ),
        _flag("track_batch", _("Batch tracking"), "track_batch"),
        _flag("track_expiry", _("Expiry tracking"), "track_expiry"),
        Column("shelf_life_days", _("Shelf life (days)"), "shelf_life_days", page=False),
        _flag("track_serial", _("Serial numbers"), "track_serial"),
        _flag("weighed", _("Weighed goods"), "weighed"),
        _flag("is_bundle", _("Bundle (gift box)"), "is_bundle"),
        timestamp("updated_at", _("Updated at")),
    ],
)


PRODUCT_LIST = ListPage(
    PRODUCTS,
    "catalog/product_list.html",
    filtered_by(
        ff.ProductFilterForm,
        lambda actor, form: selectors.list_products(actor=actor, filters=form.filters()),
    ),
    page=partial(_page, section="products"),
    export=("catalog.product.export", "catalog:product-export"),
    create="catalog.product.create",
)
product_export = needs("catalog.product.export")(PRODUCT_LIST.export_view)


@needs("catalog.product.view", "catalog.authorisation.view")
def product_list(request: HttpRequest, actor: Actor) -> HttpResponse:
    """The entry page of 商品; users who may only see authorisation rules land there."""
    if not actor.can("catalog.product.view"):
        return redirect("catalog:authorisation")
    return PRODUCT_LIST.view(request, actor)
