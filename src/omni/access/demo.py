"""Demo roles and one user per role (password printed by `omni demo`)."""

from __future__ import annotations

from django.db import transaction

from omni.kernel import audit
from omni.kernel.actors import Actor

from .models import Role, RoleAssignment, User

DEMO_PASSWORD = "omni-demo-2026"

PARTY_ALL = [
    "party.organization.view",
    "party.organization.create",
    "party.organization.edit",
    "party.region.view",
    "party.region.create",
    "party.region.edit",
    "party.classification.view",
    "party.classification.edit",
    "party.customer.view",
    "party.customer.create",
    "party.customer.edit",
    "party.customer.approve",
    "party.customer.export",
    "party.customer.import",
    "party.application.view",
    "party.application.approve",
    "party.supplier.view",
    "party.supplier.create",
    "party.supplier.edit",
    "party.supplier.export",
]
CATALOG_ALL = [
    "catalog.product.view",
    "catalog.product.create",
    "catalog.product.edit",
    "catalog.product.delete",
    "catalog.product.export",
    "catalog.product.import",
    "catalog.authorisation.view",
    "catalog.authorisation.edit",
    "catalog.authorisation.export",
    "catalog.authorisation.import",
    "catalog.brand.view",
    "catalog.brand.create",
    "catalog.brand.edit",
    "catalog.category.view",
    "catalog.category.create",
    "catalog.category.edit",
    "catalog.unit.view",
    "catalog.unit.create",
    "catalog.unit.edit",
]
LEDGER_ALL = [
    "ledger.account.view",
    "ledger.account.create",
    "ledger.account.edit",
    "ledger.account.export",
    "ledger.entry.view",
    "ledger.entry.create",
    "ledger.entry.approve",
    "ledger.entry.export",
    "ledger.hold.view",
    "ledger.hold.edit",
]
LEDGER_READ = ["ledger.account.view", "ledger.entry.view", "ledger.hold.view"]
CREDIT_ALL = ["credit.limit.view", "credit.limit.edit", "credit.limit.export"]
# 临时信用: reps and sales admins request it, finance approves (never their own request)
TEMPORARY_REQUEST = ["credit.temporary.view", "credit.temporary.request"]
TEMPORARY_APPROVE = ["credit.temporary.view", "credit.temporary.approve", "credit.temporary.export"]
# 库存: the warehouse keeper moves stock and releases reservations; sales admins reserve
INVENTORY_READ = [
    "inventory.warehouse.view",
    "inventory.stock.view",
    "inventory.reservation.view",
]
INVENTORY_KEEPER = [
    *INVENTORY_READ,
    "inventory.warehouse.export",
    "inventory.stock.receive",
    "inventory.stock.issue",
    "inventory.stock.adjust",
    "inventory.stock.export",
    "inventory.reservation.release",
    "inventory.stock.count",  # counts blind; the count lead approves with stock.adjust
]
# What every staff member who looks at products may also look at: the reference lists.
CATALOG_READ = ["catalog.product.view", "catalog.brand.view", "catalog.category.view"]
ROLES = {
    "sales_admin": (
        "销售管理员",
        PARTY_ALL
        + CATALOG_ALL
        + LEDGER_READ
        + CREDIT_ALL
        + TEMPORARY_REQUEST
        + ["credit.temporary.export", "system.audit.view", "system.audit.export"]
        + ["payment.autopay.view"]
        + INVENTORY_READ
        + ["inventory.reservation.create", "inventory.flash.view", "inventory.flash.edit"],
        False,
    ),
    "finance": (
        "财务",
        [
            "party.customer.view",
            "party.customer.export",
            "party.organization.view",
            "system.audit.view",
            *LEDGER_ALL,
            "payment.transfer.view",
            "payment.transfer.approve",
            "payment.transfer.export",
            "payment.topup.view",
            "payment.topup.refund",
            "payment.autopay.view",
            "payment.autopay.edit",
            "ledger.statement.view",
            "ledger.statement.resolve",
            *CREDIT_ALL,
            *TEMPORARY_APPROVE,
            *INVENTORY_READ,
        ],
        False,
    ),
    "warehouse": (
        "仓管员",
        [*CATALOG_READ, "catalog.unit.view", "party.customer.view", *INVENTORY_KEEPER],
        False,
    ),
    "sales_rep": (
        "业务员",
        [
            "party.customer.view",
            "party.customer.create",
            "party.customer.edit",
            "party.application.view",
            "credit.limit.view",
            *TEMPORARY_REQUEST,
            *CATALOG_READ,
        ],
        False,
    ),
    "cashier": ("收银员", CATALOG_READ, False),
    "service_agent": ("客服", ["party.customer.view", *CATALOG_READ], False),
    "dealer": (
        "经销商",
        [
            "party.customer.view",
            "catalog.product.view",
            "ledger.account.view",
            "ledger.hold.view",  # what its orders hold (冻结记录)
            "payment.transfer.view",
            "payment.transfer.create",
            "payment.topup.view",
            "payment.topup.create",
            "ledger.statement.view",
            "ledger.statement.confirm",
            "credit.limit.view",
            "inventory.flash.reserve",  # 抢购 in flash sales, for itself
        ],
        True,
    ),
    "store_owner": (
        "门店店主",
        [
            "party.customer.view",
            "catalog.product.view",
            "ledger.account.view",
            "ledger.hold.view",  # what its orders hold (冻结记录)
            "payment.transfer.view",
            "payment.transfer.create",
            "payment.topup.view",
            "payment.topup.create",
            "ledger.statement.view",
            "ledger.statement.confirm",
            "credit.limit.view",
            "inventory.flash.reserve",  # 抢购 in flash sales, for itself
        ],
        True,
    ),
}


