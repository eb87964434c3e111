"""Typed values in and out of the Alipay client (frozen dataclasses, Decimal amounts)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from types import MappingProxyType
from typing import Any

CENT = Decimal("0.01")

# trade_status values (alipay.trade.query and notifications)
WAIT_BUYER_PAY = "WAIT_BUYER_PAY"
TRADE_SUCCESS = "TRADE_SUCCESS"
TRADE_CLOSED = "TRADE_CLOSED"
TRADE_FINISHED = "TRADE_FINISHED"
TRADE_STATUSES = frozenset({WAIT_BUYER_PAY, TRADE_SUCCESS, TRADE_CLOSED, TRADE_FINISHED})
PAID_STATUSES = frozenset({TRADE_SUCCESS, TRADE_FINISHED})


def format_amount(value: Decimal | int | str) -> str:
    """An amount as Alipay wants it: yuan with exactly two decimals ("12.30").

    Floats are refused, and so are amounts with more than two decimals (no silent rounding).
    """
    if isinstance(value, bool | float):
        raise TypeError("amounts must be Decimal, int or str, not float/bool")
    try:
        amount = Decimal(value)
    except InvalidOperation as exc:
        raise ValueError(f"not an amount: {value!r}") from exc
    if not amount.is_finite():
        raise ValueError("amounts must be finite")
    if amount != amount.quantize(CENT):
        raise ValueError(f"amount {value!r} has more than two decimals")
    return f"{amount.quantize(CENT):f}"


def parse_amount(value: Any) -> Decimal | None:
    """A Decimal from an amount field (Alipay sends strings; some samples numbers)."""
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _frozen(data: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(data))


@dataclass(frozen=True, slots=True)
class PrecreateResult:
    out_trade_no: str
    qr_code: str
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True, slots=True)
class TradeQueryResult:
    out_trade_no: str
    trade_no: str
    trade_status: str
    total_amount: Decimal
    buyer_pay_amount: Decimal | None = None
    receipt_amount: Decimal | None = None
    buyer_logon_id: str = ""
    buyer_user_id: str = ""
    send_pay_date: str = ""
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def is_paid(self) -> bool:
        return self.trade_status in PAID_STATUSES


@dataclass(frozen=True, slots=True)
class RefundResult:
    out_trade_no: str
    trade_no: str
    refund_fee: Decimal  # total refunded on the trade so far (Alipay's meaning)
    fund_change: bool  # False: this out_request_no was already refunded (an idempotent repeat)
    send_back_fee: Decimal | None = None
    gmt_refund_pay: str = ""
    buyer_logon_id: str = ""
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True, slots=True)
class RefundQueryResult:
    out_trade_no: str
    trade_no: str
    out_request_no: str
    refund_amount: Decimal | None  # None: no such refund succeeded
    total_amount: Decimal | None = None
    refund_status: str = ""
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def refunded(self) -> bool:
        return self.refund_amount is not None and self.refund_status in ("", "REFUND_SUCCESS")


@dataclass(frozen=True, slots=True)
class CloseResult:
    out_trade_no: str
    trade_no: str
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True, slots=True)
class Notification:
    """A verified asynchronous notification (notify_type trade_status_sync)."""

    notify_id: str
    notify_type: str
    notify_time: str
    app_id: str
    out_trade_no: str
    trade_no: str
    trade_status: str
    total_amount: Decimal
    receipt_amount: Decimal | None = None
    buyer_pay_amount: Decimal | None = None
    refund_fee: Decimal | None = None
    out_biz_no: str = ""
    seller_id: str = ""
    buyer_id: str = ""
    gmt_payment: str = ""
    gmt_refund: str = ""
    gmt_close: str = ""
    params: Mapping[str, str] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_params(cls, params: Mapping[str, str]) -> Notification:
        total = parse_amount(params.get("total_amount"))
        return cls(
            notify_id=params.get("notify_id", ""),
            notify_type=params.get("notify_type", ""),
            notify_time=params.get("notify_time", ""),
            app_id=params.get("app_id", ""),
            out_trade_no=params.get("out_trade_no", ""),
            trade_no=params.get("trade_no", ""),
            trade_status=params.get("trade_status", ""),
            total_amount=total if total is not None else Decimal("0"),
            receipt_amount=parse_amount(params.get("receipt_amount")),
            buyer_pay_amount=parse_amount(params.get("buyer_pay_amount")),
            refund_fee=parse_amount(params.get("refund_fee")),
            out_biz_no=params.get("out_biz_no", ""),
            seller_id=params.get("seller_id", ""),
            buyer_id=params.get("buyer_id", ""),
            gmt_payment=params.get("gmt_payment", ""),
            gmt_refund=params.get("gmt_refund", ""),
            gmt_close=params.get("gmt_close", ""),
            params=_frozen(params),
        )

    @property
    def is_paid(self) -> bool:
        return self.trade_status in PAID_STATUSES
