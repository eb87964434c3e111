"""Pure payment rules over snapshots: no ORM, no I/O (ARCHITECTURE.md section 4)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal

from .types import AccountFunds, PlannedMinor, StepSnapshot


def ratio_cap(amount: int, ratio: int) -> int:
    """At most `ratio` percent of `amount` (fen), rounded down: the cap is never exceeded."""
    return amount * ratio // 100


def step_cap(amount: int, step: StepSnapshot) -> tuple[int | None, str]:
    """The step's own limit for an order of `amount` (fen) and which setting gives it."""
    caps = []
    if step.max_ratio is not None:
        caps.append((ratio_cap(amount, step.max_ratio), "ratio"))
    if step.max_amount is not None:
        caps.append((step.max_amount, "max_amount"))
    if not caps:
        return None, ""
    return min(caps, key=lambda c: c[0])


def plan(
    amount: int, steps: Sequence[StepSnapshot], accounts: Mapping[str, AccountFunds]
) -> tuple[list[PlannedMinor], int]:
    """Each step in order pays min(available, its cap, what remains); returns the steps and
    the shortfall. The amounts and the shortfall always sum to `amount`."""
    remaining = amount
    out = []
    for step in steps:
        account = accounts.get(step.account_type)
        cap, cap_kind = step_cap(amount, step)
        if account is None:
            out.append(PlannedMinor(step.account_type, None, 0, cap, 0, "no_account"))
            continue
        available = max(account.available, 0)
        # ties go to the first of: the order's remainder, the balance, the step's cap
        limits = [(remaining, "order"), (available, "balance")]
        if cap is not None:
            limits.append((cap, cap_kind))
        pay, limited_by = min(limits, key=lambda c: c[0])
        remaining -= pay
        out.append(
            PlannedMinor(step.account_type, account.account_id, available, cap, pay, limited_by)
        )
    return out, remaining


def fen_of(yuan: Decimal | None) -> int:
    """A provider's yuan amount as fen, exactly. An amount with a fraction of a fen (or
    none at all) gives -1, which matches no payment, instead of being rounded into one."""
    if yuan is None:
        return -1
    fen = Decimal(yuan) * 100
    return int(fen) if fen == fen.to_integral_value() else -1
