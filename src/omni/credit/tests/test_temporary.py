"""Temporary credit (临时信用): requested, approved by someone else, granted in the ledger,
counted by the credit check, expired by the sweep, and taken back only as far as it is
free (the rest as repayments come in, each part once)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from omni.credit.models import TemporaryCredit
from omni.credit.services.temporary import expire_due
from omni.kernel import clock
from omni.kernel.actors import Actor
from omni.ledger import selectors as ledger
from omni.ledger.models import JournalEntry
from omni.ledger.services.accounts import counter_account
from omni.ledger.services.holds import capture_hold, hold_funds
from omni.ledger.services.posting import post_entry
from omni.party.tests.factories import client_for, make_world, user_with

pytestmark = pytest.mark.django_db
REP = ["credit.limit.view", "credit.temporary.view", "credit.temporary.request"]
APPROVER = [*REP, "credit.limit.edit", "credit.temporary.approve"]
SYSTEM = Actor.system("test")


@pytest.fixture
def world():
    return make_world()


@pytest.fixture
def rep(world):
    return client_for(user_with("rep", REP, "org", org=world.east))


@pytest.fixture
def finance(world):
    return client_for(user_with("fin", APPROVER, "org", org=world.east))


def ask(client, customer_id, amount="50000.00", days=10, reason="旺季备货"):
    return client.post(
        "/api/v1/credit/temporary",
        {
            "customer_id": customer_id,
            "amount": amount,
            "expires_on": str(clock.today() + dt.timedelta(days=days)),
            "reason": reason,
        },
        content_type="application/json",
    )


def act(client, credit_id, action, note=None):
    body = {} if note is None else {"note": note}
    return client.post(
        f"/api/v1/credit/temporary/{credit_id}/{action}", body, content_type="application/json"
    )


def check(client, customer_id, amount):
    return client.post(
        "/api/v1/credit/check",
        {"customer_id": customer_id, "amount": amount},
        content_type="application/json",
    ).json()


def balance(account_id):
    return ledger.get_balance(SYSTEM, account_id)


def test_request_approve_use_and_expire(world, rep, finance):
    dealer = world.sh_dealer.pk
    res = finance.put(
        f"/api/v1/credit/limits/{dealer}", {"limit": "100000"}, content_type="application/json"
    )
    assert res.status_code == 200, res.content
    res = ask(rep, dealer)
    assert res.status_code == 201, res.content
    credit = res.json()
    assert credit["status"] == "requested" and credit["requested_by"] == "rep"
    # nothing is granted before approval
    assert check(rep, dealer, "100000.01")["reason"] == "over_limit"
    # the requester cannot approve (and lacks the permission anyway); four eyes
    assert act(rep, credit["id"], "approve").status_code == 403
    res = act(finance, credit["id"], "approve", "同意")
    assert res.status_code == 200, res.content
    assert res.json()["status"] == "active"
    numbers = check(rep, dealer, "150000.00")
    assert numbers["allowed"] and numbers["temporary"] == "50000.00"
    assert (numbers["limit"], numbers["available"], numbers["used"]) == (
        "100000.00",
        "150000.00",
        "0.00",
    )
    assert check(rep, dealer, "150000.01")["reason"] == "over_limit"
    # a second approval is a conflict and grants nothing more
    assert act(finance, credit["id"], "approve").status_code == 409
    assert balance(credit["account_id"]).balance == Decimal("150000.00")

    # the dealer spends 130,000 on credit (an order's hold captured at shipment)
    hold = hold_funds(
        actor=SYSTEM,
        account_id=credit["account_id"],
        amount="130000",
        source_type="order",
        source_id="SO-9",
    )
    capture_hold(actor=SYSTEM, hold_id=hold.pk)
    # not expired on its last day
    assert expire_due(today=clock.today() + dt.timedelta(days=10))["expired"] == 0
    # the day after: expired; only the 20,000 still free is taken back now
    counts = expire_due(today=clock.today() + dt.timedelta(days=11))
    assert counts == {"expired": 1, "withdrawn_fen": 2_000_000}
    row = TemporaryCredit.objects.get(pk=credit["id"])
    assert row.status == "expired" and row.withdrawn == 2_000_000
    assert balance(credit["account_id"]).balance == Decimal("0.00")
    numbers = check(rep, dealer, "1.00")
    assert numbers["temporary"] == "0.00" and numbers["available"] == "0.00"
    assert not numbers["allowed"]
    # a repeated sweep with nothing free posts nothing
    entries = JournalEntry.objects.count()
    assert expire_due(today=clock.today() + dt.timedelta(days=12))["withdrawn_fen"] == 0
    assert JournalEntry.objects.count() == entries

    # the dealer repays 100,000: 30,000 goes back to the expired credit, 70,000 is free
    post_entry(
        actor=SYSTEM,
        kind="transfer",
        lines=[
            (credit["account_id"], "100000"),
            (counter_account(world.east.pk, "credit_line"), "-100000"),
        ],
    )
    numbers = check(rep, dealer, "70000.00")
    assert numbers["allowed"] and numbers["available"] == "70000.00"
    assert not check(rep, dealer, "70000.01")["allowed"]
    assert expire_due(today=clock.today() + dt.timedelta(days=12))["withdrawn_fen"] == 3_000_000
    row.refresh_from_db()
    assert row.withdrawn == row.amount
    assert balance(credit["account_id"]).balance == Decimal("70000.00")
    assert check(rep, dealer, "70000.00")["allowed"]
    # nothing more to take: the sweep leaves it alone
    assert expire_due(today=clock.today() + dt.timedelta(days=13)) == {
        "expired": 0,
        "withdrawn_fen": 0,
    }


def test_reject_cancel_and_revoke(world, rep, finance):
    dealer = world.sh_dealer.pk
    first = ask(rep, dealer, "1000").json()
    res = act(finance, first["id"], "reject", "  ")
    assert res.status_code == 422  # a reason is required
    res = act(finance, first["id"], "reject", "额度已足")
    assert res.status_code == 200 and res.json()["status"] == "rejected"
    assert act(finance, first["id"], "approve").status_code == 409

    second = ask(rep, dealer, "2000").json()
    assert act(rep, second["id"], "cancel").status_code == 200
    assert act(finance, second["id"], "approve").status_code == 409

    third = ask(rep, dealer, "3000").json()
    act(finance, third["id"], "approve")
    assert balance(third["account_id"]).balance == Decimal("3000.00")
    res = act(finance, third["id"], "revoke", "提前收回")
    assert res.status_code == 200, res.content
    assert res.json()["status"] == "revoked" and res.json()["withdrawn"] == "3000.00"
    assert balance(third["account_id"]).balance == Decimal("0.00")
    # the ledger tells the story: grant then withdrawal, both from this credit
    sources = JournalEntry.objects.filter(source_type="credit.temporary", source_id=third["id"])
    assert sources.count() == 2


def test_an_approver_cannot_approve_their_own_request(world, finance):
    own = ask(finance, world.sh_dealer.pk).json()
    res = act(finance, own["id"], "approve")
    assert res.status_code == 409 and res.json()["code"] == "own_request"
    assert TemporaryCredit.objects.get(pk=own["id"]).status == "requested"


@pytest.mark.parametrize(
    ("amount", "days", "reason", "status", "code"),
    [
        ("0", 10, "x", 422, None),
        ("10.001", 10, "x", 422, None),
        ("100", -1, "x", 409, "invalid_expiry"),
        ("100", 400, "x", 409, "invalid_expiry"),
        ("100", 10, "", 422, None),
    ],
)
def test_bad_requests_change_nothing(world, rep, amount, days, reason, status, code):
    res = ask(rep, world.sh_dealer.pk, amount, days, reason)
    assert res.status_code == status, res.content
    if code:
        assert res.json()["code"] == code
    assert not TemporaryCredit.objects.exists()


def test_scope_another_subsidiary_sees_nothing(world, rep, finance):
    south = ask(finance, world.gz_dealer.pk)
    # east staff cannot even name a south customer
    assert south.status_code == 404 and south.json()["code"] == "unknown_customer"
    mine = ask(rep, world.sh_dealer.pk).json()
    south_finance = client_for(user_with("sfin", APPROVER, "org", org=world.south_sales))
    assert act(south_finance, mine["id"], "approve").status_code == 404
    assert south_finance.get(f"/api/v1/credit/temporary/{mine['id']}").status_code == 404
    assert south_finance.get("/api/v1/credit/temporary").json()["total"] == 0
    assert TemporaryCredit.objects.get(pk=mine["id"]).status == "requested"
