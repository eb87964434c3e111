"""The leak matrix: every API route and every console page, for actors outside an
object's scope. It grows by itself: a new route fails here until it is classified below.

For each API operation (enumerated from the OpenAPI document of the live router):
  1. without credentials -> 401, unless listed in PUBLIC (with the reason);
  2. as a logged-in user with no roles -> never 2xx, unless listed in SELF_SERVICE;
  3. object routes of data-scoped domains: an actor with EVERY functional permission but a
     data scope limited to the east subsidiary gets 404 for the south subsidiary's object,
     and nothing is written (no audit row, no change of the object);
  4. list routes of data-scoped domains: the same actor never sees the south object's code.
For each console page with an object id in its URL: the same outsider gets 404.
"""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from omni.access.models import Role, RoleAssignment, User
from omni.api.v1 import api
from omni.kernel.models import AuditEntry
from omni.kernel.permissions import all_permissions
from omni.party.services import applications
from omni.party.tests.factories import SYSTEM, make_world

pytestmark = pytest.mark.django_db

PUBLIC = {
    ("get", "/api/v1/health"): "liveness probe, no business data",
    ("post", "/api/v1/auth/token"): "the login itself",
    ("get", "/api/v1/party/regions"): "public reference data (administrative divisions) for forms",
    ("post", "/api/v1/party/applications"): "the public dealer application form (申请加盟)",
    (
        "get",
        "/api/v1/party/applications/status/{status_token}",
    ): "the applicant's view by private key",
    ("post", "/api/v1/party/applications/status/{status_token}/resubmit"): (
        "the applicant's answer by private key"
    ),
}
SELF_SERVICE = {
    ("get", "/api/v1/auth/tokens"): "a user's own API tokens",
    ("post", "/api/v1/auth/tokens"): "a user creating an API token for themself",
    ("get", "/api/v1/imports/importers"): "descriptions of the import templates (columns), no data",
    ("get", "/api/v1/imports/jobs"): "a user's own import jobs (others' jobs answer 404)",
    ("get", "/api/v1/notices"): "a user's own notices",
    ("post", "/api/v1/notices/read"): "a user marking their own notices read",
    ("post", "/api/v1/notices/{notice_id}/read"): "a user's own notice (others' answer 404)",
}
# Domains whose rows carry an organisation and are filtered by the actor's data scope.
SCOPED_PREFIXES = (
    "/api/v1/party/",
    "/api/v1/audit",
    "/api/v1/outbox",
    "/api/v1/auth/tokens/",
    "/api/v1/access/users",
    "/api/v1/access/assignments",
    "/api/v1/access/customers",
    "/api/v1/ledger/",
    "/api/v1/payment/",
    "/api/v1/credit/",
    "/api/v1/inventory/",
    "/api/v1/flash-sales",
)
# Enterprise-wide master data: guarded by functional permissions only (one enterprise group
# per deployment; every sales organisation sells the same catalogue).
FUNCTIONAL_ONLY_PREFIXES = (
    "/api/v1/catalog/",
    "/api/v1/imports",
    "/api/v1/access/roles",  # roles are enterprise-wide; who holds them is data-scoped
    "/api/v1/access/permissions",
)


def operations():
    schema = api.get_openapi_schema()
    for path, methods in schema["paths"].items():
        for method in methods:
            yield method, path


def outsider(world) -> Client:
    """Every permission there is, but only the east subsidiary's data."""
    user = User.objects.create_user("outsider", password="pass-12345678")
    role = Role.objects.create(
        code="everything", name="everything", permissions=sorted(all_permissions())
    )
    RoleAssignment.objects.create(user=user, role=role, scope_kind="org", org=world.east)
    client = Client()
    client.force_login(user)
    return client


def clock_now():
    from omni.kernel import clock

    return clock.now()


def south_entry_date():
    from omni.kernel import clock

    return clock.today()


