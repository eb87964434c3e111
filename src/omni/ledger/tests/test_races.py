"""Races on real threads with their own connections (`kernel.testing.race`): the guarded
updates keep every balance right with many writers. PostgreSQL runs the full size (its
default 100 connections: 40 threads carry the 200 debits); SQLite runs them too, smaller,
serialised by its write lock. The autouse ledger checks then find no drift."""

from __future__ import annotations

import os
from decimal import Decimal

import pytest

from omni.kernel.errors import DomainError
from omni.kernel.testing import race
from omni.ledger import selectors
from omni.ledger.models import Hold, JournalEntry
from omni.ledger.services.holds import capture_hold, hold_funds, release_hold
from omni.ledger.services.posting import post_entry

from .factories import SYSTEM, make_funds, top_up

pytestmark = pytest.mark.django_db(transaction=True)
POSTGRES = os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))
THREADS = 40 if POSTGRES else 8


def _each(fn, per_thread):
    def run():
        out = []
        for i in range(per_thread):
            try:
                out.append(fn(i))
            except DomainError as exc:
                out.append(exc)
        return out

    return run


def test_200_concurrent_debits_never_overdraw_and_the_balance_is_the_sum_of_successes():
    funds = make_funds()
    top_up(funds.cash, funds.bank, "150")

    def debit(_i):
        return post_entry(
            actor=SYSTEM, kind="adjustment", lines=[(funds.cash, "-1"), (funds.bank, "1")]
        )

    outcome = race(_each(debit, 200 // THREADS), THREADS)
    assert outcome.errors == []
    results = [r for per in outcome.results for r in per]
    assert len(results) == 200
    ok = [r for r in results if not isinstance(r, DomainError)]
    refused = [r for r in results if isinstance(r, DomainError)]
    assert len(ok) == 150
    assert {e.code for e in refused} == {"insufficient_funds"}
    assert selectors.get_balance(SYSTEM, funds.cash).balance == 0
    assert selectors.get_balance(SYSTEM, funds.bank).balance == Decimal(0)


def test_holds_captures_and_releases_racing_on_one_account_stay_consistent():
    funds = make_funds()
    top_up(funds.cash, funds.bank, "1000")

    def place(i):
        return hold_funds(
            actor=SYSTEM,
            account_id=funds.cash,
            amount="30",
            source_type="order",
            source_id=f"SO-{i}",
        )

    # 2 holds per thread, with the same documents asked twice by two threads (repeats)
    outcome = race([_each(lambda i, t=t: place(t * 2 + i // 2), 4) for t in range(THREADS)])
    assert outcome.errors == []
    held = Hold.objects.filter(status="held")
    assert held.count() == min(1000 // 30, THREADS * 2)
    assert selectors.get_balance(SYSTEM, funds.cash).frozen == Decimal(30) * held.count()

    ids = list(held.values_list("pk", flat=True))

    def capture(i):
        return capture_hold(actor=SYSTEM, hold_id=ids[i], amount="20")

    def release(i):
        return release_hold(actor=SYSTEM, hold_id=ids[i])

    # every hold is captured and released at the same moment by two threads
    n = len(ids)
    jobs = [_each(capture, n) for _ in range(THREADS // 2)] + [
        _each(release, n) for _ in range(THREADS // 2)
    ]
    outcome = race(jobs)
    assert outcome.errors == []
    closed = Hold.objects.filter(pk__in=ids)
    assert not closed.filter(status="held").exists()
    captured = closed.filter(status="captured").count()
    balance = selectors.get_balance(SYSTEM, funds.cash)
    assert balance.frozen == 0
    assert balance.balance == Decimal(1000) - Decimal(20) * captured
    assert JournalEntry.objects.filter(kind="capture").count() == captured


def test_the_same_keyed_entry_posted_15_times_at_once_posts_once():
    funds = make_funds()

    outcome = race(lambda: top_up(funds.cash, funds.bank, "88.80", key="wx:4200001"), 15)
    assert outcome.errors == []
    assert len({r.id for r in outcome.results}) == 1
    assert sum(1 for r in outcome.results if not r.repeated) == 1
    assert JournalEntry.objects.filter(key="wx:4200001").count() == 1
    assert selectors.get_balance(SYSTEM, funds.cash).balance == Decimal("88.80")
