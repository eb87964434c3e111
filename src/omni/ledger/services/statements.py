"""Statement confirmation (对账确认): the customer confirms a month of an account's statement
or disputes lines of it with a comment; finance resolves a dispute; the customer confirms
again. A confirmed month is locked: `open_day` moves a posting dated in it to the first day
of the next month that is not confirmed, so what the customer confirmed never changes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import IntegrityError, transaction

from omni.kernel import audit, clock
from omni.kernel.actors import Actor
from omni.kernel.errors import NotFound

from .. import errors
from ..models import Account, Posting, StatementPeriod
from ..scoping import accounts_q
from ..types import PeriodStatus


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def next_month(day: dt.date) -> dt.date:
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def parse_month(text: str) -> dt.date:
    try:
        year, month = (int(part) for part in str(text).split("-"))
        return dt.date(year, month, 1)
    except (TypeError, ValueError):
        raise errors.InvalidMonth(details={"field": "month"}) from None


def open_day(account_ids: Iterable[int], day: dt.date) -> dt.date:
    """`day`, or the first day of the next month not confirmed for any of the accounts.
    Only a posting dated before this month can fall in a confirmed month (a month is
    confirmed after it ended), so current postings cost no query."""
    today = clock.today()
    if day >= month_start(today):
        return day
    locked = set(
        StatementPeriod.objects.filter(
            account_id__in=list(account_ids),
            status=PeriodStatus.CONFIRMED,
            month__gte=month_start(day),
        ).values_list("month", flat=True)
    )
    month = month_start(day)
    if month not in locked:
        return day
    while month in locked and month < month_start(today):
        month = next_month(month)
    return month


def _account(actor: Actor, account_id: int, permission: str) -> Account:
    qs = Account.objects.filter(pk=account_id, customer__isnull=False)
    q = accounts_q(actor, permission, "read")
    account = (qs if q is None else qs.filter(q)).first()
    if account is None:
        raise NotFound(details={"object": "account", "id": account_id})
    return account


def _closed(month: dt.date) -> None:
    if next_month(month) > clock.today():
        raise errors.PeriodNotClosed(details={"month": month.strftime("%Y-%m")})


def _answer(
    actor: Actor, account: Account, month: dt.date, status: str, **fields: object
) -> StatementPeriod:
    period = (
        StatementPeriod.objects.select_for_update().filter(account=account, month=month).first()
    )
    if period is not None and period.status == PeriodStatus.CONFIRMED:
        raise errors.PeriodAnswered(
            details={"month": month.strftime("%Y-%m"), "status": period.status}
        )
    values = {"status": status, "answered_by": actor.name, "answered_at": clock.now(), **fields}
    if period is None:
        try:
            with transaction.atomic():
                period = StatementPeriod.objects.create(account=account, month=month, **values)
        except IntegrityError:  # answered at the same moment by someone else
            raise errors.PeriodAnswered(details={"month": month.strftime("%Y-%m")}) from None
    else:
        StatementPeriod.objects.filter(pk=period.pk).update(**values)
        period.refresh_from_db()
    audit.record(
        actor=actor,
        action=f"ledger.statement_{status}",
        object_type="ledger.account",
        object_id=account.pk,
        after={
            "month": month.strftime("%Y-%m"),
            "status": status,
            **{k: v for k, v in fields.items() if k != "disputed_postings"},
        },
        org_id=account.org_id,
    )
    return period


@transaction.atomic(durable=True)
def confirm_statement(*, actor: Actor, account_id: int, month: str) -> StatementPeriod:
    account = _account(actor, account_id, "ledger.statement.confirm")
    start = parse_month(month)
    _closed(start)
    return _answer(actor, account, start, PeriodStatus.CONFIRMED, comment="")


@transaction.atomic(durable=True)
def dispute_statement(
    *, actor: Actor, account_id: int, month: str, posting_ids: list[int], comment: str
) -> StatementPeriod:
    account = _account(actor, account_id, "ledger.statement.confirm")
    start = parse_month(month)
    _closed(start)
    comment = (comment or "").strip()[:500]
    if not comment:
        raise errors.CommentRequired(details={"field": "comment"})
    ids = sorted(set(posting_ids))
    found = set(
        Posting.objects.filter(
            pk__in=ids,
            account=account,
            business_date__gte=start,
            business_date__lt=next_month(start),
        ).values_list("pk", flat=True)
    )
    if set(ids) - found:
        raise errors.UnknownPosting(details={"posting_ids": sorted(set(ids) - found)})
    return _answer(
        actor, account, start, PeriodStatus.DISPUTED, comment=comment, disputed_postings=ids
    )


@transaction.atomic(durable=True)
def resolve_dispute(
    *, actor: Actor, account_id: int, month: str, resolution: str
) -> StatementPeriod:
    account = _account(actor, account_id, "ledger.statement.resolve")
    start = parse_month(month)
    period = (
        StatementPeriod.objects.select_for_update().filter(account=account, month=start).first()
    )
    if period is None or period.status != PeriodStatus.DISPUTED:
        raise errors.PeriodAnswered(
            details={"month": month, "status": getattr(period, "status", "")}
        )
    resolution = (resolution or "").strip()[:500]
    if not resolution:
        raise errors.CommentRequired(details={"field": "resolution"})
    StatementPeriod.objects.filter(pk=period.pk).update(
        status=PeriodStatus.RESOLVED,
        resolution=resolution,
        resolved_by=actor.name,
        resolved_at=clock.now(),
    )
    audit.record(
        actor=actor,
        action="ledger.statement_resolved",
        object_type="ledger.account",
        object_id=account.pk,
        after={"month": month, "resolution": resolution},
        org_id=account.org_id,
    )
    period.refresh_from_db()
    return period
