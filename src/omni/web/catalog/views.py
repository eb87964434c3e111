"""Catalog pages: products (list, export, detail, create, edit, status), brands, categories.

Every page reads through `omni.catalog.selectors` (scoped by the actor's data scope) and
writes through `omni.catalog.services`, exactly like the JSON API. Without the page's
permission, or for an object outside the scope, the answer is 404.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from omni.catalog import selectors
from omni.catalog.services import products
from omni.catalog.states import STATUS_FLOW
from omni.kernel import audit
from omni.kernel.actors import Actor
from omni.kernel.errors import DomainError, NotFound
from omni.web.permissions import needs

from ..excel import xlsx_response
from ..listing import paginate, resolve_sort
from . import forms as f

View = Callable[..., HttpResponse]


def _sections(actor: Actor) -> list[tuple[str, Any, str]]:
    links = [
        ("products", gettext_lazy("Products"), "catalog.product.view", "catalog:products"),
        ("brands", gettext_lazy("Brands"), "catalog.brand.view", "catalog:brands"),
        ("categories", gettext_lazy("Categories"), "catalog.category.view", "catalog:categories"),
    ]
    return [(key, label, reverse(name)) for key, label, perm, name in links if actor.can(perm)]


def _page(actor: Actor, section: str, **context: Any) -> dict[str, Any]:
    return {"active": "catalog", "section": section, "sections": _sections(actor), **context}


# --- products -----------------------------------------------------------------------------

PRODUCT_SORTS = {
    "code": ("code",),
    "name": ("name", "code"),
    "brand": ("brand__name", "code"),
    "category": ("category__path", "code"),
    "status": ("status", "code"),
    "sku_count": ("sku_count", "code"),
    "updated_at": ("updated_at", "id"),
}
EXPORT_HEADERS = (
    gettext_lazy("Product code"),
    gettext_lazy("Product name"),
    gettext_lazy("Brand"),
    gettext_lazy("Category"),
    gettext_lazy("Base unit"),
    gettext_lazy("Spec attributes"),
    gettext_lazy("SKU count"),
    gettext_lazy("Status"),
    gettext_lazy("Batch tracking"),
    gettext_lazy("Expiry tracking"),
    gettext_lazy("Shelf life (days)"),
    gettext_lazy("Serial numbers"),
    gettext_lazy("Weighed goods"),
    gettext_lazy("Bundle (gift box)"),
    gettext_lazy("Updated at"),
)


def _products_filtered(request: HttpRequest, actor: Actor) -> tuple[f.ProductFilterForm, Any]:
    form = f.ProductFilterForm(request.GET or None, actor=actor)
    if form.is_bound:
        form.is_valid()  # invalid fields are shown on the page and left out of the filter
    return form, selectors.list_products(actor=actor, **form.filters())


@needs("catalog.product.view")
def product_list(request: HttpRequest, actor: Actor) -> HttpResponse:
    form, qs = _products_filtered(request, actor)
    sort = resolve_sort(request, PRODUCT_SORTS, default="code")
    listing = paginate(request, qs.order_by(*sort.order_by), sort=sort)
    return render(
        request,
        "catalog/product_list.html",
        _page(
            actor,
            "products",
            filter_form=form,
            listing=listing,
            export_url=reverse("catalog:product-export")
            if actor.can("catalog.product.export")
            else None,
            can_create=actor.can("catalog.product.create"),
        ),
    )


def _yes(flag: bool) -> str:
    return _("Yes") if flag else ""


@needs("catalog.product.export")
def product_export(request: HttpRequest, actor: Actor) -> HttpResponse:
    _form, qs = _products_filtered(request, actor)
    sort = resolve_sort(request, PRODUCT_SORTS, default="code")
    rows = (
        (
            p.code,
            p.name,
            p.brand.name if p.brand_id else "",
            p.category.name if p.category_id else "",
            p.base_unit.name,
            f.spec_to_text(p.spec_dict).replace("\n", "; "),
            p.sku_count,
            p.get_status_display(),
            _yes(p.track_batch),
            _yes(p.track_expiry),
            p.shelf_life_days,
            _yes(p.track_serial),
            _yes(p.weighed),
            _yes(p.is_bundle),
            p.updated_at,
        )
        for p in qs.order_by(*sort.order_by).iterator(chunk_size=2000)
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return xlsx_response(
        filename=f"{_('Products')}-{stamp}.xlsx",
        sheet_title=_("Products"),
        headers=[str(h) for h in EXPORT_HEADERS],
        rows=rows,
    )


@needs("catalog.product.view")
def product_detail(request: HttpRequest, actor: Actor, pk: int) -> HttpResponse:
    product = selectors.get_product(actor=actor, product_id=pk)
    skus = list(product.skus.all())
    barcodes = [b for s in skus for b in s.barcodes.all()]
    conversions = [c for s in skus for c in s.conversions.all()]
    bundle_items = [i for s in skus for i in s.bundle_items.all()]
    tabs = [
        ("skus", gettext_lazy("SKUs")),
        ("barcodes", gettext_lazy("Barcodes")),
        ("units", gettext_lazy("Units")),
    ]
    if product.is_bundle or bundle_items:
        tabs.append(("bundle", gettext_lazy("Bundle items")))
    can_edit = actor.can("catalog.product.edit")
    status_action = next(iter(STATUS_FLOW.allowed_actions(product.status)), None)
    return render(
        request,
        "catalog/product_detail.html",
        _page(
            actor,
            "products",
            product=product,
            skus=skus,
            barcodes=barcodes,
            conversions=conversions,
            bundle_items=bundle_items,
            tabs=tabs,
            history=audit.history_rows("catalog.product", product.pk),
            can_edit=can_edit,
            status_action=status_action if can_edit else None,
            breadcrumbs=[
                (gettext_lazy("Products"), reverse("catalog:products")),
                (product.code, None),
            ],
        ),
    )


@needs("catalog.product.create")
def product_create(request: HttpRequest, actor: Actor) -> HttpResponse:
    form = f.ProductForm(request.POST or None, actor=actor)
    if request.method == "POST" and form.is_valid():
        try:
            product = products.create_product(
                actor=actor, org_id=int(form.cleaned_data["org"]), **form.service_kwargs()
            )
        except DomainError as err:
            f.add_domain_error(form, err)
        else:
            messages.success(
                request,
                _("Product %(code)s created with %(n)d SKUs.")
                % {"code": product.code, "n": product.skus.count()},
            )
            return redirect("catalog:product-detail", product.pk)
    return render(
        request,
        "catalog/product_form.html",
        _page(
            actor,
            "products",
            form=form,
            editing=False,
            breadcrumbs=[
                (gettext_lazy("Products"), reverse("catalog:products")),
                (_("New"), None),
            ],
        ),
    )


@needs("catalog.product.edit")
def product_edit(request: HttpRequest, actor: Actor, pk: int) -> HttpResponse:
    product = selectors.get_product(actor=actor, product_id=pk)
    initial = {
        "org": str(product.org_id),
        "code": product.code,
        "name": product.name,
        "brand": str(product.brand_id or ""),
        "category": str(product.category_id or ""),
        "base_unit": str(product.base_unit_id),
        "spec": f.spec_to_text(product.spec_dict),
        "description": product.description,
        "track_batch": product.track_batch,
        "track_expiry": product.track_expiry,
        "shelf_life_days": product.shelf_life_days,
        "track_serial": product.track_serial,
        "weighed": product.weighed,
        "is_bundle": product.is_bundle,
    }
    form = f.ProductForm(request.POST or None, actor=actor, editing=True, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            # Unchanged values are no-ops in the service (no audit row, no new SKUs).
            products.update_product(actor=actor, product_id=product.pk, **form.service_kwargs())
        except DomainError as err:
            f.add_domain_error(form, err)
        else:
            messages.success(request, _("Product %(code)s saved.") % {"code": form["code"].value()})
            return redirect("catalog:product-detail", product.pk)
    return render(
        request,
        "catalog/product_form.html",
        _page(
            actor,
            "products",
            form=form,
            editing=True,
            product=product,
            breadcrumbs=[
                (gettext_lazy("Products"), reverse("catalog:products")),
                (product.code, reverse("catalog:product-detail", args=[product.pk])),
                (_("Edit"), None),
            ],
        ),
    )


@require_POST
@needs("catalog.product.edit")
def product_status(request: HttpRequest, actor: Actor, pk: int) -> HttpResponse:
    status = request.POST.get("status", "")
    try:
        products.set_product_status(
            actor=actor, product_id=pk, status=status, reason=request.POST.get("reason", "")[:500]
        )
    except NotFound:
        raise
    except DomainError as err:
        messages.error(request, str(err.message))
    else:
        messages.success(request, _("Status changed."))
    return redirect("catalog:product-detail", pk)


# --- brands and categories ----------------------------------------------------------------

BRAND_SORTS = {
    "code": ("code",),
    "name": ("name", "code"),
    "product_count": ("product_count", "code"),
    "created_at": ("created_at", "id"),
}


@needs("catalog.brand.view")
def brand_list(request: HttpRequest, actor: Actor) -> HttpResponse:
    form = f.SearchForm(request.GET or None)
    search = (form.cleaned_data.get("search") or "") if form.is_valid() else ""
    qs = selectors.list_brands(actor=actor, search=search.strip())
    sort = resolve_sort(request, BRAND_SORTS, default="code")
    listing = paginate(request, qs.order_by(*sort.order_by), sort=sort)
    return render(
        request,
        "catalog/brand_list.html",
        _page(actor, "brands", filter_form=form, listing=listing),
    )


@needs("catalog.category.view")
def category_list(request: HttpRequest, actor: Actor) -> HttpResponse:
    form = f.SearchForm(request.GET or None)
    search = (form.cleaned_data.get("search") or "") if form.is_valid() else ""
    qs = selectors.list_categories(actor=actor, search=search.strip())
    listing = paginate(request, qs, per_page_choices=(100, 200, 500))
    return render(
        request,
        "catalog/category_list.html",
        _page(actor, "categories", filter_form=form, listing=listing),
    )
