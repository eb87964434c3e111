"""Property tests: any sequence of postings, holds, captures, releases and reversals keeps
every entry summing to zero, available >= 0 on guarded accounts, and `omni check` clean,
and the balance is what a plain model of the account says."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from omni.kernel.errors import DomainError
from omni.kernel.integrity import run_checks
from omni.ledger import selectors
from omni.ledger.services.holds import capture_hold, hold_funds, release_hold
from omni.ledger.services.posting import post_entry, reverse_entry

from .conftest import LEDGER_CHECKS
from .factories import SYSTEM, make_funds

pytestmark = pytest.mark.django_db

cents = st.integers(min_value=1, max_value=50_000).map(lambda c: Decimal(c).scaleb(-2))
operation = st.one_of(
    st.tuples(st.just("in"), cents),
    st.tuples(st.just("out"), cents),
    st.tuples(st.just("hold"), cents),
    st.tuples(st.just("capture"), st.integers(0, 20), st.integers(1, 100)),
    st.tuples(st.just("release"), st.integers(0, 20)),
    st.tuples(st.just("reverse"), st.integers(0, 20)),
)


@pytest.fixture(scope="module")
def counter():
    return {"n": 0}


@pytest.fixture
def funds():
    return make_funds()


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=st.lists(operation, max_size=25))
def test_any_sequence_keeps_the_books_balanced(funds, counter, ops):
    start = selectors.get_balance(SYSTEM, funds.cash)
    balance, frozen = start.balance, start.frozen
    holds: list[tuple[int, Decimal]] = []  # open holds of this example: (id, amount)
    entries: list[tuple[int, Decimal]] = []  # reversible entries: (id, effect on the account)
    for op in ops:
        counter["n"] += 1
        kind = op[0]
        try:
            if kind in ("in", "out"):
                amount = op[1] if kind == "in" else -op[1]
                posted = post_entry(
                    actor=SYSTEM,
                    kind="adjustment",
                    lines=[(funds.cash, amount), (funds.bank, -amount)],
                )
                balance += amount
                entries.append((posted.id, amount))
            elif kind == "hold":
                h = hold_funds(
                    actor=SYSTEM,
                    account_id=funds.cash,
                    amount=op[1],
                    source_type="prop",
                    source_id=str(counter["n"]),
                )
                frozen += op[1]
                holds.append((h.pk, op[1]))
            elif kind == "capture" and holds:
                hold_id, held = holds.pop(op[1] % len(holds))
                take = (held * op[2] / 100).quantize(Decimal("0.01")) or held
                posted = capture_hold(actor=SYSTEM, hold_id=hold_id, amount=take)
                frozen -= held
                balance -= take
                entries.append((posted.id, -take))
            elif kind == "release" and holds:
                hold_id, held = holds.pop(op[1] % len(holds))
                release_hold(actor=SYSTEM, hold_id=hold_id)
                frozen -= held
            elif kind == "reverse" and entries:
                entry_id, effect = entries.pop(op[1] % len(entries))
                reverse_entry(actor=SYSTEM, entry_id=entry_id)
                balance -= effect
        except DomainError as exc:
            # the only refusal a valid sequence can meet: not enough available money
            assert exc.code == "insufficient_funds", exc
        view = selectors.get_balance(SYSTEM, funds.cash)
        assert (view.balance, view.frozen) == (balance, frozen)
        assert view.available >= 0
    assert run_checks(LEDGER_CHECKS) == []