def foreign_objects(world) -> dict[str, str]:
    """Path parameter -> an id of an object that belongs to the south subsidiary."""
    app = applications.submit_application(
        actor=SYSTEM,
        company_name="南方饮品",
        contact_name="林峰",
        phone="13900002222",
        region_code="440106",
    )
    app.org = world.south_sales
    app.save()
    from omni.access.services.tokens import create_token
    from omni.kernel.actors import Actor
    from omni.party.services.customers import add_contact
    from omni.party.services.suppliers import create_supplier

    south_supplier = create_supplier(
        actor=SYSTEM, org_id=world.south_sales.pk, code="SUP-S", name="华南包材"
    )

    south_contact = add_contact(
        actor=SYSTEM, customer_id=world.gz_dealer.pk, name="林峰", phone="13900003333"
    )
    south_user = User.objects.create_user("south-user", password="pass-12345678")
    token = create_token(actor=Actor.for_user(south_user), name="南方 ERP")
    # a south staff member (the display name carries a secret the list test looks for)
    south_staff = User.objects.create_user(
        "south-staff", password="pass-12345678", display_name="南方饮品财务", org=world.south_sales
    )
    south_role = Role.objects.create(
        code="south-viewer", name="南方查看", permissions=["party.customer.view"]
    )
    assignment = RoleAssignment.objects.create(
        user=south_staff, role=south_role, scope_kind="org", org=world.south_sales
    )
    from omni.ledger.services.accounts import counter_account, open_account
    from omni.ledger.services.posting import post_entry

    south_cash = open_account(actor=SYSTEM, type_code="cash", customer_id=world.gz_dealer.pk)
    south_entry = post_entry(
        actor=SYSTEM,
        kind="top_up",
        lines=[(south_cash.pk, "100"), (counter_account(world.south_sales.pk, "bank"), "-100")],
    )
    import io

    from omni.payment.services.transfers import register_transfer

    south_transfer = register_transfer(
        actor=SYSTEM,
        customer_id=world.gz_dealer.pk,
        amount="100",
        bank_reference="GZ-LEAK-1",
        paid_on=south_entry_date(),
        payer_name="南方饮品",
        voucher=io.BytesIO(b"\x89PNG\r\n\x1a\n" + b"\x00" * 16),
    )
    from omni.payment.models import TopUp

    south_top_up = TopUp.objects.create(
        org=world.south_sales,
        customer=world.gz_dealer,
        account_id=south_cash.pk,
        provider="alipay",
        out_trade_no="TU-LEAK-1",
        amount=100,
    )
    import datetime as dt

    from omni.credit.services.temporary import request_temporary_credit

    south_credit = request_temporary_credit(
        actor=SYSTEM,
        customer_id=world.gz_dealer.pk,
        amount="5000",
        expires_on=south_entry_date() + dt.timedelta(days=30),
        reason="南方旺季备货",
    )
    from omni.payment.services.autopay import set_autopay_rule

    south_rule = set_autopay_rule(
        actor=SYSTEM,
        org_id=world.south_sales.pk,
        customer_class="L1",
        steps=[{"account_type": "cash"}],
    )
    from omni.catalog.tests.factories import make_product
    from omni.inventory.services.reservations import ReserveLine, reserve
    from omni.inventory.services.stock import StockLine, receive
    from omni.inventory.services.warehouses import create_warehouse

    south_warehouse = create_warehouse(
        actor=SYSTEM,
        org_id=world.south_sales.pk,
        code="WH-S",
        name="南方饮品广州仓",
        kind="central",
    )
    water = make_product(world.group, "LEAK-WATER").skus.get()
    receive(actor=SYSTEM, warehouse_id=south_warehouse.pk, lines=[StockLine(water.pk, 50)])
    south_reservation = reserve(
        actor=SYSTEM,
        source_type="order",
        source_id="南方饮品-SO-1",
        lines=[ReserveLine(south_warehouse.pk, water.pk, 5)],
    )
    from omni.inventory.services.counts import start_count
    from omni.inventory.services.flash import create_flash_sale, reserve_flash
    from omni.inventory.services.transfers import ship_transfer

    south_store = create_warehouse(
        actor=SYSTEM,
        org_id=world.south_sales.pk,
        code="WH-S2",
        name="南方饮品门店仓",
        kind="store",
    )
    south_stock_transfer = ship_transfer(
        actor=SYSTEM,
        source_id=south_warehouse.pk,
        target_id=south_store.pk,
        lines=[StockLine(water.pk, 5)],
        memo="南方饮品补货",
    )
    south_count = start_count(
        actor=SYSTEM, warehouse_id=south_store.pk, kind="partial", sku_ids=[water.pk]
    )
    now = clock_now()
    south_sale = create_flash_sale(
        actor=SYSTEM,
        name="南方饮品秒杀",
        warehouse_id=south_warehouse.pk,
        sku_id=water.pk,
        quantity=10,
        per_customer_limit=2,
        starts_at=now - dt.timedelta(hours=1),
        ends_at=now + dt.timedelta(hours=1),
    )
    south_flash = reserve_flash(actor=SYSTEM, sale_id=south_sale.pk, customer_id=world.gz_dealer.pk)
    return {
        "stock_transfer_id": str(south_stock_transfer.pk),
        "count_id": str(south_count.pk),
        "sale_id": str(south_sale.pk),
        "flash_reservation_id": str(south_flash.pk),
        "warehouse_id": str(south_warehouse.pk),
        "reservation_id": str(south_reservation.pk),
        "autopay_rule_id": str(south_rule.pk),
        "credit_id": str(south_credit.pk),
        "top_up_id": str(south_top_up.pk),
        "transfer_id": str(south_transfer.pk),
        "account_id": str(south_cash.pk),
        "entry_id": str(south_entry.id),
        "customer_id": str(world.gz_dealer.pk),
        "application_id": str(app.pk),
        "org_id": str(world.south_sales.pk),
        "kind": "contacts",
        "supplier_id": str(south_supplier.pk),
        "item_id": str(south_contact.pk),
        "token_id": str(token.token_id),  # another user's token
        "user_id": str(south_staff.pk),
        "assignment_id": str(assignment.pk),
        "event_id": "00000000-0000-0000-0000-000000000001",
    }


