"""The credit dashboard's numbers (信用看板): exposure by sales region and by customer, what is
overdue, who is at or over the warning threshold, and temporary credit about to expire, for
the customers the actor may see. Every figure is the ledger's (balance rows and postings),
aged with the same FIFO rule as the credit check."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from omni.kernel import clock
from omni.kernel.actors import Actor
from omni.ledger import selectors as ledger

from ..calculations import age
from ..models import TemporaryCreditStatus
from ..selectors import list_limits, list_temporary

EXPIRING_DAYS = 14
TOP = 10


@dataclass(frozen=True, slots=True)
class Exposure:
    customer_id: int
    code: str
    name: str
    region: str
    limit: int  # fen
    temporary: int
    used: int
    held: int
    available: int
    overdue: int
    overdue_days: int
    warn_ratio: int

    @property
    def exposure(self) -> int:
        return self.used + self.held

    @property
    def usage_percent(self) -> int:
        granted = self.limit + self.temporary
        return round(self.exposure * 100 / granted) if granted else 0


@dataclass
class Overview:
    customers: list[Exposure] = field(default_factory=list)
    by_region: list[tuple[str, int, int, int]] = field(default_factory=list)  # used, held, overdue
    expiring: list = field(default_factory=list)  # TemporaryCredit rows

    def total(self, name: str) -> int:
        return sum(getattr(c, name) for c in self.customers)

    @property
    def top_exposure(self) -> list[Exposure]:
        rows = [c for c in self.customers if c.exposure > 0]
        return sorted(rows, key=lambda c: (-c.exposure, c.code))[:TOP]

    @property
    def top_overdue(self) -> list[Exposure]:
        rows = [c for c in self.customers if c.overdue > 0]
        return sorted(rows, key=lambda c: (-c.overdue, -c.overdue_days, c.code))[:TOP]

    @property
    def near_limit(self) -> list[Exposure]:
        rows = [c for c in self.customers if c.exposure and c.usage_percent >= c.warn_ratio]
        return sorted(rows, key=lambda c: (-c.usage_percent, c.code))


def credit_overview(actor: Actor, *, today: dt.date | None = None) -> Overview:
    day = today or clock.today()
    rows = list(
        list_limits(actor).values(
            "customer_id",
            "customer__code",
            "customer__name",
            "customer__sales_region__name",
            "account_id",
            "limit",
            "term_days",
            "warn_ratio",
            "balance_minor",
            "frozen_minor",
            "temporary_minor",
            "owed_minor",
        )
    )
    moves = ledger.usage_and_repayments(r["account_id"] for r in rows)
    out = Overview()
    regions: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for r in rows:
        balance, frozen = r["balance_minor"] or 0, r["frozen_minor"] or 0
        temporary, owed = r["temporary_minor"], r["owed_minor"]
        usage, repaid = moves[r["account_id"]]
        aged = age(usage, repaid, r["term_days"], day)
        exposure = Exposure(
            customer_id=r["customer_id"],
            code=r["customer__code"],
            name=r["customer__name"],
            region=r["customer__sales_region__name"] or "",
            limit=r["limit"],
            temporary=temporary,
            used=r["limit"] + temporary + owed - balance,
            held=frozen,
            available=max(balance - frozen - owed, 0),
            overdue=aged.overdue,
            overdue_days=aged.overdue_days,
            warn_ratio=r["warn_ratio"],
        )
        out.customers.append(exposure)
        bucket = regions[exposure.region]
        bucket[0] += exposure.used
        bucket[1] += exposure.held
        bucket[2] += exposure.overdue
    out.by_region = sorted(
        ((name, *values) for name, values in regions.items() if any(values)),
        key=lambda x: (-(x[1] + x[2]), x[0]),
    )
    if actor.can("credit.temporary.view"):
        out.expiring = list(
            list_temporary(actor)
            .filter(
                status=TemporaryCreditStatus.ACTIVE,
                expires_on__lte=day + dt.timedelta(days=EXPIRING_DAYS),
            )
            .order_by("expires_on", "pk")[:50]
        )
    return out
