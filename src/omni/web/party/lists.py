"""Party lists: customers, dealer applications, suppliers, each declared once as a Table
(web/tables.py): the page, its sort, saved filters and the Excel export come from it."""

from __future__ import annotations

from functools import partial
from typing import Any

from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from omni.kernel.actors import Actor
from omni.party import importers as party_io
from omni.party import selectors
from omni.web.permissions import needs, needs_all

from ..tables import (
    Column,
    ListPage,
    Table,
    badge,
    created_at,
    detail_link,
    filtered_by,
    join,
    link,
    muted,
    status_badge,
)
from . import filters as ff
from . import forms as f
from .common import PARTY_AREA, _int, _page, _place, _sections, application_number

# --- customers ----------------------------------------------------------------------------------


_customer_url = detail_link("party:customer-detail")


CUSTOMER_IMPORT_KEYS = [c.key for c in party_io.CUSTOMER_SPEC.columns]

CUSTOMERS = Table(
    "party.customers",
    title=_("Customers"),
    default_sort="code",
    row_attrs=lambda c: {"data-code": c.code},
    columns=[
        Column(
            "code", _("Customer code"), "code", sort=("code",), link=_customer_url, css="nowrap"
        ),
        Column(
            "name",
            _("Customer name"),
            "name",
            sort=("name", "code"),
            html=lambda c: join(
                link(_customer_url(c), c.name), c.short_name and muted(c.short_name)
            ),
        ),
        Column("kind", _("Customer type"), "get_kind_display", sort=("kind", "code")),
        Column(
            "status", _("Status"), "get_status_display", sort=("status", "code"), html=status_badge
        ),
        Column("org", _("Organisation"), "org.name", sort=("org__name", "code")),
        Column(
            "class_level",
            _("Class / level"),
            lambda c: (
                f"{c.customer_class.name if c.customer_class_id else '—'} / "
                f"{c.level.name if c.level_id else '—'}"
            ),
        ),
        Column(
            "sales_region",
            _("Sales region"),
            "sales_region.name",
            sort=("sales_region__name", "code"),
        ),
        Column("location", _("Location"), lambda c: _place(c.region) if c.region_id else None),
        Column(
            "upper",
            _("Upper-level customer"),
            "upper.name",
            html=lambda c: (
                c.upper.name
                if c.upper_id
                else format_html('<span class="muted">{}</span>', _("Brand"))
            ),
        ),
        created_at(),
    ],
    # one export layout: the customers import template's, so an export imports again unchanged
    headers=lambda: party_io.CUSTOMER_SPEC.headers,
    rows=lambda qs: (
        [row.get(k) for k in CUSTOMER_IMPORT_KEYS] for row in party_io.customer_rows(qs)
    ),
)


CUSTOMER_LIST = ListPage(
    CUSTOMERS,
    "party/customer_list.html",
    filtered_by(
        ff.CustomerFilterForm,
        lambda actor, form: selectors.list_customers(
            actor, form.filters(), permission=None
        ).select_related("region__parent__parent"),
    ),
    page=partial(_page, section="customers"),
    export=("party.customer.export", "party:customer-export"),
    create="party.customer.create",
)
customer_export = needs_all("party.customer.view", "party.customer.export")(
    CUSTOMER_LIST.export_view
)


@needs(*PARTY_AREA.split("|"))
def customer_list(request: HttpRequest, actor: Actor) -> HttpResponse:
    """The entry page of 客户与组织; users who may not see customers land on the first
    party page they may open."""
    if not actor.can("party.customer.view"):
        return redirect(_sections(actor)[0][2])
    return CUSTOMER_LIST.view(request, actor)


# --- dealer onboarding: review ------------------------------------------------------------------


def _with_number_and_place(apps: list[Any]) -> None:
    for app in apps:
        app.number, app.place = application_number(app), _place(app.region)


_application_url = detail_link("party:application-detail")