BODIES = {
    ("put", "/api/v1/party/customers/{customer_id}"): lambda w: {
        "name": "改名",
        "kind": "distributor",
        "org_id": w.south_sales.pk,
    },
    ("post", "/api/v1/party/customers/{customer_id}/status"): lambda w: {"action": "activate"},
    ("post", "/api/v1/party/customers/{customer_id}/contacts"): lambda w: {
        "name": "张三",
        "phone": "13800001111",
    },
    ("post", "/api/v1/party/customers/{customer_id}/addresses"): lambda w: {
        "district_code": "440106",
        "street": "天河路 1 号",
        "receiver": "张三",
        "phone": "13800001111",
    },
    ("post", "/api/v1/party/applications/{application_id}/approve"): lambda w: {
        "customer_code": "LEAK-1",
        "org_id": w.south_sales.pk,
    },
    ("post", "/api/v1/party/applications/{application_id}/reject"): lambda w: {"note": "no"},
    ("post", "/api/v1/party/applications/{application_id}/request-info"): lambda w: {
        "note": "more"
    },
    ("post", "/api/v1/party/organizations/{org_id}/move"): lambda w: {"parent_id": w.east.pk},
    ("post", "/api/v1/outbox/{event_id}/retry"): lambda w: None,
    ("put", "/api/v1/party/suppliers/{supplier_id}"): lambda w: {"name": "改名"},
    ("delete", "/api/v1/party/customers/{customer_id}/{kind}/{item_id}"): lambda w: None,
    ("post", "/api/v1/party/customers/{customer_id}/{kind}/{item_id}/default"): lambda w: None,
    ("delete", "/api/v1/auth/tokens/{token_id}"): lambda w: None,
    ("put", "/api/v1/access/users/{user_id}"): lambda w: {"display_name": "改名"},
    ("post", "/api/v1/access/users/{user_id}/deactivate"): lambda w: {"reason": "leak"},
    ("post", "/api/v1/access/users/{user_id}/reactivate"): lambda w: None,
    ("post", "/api/v1/access/users/{user_id}/reset-password"): lambda w: {"password": ""},
    ("post", "/api/v1/access/users/{user_id}/assignments"): lambda w: {
        "role_id": Role.objects.get(code="south-viewer").pk,
        "scope_kind": "own",
    },
    ("delete", "/api/v1/access/assignments/{assignment_id}"): lambda w: None,
    ("put", "/api/v1/ledger/accounts/{account_id}/status"): lambda w: {"status": "frozen"},
    ("post", "/api/v1/ledger/entries/{entry_id}/reverse"): lambda w: {"memo": "leak"},
    ("post", "/api/v1/payment/transfers/{transfer_id}/confirm"): lambda w: None,
    ("post", "/api/v1/payment/transfers/{transfer_id}/reject"): lambda w: {"reason": "leak"},
    ("post", "/api/v1/payment/top-ups/{top_up_id}/refunds"): lambda w: {"amount": "1.00"},
    ("put", "/api/v1/credit/limits/{customer_id}"): lambda w: {"limit": "100.00"},
    ("delete", "/api/v1/payment/autopay-rules/{autopay_rule_id}"): lambda w: None,
    ("post", "/api/v1/credit/temporary/{credit_id}/approve"): lambda w: {"note": "ok"},
    ("post", "/api/v1/credit/temporary/{credit_id}/reject"): lambda w: {"note": "leak"},
    ("post", "/api/v1/credit/temporary/{credit_id}/cancel"): lambda w: None,
    ("post", "/api/v1/credit/temporary/{credit_id}/revoke"): lambda w: {"note": "leak"},
    ("put", "/api/v1/ledger/interest-policies/{org_id}"): lambda w: {"annual_rate": "1.5"},
    ("post", "/api/v1/ledger/accounts/{account_id}/statement/confirm"): lambda w: {
        "month": "2026-01"
    },
    ("post", "/api/v1/ledger/accounts/{account_id}/statement/dispute"): lambda w: {
        "month": "2026-01",
        "comment": "leak",
    },
    ("post", "/api/v1/ledger/accounts/{account_id}/statement/resolve"): lambda w: {
        "month": "2026-01",
        "resolution": "leak",
    },
    ("post", "/api/v1/inventory/reservations/{reservation_id}/release"): lambda w: None,
    ("post", "/api/v1/inventory/reservations/{reservation_id}/issue"): lambda w: None,
    ("post", "/api/v1/inventory/transfers/{stock_transfer_id}/receive"): lambda w: {},
    ("post", "/api/v1/inventory/transfers/{stock_transfer_id}/close"): lambda w: {"reason": "leak"},
    ("post", "/api/v1/inventory/counts/{count_id}/entries"): lambda w: {"quantities": {"1": "5"}},
    ("post", "/api/v1/inventory/counts/{count_id}/recount"): lambda w: None,
    ("post", "/api/v1/inventory/counts/{count_id}/approve"): lambda w: None,
    ("post", "/api/v1/inventory/counts/{count_id}/cancel"): lambda w: None,
    # the outsider's own (east) customer: the south sale is not for it
    ("post", "/api/v1/flash-sales/{sale_id}/reserve"): lambda w: {
        "quantity": 1,
        "customer_id": w.sh_dealer.pk,
    },
    ("post", "/api/v1/flash-sales/reservations/{flash_reservation_id}/pay"): lambda w: None,
    ("post", "/api/v1/flash-sales/reservations/{flash_reservation_id}/cancel"): lambda w: None,
}


