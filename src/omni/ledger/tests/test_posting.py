"""Posting: entries sum to zero, guarded balances, idempotent keys, reversals, append-only."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, transaction

from omni.kernel.errors import DomainError
from omni.ledger import selectors
from omni.ledger.models import JournalEntry, Posting
from omni.ledger.services.accounts import set_account_status
from omni.ledger.services.posting import post_entry, reverse_entry
from omni.ledger.types import EntryKind
from omni.party.services.customers import change_customer_status

from .factories import SYSTEM, make_funds, top_up

pytestmark = pytest.mark.django_db


@pytest.fixture
def funds():
    return make_funds()


def balance(account_id: int) -> Decimal:
    return selectors.get_balance(SYSTEM, account_id).balance


def test_top_up_moves_money_from_the_bank_to_the_dealer(funds):
    # given a dealer's cash account and the sales organisation's bank account
    # when 1,000.50 is topped up
    posted = top_up(funds.cash, funds.bank, "1000.50")
    # then the dealer holds it, the bank side is the negative, and the posting shows the
    # running balance
    assert balance(funds.cash) == Decimal("1000.50")
    assert balance(funds.bank) == Decimal("-1000.50")
    assert posted.balances[funds.cash] == Decimal("1000.50")
    rows = list(Posting.objects.filter(entry_id=posted.id).values_list("account_id", "amount"))
    assert sorted(rows) == sorted([(funds.cash, 100050), (funds.bank, -100050)])


def test_a_debit_beyond_the_available_balance_is_refused_and_changes_nothing(funds):
    top_up(funds.cash, funds.bank, "100")
    with pytest.raises(DomainError) as err:
        post_entry(
            actor=SYSTEM,
            kind=EntryKind.ADJUSTMENT,
            lines=[(funds.cash, Decimal("-100.01")), (funds.bank, Decimal("100.01"))],
        )
    assert err.value.code == "insufficient_funds" and err.value.status == 409
    assert balance(funds.cash) == Decimal("100.00")
    assert JournalEntry.objects.count() == 1
    # to exactly zero is allowed
    post_entry(
        actor=SYSTEM,
        kind=EntryKind.ADJUSTMENT,
        lines=[(funds.cash, Decimal("-100")), (funds.bank, Decimal("100"))],
    )
    assert balance(funds.cash) == 0


@pytest.mark.parametrize(
    ("lines", "code"),
    [
        ([("cash", "0"), ("bank", "0")], "invalid_amount"),
        ([("cash", "1.001"), ("bank", "-1.001")], "invalid_amount"),
        ([("cash", 1.5), ("bank", -1.5)], "invalid_amount"),
        ([("cash", True), ("bank", -1)], "invalid_amount"),
        ([("cash", "NaN"), ("bank", "1")], "invalid_amount"),
        ([("cash", "abc"), ("bank", "1")], "invalid_amount"),
        ([("cash", "10")], "too_few_lines"),
        ([("cash", "10"), ("bank", "-9.99")], "unbalanced_entry"),
        ([("cash", "10"), ("points", "-10")], "unbalanced_entry"),
        ([("points", "1.5"), ("cash", "-1.5")], "invalid_amount"),
        ([("cash", "10"), ("nowhere", "-10")], "unknown_account"),
    ],
)
def test_bad_entries_are_refused_with_a_stable_code(funds, lines, code):
    ids = {"cash": funds.cash, "bank": funds.bank, "points": funds.points, "nowhere": 999999}
    with pytest.raises(DomainError) as err:
        post_entry(actor=SYSTEM, kind="adjustment", lines=[(ids[a], v) for a, v in lines])
    assert err.value.code == code
    assert 400 <= err.value.status < 500
    assert JournalEntry.objects.count() == 0


def test_points_are_whole_units(funds):
    from omni.ledger.services.accounts import counter_account

    issued = counter_account(funds.world.east_sales.pk, "points_issued", "PTS")
    post_entry(actor=SYSTEM, kind="grant", lines=[(funds.points, 500), (issued, -500)])
    assert selectors.get_balance(SYSTEM, funds.points).balance == Decimal(500)


def test_the_same_key_posts_once_and_a_different_entry_under_it_is_refused(funds):
    first = top_up(funds.cash, funds.bank, "50", key="alipay:2026120322001")
    again = top_up(funds.cash, funds.bank, "50", key="alipay:2026120322001")
    assert again.repeated and again.id == first.id
    assert balance(funds.cash) == Decimal("50.00")
    with pytest.raises(DomainError) as err:
        top_up(funds.cash, funds.bank, "51", key="alipay:2026120322001")
    assert err.value.code == "key_reused"


def test_a_frozen_account_or_customer_moves_no_money(funds):
    top_up(funds.cash, funds.bank, "10")
    set_account_status(actor=SYSTEM, account_id=funds.cash, status="frozen")
    with pytest.raises(DomainError) as err:
        top_up(funds.cash, funds.bank, "10")
    assert err.value.code == "account_frozen"
    set_account_status(actor=SYSTEM, account_id=funds.cash, status="active")
    if funds.world.sh_dealer.status == "prospect":
        change_customer_status(
            actor=SYSTEM, customer_id=funds.world.sh_dealer.pk, action="activate"
        )
    change_customer_status(
        actor=SYSTEM, customer_id=funds.world.sh_dealer.pk, action="freeze", reason="逾期未付款"
    )
    with pytest.raises(DomainError) as err:
        top_up(funds.cash, funds.bank, "10")
    assert err.value.code == "customer_frozen"
    assert balance(funds.cash) == Decimal("10.00")


def test_a_reversal_negates_an_entry_once(funds):
    posted = top_up(funds.cash, funds.bank, "80")
    reversal = reverse_entry(actor=SYSTEM, entry_id=posted.id, memo="录错金额")
    assert balance(funds.cash) == 0 and balance(funds.bank) == 0
    assert JournalEntry.objects.get(pk=reversal.id).reverses_id == posted.id
    for entry_id in (posted.id, reversal.id):
        with pytest.raises(DomainError) as err:
            reverse_entry(actor=SYSTEM, entry_id=entry_id)
        assert err.value.code == "already_reversed"


def test_a_reversal_that_would_overdraw_is_refused(funds):
    posted = top_up(funds.cash, funds.bank, "80")
    post_entry(actor=SYSTEM, kind="adjustment", lines=[(funds.cash, "-30"), (funds.bank, "30")])
    with pytest.raises(DomainError) as err:
        reverse_entry(actor=SYSTEM, entry_id=posted.id)
    assert err.value.code == "insufficient_funds"
    assert balance(funds.cash) == Decimal("50.00")


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE ledger_posting SET amount = amount + 1",
        "DELETE FROM ledger_posting",
        "UPDATE ledger_journalentry SET memo = 'x'",
        "DELETE FROM ledger_journalentry",
    ],
)
def test_postings_and_entries_are_append_only_in_the_database(funds, sql):
    top_up(funds.cash, funds.bank, "5")
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cur,
    ):
        cur.execute(sql)
    assert Posting.objects.count() == 2
