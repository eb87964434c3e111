"""Payment value types: the auto-pay rule's steps as commands and snapshots, and the payment
plan (`services.autopay.plan_payment`)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class StepSpec:
    """One step of an auto-pay rule as a caller gives it: an account type code of the ledger
    chart, at most `max_ratio` percent of the order (1 to 100), at most `max_amount` yuan."""

    account_type: str
    max_ratio: int | None = None
    max_amount: Decimal | str | None = None


@dataclass(frozen=True, slots=True)
class StepSnapshot:
    """A validated step: amounts in fen."""

    account_type: str
    max_ratio: int | None = None
    max_amount: int | None = None


@dataclass(frozen=True, slots=True)
class AccountFunds:
    """A customer's account as the plan sees it: what it may pay now, in fen (0 for a frozen
    account)."""

    account_id: int
    available: int


@dataclass(frozen=True, slots=True)
class PlannedMinor:
    """A step of the plan in fen (the pure calculation's result)."""

    account_type: str
    account_id: int | None
    available: int
    cap: int | None  # the step's own limit (ratio and/or max amount), None = none
    amount: int
    limited_by: str  # order | balance | ratio | max_amount | no_account


@dataclass(frozen=True, slots=True)
class PlanLine:
    """A step of the plan in yuan: pay `amount` from `account_id` (an account of type
    `account_type`); `limited_by` says what stopped it from paying more."""

    account_type: str
    account_type_name: str
    account_id: int | None
    available: Decimal
    cap: Decimal | None
    amount: Decimal
    limited_by: str


@dataclass(frozen=True, slots=True)
class RuleRef:
    """The rule a plan followed: its id (None for the built-in default), the organisation it
    belongs to and its customer class (None for the organisation's default); `inherited`
    when the organisation is an ancestor of the customer's."""

    id: int | None
    org_id: int | None
    org_name: str
    customer_class: str | None
    customer_class_name: str
    inherited: bool
    description: str  # the steps in words: 返利（≤30%）→ 现金/预付款 → 授信

    @property
    def builtin(self) -> bool:
        return self.id is None


@dataclass(frozen=True, slots=True)
class PaymentPlan:
    """How an order of `amount` would be paid now: `lines` in rule order (amounts may be 0),
    `paid` their sum, `shortfall` what no account covers. Read-only: nothing is held."""

    customer_id: int
    amount: Decimal
    currency: str
    lines: tuple[PlanLine, ...]
    paid: Decimal
    shortfall: Decimal
    rule: RuleRef

    @property
    def holds(self) -> tuple[PlanLine, ...]:
        """The lines that pay something: what the order holds, one hold per line."""
        return tuple(line for line in self.lines if line.amount > 0)
