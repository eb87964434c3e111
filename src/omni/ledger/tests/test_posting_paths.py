"""The fast posting path (issue 14) keeps every guarantee of the Python one: on PostgreSQL an
entry is one `ledger_post(...)` call (and, outside any transaction, its own transaction),
account snapshots come from a per-process cache checked against the rows, and statuses are
read fresh. The same tests run on SQLite (the Python path) and must give the same answers."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest
from django.db import connection, transaction

from omni.kernel.errors import DomainError
from omni.kernel.models import AuditEntry
from omni.kernel.testing import race
from omni.ledger import selectors
from omni.ledger.models import JournalEntry, Posting
from omni.ledger.services import posting
from omni.ledger.services.accounts import set_account_status
from omni.ledger.services.posting import post_entries, post_entry, post_lines, snapshots
from omni.ledger.types import EntryCommand, EntryKind, Line
from omni.party.services.customers import change_customer_status

from .factories import SYSTEM, make_funds, top_up


def balance(account_id: int) -> Decimal:
    return selectors.get_balance(SYSTEM, account_id).balance


def debit(cash: int, bank: int, amount: str, **kw):
    value = Decimal(amount)
    return post_entry(
        actor=SYSTEM, kind=EntryKind.CAPTURE, lines=[(cash, -value), (bank, value)], **kw
    )


@pytest.mark.django_db
def test_an_entry_writes_the_same_rows_on_every_path():
    funds = make_funds()
    posted = top_up(funds.cash, funds.bank, "12.34")
    debit(funds.cash, funds.bank, "2.34")
    # the customer's posting carries its running balance, the bucketed counter's none
    rows = {
        p.account_id: p for p in Posting.objects.filter(entry_id=posted.id).select_related("entry")
    }
    assert rows[funds.cash].amount == 1234 and rows[funds.cash].balance_after == 1234
    assert rows[funds.bank].amount == -1234 and rows[funds.bank].balance_after is None
    assert rows[funds.cash].currency == "CNY"
    entry = JournalEntry.objects.get(pk=posted.id)
    assert (entry.kind, entry.source_type, entry.actor_name) == ("top_up", "test", "test")
    assert entry.org_id == funds.world.east_sales.pk
    assert entry.created_at is not None
    # and its audit row, in the same transaction
    row = AuditEntry.objects.get(object_type="ledger.journalentry", object_id=str(posted.id))
    assert row.action == "ledger.top_up_posted"
    assert row.org_id == entry.org_id and row.actor_name == "test" and row.before is None
    assert row.after == {
        "kind": "top_up",
        "source": "test",
        "lines": {str(funds.cash): "12.34", str(funds.bank): "-12.34"},
    }
    assert posted.balances == {funds.cash: Decimal("12.34")}
    assert balance(funds.cash) == Decimal("10.00") and balance(funds.bank) == Decimal("-10.00")


@pytest.mark.django_db
def test_a_cached_snapshot_never_hides_a_frozen_account_or_customer():
    funds = make_funds()
    top_up(funds.cash, funds.bank, "10")
    debit(funds.cash, funds.bank, "1")  # the snapshot is cached now (PostgreSQL)
    set_account_status(actor=SYSTEM, account_id=funds.cash, status="frozen")
    with pytest.raises(DomainError) as err:
        debit(funds.cash, funds.bank, "1")
    assert err.value.code == "account_frozen"
    assert err.value.details["account_id"] == funds.cash
    set_account_status(actor=SYSTEM, account_id=funds.cash, status="active")
    dealer = funds.world.sh_dealer
    if dealer.status == "prospect":
        change_customer_status(actor=SYSTEM, customer_id=dealer.pk, action="activate")
    change_customer_status(actor=SYSTEM, customer_id=dealer.pk, action="freeze", reason="逾期")
    with pytest.raises(DomainError) as err:
        debit(funds.cash, funds.bank, "1")
    assert err.value.code == "customer_frozen"
    assert err.value.details == {"account_id": funds.cash, "customer_id": dealer.pk}
    assert balance(funds.cash) == Decimal("9.00")


@pytest.mark.django_db
def test_a_stale_cached_snapshot_is_read_again_and_never_trusted():
    funds = make_funds()
    top_up(funds.cash, funds.bank, "10")
    db = connection.settings_dict["NAME"]
    true = snapshots([funds.cash])[funds.cash]
    # a cache that lies about what never changes (as after a database was wiped and ids
    # came again): the database refuses it, the account is read again, the entry is right
    posting._KNOWN[(db, funds.cash)] = dataclasses.replace(
        true, may_go_negative=True, buckets=16, org_id=true.org_id + 1000
    )
    with pytest.raises(DomainError) as err:
        debit(funds.cash, funds.bank, "10.01")
    assert err.value.code == "insufficient_funds"
    posting._KNOWN[(db, funds.cash)] = dataclasses.replace(true, may_go_negative=True)
    posted = debit(funds.cash, funds.bank, "4")
    assert posted.balances == {funds.cash: Decimal("6.00")}
    assert JournalEntry.objects.get(pk=posted.id).org_id == true.org_id
    assert balance(funds.cash) == Decimal("6.00")


@pytest.mark.django_db
def test_a_refusal_inside_a_savepoint_leaves_the_callers_transaction_usable():
    funds = make_funds()
    top_up(funds.cash, funds.bank, "5")
    with transaction.atomic():
        with pytest.raises(DomainError) as err, transaction.atomic():
            post_lines(
                actor=SYSTEM,
                command=EntryCommand(
                    kind=EntryKind.CAPTURE,
                    lines=(Line(funds.cash, Decimal("-6")), Line(funds.bank, Decimal("6"))),
                ),
            )
        assert err.value.code == "insufficient_funds"
        assert err.value.details == {"account_id": funds.cash, "amount": "6.00"}
        post_lines(
            actor=SYSTEM,
            command=EntryCommand(
                kind=EntryKind.CAPTURE,
                lines=(Line(funds.cash, Decimal("-5")), Line(funds.bank, Decimal("5"))),
            ),
        )
    assert balance(funds.cash) == 0


@pytest.mark.django_db
def test_bulk_posting_is_all_or_nothing():
    funds = make_funds()
    top_up(funds.cash, funds.bank, "10")
    entries_before = JournalEntry.objects.count()
    audits_before = AuditEntry.objects.count()

    def command(amount: str) -> EntryCommand:
        value = Decimal(amount)
        return EntryCommand(
            kind=EntryKind.CAPTURE,
            lines=(Line(funds.cash, -value), Line(funds.bank, value)),
        )

    with pytest.raises(DomainError) as err:
        post_entries(actor=SYSTEM, entries=[command("6"), command("6")])
    assert err.value.code == "insufficient_funds"
    assert JournalEntry.objects.count() == entries_before
    assert AuditEntry.objects.count() == audits_before
    posted = post_entries(actor=SYSTEM, entries=[command("6"), command("4")])
    assert [p.balances[funds.cash] for p in posted] == [Decimal("4.00"), Decimal("0.00")]


@pytest.mark.django_db(transaction=True)
def test_one_entry_outside_a_transaction_commits_alone_and_a_refusal_writes_nothing():
    funds = make_funds()
    top_up(funds.cash, funds.bank, "10", key="k:1")
    assert top_up(funds.cash, funds.bank, "10", key="k:1").repeated
    with pytest.raises(DomainError) as err:
        top_up(funds.cash, funds.bank, "11", key="k:1")
    assert err.value.code == "key_reused"
    entries, postings = JournalEntry.objects.count(), Posting.objects.count()
    audits = AuditEntry.objects.count()
    with pytest.raises(DomainError) as err:
        debit(funds.cash, funds.bank, "10.01")
    assert err.value.code == "insufficient_funds"
    assert (JournalEntry.objects.count(), Posting.objects.count()) == (entries, postings)
    assert AuditEntry.objects.count() == audits
    assert balance(funds.cash) == Decimal("10.00")
    # the connection is usable after the refusal, and the service still owns its
    # transaction: it may not be nested in a caller's
    assert debit(funds.cash, funds.bank, "10").balances == {funds.cash: Decimal("0.00")}
    with pytest.raises(RuntimeError), transaction.atomic():
        debit(funds.cash, funds.bank, "1")


@pytest.mark.django_db(transaction=True)
def test_a_keyed_entry_raced_through_both_paths_posts_once():
    # half the twins post alone (one statement on PostgreSQL), half inside a caller's
    # transaction (post_lines): the key still posts once, the others get the first entry
    funds = make_funds()
    command = EntryCommand(
        kind=EntryKind.TOP_UP,
        lines=(Line(funds.cash, Decimal("7.70")), Line(funds.bank, Decimal("-7.70"))),
        key="race:both-paths",
    )

    def alone():
        return post_entries(actor=SYSTEM, entries=[command])[0]

    def inside():
        with transaction.atomic():
            return post_lines(actor=SYSTEM, command=command)

    outcome = race([alone, inside] * 5)
    assert outcome.errors == []
    assert len({r.id for r in outcome.results}) == 1
    assert sum(1 for r in outcome.results if not r.repeated) == 1
    assert balance(funds.cash) == Decimal("7.70")


@pytest.mark.django_db(transaction=True)
def test_debits_racing_a_freeze_either_post_or_are_refused_as_frozen():
    funds = make_funds()
    top_up(funds.cash, funds.bank, "100")

    def pay():
        try:
            return debit(funds.cash, funds.bank, "1")
        except DomainError as exc:
            return exc.code

    def freeze():
        set_account_status(actor=SYSTEM, account_id=funds.cash, status="frozen")
        return "froze"

    outcome = race([pay] * 8 + [freeze])
    assert outcome.errors == []
    codes = [r for r in outcome.results if isinstance(r, str)]
    assert set(codes) <= {"froze", "account_frozen"}
    paid = sum(1 for r in outcome.results if not isinstance(r, str))
    assert balance(funds.cash) == Decimal(100 - paid)
    with pytest.raises(DomainError) as err:  # once frozen, nothing moves
        debit(funds.cash, funds.bank, "1")
    assert err.value.code == "account_frozen"