def fill(path: str, ids: dict[str, str]) -> str:
    """Put the foreign object's id into each path parameter (1 where none is registered)."""
    return re.sub(r"\{([^}]+)\}", lambda m: ids.get(m.group(1), "1"), path)


def call(client, method, path, body=None):
    kwargs = {"content_type": "application/json"}
    if body is not None and method != "get":
        kwargs["data"] = json.dumps(body)
    return getattr(client, method)(path, **kwargs)


def test_every_route_requires_credentials_unless_public():
    make_world()
    anonymous = Client()
    for method, path in operations():
        if (method, path) in PUBLIC:
            continue
        concrete = re.sub(r"\{[^}]+\}", "1", path)
        res = call(anonymous, method, concrete, {})
        assert res.status_code == 401, (
            f"{method.upper()} {path} answered {res.status_code} without credentials"
        )


def test_a_user_without_roles_gets_nothing():
    world = make_world()
    nobody = User.objects.create_user("nobody", password="pass-12345678")
    client = Client()
    client.force_login(nobody)
    ids = foreign_objects(world)
    for method, path in operations():
        if (method, path) in PUBLIC or (method, path) in SELF_SERVICE:
            continue
        concrete = fill(path, ids)
        body = BODIES.get((method, path), lambda w: {})(world)
        res = call(client, method, concrete, body if method != "get" else None)
        assert res.status_code in (403, 404, 422), (
            f"{method.upper()} {path}: {res.status_code} for a user without roles"
        )
        if res.status_code == 422:
            # validation ran before the permission check: acceptable only for bodies we could
            # not make valid; nothing may have been written
            assert not AuditEntry.objects.filter(actor_name="nobody").exists()


