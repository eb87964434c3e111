"""Alipay open platform (支付宝开放平台) client: precreate / query / refund / close and
asynchronous notifications, RSA2 signed. See `client.py` for use."""

from .client import (
    BEIJING,
    PRODUCTION_GATEWAY,
    SANDBOX_GATEWAY,
    AlipayClient,
    AlipayConfig,
    new_request_no,
    response_node_name,
)
from .errors import (
    AlipayApiError,
    AlipayError,
    AlipayKeyError,
    AlipaySignatureError,
    AlipayTransportError,
    NotificationRejected,
)
from .types import (
    TRADE_CLOSED,
    TRADE_FINISHED,
    TRADE_SUCCESS,
    WAIT_BUYER_PAY,
    CloseResult,
    Notification,
    PrecreateResult,
    RefundQueryResult,
    RefundResult,
    TradeQueryResult,
    format_amount,
)

__all__ = [
    "BEIJING",
    "PRODUCTION_GATEWAY",
    "SANDBOX_GATEWAY",
    "TRADE_CLOSED",
    "TRADE_FINISHED",
    "TRADE_SUCCESS",
    "WAIT_BUYER_PAY",
    "AlipayApiError",
    "AlipayClient",
    "AlipayConfig",
    "AlipayError",
    "AlipayKeyError",
    "AlipaySignatureError",
    "AlipayTransportError",
    "CloseResult",
    "Notification",
    "NotificationRejected",
    "PrecreateResult",
    "RefundQueryResult",
    "RefundResult",
    "TradeQueryResult",
    "format_amount",
    "new_request_no",
    "response_node_name",
]