APPLICATIONS = Table(
    "party.applications",
    title=_("Dealer applications"),
    default_sort="-created_at",
    prepare=_with_number_and_place,
    row_attrs=lambda a: {"data-company": a.company_name},
    columns=[
        Column("number", _("Application number"), "number", format="code", css="nowrap"),
        Column(
            "company_name",
            _("Company name"),
            "company_name",
            sort=("company_name", "pk"),
            link=_application_url,
        ),
        Column("contact_name", _("Contact person"), "contact_name"),
        Column("phone", _("Phone"), "phone"),
        Column("place", _("Region"), "place"),
        Column("org", _("Organisation"), "org.name"),
        Column(
            "status", _("Status"), "get_status_display", sort=("status", "pk"), html=status_badge
        ),
        created_at(_("Submitted at"), format="datetime"),
        Column(
            "review",
            "",
            lambda a: _("Review"),
            link=_application_url,
            css="col-narrow",
            export=False,
        ),
    ],
)


def _applications(actor: Actor, form: ff.ApplicationFilterForm) -> QuerySet[Any]:
    qs = selectors.list_applications(actor, permission=None).select_related(
        "region__parent__parent", "org", "customer"
    )
    data = {} if form.errors else form.valid_data  # an invalid bar filters nothing
    if data.get("status"):
        qs = qs.filter(status=data["status"])
    if search := (data.get("search") or "").strip():
        qs = qs.filter(
            Q(company_name__icontains=search)
            | Q(contact_name__icontains=search)
            | Q(phone__icontains=search)
        )
    return qs


def _invitations(request: HttpRequest, actor: Actor) -> dict[str, Any]:
    can_invite = actor.can("party.application.approve")
    return {
        "invite_form": f.InvitationForm(actor=actor) if can_invite else None,
        "invitation": request.session.pop("party.invitation", None),
        "apply_url": request.build_absolute_uri(reverse("party:apply")),
    }


application_list = needs("party.application.view", "party.application.approve")(
    ListPage(
        APPLICATIONS,
        "party/application_list.html",
        filtered_by(ff.ApplicationFilterForm, _applications, with_actor=False),
        page=partial(_page, section="applications"),
        context=_invitations,
    ).view
)


# --- suppliers ----------------------------------------------------------------------------------

SUPPLIERS = Table(
    "party.suppliers",
    title=_("Suppliers"),
    default_sort="code",
    row_attrs=lambda s: {"data-code": s.code},
    columns=[
        Column("code", _("Supplier code"), "code", sort=("code",), format="code", css="nowrap"),
        Column(
            "name",
            _("Supplier name"),
            "name",
            sort=("name", "code"),
            link=detail_link("party:supplier-detail"),
        ),
        Column("org", _("Organisation"), "org.name", sort=("org__name", "code")),
        Column("contact_name", _("Contact person"), "contact_name"),
        Column("phone", _("Phone"), "phone"),
        Column("tax_number", _("Tax number"), "tax_number"),
        Column(
            "status",
            _("Status"),
            lambda s: _("Active") if s.is_active else _("Inactive"),
            html=lambda s: (
                badge("active", _("Active")) if s.is_active else badge("exited", _("Inactive"))
            ),
        ),
        created_at(),
    ],
)


def _suppliers(actor: Actor, form: ff.SupplierFilterForm) -> QuerySet[Any]:
    qs = selectors.list_suppliers(actor, permission=None).select_related("org")
    d = form.valid_data
    if search := (d.get("search") or "").strip():
        qs = qs.filter(Q(code__icontains=search) | Q(name__icontains=search))
    if org_id := _int(d.get("org")):
        qs = qs.filter(org_id=org_id)
    if d.get("active") in ("0", "1"):
        qs = qs.filter(is_active=d["active"] == "1")
    return qs


SUPPLIER_LIST = ListPage(
    SUPPLIERS,
    "party/supplier_list.html",
    filtered_by(ff.SupplierFilterForm, _suppliers),
    page=partial(_page, section="suppliers"),
    export=("party.supplier.export", "party:supplier-export"),
    create="party.supplier.create",
)
supplier_list = needs("party.supplier.view")(SUPPLIER_LIST.view)
supplier_export = needs_all("party.supplier.export", "party.supplier.view")(
    SUPPLIER_LIST.export_view
)
