"""Demo credit limits: the demo dealers get 100,000 to 500,000 yuan of credit with a
30/45/60-day term; two of them warn instead of blocking, one needs approval."""

from __future__ import annotations

import random
from decimal import Decimal

from omni.kernel.actors import Actor
from omni.tenancy import directory

from .models import CreditLimit
from .services.limits import set_credit_limit

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
    return made
