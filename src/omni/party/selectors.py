"""Reads, always through the actor's data scope. Out of scope = does not exist (404)."""

from __future__ import annotations

import json

from django.db.models import Q, QuerySet

from omni.kernel.actors import Actor
from omni.kernel.errors import NotFound

from .models import (
    Customer,
    CustomerClass,
    CustomerLevel,
    DealerApplication,
    Organization,
    Region,
    SalesRegion,
    Supplier,
)
from .types import CustomerRef


def _org_paths(org_ids) -> list[str]:
    return list(Organization.objects.filter(pk__in=org_ids).values_list("path", flat=True))


def _region_subtree_ids(region_ids) -> set[int]:
    ids = set(region_ids)
    frontier = set(region_ids)
    while frontier:  # sales regions are two or three levels deep
        frontier = (
            set(SalesRegion.objects.filter(parent_id__in=frontier).values_list("pk", flat=True))
            - ids
        )
        ids |= frontier
    return ids


def _org_q(actor: Actor, field: str) -> Q | None:
    """Q for rows whose organisation lies in the actor's organisation subtrees."""
    paths = _org_paths(actor.scope.org_ids)
    if not paths:
        return None
    q = Q()
    for p in paths:
        q |= Q(**{f"{field}__path__startswith": p})
    return q


def scoped_customers(actor: Actor) -> QuerySet[Customer]:
    s = actor.scope
    qs = Customer.objects.all()
    if s.everything:
        return qs
    if s.bound_customer_id is not None:
        # A dealer sees itself and the lower-level customers that order from it (B2B2b).
        return qs.filter(Q(pk=s.bound_customer_id) | Q(upper_id=s.bound_customer_id))
    q = Q(pk__in=[])
    if org_q := _org_q(actor, "org"):
        q |= org_q
    if s.sales_region_ids:
        q |= Q(sales_region_id__in=_region_subtree_ids(s.sales_region_ids))
    if s.customer_ids:
        q |= Q(pk__in=s.customer_ids)
    if s.own_user_id is not None:
        q |= Q(account_manager_id=s.own_user_id) | Q(created_by_id=s.own_user_id)
    return qs.filter(q)


def scoped_organizations(actor: Actor) -> QuerySet[Organization]:
    s = actor.scope
    qs = Organization.objects.all()
    if s.everything:
        return qs
    q = Q(pk__in=[])
    for path in _org_paths(s.org_ids):
        q |= Q(path__startswith=path)
    return qs.filter(q)


def scoped_suppliers(actor: Actor) -> QuerySet[Supplier]:
    s = actor.scope
    if s.everything:
        return Supplier.objects.all()
    org_q = _org_q(actor, "org")
    return Supplier.objects.filter(org_q) if org_q else Supplier.objects.none()


def scoped_applications(actor: Actor) -> QuerySet[DealerApplication]:
    """Applications are reviewed by brand staff of the organisation they applied to;
    applications without an organisation are visible to enterprise-wide reviewers only."""
    s = actor.scope
    if s.everything:
        return DealerApplication.objects.all()
    org_q = _org_q(actor, "org")
    return DealerApplication.objects.filter(org_q) if org_q else DealerApplication.objects.none()


def list_customers(
    actor: Actor,
    *,
    search: str = "",
    status: str = "",
    kind: str = "",
    org_id: int | None = None,
    sales_region_id: int | None = None,
    class_id: int | None = None,
    level_id: int | None = None,
    province_code: str = "",
    tag: str = "",
    ordering: str = "code",
) -> QuerySet[Customer]:
    qs = scoped_customers(actor).select_related(
        "org", "customer_class", "level", "sales_region", "region", "upper", "account_manager"
    )
    if search:
        qs = qs.filter(
            Q(code__icontains=search) | Q(name__icontains=search) | Q(short_name__icontains=search)
        )
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    if org_id:
        qs = qs.filter(org_id=org_id)
    if sales_region_id:
        qs = qs.filter(sales_region_id__in=_region_subtree_ids([sales_region_id]))
    if class_id:
        qs = qs.filter(customer_class_id=class_id)
    if level_id:
        qs = qs.filter(level_id=level_id)
    if province_code:
        qs = qs.filter(region__code__startswith=province_code[:2])
    if tag:
        # one whole element of the JSON list: '"重点"' (tags are stored unescaped)
        qs = qs.filter(tags__icontains=json.dumps(tag, ensure_ascii=False))
    allowed = {"code", "name", "created_at", "updated_at", "status"}
    key = ordering.lstrip("-")
    return qs.order_by(ordering if key in allowed else "code", "pk")


def get_customer(actor: Actor, customer_id: int) -> Customer:
    customer = (
        scoped_customers(actor)
        .select_related("org", "customer_class", "level", "sales_region", "region", "upper")
        .filter(pk=customer_id)
        .first()
    )
    if customer is None:
        raise NotFound(details={"customer_id": customer_id})
    return customer


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


def get_application(actor: Actor, application_id: int) -> DealerApplication:
    app = (
        scoped_applications(actor)
        .select_related("region", "org", "customer")
        .filter(pk=application_id)
        .first()
    )
    if app is None:
        raise NotFound(details={"application_id": application_id})
    return app


def region_children(parent_code: str | None) -> QuerySet[Region]:
    if parent_code:
        return Region.objects.filter(parent_id=parent_code).order_by("code")
    return Region.objects.filter(level=1).order_by("code")


def list_classes() -> QuerySet[CustomerClass]:
    return CustomerClass.objects.order_by("code")


def list_levels() -> QuerySet[CustomerLevel]:
    return CustomerLevel.objects.order_by("rank", "code")


def list_sales_regions(actor: Actor) -> QuerySet[SalesRegion]:
    s = actor.scope
    qs = SalesRegion.objects.select_related("org", "parent")
    if s.everything:
        return qs.order_by("code")
    q = Q(pk__in=_region_subtree_ids(s.sales_region_ids)) if s.sales_region_ids else Q(pk__in=[])
    if org_q := _org_q(actor, "org"):
        q |= org_q
    return qs.filter(q).order_by("code")


def scoped_org_ids(actor: Actor) -> list[int] | None:
    """Ids of the organisations in the actor's scope, or None when the scope is everything
    (for filtering rows of other modules that carry only an `org_id`, such as audit entries)."""
    if actor.scope.everything:
        return None
    return list(scoped_organizations(actor).values_list("pk", flat=True))
