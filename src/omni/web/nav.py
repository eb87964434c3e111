"""The console navigation: every SPEC.md area, marked available once it is built.

`url_name` is a route in the "web" namespace; areas without one are shown greyed out as
"not yet available" so users see the whole product map from day one. Items with a
`permission` are left out of the sidebar for users who do not hold it (their pages answer
404 to them anyway); `visible_nav(actor)` does the filtering.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class NavItem:
    key: str
    label: object
    icon: str
    url_name: str | None = None
    children: tuple = field(default_factory=tuple)
    permission: str | None = None

    @property
    def available(self) -> bool:
        return self.url_name is not None or any(c.available for c in self.children)


NAV: tuple[NavItem, ...] = (
    NavItem("home", _("Workbench"), "home", "web:home"),
    NavItem("order", _("Order pool"), "order"),
    NavItem("fund", _("Fund pool"), "fund"),
    NavItem("expense", _("Expense pool"), "expense"),
    NavItem("invoice", _("Invoice pool"), "invoice"),
    NavItem(
        "policy",
        _("Policy centre"),
        "policy",
        children=(
            NavItem("pricing", _("Prices"), "price"),
            NavItem("promotion", _("Promotions"), "promo"),
            NavItem("credit", _("Credit"), "credit"),
            NavItem("rebate", _("Rebates"), "rebate"),
        ),
    ),
    NavItem("b2b", _("B2B trade"), "b2b"),
    NavItem("crm", _("CRM"), "crm"),
    NavItem("activity", _("Activities & expenses"), "activity"),
    NavItem("retail", _("New retail (POS)"), "retail"),
    NavItem("ecommerce", _("E-commerce order centre"), "ecom"),
    NavItem("mall", _("B2C mall"), "mall"),
    NavItem("membership", _("Membership"), "member"),
    NavItem("servicedesk", _("Customer service"), "service"),
    NavItem("analytics", _("Analytics"), "chart"),
    NavItem(
        "master",
        _("Master data"),
        "master",
        children=(
            NavItem(
                "party",
                _("Customers & organisations"),
                "party",
                "party:customers",
                permission=(
                    "party.customer.view|party.application.view|party.application.approve|"
                    "party.organization.view|party.region.view|party.classification.view|"
                    "party.supplier.view"
                ),
            ),
            NavItem(
                "catalog",
                _("Products"),
                "catalog",
                "catalog:products",
                permission="catalog.product.view|catalog.authorisation.view",
            ),
            NavItem("imports", _("Excel imports"), "import", "imports:jobs"),
        ),
    ),
    NavItem("planning", _("Sales planning"), "plan"),
    NavItem("procurement", _("E-procurement"), "procure"),
    NavItem(
        "system",
        _("System"),
        "system",
        children=(
            NavItem("health", _("Health"), "health", "web:health"),
            NavItem("audit", _("Audit log"), "audit", "web:audit", permission="system.audit.view"),
            NavItem(
                "access",
                _("Users & roles"),
                "access",
                "access:users",
                permission="access.user.view",
            ),
            NavItem("api_docs", _("API documentation"), "api", "api:openapi-view"),
        ),
    ),
)


def visible_nav(can: Callable[[str], bool]) -> tuple[NavItem, ...]:
    """The navigation without the items whose permission `can` denies."""

    def keep(item: NavItem) -> bool:
        # "a|b": any one of them opens the area
        return item.permission is None or any(can(p) for p in item.permission.split("|"))

    return tuple(
        replace(item, children=tuple(c for c in item.children if keep(c)))
        for item in NAV
        if keep(item)
    )
