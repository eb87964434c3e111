"""The navigation: every SPEC.md area, marked available once it is built.

`url_name` is a route in the "web" namespace; areas without one are shown greyed out as
"not yet available" so users see the whole product map from day one. Items with a
`permission` ("a|b": any one of them) are left out for users who do not hold it, and items
with a `show` rule for actors it refuses; `visible_nav(actor)` does the filtering, so no
menu entry ever leads to a page that refuses the user.

Staff use the console navigation (`NAV`); portal users (dealers and stores: users bound to
a customer) get their own, phone-first navigation (`PORTAL_NAV`) and never see the staff
console's pages (system health, outbox, worker, API documentation).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

from django.utils.translation import gettext_lazy as _

from omni.kernel import imports
from omni.kernel.actors import Actor


@dataclass(frozen=True)
class NavItem:
    key: str
    label: object
    icon: str
    url_name: str | None = None
    children: tuple = field(default_factory=tuple)
    permission: str | None = None
    show: Callable[[Actor, bool], bool] | None = None  # (actor, is_staff) → visible?

    @property
    def available(self) -> bool:
        return self.url_name is not None or any(c.available for c in self.children)


NAV: tuple[NavItem, ...] = (
    NavItem("home", _("Workbench"), "home", "web:home"),
    NavItem("order", _("Order pool"), "order"),
    NavItem(
        "inventory",
        _("Inventory"),
        "inbox",
        "inventory:home",
        permission=(
            "inventory.stock.view|inventory.warehouse.view|inventory.reservation.view|"
            "inventory.stock.count|inventory.flash.view"
        ),
    ),
    NavItem("fund", _("Fund pool"), "fund", "ledger:accounts", permission="ledger.account.view"),
    NavItem("expense", _("Expense pool"), "expense"),
    NavItem("invoice", _("Invoice pool"), "invoice"),
    NavItem(
        "policy",
        _("Policy centre"),
        "policy",
        children=(
            NavItem("pricing", _("Prices"), "price"),
            NavItem("promotion", _("Promotions"), "promo"),
            NavItem(
                "credit",
                _("Credit"),
                "credit",
                "credit:home",
                permission="credit.limit.view|credit.temporary.view",
            ),
            NavItem("rebate", _("Rebates"), "rebate"),
            NavItem(
                "autopay",
                _("Auto-pay rules"),
                "fund",
                "payment:autopay-rules",
                permission="payment.autopay.view",
            ),
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
            NavItem(
                "imports",
                _("Excel imports"),
                "import",
                "imports:jobs",
                show=lambda actor, _staff: bool(imports.list_importers(actor)),
            ),
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
            NavItem(
                "api_docs",
                _("API documentation"),
                "api",
                "api:openapi-view",
                # for administrators and staff with system access, who build integrations
                show=lambda actor, staff: actor.superuser or staff,
            ),
        ),
    ),
)


PORTAL_NAV: tuple[NavItem, ...] = (
    NavItem("home", _("Home"), "home", "web:home"),
    NavItem(
        "party",
        _("My company"),
        "party",
        "web:portal-company",
        permission="party.customer.view",
    ),
    NavItem(
        "catalog",
        _("Authorised products"),
        "catalog",
        "catalog:products",
        permission="catalog.product.view",
    ),
    NavItem(
        "flash",
        _("Flash sales"),
        "promo",
        "inventory:flash-buy",
        permission="inventory.flash.reserve",
    ),
    NavItem("ordering", _("Online ordering"), "b2b"),
    NavItem("orders", _("My orders"), "order"),
    NavItem(
        "statements",
        _("Statements and funds"),
        "fund",
        "ledger:accounts",
        permission="ledger.account.view",
    ),
    NavItem("account", _("My account"), "user", "web:portal-account"),
)


def is_portal(actor: Actor) -> bool:
    """Dealer and store users: bound to a customer, they see only their own company."""
    return actor.scope.bound_customer_id is not None


def visible_nav(actor: Actor, *, is_staff: bool = False) -> tuple[NavItem, ...]:
    """The actor's navigation without the items they may not open."""

    def keep(item: NavItem) -> bool:
        if item.permission is not None and not any(
            actor.can(p) for p in item.permission.split("|")
        ):
            return False
        return item.show is None or item.show(actor, is_staff)

    nav = PORTAL_NAV if is_portal(actor) else NAV
    return tuple(
        replace(item, children=tuple(c for c in item.children if keep(c)))
        for item in nav
        if keep(item)
    )
