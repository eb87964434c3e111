"""Journal entries: post, reverse. Every entry's postings sum to zero per currency, every
balance row changes by a guarded conditional update in the same transaction, in account
order (no deadlocks), and every entry writes an audit row."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import Decimal

from django.db import IntegrityError, transaction

from omni.kernel import audit, clock
from omni.kernel.actors import Actor
from omni.kernel.errors import NotFound

from .. import errors
from ..calculations import bucket_for, check_can_move, check_lines, from_minor
from ..models import Account, JournalEntry, Posting
from ..scoping import accounts_q
from ..types import AccountSnapshot, EntryCommand, EntryKind, Line, PostedEntry
from . import _rows
from .statements import open_day

SNAPSHOT_FIELDS = (
    "id",
    "org_id",
    "customer_id",
    "type__code",
    "currency",
    "type__places",
    "type__may_go_negative",
    "type__buckets",
    "status",
    "customer__status",
)


def snapshots(
    account_ids: Iterable[int], actor: Actor | None = None, permission: str | None = None
) -> dict[int, AccountSnapshot]:
    """The accounts (those `actor` may write, when given) as snapshots, by id."""
    qs = Account.objects.filter(pk__in=sorted(set(account_ids)))
    if actor is not None:
        q = accounts_q(actor, permission, "write")
        if q is not None:
            qs = qs.filter(q)
    return {row[0]: AccountSnapshot(*row) for row in qs.values_list(*SNAPSHOT_FIELDS)}


def _lines(raw: Iterable[Line | tuple[int, object]]) -> tuple[Line, ...]:
    return tuple(
        line if isinstance(line, Line) else Line(int(line[0]), line[1])  # type: ignore[arg-type]
        for line in raw
    )


def post_lines(
    *,
    actor: Actor,
    command: EntryCommand,
    accounts: dict[int, AccountSnapshot] | None = None,
    reverses_id: int | None = None,
    check_status: bool = True,
) -> PostedEntry:
    """Write one entry inside the caller's transaction (the primitive every money-moving
    service uses). Refuses (and so rolls back the caller) when a guard says no."""
    if accounts is None:
        accounts = snapshots(line.account_id for line in command.lines)
    merged = check_lines(command.lines, accounts)
    if check_status:
        for account, _amount in merged:
            check_can_move(account)
    if command.key:
        first = JournalEntry.objects.filter(key=command.key).first()
        if first is not None:
            return _repeat(first, command, merged)
    org_id = merged[0][0].org_id
    # a confirmed (locked) month takes no late posting: it goes into the next open month
    day = open_day(
        [a.id for a, _ in merged if a.customer_id], command.business_date or clock.today()
    )
    fields = {
        "org_id": org_id,
        "kind": command.kind,
        "memo": command.memo[:200],
        "source_type": command.source_type,
        "source_id": command.source_id,
        "business_date": day,
        "key": command.key,
        "reverses_id": reverses_id,
        "actor_kind": str(actor.kind),
        "actor_id": actor.id,
        "actor_name": actor.name,
        "request_id": actor.request_id,
    }
    if not command.key and reverses_id is None:  # nothing unique to collide on
        entry = JournalEntry.objects.create(**fields)
    else:
        try:
            with transaction.atomic():
                entry = JournalEntry.objects.create(**fields)
        except IntegrityError:
            if command.key:  # posted by a concurrent twin that committed first
                first = JournalEntry.objects.filter(key=command.key).first()
                if first is not None:
                    return _repeat(first, command, merged)
            raise errors.AlreadyReversed(details={"entry_id": reverses_id}) from None
    # The audit row first, the balance rows last: a row lock is held from its update to
    # the commit, so the hottest rows (guarded customer accounts) are updated last, each
    # update and its posting in one statement. Lock order: counter accounts, then guarded
    # accounts, each by id (one total order: no deadlocks).
    audit.record(
        actor=actor,
        action=f"ledger.{command.kind}_posted",
        object_type="ledger.journalentry",
        object_id=entry.pk,
        after={
            "kind": command.kind,
            "source": f"{command.source_type}:{command.source_id}".strip(":"),
            "lines": {
                str(account.id): str(from_minor(amount, account.places))
                for account, amount in merged
            },
        },
        org_id=org_id,
    )
    balances: dict[int, Decimal] = {}
    for account, amount in sorted(merged, key=lambda m: (not m[0].may_go_negative, m[0].id)):
        try:
            after = _rows.post(
                entry_id=entry.pk,
                account_id=account.id,
                bucket=bucket_for(account, entry.pk),
                delta=amount,
                currency=account.currency,
                day=day,
                guarded=not account.may_go_negative,
                keep_balance=account.buckets == 1,
            )
        except _rows.Refused:
            raise errors.InsufficientFunds(
                details={
                    "account_id": account.id,
                    "amount": str(from_minor(-amount, account.places)),
                }
            ) from None
        if after is not None:
            balances[account.id] = from_minor(after, account.places)
    return PostedEntry(entry.pk, command.kind, balances=balances)


def _repeat(first: JournalEntry, command: EntryCommand, merged) -> PostedEntry:
    """A repeat of a keyed entry: the first result if it is the same entry, else refused."""
    same = {(p.account_id, p.amount) for p in Posting.objects.filter(entry=first)} == {
        (account.id, amount) for account, amount in merged
    } and first.kind == command.kind
    if not same:
        raise errors.KeyReused(details={"key": command.key, "entry_id": first.pk})
    return PostedEntry(first.pk, first.kind, repeated=True)


@transaction.atomic(durable=True)
def post_entries(
    *, actor: Actor, entries: Sequence[EntryCommand], permission: str = "ledger.entry.create"
) -> list[PostedEntry]:
    """Post entries as one transaction (all or nothing). The accounts must lie in the actor's
    write scope; each entry is checked and guarded as in `post_lines`."""
    actor.require(permission)
    wanted = {line.account_id for command in entries for line in command.lines}
    accounts = snapshots(wanted, actor, permission)
    return [post_lines(actor=actor, command=command, accounts=accounts) for command in entries]


def post_entry(
    *,
    actor: Actor,
    kind: str,
    lines: Iterable[Line | tuple[int, object]],
    source_type: str = "",
    source_id: str = "",
    memo: str = "",
    business_date: dt.date | None = None,
    key: str | None = None,
) -> PostedEntry:
    """One entry: `post_entries` with one command."""
    command = EntryCommand(
        kind=kind,
        lines=_lines(lines),
        source_type=source_type,
        source_id=source_id,
        memo=memo,
        business_date=business_date,
        key=key,
    )
    return post_entries(actor=actor, entries=[command])[0]


@transaction.atomic(durable=True)
def reverse_entry(*, actor: Actor, entry_id: int, memo: str = "") -> PostedEntry:
    """A reversing entry (冲销) linked to the entry it reverses: every posting negated, on the
    same accounts, dated today. An entry is reversed at most once; a reversal is final."""
    actor.require("ledger.entry.approve")
    entry = JournalEntry.objects.filter(pk=entry_id).first()
    postings = list(Posting.objects.filter(entry_id=entry_id).values_list("account_id", "amount"))
    accounts = snapshots((a for a, _ in postings), actor, "ledger.entry.approve")
    if entry is None or not postings or len(accounts) != len({a for a, _ in postings}):
        raise NotFound(details={"object": "entry", "id": entry_id})
    if entry.reverses_id is not None:
        raise errors.AlreadyReversed(details={"entry_id": entry_id})
    lines = tuple(
        Line(account_id, -from_minor(amount, accounts[account_id].places))
        for account_id, amount in postings
    )
    command = EntryCommand(
        kind=EntryKind.REVERSAL,
        lines=lines,
        source_type="ledger.journalentry",
        source_id=str(entry_id),
        memo=memo or f"冲销 #{entry_id}",
    )
    return post_lines(
        actor=actor, command=command, accounts=accounts, reverses_id=entry_id, check_status=False
    )
