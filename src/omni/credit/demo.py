"""Demo credit limits: the demo dealers get 100,000 to 500,000 yuan of credit with a
30/45/60-day term; two of them warn instead of blocking, one needs approval. Temporary
credit: the sales rep asked for three; finance approved one (active for the season),
two wait for finance's approval."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from omni.kernel import clock
from omni.kernel.actors import Actor
from omni.tenancy import directory

from .models import CreditLimit, TemporaryCredit
from .services.limits import set_credit_limit
from .services.temporary import approve_temporary_credit, request_temporary_credit

SEED = 20261204


def load_credit_demo(*, actor: Actor) -> int:
    rng = random.Random(SEED)
    dealers = list(
        directory.customers(actor)
        .filter(kind__in=["distributor", "dealer"], status="active")
        .order_by("pk")
        .values_list("pk", flat=True)[:40]
    )
    have = set(CreditLimit.objects.values_list("customer_id", flat=True))
    made = 0
    for i, customer_id in enumerate(dealers):
        limit = Decimal(rng.choice([100, 200, 300, 500]) * 1000)
        term = rng.choice([30, 45, 60])
        if customer_id in have:
            continue
        policy = "warn" if i in (3, 7) else "approve" if i == 11 else "block"
        set_credit_limit(
            actor=actor, customer_id=customer_id, limit=limit, term_days=term, policy=policy
        )
        made += 1
    if dealers and not TemporaryCredit.objects.exists():
        _temporary_demo(dealers)
    return made


TEMPORARY = [
    (0, "80000", 45, "中秋国庆旺季备货，申请临时额度", True),
    (1, "50000", 30, "新品上市首批铺货", False),
    (2, "30000", 20, "年底冲量，回款计划已确认", False),
]


def _temporary_demo(dealers: list[int]) -> None:
    rep, finance = Actor.system("sales_rep"), Actor.system("finance")
    for index, amount, days, reason, approve in TEMPORARY:
        if index >= len(dealers):
            continue
        credit = request_temporary_credit(
            actor=rep,
            customer_id=dealers[index],
            amount=amount,
            expires_on=clock.today() + dt.timedelta(days=days),
            reason=reason,
        )
        if approve:
            approve_temporary_credit(actor=finance, credit_id=credit.pk, note="同意，到期收回")
