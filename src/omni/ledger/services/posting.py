"""Journal entries: post, reverse. Every entry's postings sum to zero per currency, every
balance row changes by a guarded conditional update in the same transaction, in account
order (no deadlocks), and every entry writes an audit row.

Two paths, one behaviour: SQLite runs the steps here in Python; PostgreSQL runs them in one
`ledger_post(...)` call (migration 0005: one round trip per entry), with the immutable part
of the account snapshots cached per process (checked against the rows by the call) and the
statuses read fresh by the call itself."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from decimal import Decimal

from django.db import IntegrityError, connection, transaction

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


# PostgreSQL: what never changes of an account (organisation, customer, type, currency,
# unit, may-go-negative, buckets), per process, by database and id. Only `ledger_post`
# reads these snapshots, and it checks each against the row (a stale one is read again)
# and reads the statuses fresh: the status fields of a cached snapshot mean nothing.
_KNOWN: dict[tuple[str, int], AccountSnapshot] = {}
_KNOWN_MAX = 200_000


def snapshots(
    account_ids: Iterable[int],
    actor: Actor | None = None,
    permission: str | None = None,
    *,
    cached: bool = False,
) -> dict[int, AccountSnapshot]:
    """The accounts (those `actor` may write, when given) as snapshots, by id. `cached`
    (PostgreSQL, for `post_lines` only): from the per-process cache where it can."""
    ids = sorted(set(account_ids))
    q = accounts_q(actor, permission, "write") if actor is not None else None
    postgres = connection.vendor == "postgresql"
    db = connection.settings_dict["NAME"] if postgres else ""
    out: dict[int, AccountSnapshot] = {}
    if cached and postgres and q is None:
        for account_id in ids:
            known = _KNOWN.get((db, account_id))
            if known is not None:
                out[account_id] = known
        ids = [account_id for account_id in ids if account_id not in out]
        if not ids:
            return out
    qs = Account.objects.filter(pk__in=ids)
    if q is not None:
        qs = qs.filter(q)
    read = {row[0]: AccountSnapshot(*row) for row in qs.values_list(*SNAPSHOT_FIELDS)}
    if postgres:
        if len(_KNOWN) + len(read) > _KNOWN_MAX:
            _KNOWN.clear()
        _KNOWN.update(((db, account_id), snap) for account_id, snap in read.items())
    out.update(read)
    return out


def _known(account: AccountSnapshot) -> str:
    """The immutable part of a snapshot as `ledger_post` checks it against the row."""
    return "|".join(
        (
            str(account.org_id),
            "" if account.customer_id is None else str(account.customer_id),
            account.type_code,
            account.currency,
            str(account.places),
            "1" if account.may_go_negative else "0",
            str(account.buckets),
        )
    )


def _lock_order(merged_line: tuple[AccountSnapshot, int]) -> tuple[bool, int]:
    """Counter accounts, then guarded accounts, each by id: one total order, no deadlocks."""
    return (not merged_line[0].may_go_negative, merged_line[0].id)


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
        accounts = snapshots((line.account_id for line in command.lines), cached=True)
    merged = check_lines(command.lines, accounts)
    if connection.vendor == "postgresql":
        return _post_on_postgres(actor, command, accounts, merged, reverses_id, check_status)
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
        after=_audit_after(command, merged),
        org_id=org_id,
    )
    balances: dict[int, Decimal] = {}
    for account, amount in sorted(merged, key=_lock_order):
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


def _audit_after(command: EntryCommand, merged: list[tuple[AccountSnapshot, int]]) -> dict:
    return {
        "kind": command.kind,
        "source": f"{command.source_type}:{command.source_id}".strip(":"),
        "lines": {
            str(account.id): str(from_minor(amount, account.places)) for account, amount in merged
        },
    }


def _post_on_postgres(
    actor: Actor,
    command: EntryCommand,
    accounts: dict[int, AccountSnapshot],
    merged: list[tuple[AccountSnapshot, int]],
    reverses_id: int | None,
    check_status: bool,
    *,
    alone: bool = False,
) -> PostedEntry:
    """`post_lines` on PostgreSQL: one `ledger_post(...)` call. `alone`: the call is the
    whole transaction (autocommit, see `post_entries`)."""
    if not (alone or connection.in_atomic_block):
        raise RuntimeError("audit.record must run inside the transaction of the change")
    posted = _post_in_database(actor, command, merged, reverses_id, check_status)
    if isinstance(posted, PostedEntry):
        return posted
    # a snapshot the database does not know as given (a stale cache): read once more
    fresh = snapshots(a.id for a, _ in merged)
    fresh = {account_id: snap for account_id, snap in fresh.items() if account_id in accounts}
    merged = check_lines(command.lines, fresh)
    posted = _post_in_database(actor, command, merged, reverses_id, check_status)
    if isinstance(posted, PostedEntry):
        return posted
    raise errors.UnknownAccount(details={"account_id": posted})


def _post_in_database(
    actor: Actor,
    command: EntryCommand,
    merged: list[tuple[AccountSnapshot, int]],
    reverses_id: int | None,
    check_status: bool,
) -> PostedEntry | int:
    """PostgreSQL: `post_lines` as one `ledger_post(...)` call (migration 0005): the same
    checks in the same order (statuses read fresh, then the key, then the guarded updates
    in lock order), the same rows. Returns the entry, or the id of an account whose
    snapshot the database does not confirm (nothing written then)."""
    org_id = merged[0][0].org_id
    day = open_day(
        [a.id for a, _ in merged if a.customer_id], command.business_date or clock.today()
    )
    ordered = sorted(merged, key=_lock_order)
    try:
        outcome, entry_id, account_id, after = _rows.post_entry_function(
            [
                org_id,
                command.kind,
                command.memo[:200],
                command.source_type,
                command.source_id,
                day,
                command.key,
                reverses_id,
                str(actor.kind),
                actor.id,
                actor.name,
                actor.request_id,
                clock.wall_now(),  # stands in for auto_now_add (created_at, audit at)
                f"ledger.{command.kind}_posted",
                json.dumps(_audit_after(command, merged)),
                check_status,
                _rows.array(str(a.id) for a, _ in ordered),
                _rows.array(str(amount) for _, amount in ordered),
                _rows.array("f" if a.may_go_negative else "t" for a, _ in ordered),
                _rows.array("t" if a.buckets == 1 else "f" for a, _ in ordered),
                _rows.array(str(a.buckets) for a, _ in ordered),
                _rows.text_array(a.currency for a, _ in ordered),
                _rows.text_array(_known(a) for a, _ in ordered),
            ]
        )
    except _rows.Refused as refused:
        account, amount = next((a, m) for a, m in ordered if a.id == refused.account_id)
        raise errors.InsufficientFunds(
            details={"account_id": account.id, "amount": str(from_minor(-amount, account.places))}
        ) from None
    if outcome == "posted":
        balances = {
            a.id: from_minor(value, a.places)
            for (a, _), value in zip(ordered, after, strict=True)
            if value is not None
        }
        return PostedEntry(entry_id, command.kind, balances=balances)
    if outcome == "stale":
        return account_id
    if outcome == "account_frozen":
        raise errors.AccountFrozen(details={"account_id": account_id})
    if outcome == "customer_frozen":
        customer_id = next(a.customer_id for a, _ in merged if a.id == account_id)
        raise errors.CustomerFrozen(details={"account_id": account_id, "customer_id": customer_id})
    if outcome == "repeat":
        return _repeat(JournalEntry.objects.get(pk=entry_id), command, merged)
    raise errors.AlreadyReversed(details={"entry_id": reverses_id})


def _repeat(first: JournalEntry, command: EntryCommand, merged) -> PostedEntry:
    """A repeat of a keyed entry: the first result if it is the same entry, else refused."""
    same = {(p.account_id, p.amount) for p in Posting.objects.filter(entry=first)} == {
        (account.id, amount) for account, amount in merged
    } and first.kind == command.kind
    if not same:
        raise errors.KeyReused(details={"key": command.key, "entry_id": first.pk})
    return PostedEntry(first.pk, first.kind, repeated=True)


def post_entries(
    *, actor: Actor, entries: Sequence[EntryCommand], permission: str = "ledger.entry.create"
) -> list[PostedEntry]:
    """Post entries as one transaction (all or nothing). The accounts must lie in the actor's
    write scope; each entry is checked and guarded as in `post_lines`.

    On PostgreSQL, one entry outside any transaction is one `ledger_post(...)` statement
    run as its own transaction (autocommit): as atomic and as durable as a committed block,
    in one round trip instead of three (BEGIN, call, COMMIT), and the balance rows' locks
    end with the statement. Everything else before it only reads."""
    if (
        len(entries) == 1
        and connection.vendor == "postgresql"
        and connection.get_autocommit()
        and not connection.in_atomic_block
    ):
        actor.require(permission)
        command = entries[0]
        wanted = {line.account_id for line in command.lines}
        accounts = snapshots(wanted, actor, permission, cached=True)
        merged = check_lines(command.lines, accounts)
        return [_post_on_postgres(actor, command, accounts, merged, None, True, alone=True)]
    return _post_entries(actor=actor, entries=entries, permission=permission)


@transaction.atomic(durable=True)
def _post_entries(
    *, actor: Actor, entries: Sequence[EntryCommand], permission: str
) -> list[PostedEntry]:
    actor.require(permission)
    wanted = {line.account_id for command in entries for line in command.lines}
    accounts = snapshots(wanted, actor, permission, cached=True)
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
