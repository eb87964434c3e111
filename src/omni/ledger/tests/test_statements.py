"""Statement confirmation: a dealer confirms a past month (locked: a late posting goes into
the next open month) or disputes lines with a comment; finance resolves; others get 404."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from omni.kernel import clock
from omni.ledger.models import Posting
from omni.ledger.services.posting import post_entry
from omni.party.tests.factories import client_for, user_with

from .factories import SYSTEM, make_funds, top_up

pytestmark = pytest.mark.django_db

DEALER = ["ledger.account.view", "ledger.statement.view", "ledger.statement.confirm"]
FINANCE = ["ledger.account.view", "ledger.statement.view", "ledger.statement.resolve"]


def months_ago(n: int) -> dt.date:
    day = clock.today().replace(day=1)
    for _ in range(n):
        day = (day - dt.timedelta(days=1)).replace(day=1)
    return day


@pytest.fixture
def funds():
    f = make_funds()
    post_entry(
        actor=SYSTEM,
        kind="transfer",
        lines=[(f.cash, Decimal("1000")), (f.bank, Decimal("-1000"))],
        business_date=months_ago(2) + dt.timedelta(days=9),
    )
    return f


def call(client, account, action, body):
    return client.post(
        f"/api/v1/ledger/accounts/{account}/statement/{action}",
        body,
        content_type="application/json",
    )


def test_a_confirmed_month_is_locked_and_a_late_posting_goes_into_the_next_open_month(funds):
    dealer = client_for(user_with("dlr", DEALER, "own", customer=funds.world.sh_dealer))
    month = months_ago(2)
    res = call(dealer, funds.cash, "confirm", {"month": month.strftime("%Y-%m")})
    assert res.status_code == 200, res.content
    assert res.json()["status"] == "confirmed"
    # a correction dated in the confirmed month lands on the first day of the next month
    late = post_entry(
        actor=SYSTEM,
        kind="adjustment",
        lines=[(funds.cash, Decimal("-10")), (funds.bank, Decimal("10"))],
        business_date=month + dt.timedelta(days=20),
    )
    dates = set(Posting.objects.filter(entry_id=late.id).values_list("business_date", flat=True))
    assert dates == {months_ago(1)}
    # the confirmed statement still says what the dealer confirmed
    res = dealer.get(
        f"/api/v1/ledger/accounts/{funds.cash}/statement?date_from={month}&date_to={months_ago(1) - dt.timedelta(days=1)}"
    )
    assert res.json()["closing"] == "1000.00"
    # confirming again is refused; the current month cannot be confirmed yet
    assert (
        call(dealer, funds.cash, "confirm", {"month": month.strftime("%Y-%m")}).status_code == 409
    )
    res = call(dealer, funds.cash, "confirm", {"month": clock.today().strftime("%Y-%m")})
    assert res.status_code == 409 and res.json()["code"] == "period_not_closed"


def test_a_dispute_is_resolved_by_finance_then_confirmed(funds):
    dealer = client_for(user_with("dlr", DEALER, "own", customer=funds.world.sh_dealer))
    finance = client_for(user_with("fin", FINANCE, "org", org=funds.world.east))
    month = months_ago(2).strftime("%Y-%m")
    posting = Posting.objects.get(account_id=funds.cash)
    res = call(
        dealer, funds.cash, "dispute", {"month": month, "posting_ids": [999999], "comment": "x"}
    )
    assert res.status_code == 404 and res.json()["code"] == "unknown_posting"
    res = call(
        dealer,
        funds.cash,
        "dispute",
        {"month": month, "posting_ids": [posting.pk], "comment": "到账金额应为 1,200 元"},
    )
    assert res.status_code == 200 and res.json()["status"] == "disputed"
    assert (
        call(dealer, funds.cash, "resolve", {"month": month, "resolution": "x"}).status_code == 403
    )
    res = call(finance, funds.cash, "resolve", {"month": month, "resolution": "已补录 200 元"})
    assert res.status_code == 200 and res.json()["status"] == "resolved"
    assert call(dealer, funds.cash, "confirm", {"month": month}).json()["status"] == "confirmed"
    periods = dealer.get(f"/api/v1/ledger/accounts/{funds.cash}/statement-periods").json()
    assert [p["status"] for p in periods] == ["confirmed"]


def test_another_customer_cannot_answer_this_statement(funds):
    other = client_for(user_with("gz", DEALER, "own", customer=funds.world.gz_dealer))
    res = call(other, funds.cash, "confirm", {"month": months_ago(2).strftime("%Y-%m")})
    assert res.status_code == 404


@pytest.mark.parametrize("month", ["2026-13", "26-01", "2026/01", ""])
def test_a_bad_month_is_refused(funds, month):
    dealer = client_for(user_with("dlr", DEALER, "own", customer=funds.world.sh_dealer))
    assert call(dealer, funds.cash, "confirm", {"month": month}).status_code == 422


def test_postings_this_month_cost_no_lock_check(funds, django_assert_num_queries):
    top_up(funds.cash, funds.bank, "1")  # warm
    from omni.ledger.services import statements

    with django_assert_num_queries(0):
        assert statements.open_day([funds.cash], clock.today()) == clock.today()
