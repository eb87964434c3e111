"""Credit API: limits (信用额度) per customer and the credit check an order asks before it
holds credit."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from omni.credit import selectors
from omni.credit.services import limits, temporary
from omni.ledger.calculations import from_minor

from ...auth import request_actor
from ...pagination import Page, PageIn, narrow, paginate
from ...schemas import ERRORS, Day, Id, Input, Int, QueryId, line, name
from ..ledger.schemas import PositiveAmount

router = Router()
# zero or a positive amount, at most 2 decimals and 13 integer digits
LIMIT_PATTERN = r"^(0|[1-9][0-9]{0,12})(\.[0-9]{1,2})?$"
Policy = Literal["block", "warn", "approve"]
OverdueActionIn = Literal["block", "warn", "ignore"]


class CheckIn(Input):
    customer_id: Id
    amount: PositiveAmount


class CheckOut(Schema):
    allowed: bool
    reason: Literal[
        "within_limit", "over_limit", "over_limit_warning", "needs_approval", "no_limit", "overdue"
    ]
    policy: Policy
    limit: str
    used: str
    held: str
    temporary: str
    available: str
    overdue: str
    overdue_days: int
    warning: bool


class LimitIn(Input):
    limit: Annotated[str, Field(pattern=LIMIT_PATTERN, examples=["300000.00"])]
    term_days: Int(ge=0, le=365) = 30  # type: ignore[valid-type]
    policy: Policy = "block"
    warn_ratio: Int(ge=1, le=100) = 80  # type: ignore[valid-type]
    overdue_action: OverdueActionIn = "block"


class LimitOut(Schema):
    customer_id: int
    customer_name: str
    org_id: int
    account_id: int
    limit: str
    term_days: int
    policy: Policy
    warn_ratio: int
    overdue_action: OverdueActionIn
    updated_by: str
    updated_at: dt.datetime


class LimitFilter(PageIn):
    customer_id: QueryId | None = None
    policy: Policy | None = None


def limit_out(row) -> dict:
    return {
        "customer_id": row.customer_id,
        "customer_name": row.customer.name,
        "org_id": row.org_id,
        "account_id": row.account_id,
        "limit": str(from_minor(row.limit, 2)),
        "term_days": row.term_days,
        "policy": row.policy,
        "warn_ratio": row.warn_ratio,
        "overdue_action": row.overdue_action,
        "updated_by": row.updated_by,
        "updated_at": row.updated_at,
    }


@router.post("/check", response={200: CheckOut, **ERRORS}, summary="Credit check (信用检查)")
def check(request: HttpRequest, payload: CheckIn):
    result = limits.check_credit(
        actor=request_actor(request), customer_id=payload.customer_id, amount=payload.amount
    )
    return {
        "allowed": result.allowed,
        "reason": result.reason,
        "policy": result.policy,
        "limit": str(result.limit),
        "used": str(result.used),
        "held": str(result.held),
        "temporary": str(result.temporary),
        "available": str(result.available),
        "overdue": str(result.overdue),
        "overdue_days": result.overdue_days,
        "warning": result.warning,
    }


@router.get("/limits", response={200: Page[LimitOut], **ERRORS}, summary="Credit limits")
def list_limits(request: HttpRequest, filters: Query[LimitFilter]):
    qs = selectors.list_limits(request_actor(request))
    qs = narrow(qs, filters, customer_id="customer_id", policy="policy")
    return paginate(qs, filters, item=limit_out)


@router.put(
    "/limits/{customer_id}",
    response={200: LimitOut, **ERRORS},
    summary="Set a customer's credit limit, payment term and policy",
)
def set_limit(request: HttpRequest, customer_id: QueryId, payload: LimitIn):
    actor = request_actor(request)
    limits.set_credit_limit(
        actor=actor,
        customer_id=customer_id,
        limit=payload.limit,
        term_days=payload.term_days,
        policy=payload.policy,
        warn_ratio=payload.warn_ratio,
        overdue_action=payload.overdue_action,
    )
    return limit_out(selectors.get_limit(actor, customer_id))


# --- temporary credit (临时信用) ---------------------------------------------------------------

Reason = name(200)
Note = line(200)
TemporaryStatus = Literal["requested", "active", "rejected", "cancelled", "expired", "revoked"]


class TemporaryIn(Input):
    customer_id: Id
    amount: PositiveAmount
    expires_on: Day
    reason: Reason
    manager_id: Id | None = None


class TemporaryNoteIn(Input):
    note: Note = ""


class TemporaryReasonIn(Input):
    note: Reason


class TemporaryOut(Schema):
    id: int
    customer_id: int
    customer_name: str
    org_id: int
    account_id: int
    amount: str
    withdrawn: str
    expires_on: dt.date
    reason: str
    manager_id: int | None
    status: TemporaryStatus
    requested_by: str
    requested_at: dt.datetime
    decided_by: str
    decided_at: dt.datetime | None
    decision_note: str
    ended_at: dt.datetime | None


class TemporaryFilter(PageIn):
    customer_id: QueryId | None = None
    status: TemporaryStatus | None = None


def temporary_out(row) -> dict:
    """The credit as the API shows it (what a service returned: the caller may act on it
    without holding the view permission)."""
    return {
        "id": row.pk,
        "customer_id": row.customer_id,
        "customer_name": row.customer.name,
        "org_id": row.org_id,
        "account_id": row.account_id,
        "amount": str(from_minor(row.amount, 2)),
        "withdrawn": str(from_minor(row.withdrawn, 2)),
        "expires_on": row.expires_on,
        "reason": row.reason,
        "manager_id": row.manager_id,
        "status": row.status,
        "requested_by": row.requested_by,
        "requested_at": row.requested_at,
        "decided_by": row.decided_by,
        "decided_at": row.decided_at,
        "decision_note": row.decision_note,
        "ended_at": row.ended_at,
    }


@router.get("/temporary", response={200: Page[TemporaryOut], **ERRORS}, summary="Temporary credit")
def list_temporary(request: HttpRequest, filters: Query[TemporaryFilter]):
    qs = selectors.list_temporary(request_actor(request))
    qs = narrow(qs, filters, customer_id="customer_id", status="status")
    return paginate(qs, filters, item=temporary_out)


@router.post(
    "/temporary",
    response={201: TemporaryOut, **ERRORS},
    summary="Request temporary credit (临时信用申请)",
)
def request_temporary(request: HttpRequest, payload: TemporaryIn):
    actor = request_actor(request)
    row = temporary.request_temporary_credit(
        actor=actor,
        customer_id=payload.customer_id,
        amount=payload.amount,
        expires_on=payload.expires_on,
        reason=payload.reason,
        manager_id=payload.manager_id,
    )
    return Status(201, temporary_out(row))


@router.get(
    "/temporary/{credit_id}", response={200: TemporaryOut, **ERRORS}, summary="A temporary credit"
)
def get_temporary(request: HttpRequest, credit_id: QueryId):
    return temporary_out(selectors.get_temporary(request_actor(request), credit_id))


@router.post(
    "/temporary/{credit_id}/approve",
    response={200: TemporaryOut, **ERRORS},
    summary="Approve a temporary credit: the amount is granted until its expiry date",
)
def approve_temporary(request: HttpRequest, credit_id: QueryId, payload: TemporaryNoteIn):
    actor = request_actor(request)
    return temporary_out(
        temporary.approve_temporary_credit(actor=actor, credit_id=credit_id, note=payload.note)
    )


@router.post(
    "/temporary/{credit_id}/reject",
    response={200: TemporaryOut, **ERRORS},
    summary="Reject a temporary credit request",
)
def reject_temporary(request: HttpRequest, credit_id: QueryId, payload: TemporaryReasonIn):
    actor = request_actor(request)
    return temporary_out(
        temporary.reject_temporary_credit(actor=actor, credit_id=credit_id, note=payload.note)
    )


@router.post(
    "/temporary/{credit_id}/cancel",
    response={200: TemporaryOut, **ERRORS},
    summary="Withdraw a temporary credit request not yet decided",
)
def cancel_temporary(request: HttpRequest, credit_id: QueryId):
    actor = request_actor(request)
    return temporary_out(temporary.cancel_temporary_credit(actor=actor, credit_id=credit_id))


@router.post(
    "/temporary/{credit_id}/revoke",
    response={200: TemporaryOut, **ERRORS},
    summary="End an active temporary credit now and take back what is unused",
)
def revoke_temporary(request: HttpRequest, credit_id: QueryId, payload: TemporaryReasonIn):
    actor = request_actor(request)
    return temporary_out(
        temporary.revoke_temporary_credit(actor=actor, credit_id=credit_id, note=payload.note)
    )
