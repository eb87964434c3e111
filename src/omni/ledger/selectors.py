"""Ledger reads, taking the actor: permission and the one scope rule applied here."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Case, F, QuerySet, Sum, Value, When

from omni.kernel.actors import Actor
from omni.kernel.errors import NotFound
from omni.tenancy.scope import scope_q

from .calculations import from_minor
from .models import (
    Account,
    AccountType,
    Balance,
    Hold,
    InterestPolicy,
    JournalEntry,
    Posting,
    StatementPeriod,
)
from .scoping import accounts_q

VIEW = "ledger.account.view"


@dataclass(frozen=True, slots=True)
class BalanceView:
    account_id: int
    currency: str
    balance: Decimal
    frozen: Decimal
    available: Decimal


def list_account_types(actor: Actor | None = None) -> QuerySet[AccountType]:
    """The chart of account types; an actor, when given, needs to see accounts."""
    if actor is not None:
        actor.require(VIEW)
    return AccountType.objects.filter(is_active=True)


def _scoped(qs: QuerySet, actor: Actor, permission: str, prefix: str = "") -> QuerySet:
    q = accounts_q(actor, permission, "read", prefix=prefix)
    return qs if q is None else qs.filter(q)


def list_accounts(actor: Actor, *, permission: str = VIEW) -> QuerySet[Account]:
    """Accounts the actor may read, with their balance and frozen sums annotated (minor)."""
    return (
        _scoped(Account.objects.all(), actor, permission)
        .select_related("type", "customer", "org")
        .annotate(balance_minor=Sum("balances__balance"), frozen_minor=Sum("balances__frozen"))
        .order_by("id")
    )


def get_account(actor: Actor, account_id: int) -> Account:
    account = list_accounts(actor).filter(pk=account_id).first()
    if account is None:
        raise NotFound(details={"object": "account", "id": account_id})
    return account


def get_balance(actor: Actor, account_id: int) -> BalanceView:
    """The balance of one account: one indexed read of its balance row(s), whatever the
    number of postings."""
    account = (
        _scoped(Account.objects.filter(pk=account_id), actor, VIEW)
        .values_list("currency", "type__places")
        .first()
    )
    if account is None:
        raise NotFound(details={"object": "account", "id": account_id})
    currency, places = account
    rows = list(Balance.objects.filter(account_id=account_id).values_list("balance", "frozen"))
    balance = sum(r[0] for r in rows)
    frozen = sum(r[1] for r in rows)
    return BalanceView(
        account_id,
        currency,
        from_minor(balance, places),
        from_minor(frozen, places),
        from_minor(balance - frozen, places),
    )


def list_postings(
    actor: Actor,
    *,
    account_id: int | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    permission: str = VIEW,
) -> QuerySet[Posting]:
    qs = _scoped(Posting.objects.all(), actor, permission, prefix="account__")
    if account_id is not None:
        qs = qs.filter(account_id=account_id)
    if date_from is not None:
        qs = qs.filter(business_date__gte=date_from)
    if date_to is not None:
        qs = qs.filter(business_date__lte=date_to)
    return qs.select_related("entry", "account__type").order_by("id")


def list_entries(actor: Actor, *, permission: str = "ledger.entry.view") -> QuerySet[JournalEntry]:
    """Entries with at least one posting on an account the actor may read."""
    visible = _scoped(Posting.objects.all(), actor, permission, prefix="account__")
    return JournalEntry.objects.filter(pk__in=visible.values("entry_id")).order_by("-id")


def get_entry(actor: Actor, entry_id: int) -> JournalEntry:
    entry = list_entries(actor).filter(pk=entry_id).first()
    if entry is None:
        raise NotFound(details={"object": "entry", "id": entry_id})
    return entry


def entry_accounts_writable(
    actor: Actor, entry_id: int, *, permission: str = "ledger.entry.approve"
) -> bool:
    """Whether every account the entry posts to lies in the actor's write scope for
    `permission` (what reversing it needs); False without the permission."""
    if not actor.can(permission):
        return False
    postings = Posting.objects.filter(entry_id=entry_id)
    wanted = set(postings.values_list("account_id", flat=True))
    q = accounts_q(actor, permission, "write", prefix="account__")
    reachable = (
        wanted if q is None else set(postings.filter(q).values_list("account_id", flat=True))
    )
    return bool(wanted) and reachable == wanted


def list_interest_policies(actor: Actor, *, permission: str = VIEW) -> QuerySet[InterestPolicy]:
    """The deposit interest policies (保证金利率) of the organisations the actor may read."""
    q = scope_q(actor, permission, "read", org="org")
    qs = InterestPolicy.objects.select_related("org").order_by("org__path")
    return qs if q is None else qs.filter(q)


def list_holds(actor: Actor, *, permission: str = "ledger.hold.view") -> QuerySet[Hold]:
    return (
        _scoped(Hold.objects.all(), actor, permission, prefix="account__")
        .select_related("account__type")
        .order_by("-id")
    )


@dataclass(frozen=True, slots=True)
class Statement:
    """对账单: an account over a period. Amounts in the account's unit."""

    account_id: int
    currency: str
    date_from: dt.date
    date_to: dt.date
    opening: Decimal
    closing: Decimal
    debits: Decimal  # money out (negative postings), as a positive number
    credits: Decimal  # money in
    lines: list[dict]


