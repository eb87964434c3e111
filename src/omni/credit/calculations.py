"""Receivable ageing (账龄) of a credit account, pure: what was used on credit, by date, and
what was paid back; payments settle the oldest use first (FIFO), as finance ages
receivables. Use on day D with a payment term of T days is due on D + T and overdue from
the day after."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Ageing:
    outstanding: int  # used and not paid back (minor units)
    overdue: int  # of which past its due date
    oldest_due: dt.date | None  # due date of the oldest unpaid use
    overdue_days: int  # days the oldest unpaid use is past due (0 when none is)


NOTHING = Ageing(0, 0, None, 0)


def age(
    usage: Iterable[tuple[dt.date, int]], repaid: int, term_days: int, today: dt.date
) -> Ageing:
    """`usage`: (business date, amount used) in date order; `repaid`: all paid back."""
    left = max(repaid, 0)
    outstanding = overdue = 0
    oldest: dt.date | None = None
    for day, amount in sorted(usage):
        settled = min(left, amount)
        left -= settled
        unpaid = amount - settled
        if unpaid <= 0:
            continue
        due = day + dt.timedelta(days=term_days)
        oldest = due if oldest is None else min(oldest, due)
        outstanding += unpaid
        if due < today:
            overdue += unpaid
    days = (today - oldest).days if oldest is not None and oldest < today else 0
    return Ageing(outstanding, overdue, oldest, days)
