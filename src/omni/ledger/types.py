"""Ledger value types: holders, statuses, and the frozen snapshots and commands services take."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _


class Holder(models.TextChoices):
    CUSTOMER = "customer", _("Customer")  # a dealer's or store's asset (客户资产)
    ORGANISATION = "organisation", _("Organisation")  # the brand's side of the entry


class AccountStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    FROZEN = "frozen", _("Frozen")


class HoldStatus(models.TextChoices):
    HELD = "held", _("Held")
    CAPTURED = "captured", _("Captured")
    RELEASED = "released", _("Released")


class PeriodStatus(models.TextChoices):
    CONFIRMED = "confirmed", _("Confirmed")  # 已确认
    DISPUTED = "disputed", _("Disputed")  # 有异议
    RESOLVED = "resolved", _("Resolved")  # 已处理，待确认


class EntryKind(models.TextChoices):
    TOP_UP = "top_up", _("Top-up")  # 充值
    TRANSFER = "transfer", _("Offline transfer")  # 线下转款
    GRANT = "grant", _("Grant")  # 授信 / 费用 / 返利 发放
    ADJUSTMENT = "adjustment", _("Adjustment")  # 调账
    CAPTURE = "capture", _("Order payment")  # 订单扣款
    REFUND = "refund", _("Refund")  # 退款
    INTEREST = "interest", _("Deposit interest")  # 保证金利息
    REVERSAL = "reversal", _("Reversal")  # 冲销


@dataclass(frozen=True, slots=True)
class Line:
    """One side of an entry: `amount` in the account's unit, positive adds to the balance."""

    account_id: int
    amount: Decimal


@dataclass(frozen=True, slots=True)
class EntryCommand:
    """What `post_entries` writes: lines that sum to zero per currency."""

    kind: str
    lines: tuple[Line, ...]
    source_type: str = ""
    source_id: str = ""
    memo: str = ""
    business_date: dt.date | None = None
    key: str | None = None  # idempotency: the same key posts once, a repeat returns the first


@dataclass(frozen=True, slots=True)
class AccountSnapshot:
    """What the pure checks need to know of an account."""

    id: int
    org_id: int
    customer_id: int | None
    type_code: str
    currency: str
    places: int
    may_go_negative: bool
    buckets: int
    status: str
    customer_status: str | None = None


@dataclass(frozen=True, slots=True)
class PostedEntry:
    id: int
    kind: str
    repeated: bool = False  # the key was posted before: nothing new was written
    balances: dict[int, Decimal] = field(default_factory=dict)  # account id -> balance after