def load_access_demo(
    *,
    actor: Actor,
    group_org_id: int,
    rep_sales_region_id: int,
    dealer_id: int,
    store_id: int,
    sales_org_id: int,
) -> tuple[list[tuple[str, str, str]], int]:
    """Returns the logins [(username, display name, role)] and how many users were created."""
    for code, (name, perms, portal) in ROLES.items():
        Role.objects.update_or_create(
            code=code,
            defaults={"name": name, "permissions": sorted(set(perms)), "is_portal": portal},
        )
    users = [
        ("admin", "系统管理员", None, "all", {}),
        ("sales_admin", "赵敏（销售管理）", "sales_admin", "all", {}),
        ("finance", "钱芳（财务）", "finance", "org", {"org_id": group_org_id}),
        ("warehouse", "孙强（仓管）", "warehouse", "org", {"org_id": sales_org_id}),
        ("sales_rep", "李磊（业务员）", "sales_rep", "regions", {"regions": [rep_sales_region_id]}),
        ("cashier", "周静（收银）", "cashier", "own", {}),
        ("service_agent", "吴娜（客服）", "service_agent", "all", {}),
        ("dealer", "经销商演示账号", "dealer", "own", {"customer_id": dealer_id}),
        ("store_owner", "门店演示账号", "store_owner", "own", {"customer_id": store_id}),
    ]
    created = 0
    logins = []
    for username, display, role_code, scope, extra in users:
        logins.append((username, display, ROLES[role_code][0] if role_code else "超级管理员"))
        if User.objects.filter(username=username).exists():
            continue
        with transaction.atomic():
            user = User(
                username=username,
                display_name=display,
                is_superuser=role_code is None,
                is_staff=role_code in (None, "sales_admin"),
                customer_id=extra.get("customer_id"),
                org_id=group_org_id,
            )
            user.set_password(DEMO_PASSWORD)
            user.save()
            if role_code:
                assignment = RoleAssignment.objects.create(
                    user=user,
                    role=Role.objects.get(code=role_code),
                    scope_kind=scope,
                    org_id=extra.get("org_id"),
                )
                if extra.get("regions"):
                    assignment.sales_regions.set(extra["regions"])
            audit.record(
                actor=actor,
                action="access.user_created",
                object_type="access.user",
                object_id=user.pk,
                after={"username": username, "role": role_code, "scope": scope},
            )
        created += 1
    return logins, created
