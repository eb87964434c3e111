"""Deposit interest: average daily balance × yearly rate × days / 365 into the allowance
account, once per account and month; a re-run posts nothing twice."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

import pytest

from omni.kernel import clock
from omni.kernel.errors import DomainError
from omni.ledger import selectors
from omni.ledger.models import InterestPolicy, JournalEntry
from omni.ledger.services.accounts import counter_account, open_account
from omni.ledger.services.interest import post_deposit_interest
from omni.ledger.services.posting import post_entry
from omni.ledger.services.statements import next_month

from .factories import SYSTEM, make_funds

pytestmark = pytest.mark.django_db


def last_month() -> dt.date:
    return (clock.today().replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def test_interest_is_paid_once_on_the_average_daily_balance():
    funds = make_funds()
    InterestPolicy.objects.create(org=funds.world.east, annual_rate=Decimal("3.65"))
    deposit = open_account(actor=SYSTEM, type_code="deposit", customer_id=funds.world.sh_dealer.pk)
    bank = counter_account(funds.world.east_sales.pk, "bank")
    month = last_month()
    days = (next_month(month) - month).days
    # 100,000 all month, and 73,000 more for the second half of the month
    post_entry(
        actor=SYSTEM,
        kind="transfer",
        lines=[(deposit.pk, "100000"), (bank, "-100000")],
        business_date=month,
    )
    half = month + dt.timedelta(days=days - 15)
    post_entry(
        actor=SYSTEM,
        kind="transfer",
        lines=[(deposit.pk, "73000"), (bank, "-73000")],
        business_date=half,
    )
    counts = post_deposit_interest(actor=SYSTEM, month=month)
    assert counts["posted"] == 1
    average = Decimal(100000) + Decimal(73000) * 15 / days
    expected = (average * Decimal("0.0365") * days / 365).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP
    )
    allowance = open_account(
        actor=SYSTEM, type_code="allowance", customer_id=funds.world.sh_dealer.pk
    )
    assert selectors.get_balance(SYSTEM, allowance.pk).balance == expected
    # the deposit itself is untouched; a re-run posts nothing twice
    assert selectors.get_balance(SYSTEM, deposit.pk).balance == Decimal("173000.00")
    assert post_deposit_interest(actor=SYSTEM, month=month) == {
        "posted": 0,
        "repeated": 1,
        "nothing": 0,
    }
    assert JournalEntry.objects.filter(kind="interest").count() == 1


def test_no_policy_no_interest_and_the_current_month_is_refused():
    funds = make_funds()
    deposit = open_account(actor=SYSTEM, type_code="deposit", customer_id=funds.world.gz_dealer.pk)
    post_entry(
        actor=SYSTEM,
        kind="transfer",
        lines=[(deposit.pk, "5000"), (funds.gz_bank, "-5000")],
        business_date=last_month(),
    )
    assert post_deposit_interest(actor=SYSTEM, month=last_month())["posted"] == 0
    with pytest.raises(DomainError) as err:
        post_deposit_interest(actor=SYSTEM, month=clock.today())
    assert err.value.code == "period_not_closed"


def test_the_rate_is_set_through_the_api_and_bad_rates_are_refused():
    from omni.party.tests.factories import client_for, user_with

    funds = make_funds()
    finance = client_for(
        user_with(
            "fin", ["ledger.account.view", "ledger.account.edit"], "org", org=funds.world.east
        )
    )
    url = f"/api/v1/ledger/interest-policies/{funds.world.east.pk}"
    res = finance.put(url, {"annual_rate": "1.75"}, content_type="application/json")
    assert res.status_code == 200 and res.json()["annual_rate"] == "1.7500"
    for bad in ("-1", "101", "1.23456", 2):
        res = finance.put(url, {"annual_rate": bad}, content_type="application/json")
        assert res.status_code == 422, bad
    other = f"/api/v1/ledger/interest-policies/{funds.world.south.pk}"
    assert (
        finance.put(other, {"annual_rate": "1"}, content_type="application/json").status_code == 404
    )
