"""Payment API: offline transfers (线下转款) registered with a voucher image, confirmed or
rejected by finance; online top-ups and refunds; auto-pay rules and plans (`autopay`)."""

from __future__ import annotations

import base64
import datetime as dt
import io
from typing import Annotated, Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from omni.ledger.calculations import from_minor
from omni.payment import selectors
from omni.payment.services import online, refunds, transfers

from ...auth import request_actor
from ...pagination import Page, PageIn, narrow, paginate
from ...schemas import ERRORS, Day, Id, Input, QueryId, name
from ..ledger.schemas import PositiveAmount
from . import autopay

router = Router()

# A JPEG or PNG file in base64: its first bytes are the image's signature (FF D8 FF /
# 89 50 4E 47 0D 0A 1A 0A 00), then whole base64 groups; at most 5 MB once decoded.
VOUCHER_PATTERN = (
    r"^(/9j/|iVBORw0KGgoA)(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$"
)
VOUCHER_MAX_CHARS = transfers.MAX_VOUCHER_BYTES // 3 * 4
TransferStatus = Literal["submitted", "confirmed", "rejected"]
PayerName = name(120)
Reason = name(200)


class TransferIn(Input):
    customer_id: Id
    amount: PositiveAmount
    bank_reference: Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{1,64}$")]
    paid_on: Day
    payer_name: PayerName  # type: ignore[valid-type]
    voucher: Annotated[
        str,
        Field(
            pattern=VOUCHER_PATTERN,
            max_length=VOUCHER_MAX_CHARS,
            description="the voucher image (JPEG or PNG, at most 5 MB), base64",
            json_schema_extra={"contentEncoding": "base64"},
        ),
    ]


class RejectIn(Input):
    reason: Reason  # type: ignore[valid-type]


class TransferOut(Schema):
    id: int
    org_id: int
    customer_id: int
    customer_name: str
    account_id: int
    amount: str
    currency: str
    bank_reference: str
    paid_on: dt.date
    payer_name: str
    voucher_type: str
    status: TransferStatus
    reason: str
    entry_id: int | None
    created_at: dt.datetime
    decided_by: str
    decided_at: dt.datetime | None


class TransferFilter(PageIn):
    status: TransferStatus | None = None
    customer_id: QueryId | None = None


def transfer_out(t) -> dict:
    return {
        "id": t.pk,
        "org_id": t.org_id,
        "customer_id": t.customer_id,
        "customer_name": t.customer.name,
        "account_id": t.account_id,
        "amount": str(from_minor(t.amount, 2)),
        "currency": t.currency,
        "bank_reference": t.bank_reference,
        "paid_on": t.paid_on,
        "payer_name": t.payer_name,
        "voucher_type": t.voucher_type,
        "status": t.status,
        "reason": t.reason,
        "entry_id": t.entry_id,
        "created_at": t.created_at,
        "decided_by": t.decided_by,
        "decided_at": t.decided_at,
    }


@router.get("/transfers", response={200: Page[TransferOut], **ERRORS}, summary="Offline transfers")
def list_transfers(request: HttpRequest, filters: Query[TransferFilter]):
    qs = selectors.list_transfers(request_actor(request))
    qs = narrow(qs, filters, status="status", customer_id="customer_id")
    return paginate(qs, filters, item=transfer_out)


@router.post(
    "/transfers", response={201: TransferOut, **ERRORS}, summary="Register an offline transfer"
)
def register_transfer(request: HttpRequest, payload: TransferIn):
    actor = request_actor(request)
    image = base64.b64decode(payload.voucher)
    transfer = transfers.register_transfer(
        actor=actor,
        customer_id=payload.customer_id,
        amount=payload.amount,
        bank_reference=payload.bank_reference,
        paid_on=payload.paid_on,
        payer_name=payload.payer_name,
        voucher=io.BytesIO(image),
        voucher_size=len(image),
    )
    return Status(201, transfer_out(selectors.get_transfer(actor, transfer.pk)))


@router.get("/transfers/{transfer_id}", response={200: TransferOut, **ERRORS}, summary="A transfer")
def get_transfer(request: HttpRequest, transfer_id: QueryId):
    return transfer_out(selectors.get_transfer(request_actor(request), transfer_id))


