"""Catalog pages: products (list, export, detail, create, edit, status) and, on the
detail page, barcodes, unit conversions, bundle items and SKU status. Brands, categories and
units are in `reference.py`, authorisation rules in `authorisation.py`.

Every page reads through `omni.catalog.selectors` (scoped by the actor's data scope) and
writes through `omni.catalog.services`, exactly like the JSON API. Without the page's
permission, or for an object outside the scope, the answer is 404.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from omni.catalog import selectors
from omni.catalog.services import barcodes, products
from omni.catalog.states import STATUS_FLOW
from omni.kernel.actors import Actor
from omni.web import audit_display
from omni.web.outcomes import flash_errors
from omni.web.permissions import needs

from . import forms as f
from .common import page as _page

View = Callable[..., HttpResponse]


# --- products (the list and its export are in lists.py) ------------------------------------


@needs("catalog.product.view")
def product_detail(request: HttpRequest, actor: Actor, pk: int) -> HttpResponse:
    product = selectors.get_product(actor=actor, product_id=pk)
    skus = list(product.skus.all())
    can_edit = actor.can("catalog.product.edit")
    bound: dict[str, Any] = {}
    if request.method == "POST":
        if not can_edit:
            raise Http404
        response = _detail_post(request, actor, product, skus, bound)
        if response is not None:
            return response
    barcode_rows = [b for s in skus for b in s.barcodes.all()]
    conversions = [c for s in skus for c in s.conversions.all()]
    bundle_items = [i for s in skus for i in s.bundle_items.all()]
    tabs = [
        ("skus", gettext_lazy("SKUs")),
        ("barcodes", gettext_lazy("Barcodes")),
        ("units", gettext_lazy("Units")),
    ]
    show_bundle = product.is_bundle or bool(bundle_items) or bound.get("open_tab") == "bundle"
    if show_bundle:
        tabs.append(("bundle", gettext_lazy("Bundle items")))
    status_action = next(iter(STATUS_FLOW.allowed_actions(product.status)), None)
    context: dict[str, Any] = {}
    if can_edit:
        context = {
            "barcode_form": bound.get("barcode") or _barcode_form(product, skus),
            "conversion_form": bound.get("conversion") or _conversion_form(actor, product, skus),
            "bundle_form": bound.get("bundle") or f.BundleItemForm(actor=actor, skus=skus),
            "component_options": _component_options(actor) if product.is_bundle else [],
        }
    return render(
        request,
        "catalog/product_detail.html",
        _page(
            actor,
            "products",
            product=product,
            skus=skus,
            barcodes=barcode_rows,
            conversions=conversions,
            bundle_items=bundle_items,
            tabs=tabs,
            show_bundle=show_bundle,
            open_tab=bound.get("open_tab"),
            history=audit_display.history_rows("catalog.product", product.pk),
            can_edit=can_edit,
            status_action=status_action if can_edit else None,
            breadcrumbs=[
                (gettext_lazy("Products"), reverse("catalog:products")),
                (product.code, None),
            ],
            **context,
        ),
    )


def _barcode_form(product: Any, skus: list[Any], data: Any = None) -> f.BarcodeForm:
    return f.BarcodeForm(data, product=product, skus=skus)


def _conversion_form(
    actor: Actor, product: Any, skus: list[Any], data: Any = None
) -> f.ConversionForm:
    # Units are shared reference data; without the right to list them, offer those in use.
    if actor.can("catalog.unit.view"):
        units = list(selectors.list_units(actor=actor))
    else:
        units = list({c.unit_id: c.unit for s in skus for c in s.conversions.all()}.values())
    return f.ConversionForm(data, product=product, skus=skus, units=units)


COMPONENT_SUGGESTIONS = 300


def _component_options(actor: Actor) -> list[tuple[str, str]]:
    qs = selectors.list_skus(actor=actor, status="active").values_list("code", "name")
    return list(qs[:COMPONENT_SUGGESTIONS])


def _sku_of(skus: list[Any], value: Any) -> Any:
    """The product's SKU with this id (from the POST), else 404: a SKU of another product
    is not changed through this page."""
    pk = f.int_or_none(value)
    for sku in skus:
        if sku.pk == pk:
            return sku
    raise Http404


def _detail_post(
    request: HttpRequest, actor: Actor, product: Any, skus: list[Any], bound: dict[str, Any]
) -> HttpResponse | None:
    """One change from a form of the detail page. Success: a flash message and a redirect to
    the tab. A form error: None, with the bound form in `bound` for the page to show."""
    op = request.POST.get("op", "")
    url = reverse("catalog:product-detail", args=[product.pk])
    if op in ("barcode", "conversion", "bundle"):
        forms_by_op: dict[str, Callable[[], Any]] = {
            "barcode": lambda: _barcode_form(product, skus, request.POST),
            "conversion": lambda: _conversion_form(actor, product, skus, request.POST),
            "bundle": lambda: f.BundleItemForm(request.POST, actor=actor, skus=skus),
        }
        form = forms_by_op[op]()
        tab = {"barcode": "barcodes", "conversion": "units", "bundle": "bundle"}[op]
        bound[op], bound["open_tab"] = form, tab
        if form.is_valid():
            with f.form_errors(form) as done:
                message = _apply_form(actor, op, form.cleaned_data, skus)
            if done:
                messages.success(request, message)
                return redirect(f"{url}#{tab}")
        return None
    removals = {
        "barcode-remove": _remove_barcode,
        "conversion-remove": _remove_conversion,
        "bundle-remove": _remove_bundle_item,
        "sku-status": _sku_status,
    }
    if op not in removals:
        return redirect(url)
    tab = {"barcode-remove": "barcodes", "conversion-remove": "units"}.get(op)
    tab = tab or ("bundle" if op == "bundle-remove" else "skus")
    with flash_errors(request, not_found_is_404=True) as ok:
        message = removals[op](actor, request.POST, skus)
    if ok:
        messages.success(request, message)
    return redirect(f"{url}#{tab}")


def _apply_form(actor: Actor, op: str, d: dict[str, Any], skus: list[Any]) -> str:
    if op == "barcode":
        sku = _sku_of(skus, d["sku"])
        barcode = barcodes.add_barcode(
            actor=actor,
            sku_id=sku.pk,
            code=d["code"],
            unit_id=f.int_or_none(d["unit"]),
            is_primary=d["is_primary"],
        )
        return _("Barcode %(code)s added to %(sku)s.") % {"code": barcode.code, "sku": sku.code}
    if op == "conversion":
        sku = _sku_of(skus, d["sku"])
        conv = barcodes.set_unit_conversion(
            actor=actor, sku_id=sku.pk, unit_id=int(d["unit"]), factor=d["factor"]
        )
        return _("%(sku)s: 1 %(unit)s = %(factor)s base units.") % {
            "sku": sku.code,
            "unit": conv.unit.name,
            "factor": conv.factor_display,
        }
    bundle = _sku_of(skus, d["bundle"])
    items = [(i.component_id, i.quantity) for i in bundle.bundle_items.all()]
    barcodes.set_bundle_items(
        actor=actor, bundle_sku_id=bundle.pk, items=[*items, (d["component"], d["quantity"])]
    )
    return _("Bundle item added to %(sku)s.") % {"sku": bundle.code}


def _remove_barcode(actor: Actor, data: Any, skus: list[Any]) -> str:
    pk = f.int_or_none(data.get("barcode"))
    barcode = next((b for s in skus for b in s.barcodes.all() if b.pk == pk), None)
    if barcode is None:
        raise Http404
    barcodes.remove_barcode(actor=actor, barcode_id=barcode.pk)
    return _("Barcode %(code)s removed.") % {"code": barcode.code}


def _remove_conversion(actor: Actor, data: Any, skus: list[Any]) -> str:
    sku = _sku_of(skus, data.get("sku"))
    unit_id = f.int_or_none(data.get("unit"))
    conv = next((c for c in sku.conversions.all() if c.unit_id == unit_id), None)
    if conv is None:
        raise Http404
    barcodes.remove_unit_conversion(actor=actor, sku_id=sku.pk, unit_id=conv.unit_id)
    return _("%(sku)s: the conversion for %(unit)s was removed.") % {
        "sku": sku.code,
        "unit": conv.unit.name,
    }


def _remove_bundle_item(actor: Actor, data: Any, skus: list[Any]) -> str:
    bundle = _sku_of(skus, data.get("bundle"))
    component_id = f.int_or_none(data.get("component"))
    items = list(bundle.bundle_items.all())
    if component_id not in {i.component_id for i in items}:
        raise Http404
    rest = [(i.component_id, i.quantity) for i in items if i.component_id != component_id]
    barcodes.set_bundle_items(actor=actor, bundle_sku_id=bundle.pk, items=rest)
    return _("Bundle item removed from %(sku)s.") % {"sku": bundle.code}


def _sku_status(actor: Actor, data: Any, skus: list[Any]) -> str:
    sku = _sku_of(skus, data.get("sku"))
    status = data.get("status", "")
    products.set_sku_status(
        actor=actor, sku_id=sku.pk, status=status, reason=data.get("reason", "")[:500]
    )
    return _("%(sku)s: status changed.") % {"sku": sku.code}


@needs("catalog.product.create")
def product_create(request: HttpRequest, actor: Actor) -> HttpResponse:
    form = f.ProductForm(request.POST or None, actor=actor)
    if request.method == "POST" and form.is_valid():
        with f.form_errors(form) as done:
            product = products.create_product(
                actor=actor, org_id=int(form.cleaned_data["org"]), **form.service_kwargs()
            )
        if done:
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
        with f.form_errors(form) as done:
            # Unchanged values are no-ops in the service (no audit row, no new SKUs).
            products.update_product(actor=actor, product_id=product.pk, **form.service_kwargs())
        if done:
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
    with flash_errors(request, _("Status changed."), not_found_is_404=True):
        products.set_product_status(
            actor=actor, product_id=pk, status=status, reason=request.POST.get("reason", "")[:500]
        )
    return redirect("catalog:product-detail", pk)
