"""Catalog reference data pages: brands, the category tree and units of measure.

Each is a list with an editor card under it: the "new" form by default, the "edit" form on
``…/<pk>/edit/``. Forms post to their own URL (create / edit permission, else 404); on
success a flash message and a redirect to the list, on a service error the list again with
the error on its field and nothing written.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from omni.catalog import selectors
from omni.catalog.services import brands, categories, units
from omni.kernel.actors import Actor
from omni.kernel.errors import DomainError
from omni.web.permissions import needs

from ..listing import paginate, resolve_sort
from . import forms as f
from .common import also_needs, page

# --- brands -------------------------------------------------------------------------------

BRAND_SORTS = {
    "code": ("code",),
    "name": ("name", "code"),
    "product_count": ("product_count", "code"),
    "created_at": ("created_at", "id"),
}


def _brand_page(
    request: HttpRequest, actor: Actor, form: f.BrandForm | None, editing: Any = None
) -> HttpResponse:
    search_form = f.SearchForm(request.GET or None)
    search = (search_form.cleaned_data.get("search") or "") if search_form.is_valid() else ""
    qs = selectors.list_brands(actor=actor, search=search.strip())
    sort = resolve_sort(request, BRAND_SORTS, default="code")
    listing = paginate(request, qs.order_by(*sort.order_by), sort=sort)
    if form is None and not editing and actor.can("catalog.brand.create"):
        form = f.BrandForm(actor=actor)
    return render(
        request,
        "catalog/brand_list.html",
        page(
            actor,
            "brands",
            filter_form=search_form,
            listing=listing,
            form=form,
            editing=editing,
            can_edit=actor.can("catalog.brand.edit"),
            form_action=reverse("catalog:brand-edit", args=[editing.pk])
            if editing
            else reverse("catalog:brand-create"),
        ),
    )


@needs("catalog.brand.view")
def brand_list(request: HttpRequest, actor: Actor) -> HttpResponse:
    return _brand_page(request, actor, None)


@needs("catalog.brand.create")
def brand_create(request: HttpRequest, actor: Actor) -> HttpResponse:
    also_needs(actor, "catalog.brand.view")
    form = f.BrandForm(request.POST or None, actor=actor)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            brand = brands.create_brand(
                actor=actor, org_id=int(d["org"]), code=d["code"], name=d["name"]
            )
        except DomainError as err:
            f.add_domain_error(form, err)
        else:
            messages.success(request, _("Brand %(code)s created.") % {"code": brand.code})
            return redirect("catalog:brands")
    return _brand_page(request, actor, form)


@needs("catalog.brand.edit")
def brand_edit(request: HttpRequest, actor: Actor, pk: int) -> HttpResponse:
    also_needs(actor, "catalog.brand.view")
    brand = selectors.get_brand(actor=actor, brand_id=pk)
    initial = {"org": str(brand.org_id), "code": brand.code, "name": brand.name}
    form = f.BrandForm(request.POST or None, actor=actor, editing=True, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            brand = brands.update_brand(
                actor=actor, brand_id=brand.pk, code=d["code"], name=d["name"]
            )
        except DomainError as err:
            f.add_domain_error(form, err)
        else:
            messages.success(request, _("Brand %(code)s saved.") % {"code": brand.code})
            return redirect("catalog:brands")
    return _brand_page(request, actor, form, editing=brand)


# --- categories ---------------------------------------------------------------------------


def _category_page(
    request: HttpRequest, actor: Actor, form: f.CategoryForm | None, editing: Any = None
) -> HttpResponse:
    search_form = f.SearchForm(request.GET or None)
    search = (search_form.cleaned_data.get("search") or "") if search_form.is_valid() else ""
    qs = selectors.list_categories(actor=actor, search=search.strip())
    listing = paginate(request, qs, per_page_choices=(100, 200, 500))
    if form is None and not editing and actor.can("catalog.category.create"):
        form = f.CategoryForm(actor=actor)
    return render(
        request,
        "catalog/category_list.html",
        page(
            actor,
            "categories",
            filter_form=search_form,
            listing=listing,
            form=form,
            editing=editing,
            can_edit=actor.can("catalog.category.edit"),
            form_action=reverse("catalog:category-edit", args=[editing.pk])
            if editing
            else reverse("catalog:category-create"),
        ),
    )


@needs("catalog.category.view")
def category_list(request: HttpRequest, actor: Actor) -> HttpResponse:
    return _category_page(request, actor, None)


@needs("catalog.category.create")
def category_create(request: HttpRequest, actor: Actor) -> HttpResponse:
    also_needs(actor, "catalog.category.view")
    form = f.CategoryForm(request.POST or None, actor=actor, initial=_parent_initial(request))
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            category = categories.create_category(
                actor=actor,
                org_id=int(d["org"]),
                code=d["code"],
                name=d["name"],
                parent_id=form.parent_id,
            )
        except DomainError as err:
            f.add_domain_error(form, err)
        else:
            messages.success(request, _("Category %(code)s created.") % {"code": category.code})
            return redirect("catalog:categories")
    return _category_page(request, actor, form)


def _parent_initial(request: HttpRequest) -> dict[str, Any]:
    """``?parent=<id>`` (the "add subcategory" link) preselects the parent."""
    parent = f.int_or_none(request.GET.get("parent"))
    return {"parent": str(parent)} if parent else {}


@needs("catalog.category.edit")
def category_edit(request: HttpRequest, actor: Actor, pk: int) -> HttpResponse:
    """Rename (code, name) and move (parent) a category; a move takes its subtree along."""
    also_needs(actor, "catalog.category.view")
    category = selectors.get_category(actor=actor, category_id=pk)
    initial = {
        "org": str(category.org_id),
        "code": category.code,
        "name": category.name,
        "parent": str(category.parent_id or ""),
    }
    form = f.CategoryForm(request.POST or None, actor=actor, editing=True, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            category = categories.update_category(
                actor=actor,
                category_id=category.pk,
                code=d["code"],
                name=d["name"],
                parent_id=form.parent_id,
            )
        except DomainError as err:
            f.add_domain_error(form, err)
        else:
            messages.success(request, _("Category %(code)s saved.") % {"code": category.code})
            return redirect("catalog:categories")
    return _category_page(request, actor, form, editing=category)


# --- units --------------------------------------------------------------------------------

UNIT_SORTS = {"code": ("code",), "name": ("name", "code"), "created_at": ("created_at", "id")}


def _unit_page(
    request: HttpRequest, actor: Actor, form: f.UnitForm | None, editing: Any = None
) -> HttpResponse:
    search_form = f.SearchForm(request.GET or None)
    search = (search_form.cleaned_data.get("search") or "") if search_form.is_valid() else ""
    qs = selectors.list_units(actor=actor)
    if search.strip():
        qs = qs.filter(Q(code__icontains=search.strip()) | Q(name__icontains=search.strip()))
    sort = resolve_sort(request, UNIT_SORTS, default="code")
    qs = qs.order_by(*sort.order_by)
    listing = paginate(request, qs, sort=sort, per_page_choices=(50, 100, 200))
    if form is None and not editing and actor.can("catalog.unit.create"):
        form = f.UnitForm()
    return render(
        request,
        "catalog/unit_list.html",
        page(
            actor,
            "units",
            filter_form=search_form,
            listing=listing,
            form=form,
            editing=editing,
            can_edit=actor.can("catalog.unit.edit"),
            form_action=reverse("catalog:unit-edit", args=[editing.pk])
            if editing
            else reverse("catalog:unit-create"),
        ),
    )


@needs("catalog.unit.view")
def unit_list(request: HttpRequest, actor: Actor) -> HttpResponse:
    return _unit_page(request, actor, None)


@needs("catalog.unit.create")
def unit_create(request: HttpRequest, actor: Actor) -> HttpResponse:
    also_needs(actor, "catalog.unit.view")
    form = f.UnitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            unit = units.create_unit(
                actor=actor, code=d["code"], name=d["name"], allows_fraction=d["allows_fraction"]
            )
        except DomainError as err:
            f.add_domain_error(form, err)
        else:
            messages.success(request, _("Unit %(code)s created.") % {"code": unit.code})
            return redirect("catalog:units")
    return _unit_page(request, actor, form)


@needs("catalog.unit.edit")
def unit_edit(request: HttpRequest, actor: Actor, pk: int) -> HttpResponse:
    also_needs(actor, "catalog.unit.view")
    unit = selectors.get_unit(actor=actor, unit_id=pk)
    initial = {"code": unit.code, "name": unit.name, "allows_fraction": unit.allows_fraction}
    form = f.UnitForm(request.POST or None, editing=True, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            unit = units.update_unit(
                actor=actor, unit_id=unit.pk, name=d["name"], allows_fraction=d["allows_fraction"]
            )
        except DomainError as err:
            f.add_domain_error(form, err)
        else:
            messages.success(request, _("Unit %(code)s saved.") % {"code": unit.code})
            return redirect("catalog:units")
    return _unit_page(request, actor, form, editing=unit)