def test_outsider_gets_404_and_changes_nothing_on_foreign_objects():
    world = make_world()
    ids = foreign_objects(world)
    client = outsider(world)
    audit_before = AuditEntry.objects.count()
    unclassified = []
    for method, path in operations():
        if (method, path) in PUBLIC or (method, path) in SELF_SERVICE or "{" not in path:
            continue
        if path.startswith(FUNCTIONAL_ONLY_PREFIXES):
            continue
        params = re.findall(r"\{([^}]+)\}", path)
        if any(p not in ids for p in params) or not path.startswith(SCOPED_PREFIXES):
            unclassified.append(f"{method.upper()} {path}")
            continue
        if method != "get" and (method, path) not in BODIES:
            unclassified.append(f"{method.upper()} {path} (register a valid body in BODIES)")
            continue
        body = BODIES[(method, path)](world) if method != "get" else None
        res = call(client, method, path.format(**ids), body)
        assert res.status_code == 404, (
            f"{method.upper()} {path}: {res.status_code} {res.content[:200]!r}"
        )
        assert res.json()["code"] == "not_found"
    assert not unclassified, "classify these routes in the leak matrix: " + ", ".join(unclassified)
    assert AuditEntry.objects.count() == audit_before
    world.gz_dealer.refresh_from_db()
    assert world.gz_dealer.status == "prospect" and world.gz_dealer.name == "广州天河饮品批发部"


def test_outsider_lists_never_show_foreign_rows():
    world = make_world()
    foreign_objects(world)
    client = outsider(world)
    for method, path in operations():
        if method != "get" or "{" in path or not path.startswith(SCOPED_PREFIXES):
            continue
        res = client.get(path, {"page_size": 500})
        assert res.status_code in (200, 404), f"GET {path}: {res.status_code}"
        text = res.content.decode()
        for secret in ("C-GZ-001", "广州天河饮品批发部", "华南销售部", "南方饮品", "华南包材"):
            assert secret not in text, f"GET {path} leaks {secret}"


