"""Catalog reference data pages: brands, the category tree and units of measure.

Each is a list with an editor card under it: the "new" form by default, the "edit" form on
``…/<pk>/edit/``. Forms post to their own URL (create / edit permission, else 404); on
success a flash message and a redirect to the list, on a service error the list again with
the error on its field and nothing written. The three are one generic page (`Reference`
describes what differs: list, form, services, messages).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from omni.catalog import selectors
from omni.catalog.services import brands, categories, units
from omni.kernel.actors import Actor
from omni.web.permissions import needs

from ..listing import paginate
from ..tables import Column, Table, badge, created_at
from . import filters as ff
from . import forms as f
from .common import also_needs, page

# --- the lists ------------------------------------------------------------------------------

BRANDS = Table(
    "catalog.brands",
    title=gettext_lazy("Brands"),
    default_sort="code",
    row_attrs=lambda b: {"data-code": b.code},
    columns=[
        Column(
            "code", gettext_lazy("Brand code"), "code", sort=("code",), format="code", css="nowrap"
        ),
        Column("name", gettext_lazy("Brand name"), "name", sort=("name", "code")),
        Column(
            "product_count",
            gettext_lazy("Products"),
            "product_count",
            sort=("product_count", "code"),
            link=lambda b: f"{reverse('catalog:products')}?brand={b.pk}",
        ),
        Column(
            "status",
            gettext_lazy("Status"),
            "is_active",
            html=lambda b: (
                badge("active", _("Active")) if b.is_active else badge("inactive", _("Inactive"))
            ),
        ),
        created_at(),
    ],
)

UNITS = Table(
    "catalog.units",
    title=gettext_lazy("Units of measure"),
    default_sort="code",
    per_page_choices=(50, 100, 200),
    row_attrs=lambda u: {"data-code": u.code},
    columns=[
        Column(
            "code", gettext_lazy("Unit code"), "code", sort=("code",), format="code", css="nowrap"
        ),
        Column("name", gettext_lazy("Unit name"), "name", sort=("name", "code")),
        Column(
            "allows_fraction",
            gettext_lazy("Fractions"),
            lambda u: _("Yes") if u.allows_fraction else None,
        ),
        created_at(),
    ],
)


@dataclass(frozen=True)
class Reference:
    """One kind of reference data. `kind` names its permissions (``catalog.<kind>.view`` /
    ``.create`` / ``.edit``), its template (``catalog/<kind>_list.html``) and its URLs
    (``catalog:<kind>-create``, ``catalog:<kind>-edit``); `section` its list URL."""

    kind: str
    section: str
    form: Callable[..., Any]  # (data, *, actor, editing=False, initial=...) -> form
    rows: Callable[[Actor, str], Any]  # (actor, search) -> the list's queryset
    get: Callable[[Actor, int], Any]
    initial: Callable[[Any], dict[str, Any]]  # the edit form's initial values
    create: Callable[[Actor, Any], Any]  # (actor, valid form) -> the new object
    update: Callable[[Actor, Any, Any], Any]  # (actor, object, valid form) -> the object
    created: Any  # "… %(code)s created."
    saved: Any  # "… %(code)s saved."
    table: Table | None = None  # None: the template draws the rows itself (the tree)
    create_initial: Callable[[HttpRequest], dict[str, Any]] = field(default=lambda request: {})

    def perm(self, action: str) -> str:
        return f"catalog.{self.kind}.{action}"


def _page(
    request: HttpRequest, actor: Actor, ref: Reference, form: Any, editing: Any = None
) -> HttpResponse:
    search_form = ff.SearchForm(request.GET or None)
    search = (search_form.cleaned_data.get("search") or "") if search_form.is_valid() else ""
    qs = ref.rows(actor, search.strip())
    if form is None and not editing and actor.can(ref.perm("create")):
        form = ref.form(None, actor=actor)
    can_edit = actor.can(ref.perm("edit"))
    if ref.table is None:
        listing: dict[str, Any] = {
            "listing": paginate(request, qs, per_page_choices=(100, 200, 500))
        }
    else:
        listing = ref.table.page(
            request,
            qs,
            selected=editing.pk if editing else None,
            row_actions="web/components/row_edit.html" if can_edit else None,
        )
        listing["row_edit_url"] = f"catalog:{ref.kind}-edit"
    return render(
        request,
        f"catalog/{ref.kind}_list.html",
        page(
            actor,
            ref.section,
            **listing,
            filter_form=search_form,
            form=form,
            editing=editing,
            can_edit=can_edit,
            form_action=reverse(f"catalog:{ref.kind}-edit", args=[editing.pk])
            if editing
            else reverse(f"catalog:{ref.kind}-create"),
        ),
    )


def _save(
    request: HttpRequest, ref: Reference, form: Any, write: Callable[[], Any], done: Any
) -> HttpResponse | None:
    """Run `write` for a valid posted form: the list with the flash message `done`, or None
    (the form was not valid, or now carries the service's error)."""
    if request.method != "POST" or not form.is_valid():
        return None
    with f.form_errors(form) as ok:
        obj = write()
    if not ok:
        return None
    messages.success(request, done % {"code": obj.code})
    return redirect(f"catalog:{ref.section}")


def views(ref: Reference) -> tuple[Callable[..., HttpResponse], ...]:
    """The list, create and edit views of one kind of reference data."""

    @needs(ref.perm("view"))
    def list_view(request: HttpRequest, actor: Actor) -> HttpResponse:
        return _page(request, actor, ref, None)

    @needs(ref.perm("create"))
    def create_view(request: HttpRequest, actor: Actor) -> HttpResponse:
        also_needs(actor, ref.perm("view"))
        form = ref.form(request.POST or None, actor=actor, initial=ref.create_initial(request))
        saved = _save(request, ref, form, lambda: ref.create(actor, form), ref.created)
        return saved or _page(request, actor, ref, form)

    @needs(ref.perm("edit"))
    def edit_view(request: HttpRequest, actor: Actor, pk: int) -> HttpResponse:
        also_needs(actor, ref.perm("view"))
        obj = ref.get(actor, pk)
        form = ref.form(request.POST or None, actor=actor, editing=True, initial=ref.initial(obj))
        saved = _save(request, ref, form, lambda: ref.update(actor, obj, form), ref.saved)
        return saved or _page(request, actor, ref, form, editing=obj)

    return list_view, create_view, edit_view


# --- the three kinds --------------------------------------------------------------------------


def _parent_initial(request: HttpRequest) -> dict[str, Any]:
    """``?parent=<id>`` (the "add subcategory" link) preselects the parent."""
    parent = f.int_or_none(request.GET.get("parent"))
    return {"parent": str(parent)} if parent else {}


def _units(actor: Actor, search: str) -> Any:
    qs = selectors.list_units(actor=actor)
    return qs.filter(Q(code__icontains=search) | Q(name__icontains=search)) if search else qs


BRAND = Reference(
    kind="brand",
    section="brands",
    table=BRANDS,
    form=f.BrandForm,
    rows=lambda actor, search: selectors.list_brands(actor=actor, search=search),
    get=lambda actor, pk: selectors.get_brand(actor=actor, brand_id=pk),
    initial=lambda b: {"org": str(b.org_id), "code": b.code, "name": b.name},
    create=lambda actor, form: brands.create_brand(
        actor=actor,
        org_id=int(form.cleaned_data["org"]),
        code=form.cleaned_data["code"],
        name=form.cleaned_data["name"],
    ),
    update=lambda actor, b, form: brands.update_brand(
        actor=actor, brand_id=b.pk, code=form.cleaned_data["code"], name=form.cleaned_data["name"]
    ),
    created=gettext_lazy("Brand %(code)s created."),
    saved=gettext_lazy("Brand %(code)s saved."),
)

# rename (code, name) and move (parent) a category; a move takes its subtree along
CATEGORY = Reference(
    kind="category",
    section="categories",
    form=f.CategoryForm,
    create_initial=_parent_initial,
    rows=lambda actor, search: selectors.list_categories(actor=actor, search=search),
    get=lambda actor, pk: selectors.get_category(actor=actor, category_id=pk),
    initial=lambda c: {
        "org": str(c.org_id),
        "code": c.code,
        "name": c.name,
        "parent": str(c.parent_id or ""),
    },
    create=lambda actor, form: categories.create_category(
        actor=actor,
        org_id=int(form.cleaned_data["org"]),
        code=form.cleaned_data["code"],
        name=form.cleaned_data["name"],
        parent_id=form.parent_id,
    ),
    update=lambda actor, c, form: categories.update_category(
        actor=actor,
        category_id=c.pk,
        code=form.cleaned_data["code"],
        name=form.cleaned_data["name"],
        parent_id=form.parent_id,
    ),
    created=gettext_lazy("Category %(code)s created."),
    saved=gettext_lazy("Category %(code)s saved."),
)

UNIT = Reference(
    kind="unit",
    section="units",
    table=UNITS,
    form=lambda data=None, *, actor, **kwargs: f.UnitForm(data, **kwargs),
    rows=_units,
    get=lambda actor, pk: selectors.get_unit(actor=actor, unit_id=pk),
    initial=lambda u: {"code": u.code, "name": u.name, "allows_fraction": u.allows_fraction},
    create=lambda actor, form: units.create_unit(
        actor=actor,
        code=form.cleaned_data["code"],
        name=form.cleaned_data["name"],
        allows_fraction=form.cleaned_data["allows_fraction"],
    ),
    update=lambda actor, u, form: units.update_unit(
        actor=actor,
        unit_id=u.pk,
        name=form.cleaned_data["name"],
        allows_fraction=form.cleaned_data["allows_fraction"],
    ),
    created=gettext_lazy("Unit %(code)s created."),
    saved=gettext_lazy("Unit %(code)s saved."),
)

brand_list, brand_create, brand_edit = views(BRAND)
category_list, category_create, category_edit = views(CATEGORY)
unit_list, unit_create, unit_edit = views(UNIT)
