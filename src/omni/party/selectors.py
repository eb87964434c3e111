"""Reads, always through the actor's data scope (the one rule, `omni.tenancy.scope`).
Out of scope = does not exist (404). Organisations and sales regions: `omni.tenancy.selectors`."""

from __future__ import annotations

import json

from django.db.models import Q, QuerySet

from omni.kernel.actors import Actor
from omni.kernel.errors import NotFound
from omni.tenancy.scope import SELF, Mode, scope_q, scoped
from omni.tenancy.selectors import sales_region_subtree

from .filters import CustomerFilter
from .models import (
    Address,
    Contact,
    Customer,
    CustomerClass,
    CustomerLevel,
    DealerApplication,
    Supplier,
)
from .types import CustomerRef


def customers_q(actor: Actor, permission: str | None = None, mode: Mode = "read") -> Q | None:
    """The one scope rule (`tenancy.scope`) applied to customers: organisation subtree,
    sales-region subtree, assigned customers, own records (account manager or creator), and
    for a dealer its own customer and the lower-level customers that order from it."""
    return scope_q(
        actor,
        permission,
        mode,
        org="org",
        sales_region="sales_region",
        customer=SELF,
        owner=("account_manager", "created_by"),
    )


CUSTOMER_VIEW = "party.customer.view"
APPLICATION_VIEW = "party.application.view"
SUPPLIER_VIEW = "party.supplier.view"
CUSTOMER_EXPORT = "party.customer.export"
NO_FILTER = CustomerFilter()


def list_customers(
    actor: Actor,
    filters: CustomerFilter = NO_FILTER,
    *,
    permission: str | None = CUSTOMER_VIEW,
    mode: Mode = "read",
    ordering: str = "code",
    export: bool = False,
) -> QuerySet[Customer]:
    """Customers the actor may `mode`, filtered (`filters.CustomerFilter`, the one filter
    description of the customers page and API) and ordered. Requires `permission` (the view
    permission; `None` for a scope-only read by a service or form that has checked its own)
    and, for the rows of an Excel export (`export`), the export permission as well."""
    qs = _customers(actor, permission, mode)
    if export:
        actor.require(CUSTOMER_EXPORT)
    qs = qs.select_related(
        "org", "customer_class", "level", "sales_region", "region", "upper", "account_manager"
    )
    f = filters
    search = f.search.strip()
    if search:
        qs = qs.filter(
            Q(code__icontains=search) | Q(name__icontains=search) | Q(short_name__icontains=search)
        )
    if f.status:
        qs = qs.filter(status=f.status)
    if f.kind:
        qs = qs.filter(kind=f.kind)
    if f.org_id:
        qs = qs.filter(org_id=f.org_id)
    if f.sales_region_id:
        qs = qs.filter(sales_region_id__in=sales_region_subtree(f.sales_region_id))
    if f.class_id:
        qs = qs.filter(customer_class_id=f.class_id)
    if f.level_id:
        qs = qs.filter(level_id=f.level_id)
    if f.province_code:
        qs = qs.filter(region__code__startswith=f.province_code[:2])
    if f.tag:
        # one whole element of the JSON list: '"重点"' (tags are stored unescaped)
        qs = qs.filter(tags__icontains=json.dumps(f.tag, ensure_ascii=False))
    allowed = {"code", "name", "created_at", "updated_at", "status"}
    key = ordering.lstrip("-")
    return qs.order_by(ordering if key in allowed else "code", "pk")


def _customers(actor: Actor, permission: str | None, mode: Mode) -> QuerySet[Customer]:
    q = customers_q(actor, permission, mode)
    return Customer.objects.all() if q is None else Customer.objects.filter(q)


def list_customers_in_scope(
    actor: Actor, permission: str | None = None, mode: Mode = "read"
) -> QuerySet[Customer]:
    """The bare scope rule on customers: unordered, nothing joined, no permission unless
    given (bulk services, form choices, and tenancy's directory for access and catalog)."""
    return _customers(actor, permission, mode)


def get_customer(
    actor: Actor, customer_id: int, *, permission: str | None = CUSTOMER_VIEW, mode: Mode = "read"
) -> Customer:
    customer = (
        _customers(actor, permission, mode)
        .select_related("org", "customer_class", "level", "sales_region", "region", "upper")
        .filter(pk=customer_id)
        .first()
    )
    if customer is None:
        raise NotFound(details={"customer_id": customer_id})
    return customer


def list_contacts(actor: Actor, customer_id: int) -> QuerySet[Contact]:
    """The contacts of a customer the actor may view, primary first."""
    return get_customer(actor, customer_id).contacts.order_by("-is_primary", "pk")


def list_addresses(actor: Actor, customer_id: int) -> QuerySet[Address]:
    """The delivery addresses of a customer the actor may view, the default first."""
    return get_customer(actor, customer_id).addresses.order_by("-is_default", "pk")


def list_suppliers(
    actor: Actor, *, permission: str | None = SUPPLIER_VIEW, mode: Mode = "read"
) -> QuerySet[Supplier]:
    return scoped(Supplier.objects.all(), actor, permission, mode, org="org").order_by("code")


def list_applications(
    actor: Actor,
    *,
    permission: str | None = APPLICATION_VIEW,
    mode: Mode = "read",
    status: str = "",
) -> QuerySet[DealerApplication]:
    """Applications are reviewed by brand staff of the organisation they applied to;
    applications without an organisation are visible to enterprise-wide reviewers only.
    Newest first."""
    qs = scoped(DealerApplication.objects.all(), actor, permission, mode, org="org")
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at", "-pk")


def customer_ref(customer: Customer) -> CustomerRef:
    return CustomerRef(
        id=customer.pk,
        org_id=customer.org_id,
        org_path=customer.org.path,
        class_id=customer.customer_class_id,
        level_id=customer.level_id,
        sales_region_id=customer.sales_region_id,
        upper_id=customer.upper_id,
        status=customer.status,
    )


def get_application(
    actor: Actor,
    application_id: int,
    *,
    permission: str | None = APPLICATION_VIEW,
    mode: Mode = "read",
) -> DealerApplication:
    app = (
        scoped(DealerApplication.objects.all(), actor, permission, mode, org="org")
        .select_related("region", "org", "customer")
        .filter(pk=application_id)
        .first()
    )
    if app is None:
        raise NotFound(details={"application_id": application_id})
    return app


def list_classes(actor: Actor | None = None) -> QuerySet[CustomerClass]:
    """Customer classes (enterprise-wide reference data). Without an actor: choices for a
    form; with one: the list as the customer pages and the API show it (needs the customer
    view permission)."""
    if actor is not None:
        actor.require(CUSTOMER_VIEW)
    return CustomerClass.objects.order_by("code")


def list_levels(actor: Actor | None = None) -> QuerySet[CustomerLevel]:
    """Customer levels, lowest rank first (see `list_classes` for the actor)."""
    if actor is not None:
        actor.require(CUSTOMER_VIEW)
    return CustomerLevel.objects.order_by("rank", "code")
