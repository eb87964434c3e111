"""Receivables on credit are aged FIFO against the payment term (账期): what is past due
blocks new credit, warns, or is ignored, per the customer's overdue action."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omni.credit.calculations import age
from omni.kernel import clock
from omni.kernel.actors import Actor
from omni.ledger.services.accounts import counter_account
from omni.ledger.services.posting import post_entry
from omni.party.tests.factories import client_for, make_world, user_with

SYSTEM = Actor.system("test")
D = dt.date(2026, 11, 1)


def test_payments_settle_the_oldest_use_first():
    usage = [(D, 100), (D + dt.timedelta(days=10), 50), (D + dt.timedelta(days=40), 70)]
    # term 30: on D+45 the first two are due (D+30, D+40), the third is not (D+70)
    aged = age(usage, 120, 30, D + dt.timedelta(days=45))
    assert aged.outstanding == 100 and aged.overdue == 30
    assert aged.oldest_due == D + dt.timedelta(days=40) and aged.overdue_days == 5
    assert age(usage, 220, 30, D + dt.timedelta(days=100)).overdue == 0
    assert age(usage, 0, 30, D + dt.timedelta(days=30)).overdue == 0  # due today: not overdue
    assert age([], 50, 30, D).outstanding == 0


@given(
    st.lists(st.tuples(st.integers(0, 90), st.integers(1, 10_000)), max_size=30),
    st.integers(0, 200_000),
    st.integers(0, 120),
    st.integers(0, 200),
)
def test_ageing_never_exceeds_what_is_unpaid(raw, repaid, term, offset):
    usage = [(D + dt.timedelta(days=d), a) for d, a in raw]
    aged = age(usage, repaid, term, D + dt.timedelta(days=offset))
    total = sum(a for _, a in usage)
    assert aged.outstanding == max(total - repaid, 0)
    assert 0 <= aged.overdue <= aged.outstanding
    assert (aged.overdue_days > 0) == (aged.overdue > 0)


@pytest.mark.django_db
def test_overdue_blocks_warns_or_is_ignored():
    world = make_world()
    admin = client_for(
        user_with("sa", ["credit.limit.view", "credit.limit.edit"], "org", org=world.east)
    )
    dealer = world.sh_dealer.pk

    def put(**extra):
        res = admin.put(
            f"/api/v1/credit/limits/{dealer}",
            {"limit": "100000", "term_days": 30, **extra},
            content_type="application/json",
        )
        assert res.status_code == 200, res.content
        return res.json()

    def check():
        return admin.post(
            "/api/v1/credit/check",
            {"customer_id": dealer, "amount": "1000"},
            content_type="application/json",
        ).json()

    limit = put()
    assert limit["overdue_action"] == "block"
    sales = counter_account(world.east.pk, "sales")
    # 40 days ago the dealer took 30,000 on credit: due 10 days ago
    post_entry(
        actor=SYSTEM,
        kind="capture",
        lines=[(limit["account_id"], "-30000"), (sales, "30000")],
        business_date=clock.today() - dt.timedelta(days=40),
    )
    result = check()
    assert not result["allowed"] and result["reason"] == "overdue"
    assert result["overdue"] == "30000.00" and result["overdue_days"] == 10
    assert result["used"] == "30000.00"
    put(overdue_action="warn")
    result = check()
    assert result["allowed"] and result["warning"] and result["reason"] == "within_limit"
    put(overdue_action="ignore")
    result = check()
    assert result["allowed"] and not result["warning"]
    put(overdue_action="block")
    # paying 30,000 back clears it
    post_entry(
        actor=SYSTEM,
        kind="transfer",
        lines=[(limit["account_id"], "30000"), (counter_account(world.east.pk, "bank"), "-30000")],
    )
    result = check()
    assert result["allowed"] and result["overdue"] == "0.00" and result["overdue_days"] == 0
