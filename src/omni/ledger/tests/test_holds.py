"""Holds: placed against the available balance, captured or released once, never both."""

from __future__ import annotations

from decimal import Decimal

import pytest

from omni.kernel.errors import DomainError
from omni.ledger import selectors
from omni.ledger.services.holds import capture_hold, hold_funds, release_hold

from .factories import SYSTEM, make_funds, top_up

pytestmark = pytest.mark.django_db


@pytest.fixture
def funds():
    f = make_funds()
    top_up(f.cash, f.bank, "1000")
    return f


def view(account_id):
    return selectors.get_balance(SYSTEM, account_id)


def hold(funds, amount="300", source="SO-1"):
    return hold_funds(
        actor=SYSTEM, account_id=funds.cash, amount=amount, source_type="order", source_id=source
    )


def test_a_hold_reduces_the_available_balance_only(funds):
    hold(funds)
    v = view(funds.cash)
    assert (v.balance, v.frozen, v.available) == (
        Decimal("1000.00"),
        Decimal("300.00"),
        Decimal("700.00"),
    )


def test_a_hold_beyond_the_available_balance_is_refused(funds):
    hold(funds, "800")
    with pytest.raises(DomainError) as err:
        hold(funds, "200.01", source="SO-2")
    assert err.value.code == "insufficient_funds"
    assert view(funds.cash).frozen == Decimal("800.00")


def test_the_same_document_holds_once(funds):
    first = hold(funds)
    assert hold(funds).pk == first.pk
    assert view(funds.cash).frozen == Decimal("300.00")
    with pytest.raises(DomainError) as err:
        hold(funds, "301")
    assert err.value.code == "duplicate_hold"


def test_capture_pays_the_sales_account_and_releases_the_rest(funds):
    h = hold(funds)
    posted = capture_hold(actor=SYSTEM, hold_id=h.pk, amount="250.40")
    v = view(funds.cash)
    assert (v.balance, v.frozen, v.available) == (Decimal("749.60"), 0, Decimal("749.60"))
    assert posted.balances[funds.cash] == Decimal("749.60")


def test_a_hold_is_captured_or_released_once_never_both(funds):
    h = hold(funds)
    release_hold(actor=SYSTEM, hold_id=h.pk)
    for action in (
        lambda: release_hold(actor=SYSTEM, hold_id=h.pk),
        lambda: capture_hold(actor=SYSTEM, hold_id=h.pk),
    ):
        with pytest.raises(DomainError) as err:
            action()
        assert err.value.code == "hold_closed" and err.value.status == 409
    h2 = hold(funds, source="SO-2")
    capture_hold(actor=SYSTEM, hold_id=h2.pk)
    with pytest.raises(DomainError) as err:
        release_hold(actor=SYSTEM, hold_id=h2.pk)
    assert err.value.code == "hold_closed"
    assert view(funds.cash).balance == Decimal("700.00")


def test_capturing_more_than_held_is_refused(funds):
    h = hold(funds)
    with pytest.raises(DomainError) as err:
        capture_hold(actor=SYSTEM, hold_id=h.pk, amount="300.01")
    assert err.value.code == "hold_exceeded"
    assert view(funds.cash).frozen == Decimal("300.00")


@pytest.mark.parametrize("amount", ["0", "-5", "1.234", "x"])
def test_bad_hold_amounts_are_refused(funds, amount):
    with pytest.raises(DomainError) as err:
        hold(funds, amount)
    assert err.value.code == "invalid_amount"
    assert view(funds.cash).frozen == 0