def get_statement(
    actor: Actor, account_id: int, date_from: dt.date, date_to: dt.date, *, limit: int = 5000
) -> Statement:
    """Opening balance (the postings dated before the period), every movement with its
    source document and running balance, closing balance."""
    account = get_account(actor, account_id)
    places = account.type.places
    opening = (
        Posting.objects.filter(account_id=account_id, business_date__lt=date_from).aggregate(
            s=Sum("amount")
        )["s"]
        or 0
    )
    rows = list(
        Posting.objects.filter(
            account_id=account_id, business_date__gte=date_from, business_date__lte=date_to
        )
        .select_related("entry")
        .order_by("business_date", "id")[:limit]
    )
    lines = []
    running = opening
    debits = credits = 0
    for p in rows:
        running += p.amount
        if p.amount < 0:
            debits -= p.amount
        else:
            credits += p.amount
        lines.append(
            {
                "posting_id": p.pk,
                "entry_id": p.entry_id,
                "date": p.business_date,
                "kind": p.entry.kind,
                "memo": p.entry.memo,
                "source_type": p.entry.source_type,
                "source_id": p.entry.source_id,
                "amount": from_minor(p.amount, places),
                "balance": from_minor(running, places),
            }
        )
    return Statement(
        account_id,
        account.currency,
        date_from,
        date_to,
        from_minor(opening, places),
        from_minor(running, places),
        from_minor(debits, places),
        from_minor(credits, places),
        lines,
    )


def list_periods(actor: Actor, account_id: int) -> QuerySet[StatementPeriod]:
    """The answered months of an account the actor may read, newest first."""
    get_account(actor, account_id)
    return StatementPeriod.objects.filter(account_id=account_id).order_by("-month")


def usage_and_repayments(
    account_ids: Iterable[int], *, exclude_kinds: Iterable[str] = ("grant",)
) -> dict[int, tuple[list[tuple[dt.date, int]], int]]:
    """Per account: what was taken out, by business date (minor units, positive), and the
    total paid back in, from postings of entries whose kind is not excluded (a credit
    account's grants are its limit, not its use). For receivable ageing (credit); the
    caller has already applied its scope to the accounts."""
    ids = list(account_ids)
    out: dict[int, tuple[list[tuple[dt.date, int]], int]] = {i: ([], 0) for i in ids}
    if not ids:
        return out
    rows = (
        Posting.objects.filter(account_id__in=ids)
        .exclude(entry__kind__in=list(exclude_kinds))
        .values("account_id", "business_date")
        .annotate(
            used=Sum(Case(When(amount__lt=0, then=-F("amount")), default=Value(0))),
            paid=Sum(Case(When(amount__gt=0, then=F("amount")), default=Value(0))),
        )
        .order_by("account_id", "business_date")
    )
    for row in rows:
        usage, paid = out[row["account_id"]]
        if row["used"]:
            usage.append((row["business_date"], int(row["used"])))
        out[row["account_id"]] = (usage, paid + int(row["paid"] or 0))
    return out
