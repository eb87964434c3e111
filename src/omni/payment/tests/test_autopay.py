"""Auto-pay rules (自动支付): which accounts pay an order and how much each, as data per
organisation and customer class; the plan follows the nearest rule (class, then default,
then the ancestors', then the built-in cash → credit), caps each step by its ratio, its
maximum and the account's available money, and reports the shortfall. Through the services
and through the API as a finance user scoped to one subsidiary."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omni.kernel.errors import DomainError
from omni.kernel.models import AuditEntry
from omni.ledger.services.accounts import counter_account, open_account
from omni.ledger.services.holds import hold_funds
from omni.ledger.services.posting import post_entry
from omni.ledger.tests.factories import SYSTEM
from omni.party.tests.factories import client_for, make_world, user_with
from omni.payment import calculations
from omni.payment.models import AutoPayRule
from omni.payment.services.autopay import delete_autopay_rule, plan_payment, set_autopay_rule
from omni.payment.types import AccountFunds, StepSnapshot

FINANCE = ["payment.autopay.view", "payment.autopay.edit", "ledger.account.view"]
GROUP_DEFAULT = [
    {"account_type": "rebate", "max_ratio": 30},
    {"account_type": "cash"},
    {"account_type": "credit"},
]


def fund(customer, org, type_code, amount, counter="bank"):
    account = open_account(actor=SYSTEM, type_code=type_code, customer_id=customer.pk).pk
    value = Decimal(amount)
    post_entry(
        actor=SYSTEM,
        kind="grant",
        lines=[(account, value), (counter_account(org.pk, counter), -value)],
    )
    return account


@pytest.fixture
def world(db):
    w = make_world()
    # 上海浦江: 5,000 prepaid, 2,000 rebate, 10,000 credit of which 1,000 held by an order
    w.cash = fund(w.sh_dealer, w.east_sales, "cash", "5000")
    w.rebate = fund(w.sh_dealer, w.east_sales, "rebate", "2000", "marketing")
    w.credit = fund(w.sh_dealer, w.east_sales, "credit", "10000", "credit_line")
    hold_funds(actor=SYSTEM, account_id=w.credit, amount="1000", source_type="t", source_id="1")
    return w


def amounts(plan):
    return [(line.account_type, str(line.amount), line.limited_by) for line in plan.lines]


def plan(world, amount, customer=None):
    customer = customer or world.sh_dealer
    return plan_payment(actor=SYSTEM, customer_id=customer.pk, amount=amount)


# --- resolution --------------------------------------------------------------------------------


def test_without_any_rule_the_builtin_default_pays_cash_then_credit(world):
    p = plan(world, "12000")
    assert p.rule.builtin and p.rule.id is None
    assert amounts(p) == [("cash", "5000.00", "balance"), ("credit", "7000.00", "order")]
    assert (p.paid, p.shortfall) == (Decimal("12000.00"), Decimal("0.00"))
    assert [line.account_id for line in p.holds] == [world.cash, world.credit]


def test_the_groups_default_applies_to_a_customer_below_it_with_the_rebate_capped(world):
    set_autopay_rule(actor=SYSTEM, org_id=world.group.pk, steps=GROUP_DEFAULT)
    p = plan(world, "4000")
    assert p.rule.org_id == world.group.pk and p.rule.inherited and not p.rule.builtin
    assert p.rule.description == "返利（≤30%） → 现金/预付款 → 授信"
    assert amounts(p) == [
        ("rebate", "1200.00", "ratio"),
        ("cash", "2800.00", "order"),
        ("credit", "0.00", "order"),
    ]
    big = plan(world, "20000")
    assert amounts(big) == [
        ("rebate", "2000.00", "balance"),
        ("cash", "5000.00", "balance"),
        ("credit", "9000.00", "balance"),  # 10,000 limit − 1,000 held
    ]
    assert big.shortfall == Decimal("4000.00") and big.paid == Decimal("16000.00")


def test_the_nearest_organisation_wins_and_within_it_the_customers_class(world):
    set_autopay_rule(actor=SYSTEM, org_id=world.group.pk, steps=GROUP_DEFAULT)
    set_autopay_rule(
        actor=SYSTEM, org_id=world.group.pk, customer_class="L1", steps=[{"account_type": "credit"}]
    )
    # the group's class rule beats the group's default
    assert plan(world, "100").rule.customer_class == "L1"
    assert amounts(plan(world, "100")) == [("credit", "100.00", "order")]
    # a default of the customer's own organisation beats any rule of the group
    own = set_autopay_rule(
        actor=SYSTEM, org_id=world.east_sales.pk, steps=[{"account_type": "cash"}]
    )
    p = plan(world, "100")
    assert p.rule.id == own.pk and not p.rule.inherited and p.rule.customer_class is None
    # and the organisation's class rule beats its default
    cls = set_autopay_rule(
        actor=SYSTEM,
        org_id=world.east_sales.pk,
        customer_class="L1",
        steps=[{"account_type": "rebate"}, {"account_type": "cash"}],
    )
    assert plan(world, "100").rule.id == cls.pk
    # the store (class STORE) of the same organisation gets the default
    assert plan(world, "100", world.sh_store).rule.id == own.pk
    # the subsidiary in between: nearer than the group
    mid = set_autopay_rule(actor=SYSTEM, org_id=world.east.pk, steps=[{"account_type": "credit"}])
    delete_autopay_rule(actor=SYSTEM, rule_id=own.pk)
    assert plan(world, "100", world.sh_store).rule.id == mid.pk
    # 广州 (south, L1) still follows the group's class rule
    assert plan(world, "1", world.gz_dealer).rule.customer_class == "L1"


def test_caps_missing_accounts_and_the_shortfall(world):
    set_autopay_rule(
        actor=SYSTEM,
        org_id=world.east_sales.pk,
        steps=[
            {"account_type": "special"},  # 上海浦江 has no special-funds account
            {"account_type": "rebate", "max_ratio": 50, "max_amount": "300"},
            {"account_type": "cash", "max_amount": "1000.50"},
        ],
    )
    p = plan(world, "3000")
    assert amounts(p) == [
        ("special", "0.00", "no_account"),
        ("rebate", "300.00", "max_amount"),
        ("cash", "1000.50", "max_amount"),
    ]
    assert p.lines[0].account_id is None and p.lines[1].cap == Decimal("300.00")
    assert p.shortfall == Decimal("1699.50")
    # a ratio cap is rounded down to the fen: 33 % of 0.10 is 0.03
    set_autopay_rule(
        actor=SYSTEM,
        org_id=world.east_sales.pk,
        steps=[{"account_type": "rebate", "max_ratio": 33}],
    )
    assert amounts(plan(world, "0.10")) == [("rebate", "0.03", "ratio")]


def test_a_frozen_account_pays_nothing(world):
    from omni.ledger.services.accounts import set_account_status

    set_account_status(actor=SYSTEM, account_id=world.cash, status="frozen")
    p = plan(world, "100")
    assert amounts(p) == [("cash", "0.00", "balance"), ("credit", "100.00", "order")]


@given(
    amount=st.integers(1, 10**9),
    steps=st.lists(
        st.tuples(
            st.integers(0, 10**9),
            st.one_of(st.none(), st.integers(1, 100)),
            st.one_of(st.none(), st.integers(1, 10**9)),
        ),
        max_size=6,
    ),
)
def test_a_plan_never_pays_more_than_the_order_a_balance_or_a_cap(amount, steps):
    snaps = [StepSnapshot(f"t{i}", ratio, cap) for i, (_avail, ratio, cap) in enumerate(steps)]
    funds = {f"t{i}": AccountFunds(i + 1, avail) for i, (avail, _r, _c) in enumerate(steps)}
    planned, shortfall = calculations.plan(amount, snaps, funds)
    assert sum(p.amount for p in planned) + shortfall == amount and shortfall >= 0
    for p, (avail, ratio, cap) in zip(planned, steps, strict=True):
        assert 0 <= p.amount <= avail
        assert ratio is None or p.amount * 100 <= amount * ratio
        assert cap is None or p.amount <= cap


# --- validation and audit ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "steps, code",
    [
        ([], "invalid_steps"),
        ([{"account_type": "cash"}] * 11, "invalid_steps"),
        ([{"account_type": "gold"}], "unknown_account_type"),
        ([{"account_type": "deposit"}], "account_type_cannot_pay"),
        ([{"account_type": "points"}], "account_type_cannot_pay"),
        ([{"account_type": "bank"}], "account_type_cannot_pay"),
        ([{"account_type": "cash"}, {"account_type": "cash"}], "duplicate_account_type"),
        ([{"account_type": "cash", "max_ratio": 0}], "invalid_ratio"),
        ([{"account_type": "cash", "max_ratio": 101}], "invalid_ratio"),
        ([{"account_type": "cash", "max_ratio": True}], "invalid_ratio"),
        ([{"account_type": "cash", "max_amount": "0"}], "invalid_amount"),
        ([{"account_type": "cash", "max_amount": "1.001"}], "invalid_amount"),
    ],
)
def test_bad_steps_are_refused_and_nothing_is_written(world, steps, code):
    with pytest.raises(DomainError) as err:
        set_autopay_rule(actor=SYSTEM, org_id=world.group.pk, steps=steps)
    assert err.value.code == code
    assert not AutoPayRule.objects.exists()


def test_unknown_class_and_bad_amounts(world):
    with pytest.raises(DomainError) as err:
        set_autopay_rule(
            actor=SYSTEM, org_id=world.group.pk, customer_class="NOPE", steps=GROUP_DEFAULT
        )
    assert err.value.code == "unknown_customer_class" and err.value.status == 404
    for amount in ("0", "-1", "1.001", "abc", "NaN", 1.5):
        with pytest.raises(DomainError) as err:
            plan(world, amount)
        assert err.value.code == "invalid_amount", amount


def test_setting_replacing_and_deleting_are_audited(world):
    rule = set_autopay_rule(actor=SYSTEM, org_id=world.group.pk, steps=GROUP_DEFAULT)
    again = set_autopay_rule(actor=SYSTEM, org_id=world.group.pk, steps=GROUP_DEFAULT)
    assert again.pk == rule.pk
    set_autopay_rule(actor=SYSTEM, org_id=world.group.pk, steps=[{"account_type": "cash"}])
    delete_autopay_rule(actor=SYSTEM, rule_id=rule.pk)
    entries = list(
        AuditEntry.objects.filter(object_type="payment.autopayrule").order_by("id").values()
    )
    assert [e["action"] for e in entries] == [
        "payment.autopay_rule_set",  # created
        "payment.autopay_rule_set",  # replaced (the repeat changed nothing: no entry)
        "payment.autopay_rule_deleted",
    ]
    assert entries[0]["before"] is None
    assert entries[1]["before"]["steps"] == "返利（≤30%） → 现金/预付款 → 授信"
    assert entries[1]["after"]["steps"] == "现金/预付款"
    assert entries[2]["after"] is None and entries[2]["org_id"] == world.group.pk
    assert not AutoPayRule.objects.exists()


# --- scope -------------------------------------------------------------------------------------


def test_another_subsidiarys_rules_and_customers_do_not_exist_for_a_scoped_user(world):
    from omni.access.services.actors import build_actor
    from omni.payment import selectors

    south_rule = set_autopay_rule(
        actor=SYSTEM, org_id=world.south_sales.pk, steps=[{"account_type": "cash"}]
    )
    group_rule = set_autopay_rule(actor=SYSTEM, org_id=world.group.pk, steps=GROUP_DEFAULT)
    east = build_actor(user_with("fin", FINANCE, "org", org=world.east))
    with pytest.raises(DomainError) as err:
        set_autopay_rule(actor=east, org_id=world.south_sales.pk, steps=GROUP_DEFAULT)
    assert err.value.code == "unknown_organization" and err.value.status == 404
    with pytest.raises(DomainError) as err:
        plan_payment(actor=east, customer_id=world.gz_dealer.pk, amount="1")
    assert err.value.code == "unknown_customer" and err.value.status == 404
    with pytest.raises(DomainError) as err:
        delete_autopay_rule(actor=east, rule_id=south_rule.pk)
    assert err.value.code == "not_found"
    # the group's rule applies to the east's customers: readable, not changeable
    assert list(selectors.list_autopay_rules(east)) == [group_rule]
    with pytest.raises(DomainError) as err:
        delete_autopay_rule(actor=east, rule_id=group_rule.pk)
    assert err.value.code == "permission_denied"
    with pytest.raises(DomainError) as err:
        set_autopay_rule(actor=east, org_id=world.group.pk, steps=GROUP_DEFAULT)
    assert err.value.code == "unknown_organization"
    assert plan_payment(actor=east, customer_id=world.sh_dealer.pk, amount="1").rule.inherited
    assert AutoPayRule.objects.count() == 2


# --- API ---------------------------------------------------------------------------------------


def put(client, body):
    return client.put("/api/v1/payment/autopay-rules", body, content_type="application/json")


def post_plan(client, customer_id, amount):
    return client.post(
        "/api/v1/payment/autopay/plan",
        {"customer_id": customer_id, "amount": amount},
        content_type="application/json",
    )


def test_api_as_a_finance_user_of_one_subsidiary(world):
    fin = client_for(user_with("fin", FINANCE, "org", org=world.east))
    body = {
        "org_id": world.east_sales.pk,
        "customer_class": "L1",
        "steps": [
            {"account_type": "rebate", "max_ratio": 30, "max_amount": "500.00"},
            {"account_type": "cash"},
            {"account_type": "credit", "max_ratio": None},
        ],
    }
    res = put(fin, body)
    assert res.status_code == 200, res.content
    rule = res.json()
    assert rule["customer_class"] == "L1" and rule["org_name"] == "华东销售部"
    assert [s["account_type"] for s in rule["steps"]] == ["rebate", "cash", "credit"]
    assert rule["steps"][0] == {
        "position": 1,
        "account_type": "rebate",
        "account_type_name": "返利",
        "max_ratio": 30,
        "max_amount": "500.00",
    }
    listed = fin.get("/api/v1/payment/autopay-rules", {"customer_class": "L1"}).json()
    assert listed["total"] == 1 and listed["items"][0]["id"] == rule["id"]
    assert fin.get(f"/api/v1/payment/autopay-rules/{rule['id']}").json() == rule

    res = post_plan(fin, world.sh_dealer.pk, "10000.00")
    assert res.status_code == 200, res.content
    p = res.json()
    assert p["rule"]["id"] == rule["id"] and not p["rule"]["builtin"]
    assert [(ln["account_type"], ln["amount"], ln["limited_by"]) for ln in p["lines"]] == [
        ("rebate", "500.00", "max_amount"),
        ("cash", "5000.00", "balance"),
        ("credit", "4500.00", "order"),
    ]
    assert p["lines"][0]["account_id"] == world.rebate and p["lines"][0]["cap"] == "500.00"
    assert (p["paid"], p["shortfall"], p["currency"]) == ("10000.00", "0.00", "CNY")

    # a conflict and a malformed body
    dup = put(fin, {**body, "steps": [{"account_type": "cash"}, {"account_type": "cash"}]})
    assert dup.status_code == 409 and dup.json()["code"] == "duplicate_account_type"
    bad = put(fin, {**body, "steps": [{"account_type": "cash", "max_ratio": 0}]})
    assert bad.status_code == 422
    assert post_plan(fin, world.sh_dealer.pk, "0").status_code == 422
    assert post_plan(fin, world.sh_dealer.pk, 10).status_code == 422

    # the other subsidiary does not exist for this user
    south = put(fin, {**body, "org_id": world.south_sales.pk})
    assert south.status_code == 404 and south.json()["code"] == "unknown_organization"
    res = post_plan(fin, world.gz_dealer.pk, "1.00")
    assert res.status_code == 404 and res.json()["code"] == "unknown_customer"

    assert fin.delete(f"/api/v1/payment/autopay-rules/{rule['id']}").status_code == 204
    assert fin.get(f"/api/v1/payment/autopay-rules/{rule['id']}").status_code == 404
    assert post_plan(fin, world.sh_dealer.pk, "1.00").json()["rule"]["builtin"]


def test_api_a_viewer_cannot_change_rules(world):
    viewer = client_for(user_with("sa", ["payment.autopay.view"], "org", org=world.east))
    res = put(viewer, {"org_id": world.east_sales.pk, "steps": [{"account_type": "cash"}]})
    assert res.status_code == 403
    assert post_plan(viewer, world.sh_dealer.pk, "1.00").status_code == 200
    nobody = client_for(user_with("nobody", ["ledger.account.view"], "org", org=world.east))
    assert post_plan(nobody, world.sh_dealer.pk, "1.00").status_code == 403
    assert nobody.get("/api/v1/payment/autopay-rules").status_code == 403


def test_the_demo_rules_are_loaded_once(world):
    from omni.payment.demo import load_payment_demo

    assert load_payment_demo(actor=SYSTEM, group_code="G") == 2
    assert load_payment_demo(actor=SYSTEM, group_code="G") == 0
    assert plan(world, "100").rule.description == "返利（≤30%） → 现金/预付款 → 授信"
    store = plan(world, "100", world.sh_store).rule
    assert store.customer_class == "STORE" and store.inherited
    assert store.description == "返利（≤10%，≤¥500.00） → 现金/预付款"


@pytest.mark.django_db(transaction=True)
def test_setting_the_same_rule_from_many_threads_leaves_one_rule_with_one_set_of_steps():
    from omni.kernel.testing import race

    w = make_world()
    kinds = ["cash", "credit", "rebate", "special", "expense", "allowance"]

    def setter(kind):
        return lambda: set_autopay_rule(
            actor=SYSTEM, org_id=w.group.pk, steps=[{"account_type": kind}]
        )

    outcome = race([setter(k) for k in kinds])
    assert len(outcome.ok) == len(kinds), outcome.errors
    rule = AutoPayRule.objects.get()
    assert [s.account_type.code for s in rule.steps.all()] in [[k] for k in kinds]
    assert AuditEntry.objects.filter(action="payment.autopay_rule_set").count() == len(kinds)