def _page_patterns(resolver=None, prefix=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            if str(entry.pattern).startswith("api/"):
                continue
            yield from _page_patterns(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry


# url pattern prefix -> which foreign object its id parameter names
PAGE_OBJECTS = {
    "party/customers/": "customer_id",
    "party/applications/": "application_id",
    "party/suppliers/": "supplier_id",
    "access/users/": "user_id",
    "funds/accounts/": "account_id",
    "funds/transfers/": "transfer_id",
    "funds/top-ups/": "top_up_id",
    "funds/entries/": "entry_id",
    "credit/temporary/": "credit_id",
    "inventory/warehouses/": "warehouse_id",
    "inventory/reservations/": "reservation_id",
    "inventory/transfers/": "stock_transfer_id",
    "inventory/counts/": "count_id",
    "inventory/flash-sales/": "sale_id",
}
PAGE_EXCLUDED = {
    # url pattern prefix -> reason
    "catalog/": "enterprise-wide master data, functional permissions only",
    "imports/": "jobs are visible to their creator only (tested in the imports tests)",
    "party/apply/": "the public application form (the token is the credential)",
    "welcome/": "the one-time password link of a new portal login (the link is the credential)",
    "system/audit/": "audit pages are for administrators (scope: everything)",
    "access/roles/": "roles are enterprise-wide, functional permissions only",
    "notices/": "a user's own notices only (tested in credit/tests/test_alerts.py)",
}


def test_outsider_gets_404_on_foreign_object_pages():
    world = make_world()
    ids = foreign_objects(world)
    client = outsider(world)
    unclassified = []
    checked = 0
    for pattern, entry in _page_patterns():
        names = re.findall(r"<(?:\w+:)?(\w+)>", pattern)
        if not names or pattern.startswith(tuple(PAGE_EXCLUDED)):
            continue
        kind = next((v for k, v in PAGE_OBJECTS.items() if pattern.startswith(k)), None)
        if kind is None or len(names) != 1:
            unclassified.append(pattern)
            continue
        url = "/" + re.sub(r"<(?:\w+:)?(\w+)>", ids[kind], pattern)
        res = client.get(url)
        assert res.status_code == 404, f"page {url}: {res.status_code}"
        checked += 1
    assert not unclassified, "classify these pages in the leak matrix: " + ", ".join(unclassified)
    assert checked >= 3


# --- permission before validation -----------------------------------------------------------

BAD_BODIES = {
    "unknown field": json.dumps({"__no_such_field__": ["x"], "name": 12345}),
    "wrong type": json.dumps([1, 2, 3]),
    "malformed JSON": "{",
}


def test_every_path_parameter_is_classified_for_the_scope_check():
    from omni.api.path_scope import NOT_OBJECTS, PATH_OBJECTS

    params = {p for _m, path in operations() for p in re.findall(r"\{([^}]+)\}", path)}
    unclassified = sorted(params - set(PATH_OBJECTS) - set(NOT_OBJECTS))
    assert not unclassified, f"classify in omni.api.path_scope: {unclassified}"


def test_outsider_gets_404_whatever_the_body():
    """A bad body for an object outside the caller's scope: 404, never a 422 listing the
    fields (nor a 400 about the JSON), on every scoped route with an object id."""
    world = make_world()
    ids = foreign_objects(world)
    client = outsider(world)
    checked = 0
    for method, path in operations():
        if method == "get" or "{" not in path or (method, path) in PUBLIC:
            continue
        if not path.startswith(SCOPED_PREFIXES) or (method, path) in SELF_SERVICE:
            continue
        for label, body in BAD_BODIES.items():
            res = getattr(client, method)(
                path.format(**ids), data=body, content_type="application/json"
            )
            assert res.status_code == 404, (
                f"{method.upper()} {path} with {label}: {res.status_code} {res.content[:200]!r}"
            )
            assert res.json()["code"] == "not_found"
        checked += 1
    assert checked >= 15
    # the same bad body on the outsider's own customer is a validation error: the 404 above
    # came from the scope, not from the body
    own = client.put(
        f"/api/v1/party/customers/{world.sh_dealer.pk}",
        data=BAD_BODIES["unknown field"],
        content_type="application/json",
    )
    assert own.status_code == 422 and own.json()["details"]["errors"]


def test_a_dealer_editing_another_customer_with_a_bad_body_gets_404():
    """Issue 12 §1: a dealer's PUT /party/customers/{other} with a bad body listed the
    missing fields (422)."""
    from omni.party.tests.factories import user_with

    world = make_world()
    dealer = user_with(
        "dealer", ["party.customer.view", "party.customer.edit"], "own", customer=world.sh_dealer
    )
    client = Client()
    client.force_login(dealer)
    res = client.put(
        f"/api/v1/party/customers/{world.gz_dealer.pk}", {}, content_type="application/json"
    )
    assert res.status_code == 404 and res.json()["code"] == "not_found"
    assert "errors" not in res.json()["details"]
