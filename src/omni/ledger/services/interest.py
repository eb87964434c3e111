"""Monthly deposit interest (保证金利息).

For an ended month, every deposit account whose organisation (or nearest ancestor) has an
active interest policy earns its average daily balance × yearly rate × days / 365, rounded
half up to the fen, posted into the customer's allowance account (价格补贴) from the
organisation's interest account. The entry is keyed by account and month: running the same
month again posts nothing twice."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.db.models import Sum

from omni.kernel import clock
from omni.kernel.actors import Actor
from omni.tenancy.scope import path_ids
from omni.tenancy.selectors import organizations

from .. import errors
from ..calculations import from_minor
from ..models import Account, InterestPolicy, JournalEntry, Posting
from ..types import EntryCommand, EntryKind, Line
from .accounts import counter_account, customer_account
from .posting import post_lines, snapshots
from .statements import month_start, next_month


def average_daily_balance(account_id: int, month: dt.date) -> Decimal:
    """The mean of the account's end-of-day balances over the month, in minor units."""
    end = next_month(month)
    opening = (
        Posting.objects.filter(account_id=account_id, business_date__lt=month).aggregate(
            s=Sum("amount")
        )["s"]
        or 0
    )
    by_day = dict(
        Posting.objects.filter(
            account_id=account_id, business_date__gte=month, business_date__lt=end
        )
        .values("business_date")
        .annotate(s=Sum("amount"))
        .values_list("business_date", "s")
    )
    days = (end - month).days
    total, balance, day = 0, opening, month
    for _ in range(days):
        balance += by_day.get(day, 0)
        total += balance
        day += dt.timedelta(days=1)
    return Decimal(total) / days


def _rates() -> dict[int, Decimal]:
    """Organisation id → the rate that applies to it (its own, else its nearest ancestor's)."""
    own = dict(InterestPolicy.objects.filter(is_active=True).values_list("org_id", "annual_rate"))
    rates = {}
    for org_id, path in organizations().values_list("pk", "path"):
        for ancestor in reversed(path_ids(path)):
            if ancestor in own:
                rates[org_id] = own[ancestor]
                break
    return rates


def post_deposit_interest(*, actor: Actor, month: dt.date) -> dict[str, int]:
    actor.require("ledger.entry.create")
    month = month_start(month)
    if next_month(month) > clock.today():
        raise errors.PeriodNotClosed(details={"month": month.strftime("%Y-%m")})
    rates = _rates()
    counts = {"posted": 0, "repeated": 0, "nothing": 0}
    days = (next_month(month) - month).days
    for account_id, org_id, customer_id in Account.objects.filter(
        type__code="deposit", org_id__in=list(rates)
    ).values_list("pk", "org_id", "customer_id"):
        key = f"interest:{account_id}:{month:%Y-%m}"
        if JournalEntry.objects.filter(key=key).exists():
            counts["repeated"] += 1
            continue
        average = average_daily_balance(account_id, month)
        minor = int(
            (average * rates[org_id] / 100 * days / 365).quantize(
                Decimal(1), rounding=ROUND_HALF_UP
            )
        )
        if minor <= 0:
            counts["nothing"] += 1
            continue
        with transaction.atomic(durable=True):
            allowance = customer_account(customer_id, org_id, "allowance")
            source = counter_account(org_id, "interest")
            value = from_minor(minor, 2)
            posted = post_lines(
                actor=actor,
                command=EntryCommand(
                    kind=EntryKind.INTEREST,
                    lines=(Line(allowance, value), Line(source, -value)),
                    source_type="ledger.interest",
                    source_id=f"{account_id}:{month:%Y-%m}",
                    memo=f"保证金利息 {month:%Y-%m}（年利率 {rates[org_id]}%）",
                    business_date=next_month(month) - dt.timedelta(days=1),
                    key=key,
                ),
                accounts=snapshots([allowance, source]),
                check_status=False,
            )
        counts["repeated" if posted.repeated else "posted"] += 1
    return counts


@transaction.atomic(durable=True)
def set_interest_policy(
    *, actor: Actor, org_id: int, annual_rate: Decimal | str, is_active: bool = True
) -> InterestPolicy:
    """The yearly deposit rate (percent, up to 4 decimals, 0 to 100) of an organisation."""
    from omni.kernel import audit
    from omni.tenancy.selectors import get_organization

    actor.require("ledger.account.edit")
    get_organization(actor, org_id, mode="write")
    try:
        rate = Decimal(str(annual_rate))
    except ArithmeticError:
        raise errors.InvalidAmount(details={"field": "annual_rate"}) from None
    if not rate.is_finite() or rate < 0 or rate > 100 or rate != rate.quantize(Decimal("0.0001")):
        raise errors.InvalidAmount(details={"field": "annual_rate"})
    policy, _created = InterestPolicy.objects.update_or_create(
        org_id=org_id, defaults={"annual_rate": rate, "is_active": is_active}
    )
    policy.refresh_from_db()
    audit.record_change(
        actor,
        "ledger.interest_policy_set",
        policy,
        after={"annual_rate": str(rate), "is_active": is_active},
    )
    return policy