@router.post(
    "/transfers/{transfer_id}/confirm",
    response={200: TransferOut, **ERRORS},
    summary="Confirm a transfer: post it to the customer's account",
)
def confirm_transfer(request: HttpRequest, transfer_id: QueryId):
    actor = request_actor(request)
    transfers.confirm_transfer(actor=actor, transfer_id=transfer_id)
    return transfer_out(selectors.get_transfer(actor, transfer_id))


@router.post(
    "/transfers/{transfer_id}/reject",
    response={200: TransferOut, **ERRORS},
    summary="Reject a transfer with a reason",
)
def reject_transfer(request: HttpRequest, transfer_id: QueryId, payload: RejectIn):
    actor = request_actor(request)
    transfers.reject_transfer(actor=actor, transfer_id=transfer_id, reason=payload.reason)
    return transfer_out(selectors.get_transfer(actor, transfer_id))


# --- online top-ups ---------------------------------------------------------------------------

TopUpStatusName = Literal["created", "paid", "failed", "closed"]


class TopUpIn(Input):
    customer_id: Id
    provider: Literal["alipay", "wechatpay"]
    amount: PositiveAmount


class TopUpOut(Schema):
    id: int
    customer_id: int
    account_id: int
    provider: str
    out_trade_no: str
    amount: str
    currency: str
    status: TopUpStatusName
    code_url: str
    transaction_id: str | None
    refunded: str
    created_at: dt.datetime
    paid_at: dt.datetime | None


class TopUpFilter(PageIn):
    status: TopUpStatusName | None = None
    customer_id: QueryId | None = None


def top_up_out(t) -> dict:
    return {
        "id": t.pk,
        "customer_id": t.customer_id,
        "account_id": t.account_id,
        "provider": t.provider,
        "out_trade_no": t.out_trade_no,
        "amount": str(from_minor(t.amount, 2)),
        "currency": t.currency,
        "status": t.status,
        "code_url": t.code_url,
        "transaction_id": t.transaction_id,
        "refunded": str(from_minor(refunds.refunded(t.pk), 2)),
        "created_at": t.created_at,
        "paid_at": t.paid_at,
    }


@router.get("/top-ups", response={200: Page[TopUpOut], **ERRORS}, summary="Online top-ups")
def list_top_ups(request: HttpRequest, filters: Query[TopUpFilter]):
    qs = selectors.list_top_ups(request_actor(request))
    qs = narrow(qs, filters, status="status", customer_id="customer_id")
    return paginate(qs, filters, item=top_up_out)


@router.post(
    "/top-ups",
    response={201: TopUpOut, **ERRORS},
    summary="Start an online top-up: returns the QR code URL to pay",
)
def start_top_up(request: HttpRequest, payload: TopUpIn):
    actor = request_actor(request)
    top_up = online.start_top_up(
        actor=actor,
        customer_id=payload.customer_id,
        provider=payload.provider,
        amount=payload.amount,
    )
    return Status(201, top_up_out(selectors.get_top_up(actor, top_up.pk)))


@router.get("/top-ups/{top_up_id}", response={200: TopUpOut, **ERRORS}, summary="A top-up")
def get_top_up(request: HttpRequest, top_up_id: QueryId):
    return top_up_out(selectors.get_top_up(request_actor(request), top_up_id))


class RefundIn(Input):
    amount: PositiveAmount
    reason: Annotated[str, Field(max_length=200, pattern=r"^[^\x00-\x1f\x7f]*$")] = ""


class RefundOut(Schema):
    id: int
    top_up_id: int
    out_refund_no: str
    amount: str
    status: Literal["pending", "accepted", "failed"]
    reason: str
    failure: str
    created_at: dt.datetime
    settled_at: dt.datetime | None


@router.post(
    "/top-ups/{top_up_id}/refunds",
    response={201: RefundOut, **ERRORS},
    summary="Refund a paid top-up to the original method, partly or fully",
)
def refund_top_up(request: HttpRequest, top_up_id: QueryId, payload: RefundIn):
    actor = request_actor(request)
    selectors.get_top_up(actor, top_up_id)
    refund = refunds.refund_top_up(
        actor=actor, top_up_id=top_up_id, amount=payload.amount, reason=payload.reason
    )
    return Status(
        201,
        {
            "id": refund.pk,
            "top_up_id": refund.top_up_id,
            "out_refund_no": refund.out_refund_no,
            "amount": str(from_minor(refund.amount, 2)),
            "status": refund.status,
            "reason": refund.reason,
            "failure": refund.failure,
            "created_at": refund.created_at,
            "settled_at": refund.settled_at,
        },
    )


router.add_router("", autopay.router)
