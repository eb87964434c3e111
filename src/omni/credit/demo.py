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
from omni.kernel.errors import DomainError
from omni.ledger.calculations import from_minor
from omni.ledger.services.accounts import counter_account
from omni.ledger.services.posting import post_entry
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
    _usage_demo(actor, dealers[:12])
    return made


def _usage_demo(actor: Actor, dealers: list[int]) -> None:
    """Orders bought on credit over the last months (captures from the credit account, some
    past their payment term) and a few repayments, so that the credit dashboard, the ageing
    and the alerts have something to show. Keyed: a second run posts nothing."""
    rng = random.Random(SEED + 1)
    today = clock.today()
    rows = dict(
        CreditLimit.objects.filter(customer_id__in=dealers).values_list("customer_id", "account_id")
    )
    limits = dict(
        CreditLimit.objects.filter(customer_id__in=dealers).values_list("customer_id", "limit")
    )
    for i, customer in enumerate(dealers):
        if customer not in rows:
            continue
        org_id = directory.customers(actor).filter(pk=customer).values_list("org_id", flat=True)
        sales = counter_account(org_id.get(), "sales")
        bank = counter_account(org_id.get(), "bank")
        share = rng.choice([35, 55, 70, 88, 92])  # percent of the limit used over time
        total = limits[customer] * share // 100
        parts = [total // 3, total // 3, total - 2 * (total // 3)]
        for n, (minor, days_ago) in enumerate(zip(parts, (75, 40, 12), strict=True)):
            _post(
                actor=actor,
                kind="capture",
                lines=[(rows[customer], -from_minor(minor, 2)), (sales, from_minor(minor, 2))],
                source_type="order",
                source_id=f"SO-DEMO-{customer}-{n}",
                memo="订货（授信支付）",
                business_date=today - dt.timedelta(days=days_ago),
                key=f"demo:credit-use:{customer}:{n}",
            )
        if i % 3 == 0:  # some dealers paid the oldest order back
            _post(
                actor=actor,
                kind="transfer",
                lines=[(rows[customer], from_minor(parts[0], 2)), (bank, -from_minor(parts[0], 2))],
                source_type="demo",
                memo="授信还款",
                business_date=today - dt.timedelta(days=5),
                key=f"demo:credit-repay:{customer}",
            )


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


def _post(**entry: object) -> None:
    """A demo posting; one the credit left cannot take (a hold of the ledger demo) is left
    out rather than stopping the demo."""
    try:
        post_entry(**entry)  # type: ignore[arg-type]
    except DomainError as exc:
        if exc.code != "insufficient_funds":
            raise
