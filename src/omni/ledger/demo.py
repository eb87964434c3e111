"""Demo fund pool: cash/prepaid, credit and rebate accounts for the demo dealers, with
top-ups by bank transfer, credit lines, a rebate grant, an adjustment and an open hold on
the sample dealer's account. Deterministic; a second run posts nothing."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from omni.kernel import clock
from omni.kernel.actors import Actor
from omni.tenancy import directory

from .services.accounts import counter_account, open_account
from .services.holds import hold_funds
from .services.posting import post_entry
from .types import EntryKind

SEED = 20261203


def _post(
    actor: Actor, kind: str, account: int, counter: int, amount: Decimal, key: str, **kw
) -> int:
    """Posts once per key: a second run (or a resumed one) repeats nothing."""
    posted = post_entry(
        actor=actor,
        kind=kind,
        lines=[(account, amount), (counter, -amount)],
        source_type="demo",
        key=f"demo:{key}",
        **kw,
    )
    return 0 if posted.repeated else 1


def load_ledger_demo(*, actor: Actor, sample_dealer_id: int, sample_store_id: int) -> int:
    """Returns how many entries were posted."""
    rng = random.Random(SEED)
    dealers = list(
        directory.customers(actor)
        .filter(kind__in=["distributor", "dealer"], status="active")
        .order_by("pk")
        .values_list("pk", "org_id")[:40]
    )
    store = directory.customers(actor).filter(pk=sample_store_id).values_list("pk", "org_id")
    if not any(pk == sample_dealer_id for pk, _ in dealers):
        dealers += list(
            directory.customers(actor).filter(pk=sample_dealer_id).values_list("pk", "org_id")
        )
    today = clock.today()
    posted = 0
    for customer_id, org_id in dealers + list(store):
        is_store = customer_id == sample_store_id
        cash = open_account(actor=actor, type_code="cash", customer_id=customer_id).pk
        bank = counter_account(org_id, "bank")
        for months_ago in (2, 1, 0):
            amount = Decimal(rng.randrange(20, 300 if not is_store else 30) * 1000)
            day = (today.replace(day=1) - dt.timedelta(days=30 * months_ago)).replace(
                day=rng.randrange(1, 28)
            )
            posted += _post(
                actor,
                EntryKind.TRANSFER,
                cash,
                bank,
                amount,
                f"{customer_id}:transfer:{months_ago}",
                memo="银行转账 招商银行",
                business_date=min(day, today),
                source_id=f"BANK-{customer_id}-{months_ago}",
            )
        if is_store:
            continue
        rebate = open_account(actor=actor, type_code="rebate", customer_id=customer_id).pk
        posted += _post(
            actor,
            EntryKind.GRANT,
            rebate,
            counter_account(org_id, "marketing"),
            Decimal(rng.randrange(2000, 20000)) + Decimal("0.50"),
            f"{customer_id}:rebate",
            memo="第三季度销售返利",
        )
        if customer_id == sample_dealer_id:
            posted += _post(
                actor,
                EntryKind.ADJUSTMENT,
                cash,
                counter_account(org_id, "adjustment"),
                Decimal("-1280.00"),
                f"{customer_id}:freight",
                memo="运费补扣（10月）",
            )
            deposit = open_account(actor=actor, type_code="deposit", customer_id=customer_id).pk
            posted += _post(
                actor,
                EntryKind.TRANSFER,
                deposit,
                bank,
                Decimal("50000.00"),
                f"{customer_id}:deposit",
                memo="经销保证金",
                business_date=(today.replace(day=1) - dt.timedelta(days=40)).replace(day=1),
            )
            hold_funds(
                actor=actor,
                account_id=cash,
                amount="8640.00",
                source_type="order",
                source_id="SO-DEMO-0001",
            )
    posted += _interest(actor, dealers)
    return posted


def _interest(actor: Actor, dealers: list[tuple[int, int]]) -> int:
    """保证金利息: 1.5 % a year for the whole group, last month paid (once)."""
    from omni.tenancy.scope import path_ids
    from omni.tenancy.selectors import organizations

    from .models import InterestPolicy
    from .services.interest import post_deposit_interest, set_interest_policy
    from .services.statements import month_start

    if not dealers:
        return 0
    path = organizations().filter(pk=dealers[0][1]).values_list("path", flat=True).first()
    group = path_ids(path or "")[0] if path else dealers[0][1]
    if not InterestPolicy.objects.filter(org_id=group).exists():
        set_interest_policy(actor=actor, org_id=group, annual_rate="1.5")
    last = month_start(month_start(clock.today()) - dt.timedelta(days=1))
    return post_deposit_interest(actor=actor, month=last)["posted"]
