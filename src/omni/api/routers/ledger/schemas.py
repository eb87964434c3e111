"""Ledger API schemas. Money is a decimal string ("1234.50"): a JSON number is refused."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from ninja import Field, Schema

from ...pagination import PageIn
from ...schemas import Bool, Day, Id, Input, QueryId, line

# A positive amount with at most 2 decimals and 15 integer digits, no leading zeros, not 0.
POSITIVE_AMOUNT = r"^(0\.(0[1-9]|[1-9][0-9]?)|[1-9][0-9]{0,14}(\.[0-9]{1,2})?)$"
PositiveAmount = Annotated[str, Field(pattern=POSITIVE_AMOUNT, examples=["1000.00"])]
TypeCode = Literal[
    "cash",
    "credit",
    "expense",
    "deposit",
    "special",
    "rebate",
    "allowance",
    "points",
    "bank",
    "credit_line",
    "marketing",
    "sales",
    "interest",
    "adjustment",
    "points_issued",
]
CustomerTypeCode = Literal[
    "cash", "credit", "expense", "deposit", "special", "rebate", "allowance", "points"
]


class AccountTypeOut(Schema):
    code: str
    name: str
    holder: str
    currency: str
    places: int
    may_go_negative: bool
    funds: list[str]
    fund_priority: int


class AccountOut(Schema):
    id: int
    org_id: int
    customer_id: int | None
    customer_name: str | None
    type: str
    type_name: str
    currency: str
    status: Literal["active", "frozen"]
    balance: str
    frozen: str
    available: str


class AccountFilter(PageIn):
    customer_id: QueryId | None = None
    type: TypeCode | None = None
    status: Literal["active", "frozen"] | None = None


class AccountIn(Input):
    customer_id: Id
    type: CustomerTypeCode


class AccountStatusIn(Input):
    status: Literal["active", "frozen"]


class PostingOut(Schema):
    id: int
    entry_id: int
    account_id: int
    date: dt.date
    kind: str
    memo: str
    source_type: str
    source_id: str
    amount: str
    balance_after: str | None


class PostingFilter(PageIn):
    date_from: Day | None = None
    date_to: Day | None = None


class StatementQuery(Schema):
    date_from: Day
    date_to: Day


class StatementLineOut(Schema):
    posting_id: int
    entry_id: int
    date: dt.date
    kind: str
    memo: str
    source_type: str
    source_id: str
    amount: str
    balance: str


class StatementOut(Schema):
    account_id: int
    currency: str
    date_from: dt.date
    date_to: dt.date
    opening: str
    closing: str
    debits: str
    credits: str
    lines: list[StatementLineOut]


class AdjustmentIn(Input):
    """调账: money into (`in`) or out of (`out`) a customer account, against the
    organisation's adjustment account."""

    account_id: Id
    direction: Literal["in", "out"]
    amount: PositiveAmount
    memo: line(200) = ""  # type: ignore[valid-type]


class ReverseIn(Input):
    memo: line(200) = ""  # type: ignore[valid-type]


class EntryLineOut(Schema):
    account_id: int
    amount: str
    balance_after: str | None


class EntryOut(Schema):
    id: int
    org_id: int
    kind: str
    memo: str
    source_type: str
    source_id: str
    business_date: dt.date
    reverses_id: int | None
    reversed_by_id: int | None
    actor_name: str
    created_at: dt.datetime
    lines: list[EntryLineOut]


class HoldOut(Schema):
    id: int
    account_id: int
    amount: str
    captured: str
    source_type: str
    source_id: str
    status: Literal["held", "captured", "released"]
    created_at: dt.datetime
    closed_at: dt.datetime | None


class HoldFilter(PageIn):
    account_id: QueryId | None = None
    status: Literal["held", "captured", "released"] | None = None


Month = Annotated[str, Field(pattern=r"^(19|20|21)[0-9]{2}-(0[1-9]|1[0-2])$", examples=["2026-11"])]
Comment = Annotated[
    str, Field(min_length=1, max_length=500, pattern=r"^[^\x00]*[^\x00\s][^\x00]*$")
]


class ConfirmIn(Input):
    month: Month


class DisputeIn(Input):
    month: Month
    posting_ids: list[Id] = Field(default_factory=list, max_length=500)
    comment: Comment


class ResolveIn(Input):
    month: Month
    resolution: Comment


class PeriodOut(Schema):
    account_id: int
    month: str
    status: Literal["confirmed", "disputed", "resolved"]
    comment: str
    disputed_postings: list[int]
    resolution: str
    answered_by: str
    answered_at: dt.datetime | None
    resolved_by: str
    resolved_at: dt.datetime | None


class InterestPolicyIn(Input):
    annual_rate: Annotated[
        str,
        Field(pattern=r"^(100(\.0{1,4})?|[1-9]?[0-9](\.[0-9]{1,4})?)$", examples=["1.50"]),
    ]
    is_active: Bool = True


class InterestPolicyOut(Schema):
    org_id: int
    annual_rate: str
    is_active: bool
