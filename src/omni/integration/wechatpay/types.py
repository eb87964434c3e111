"""Typed, frozen values the WeChat Pay client returns. Amounts are integers in fen (分), as
WeChat Pay has them; `yuan()` converts through omni.kernel.money when a Decimal is wanted.
`raw` keeps the full decoded JSON for fields not modelled here."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from .errors import WechatPayProtocolError

# trade_state values (交易状态)
SUCCESS = "SUCCESS"
REFUND = "REFUND"
NOTPAY = "NOTPAY"
CLOSED = "CLOSED"
REVOKED = "REVOKED"
USERPAYING = "USERPAYING"
PAYERROR = "PAYERROR"
# refund status values (退款状态)
REFUND_SUCCESS = "SUCCESS"
REFUND_CLOSED = "CLOSED"
REFUND_PROCESSING = "PROCESSING"
REFUND_ABNORMAL = "ABNORMAL"


def yuan(fen: int) -> Decimal:
    """Fen to a two-place Decimal in yuan (100 -> Decimal('1.00'))."""
    from omni.kernel.money import round_amount

    return round_amount(Decimal(fen) / 100)


@dataclass(frozen=True, slots=True)
class NativeOrder:
    """Result of a Native order (Native下单): the payer scans `code_url` as a QR code."""

    out_trade_no: str
    code_url: str
    request_id: str | None = None


@dataclass(frozen=True, slots=True)
class Transaction:
    mchid: str
    appid: str
    out_trade_no: str
    trade_state: str
    trade_state_desc: str
    total_fen: int
    currency: str
    transaction_id: str | None = None
    payer_total_fen: int | None = None
    trade_type: str | None = None
    success_time: str | None = None
    payer_openid: str | None = None
    attach: str | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def is_paid(self) -> bool:
        return self.trade_state in (SUCCESS, REFUND)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Transaction:
        amount = data.get("amount") or {}
        try:
            return cls(
                mchid=str(data["mchid"]),
                appid=str(data.get("appid", "")),
                out_trade_no=str(data["out_trade_no"]),
                trade_state=str(data["trade_state"]),
                trade_state_desc=str(data.get("trade_state_desc", "")),
                total_fen=_int(amount.get("total")),
                currency=str(amount.get("currency") or "CNY"),
                transaction_id=data.get("transaction_id") or None,
                payer_total_fen=(
                    _int(amount["payer_total"]) if amount.get("payer_total") is not None else None
                ),
                trade_type=data.get("trade_type") or None,
                success_time=data.get("success_time") or None,
                payer_openid=(data.get("payer") or {}).get("openid") or None,
                attach=data.get("attach") or None,
                raw=dict(data),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise WechatPayProtocolError(f"not a transaction: {exc!r}") from exc


@dataclass(frozen=True, slots=True)
class Refund:
    out_refund_no: str
    refund_id: str
    out_trade_no: str
    transaction_id: str
    status: str
    refund_fen: int
    total_fen: int
    currency: str
    payer_refund_fen: int | None = None
    create_time: str | None = None
    success_time: str | None = None
    channel: str | None = None
    user_received_account: str | None = None
    mchid: str | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Refund:
        """From a refund API response or a REFUND.* notification resource (the latter uses
        `refund_status` and has no currency)."""
        amount = data.get("amount") or {}
        try:
            return cls(
                out_refund_no=str(data["out_refund_no"]),
                refund_id=str(data["refund_id"]),
                out_trade_no=str(data.get("out_trade_no", "")),
                transaction_id=str(data.get("transaction_id", "")),
                status=str(data.get("status") or data["refund_status"]),
                refund_fen=_int(amount.get("refund")),
                total_fen=_int(amount.get("total")),
                currency=str(amount.get("currency") or "CNY"),
                payer_refund_fen=(
                    _int(amount["payer_refund"]) if amount.get("payer_refund") is not None else None
                ),
                create_time=data.get("create_time") or None,
                success_time=data.get("success_time") or None,
                channel=data.get("channel") or None,
                user_received_account=data.get("user_received_account") or None,
                mchid=data.get("mchid") or None,
                raw=dict(data),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise WechatPayProtocolError(f"not a refund: {exc!r}") from exc


@dataclass(frozen=True, slots=True)
class Notification:
    """A verified and decrypted callback (支付结果通知 / 退款结果通知). `resource` is the
    decrypted plaintext; `transaction` or `refund` its typed reading."""

    id: str
    create_time: str
    event_type: str
    resource_type: str
    summary: str
    original_type: str
    resource: Mapping[str, Any] = field(compare=False, repr=False)
    transaction: Transaction | None = None
    refund: Refund | None = None

    @property
    def out_trade_no(self) -> str | None:
        if self.transaction is not None:
            return self.transaction.out_trade_no
        if self.refund is not None:
            return self.refund.out_trade_no
        return None


def _int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"expected an integer amount in fen, got {value!r}")
    return value
