"""Auto-pay rules (自动支付) and the payment plan an order would follow.

A rule belongs to an organisation and a customer class (none: the organisation's default);
`PUT /autopay-rules` creates or replaces the rule of that pair. `POST /autopay/plan`
answers how an order of an amount would be paid from the customer's accounts now (read
only: nothing is held)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from omni.ledger.calculations import from_minor
from omni.payment import selectors
from omni.payment.services import autopay
from omni.payment.types import StepSpec

from ...auth import request_actor
from ...pagination import Page, PageIn, narrow, paginate
from ...schemas import ERRORS, Id, Input, Int, QueryId, code_of
from ..ledger.schemas import PositiveAmount

router = Router()

AccountTypeCode = Annotated[
    str,
    Field(
        pattern=r"^[a-z][a-z0-9_]{0,31}$",
        examples=["rebate"],
        description="an account type code of the ledger chart that may pay for goods "
        "(standard chart: rebate, allowance, special, expense, cash, credit)",
    ),
]
ClassCode = code_of("party.CustomerClass", examples=["L1"])
LimitedBy = Literal["order", "balance", "ratio", "max_amount", "no_account"]


class AutoPayStepIn(Input):
    account_type: AccountTypeCode
    max_ratio: Int(ge=1, le=100) | None = Field(  # type: ignore[valid-type]
        None, description="at most this percent of the order amount"
    )
    max_amount: PositiveAmount | None = Field(None, description="at most this many yuan")


class AutoPayRuleIn(Input):
    org_id: Id
    customer_class: ClassCode | None = Field(  # type: ignore[valid-type]
        None, description="a customer class code; null: the organisation's default rule"
    )
    steps: Annotated[list[AutoPayStepIn], Field(min_length=1, max_length=autopay.MAX_STEPS)]


class AutoPayStepOut(Schema):
    position: int
    account_type: str
    account_type_name: str
    max_ratio: int | None
    max_amount: str | None


class AutoPayRuleOut(Schema):
    id: int
    org_id: int
    org_name: str
    customer_class: str | None
    customer_class_name: str
    steps: list[AutoPayStepOut]
    description: str
    updated_by: str
    updated_at: dt.datetime


class AutoPayRuleFilter(PageIn):
    org_id: QueryId | None = None
    customer_class: ClassCode | None = None  # type: ignore[valid-type]


class AutoPayPlanIn(Input):
    customer_id: Id
    amount: PositiveAmount


class AutoPayPlanLineOut(Schema):
    account_type: str
    account_type_name: str
    account_id: int | None
    available: str
    cap: str | None
    amount: str
    limited_by: LimitedBy


class AutoPayPlanRuleOut(Schema):
    id: int | None
    org_id: int | None
    org_name: str
    customer_class: str | None
    customer_class_name: str
    inherited: bool
    builtin: bool
    description: str


class AutoPayPlanOut(Schema):
    customer_id: int
    amount: str
    currency: str
    paid: str
    shortfall: str
    lines: list[AutoPayPlanLineOut]
    rule: AutoPayPlanRuleOut


def rule_out(rule) -> dict:
    steps = sorted(rule.steps.all(), key=lambda s: s.position)
    names = {s.account_type.code: s.account_type.name for s in steps}
    cls = rule.customer_class
    return {
        "id": rule.pk,
        "org_id": rule.org_id,
        "org_name": rule.org.name,
        "customer_class": cls.code if cls else None,
        "customer_class_name": cls.name if cls else "",
        "steps": [
            {
                "position": s.position,
                "account_type": s.account_type.code,
                "account_type_name": s.account_type.name,
                "max_ratio": s.max_ratio,
                "max_amount": None if s.max_amount is None else str(from_minor(s.max_amount, 2)),
            }
            for s in steps
        ],
        "description": autopay.describe_steps(autopay.rule_steps(rule), names),
        "updated_by": rule.updated_by,
        "updated_at": rule.updated_at,
    }


@router.get(
    "/autopay-rules",
    response={200: Page[AutoPayRuleOut], **ERRORS},
    summary="Auto-pay rules (自动支付规则), with the rules of the organisations above",
)
def list_autopay_rules(request: HttpRequest, filters: Query[AutoPayRuleFilter]):
    qs = selectors.list_autopay_rules(request_actor(request))
    qs = narrow(qs, filters, org_id="org_id", customer_class="customer_class__code")
    return paginate(qs, filters, item=rule_out)


@router.put(
    "/autopay-rules",
    response={200: AutoPayRuleOut, **ERRORS},
    summary="Create or replace the auto-pay rule of an organisation and customer class",
)
def set_autopay_rule(request: HttpRequest, payload: AutoPayRuleIn):
    actor = request_actor(request)
    rule = autopay.set_autopay_rule(
        actor=actor,
        org_id=payload.org_id,
        customer_class=payload.customer_class,
        steps=[StepSpec(s.account_type, s.max_ratio, s.max_amount) for s in payload.steps],
    )
    return rule_out(selectors.get_autopay_rule(actor, rule.pk))


@router.get(
    "/autopay-rules/{autopay_rule_id}",
    response={200: AutoPayRuleOut, **ERRORS},
    summary="An auto-pay rule",
)
def get_autopay_rule(request: HttpRequest, autopay_rule_id: QueryId):
    return rule_out(selectors.get_autopay_rule(request_actor(request), autopay_rule_id))


@router.delete(
    "/autopay-rules/{autopay_rule_id}",
    response={204: None, **ERRORS},
    summary="Delete an auto-pay rule (its customers follow the next rule up)",
)
def delete_autopay_rule(request: HttpRequest, autopay_rule_id: QueryId):
    autopay.delete_autopay_rule(actor=request_actor(request), rule_id=autopay_rule_id)
    return Status(204, None)


@router.post(
    "/autopay/plan",
    response={200: AutoPayPlanOut, **ERRORS},
    summary="How an order of this amount would be paid from the customer's accounts now",
)
def plan_payment(request: HttpRequest, payload: AutoPayPlanIn):
    plan = autopay.plan_payment(
        actor=request_actor(request), customer_id=payload.customer_id, amount=payload.amount
    )
    rule = plan.rule
    return {
        "customer_id": plan.customer_id,
        "amount": str(plan.amount),
        "currency": plan.currency,
        "paid": str(plan.paid),
        "shortfall": str(plan.shortfall),
        "lines": [
            {
                "account_type": line.account_type,
                "account_type_name": line.account_type_name,
                "account_id": line.account_id,
                "available": str(line.available),
                "cap": None if line.cap is None else str(line.cap),
                "amount": str(line.amount),
                "limited_by": line.limited_by,
            }
            for line in plan.lines
        ],
        "rule": {
            "id": rule.id,
            "org_id": rule.org_id,
            "org_name": rule.org_name,
            "customer_class": rule.customer_class,
            "customer_class_name": rule.customer_class_name,
            "inherited": rule.inherited,
            "builtin": rule.builtin,
            "description": rule.description,
        },
    }
