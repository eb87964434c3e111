"""Ledger API as each role would use it: finance adjusts and reverses, a dealer reads only
its own accounts, bad input is a 4xx with a stable code and changes nothing."""

from __future__ import annotations

import pytest

from omni.ledger import selectors
from omni.ledger.models import JournalEntry
from omni.party.tests.factories import client_for, user_with

from .factories import SYSTEM, make_funds, top_up

pytestmark = pytest.mark.django_db

FINANCE = [
    "ledger.account.view",
    "ledger.account.create",
    "ledger.account.edit",
    "ledger.entry.view",
    "ledger.entry.create",
    "ledger.entry.approve",
    "ledger.hold.view",
]


@pytest.fixture
def funds():
    f = make_funds()
    top_up(f.cash, f.bank, "500")
    top_up(f.gz_cash, f.gz_bank, "70")
    return f


@pytest.fixture
def finance(funds):
    return client_for(user_with("fin", FINANCE, "org", org=funds.world.east))


@pytest.fixture
def dealer(funds):
    return client_for(
        user_with("dlr", ["ledger.account.view"], "own", customer=funds.world.sh_dealer)
    )


def post(client, path, body):
    return client.post(f"/api/v1/ledger{path}", body, content_type="application/json")


def test_finance_adjusts_a_balance_and_reverses_the_entry(funds, finance):
    res = post(
        finance,
        "/adjustments",
        {"account_id": funds.cash, "direction": "out", "amount": "120.50", "memo": "运费补扣"},
    )
    assert res.status_code == 201, res.content
    entry = res.json()
    assert {line["amount"] for line in entry["lines"]} == {"-120.50", "120.50"}
    assert selectors.get_balance(SYSTEM, funds.cash).balance == pytest.approx(379.5)
    res = post(finance, f"/entries/{entry['id']}/reverse", {"memo": "录入错误"})
    assert res.status_code == 201, res.content
    assert res.json()["reverses_id"] == entry["id"]
    res = post(finance, f"/entries/{entry['id']}/reverse", {})
    assert res.status_code == 409 and res.json()["code"] == "already_reversed"


def test_finance_lists_accounts_in_its_organisation_only(funds, finance):
    res = finance.get("/api/v1/ledger/accounts?type=cash")
    assert res.status_code == 200
    ids = {a["id"] for a in res.json()["items"]}
    assert funds.cash in ids and funds.gz_cash not in ids
    res = finance.get(f"/api/v1/ledger/accounts/{funds.gz_cash}")
    assert res.status_code == 404


def test_a_dealer_sees_its_own_balance_and_statement_only(funds, dealer):
    res = dealer.get("/api/v1/ledger/accounts")
    assert res.status_code == 200
    ids = {a["id"] for a in res.json()["items"]}
    assert funds.cash in ids and funds.gz_cash not in ids and funds.bank not in ids
    mine = next(a for a in res.json()["items"] if a["id"] == funds.cash)
    assert (mine["balance"], mine["available"]) == ("500.00", "500.00")
    res = dealer.get(
        f"/api/v1/ledger/accounts/{funds.cash}/statement?date_from=2000-01-01&date_to=2100-01-01"
    )
    assert res.status_code == 200
    st = res.json()
    assert (st["opening"], st["closing"], st["credits"]) == ("0.00", "500.00", "500.00")
    assert dealer.get(f"/api/v1/ledger/accounts/{funds.gz_cash}/postings").status_code == 404
    assert dealer.get(f"/api/v1/ledger/accounts/{funds.bank}").status_code == 404
    # reading is all a dealer may do
    res = post(dealer, "/adjustments", {"account_id": funds.cash, "direction": "in", "amount": "1"})
    assert res.status_code == 403


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"direction": "in", "amount": "0"}, 422, None),
        ({"direction": "in", "amount": "-5"}, 422, None),
        ({"direction": "in", "amount": "1.005"}, 422, None),
        ({"direction": "in", "amount": 12.5}, 422, None),
        ({"direction": "in", "amount": "1e3"}, 422, None),
        ({"direction": "sideways", "amount": "1"}, 422, None),
        ({"direction": "out", "amount": "500.01"}, 409, "insufficient_funds"),
        ({"direction": "in", "amount": "1", "extra": 1}, 422, None),
    ],
)
def test_bad_adjustments_are_refused_and_change_nothing(funds, finance, body, status, code):
    before = JournalEntry.objects.count()
    res = post(finance, "/adjustments", {"account_id": funds.cash, **body})
    assert res.status_code == status, res.content
    if code:
        assert res.json()["code"] == code
    assert JournalEntry.objects.count() == before
    assert selectors.get_balance(SYSTEM, funds.cash).balance == 500


def test_an_account_outside_the_scope_is_404_whatever_the_body(funds, finance):
    res = post(
        finance, "/adjustments", {"account_id": funds.gz_cash, "direction": "in", "amount": "1"}
    )
    assert res.status_code == 404 and res.json()["code"] == "unknown_account"
    res = finance.put(
        f"/api/v1/ledger/accounts/{funds.gz_cash}/status",
        {"status": "nope"},
        content_type="application/json",
    )
    assert res.status_code == 404
