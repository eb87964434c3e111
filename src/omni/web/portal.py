"""The portal of dealers and stores (users bound to a customer): a phone-first home with
their company, contacts and addresses, authorised catalogue, their colleagues' logins and
their account; the areas that come with ordering are shown greyed out. Portal users never
see the staff console's pages (`omni.web.nav.PORTAL_NAV`).
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from omni.access import selectors as access_selectors
from omni.access.filters import UserFilter
from omni.kernel.actors import Actor
from omni.party import selectors as party_selectors

from .nav import is_portal
from .permissions import signed_in

# The areas of the portal that arrive with ordering: shown, greyed out, so dealers see what
# is coming (key, label, icon).
COMING: tuple[tuple[str, Any, str], ...] = (
    ("ordering", _("Online ordering"), "b2b"),
    ("orders", _("My orders"), "order"),
    ("statements", _("Statements and funds"), "fund"),
    ("rebates", _("Rebates"), "rebate"),
    ("invoices", _("Invoices"), "invoice"),
)


def _customer_id(actor: Actor) -> int:
    customer_id = actor.scope.bound_customer_id
    if customer_id is None:  # staff have the console, not the portal
        raise Http404
    return customer_id


def portal_home(request: HttpRequest, actor: Actor) -> HttpResponse:
    """The home page of a portal user (called by `omni.web.views.home`)."""
    customer_id = _customer_id(actor)
    context: dict[str, Any] = {"active": "home", "coming": COMING}
    if actor.can("party.customer.view"):
        customer = party_selectors.get_customer(actor, customer_id)
        context.update(
            customer=customer,
            contacts=list(customer.contacts.order_by("-is_primary", "pk")[:3]),
            addresses=list(
                customer.addresses.select_related("province", "city", "district").order_by(
                    "-is_default", "pk"
                )[:2]
            ),
            lower_count=party_selectors.list_customers_in_scope(actor)
            .filter(upper_id=customer.pk)
            .count(),
        )
    context["colleagues"] = list(
        access_selectors.list_users(
            actor, UserFilter(customer_id=customer_id), permission=None
        ).order_by("username")[:20]
    )
    context["can_catalog"] = actor.can("catalog.product.view")
    return render(request, "web/portal/home.html", context)


@signed_in
def company(request: HttpRequest, actor: Actor) -> HttpResponse:
    """我的公司: the portal user's own customer page."""
    if not actor.can("party.customer.view"):
        raise Http404
    return redirect("party:customer-detail", _customer_id(actor))


@signed_in
def account(request: HttpRequest, actor: Actor) -> HttpResponse:
    """我的账号: who I am, my company, my roles; API tokens are one click away."""
    user = request.user
    context: dict[str, Any] = {
        "active": "account" if is_portal(actor) else "tokens",
        "account": user,
        "customer": getattr(user, "customer", None) if is_portal(actor) else None,
        "roles": [
            a.role.name
            for a in access_selectors.list_assignments_of([user.pk]).select_related("role")
        ],
    }
    return render(request, "web/portal/account.html", context)
