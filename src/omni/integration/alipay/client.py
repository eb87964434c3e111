"""Alipay open-platform client (gateway.do, RSA2): face-to-face QR payments and refunds.

    config = AlipayConfig.from_files(
        app_id="2021...", app_private_key_path="app_private_key.pem",
        alipay_public_key_path="alipay_public_key.pem", notify_url="https://.../alipay/notify")
    client = AlipayClient(config)
    client.precreate("SO-1", Decimal("12.30"), "Order SO-1").qr_code
    client.query("SO-1").trade_status                     # TRADE_SUCCESS ...
    client.refund("SO-1", Decimal("2.00"), "SO-1-R1")     # idempotent per out_request_no
    notification = client.verify_notification(request.POST.dict())  # then answer "success"

Requests follow the official SDKs: the common parameters in the query string, biz_content
in an application/x-www-form-urlencoded POST body, signed RSA2 over all of them. Every
response is verified against the Alipay public key over the raw text of its response node.
Works unchanged against the real gateway given real keys; tests point `gateway_url` at the
simulator in `simulators/alipay`.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from types import MappingProxyType
from typing import Any

import requests

from . import signing
from .errors import (
    SUCCESS,
    AlipayApiError,
    AlipaySignatureError,
    AlipayTransportError,
    NotificationRejected,
)
from .types import (
    CloseResult,
    Notification,
    PrecreateResult,
    RefundQueryResult,
    RefundResult,
    TradeQueryResult,
    format_amount,
    parse_amount,
)

PRODUCTION_GATEWAY = "https://openapi.alipay.com/gateway.do"
SANDBOX_GATEWAY = "https://openapi-sandbox.dl.alipaydev.com/gateway.do"
BEIJING = dt.timezone(dt.timedelta(hours=8), "Asia/Shanghai")
TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S"
# Methods that create a trade: Alipay notifies the notify_url given here on every later
# status change of that trade (payment, refunds, close).
NOTIFYING_METHODS = frozenset({"alipay.trade.precreate"})
COMMON_QUERY_KEYS = (
    "app_id",
    "method",
    "format",
    "charset",
    "sign_type",
    "timestamp",
    "version",
    "notify_url",
    "app_auth_token",
    "sign",
)


def response_node_name(method: str) -> str:
    """``alipay.trade.query`` -> ``alipay_trade_query_response``."""
    return method.replace(".", "_") + "_response"


def _wall_now_beijing() -> dt.datetime:
    # The request timestamp is protocol machinery checked against Alipay's own clock: real
    # wall time, never the (movable) business clock. omni.kernel.clock needs Django, which
    # this client must not import.
    return dt.datetime.now(BEIJING)  # noqa: TID251


@dataclass(frozen=True)
class AlipayConfig:
    app_id: str
    app_private_key_pem: str
    alipay_public_key_pem: str
    gateway_url: str = PRODUCTION_GATEWAY
    notify_url: str | None = None
    seller_id: str | None = None  # the merchant's PID (2088...); checked on notifications
    timeout: float = 15.0
    app_auth_token: str | None = None  # ISV calls on behalf of a merchant

    @classmethod
    def from_files(
        cls,
        *,
        app_id: str,
        app_private_key_path: str | Path,
        alipay_public_key_path: str | Path,
        **options: Any,
    ) -> AlipayConfig:
        return cls(
            app_id=app_id,
            app_private_key_pem=Path(app_private_key_path).read_text(encoding="ascii"),
            alipay_public_key_pem=Path(alipay_public_key_path).read_text(encoding="ascii"),
            **options,
        )


class AlipayClient:
    def __init__(
        self,
        config: AlipayConfig,
        *,
        session: requests.Session | None = None,
        now: Callable[[], dt.datetime] | None = None,
    ) -> None:
        self.config = config
        self._private_key = signing.load_private_key(config.app_private_key_pem)
        self._alipay_public_key = signing.load_public_key(config.alipay_public_key_pem)
        self._session = session or requests.Session()
        self._now = now or _wall_now_beijing

    # -- signing -------------------------------------------------------------------------

    def sign(self, params: Mapping[str, object]) -> str:
        """RSA2 signature of request params (all but ``sign``, empty values left out)."""
        return signing.rsa2_sign(self._private_key, signing.signing_string(params, ("sign",)))

    def verify_response(self, raw_body: str, method: str) -> dict[str, Any]:
        """The verified response node of a gateway answer (raises on a bad signature).

        Does not look at the code: `execute` turns non-10000 codes into AlipayApiError.
        """
        try:
            document = json.loads(raw_body)
        except ValueError as exc:
            raise AlipayTransportError(
                f"{method}: response is not JSON: {raw_body[:200]!r}"
            ) from exc
        if not isinstance(document, dict):
            raise AlipayTransportError(f"{method}: response is not a JSON object")
        name = response_node_name(method)
        if name not in document and "error_response" in document:
            name = "error_response"
        node = document.get(name)
        if not isinstance(node, dict):
            raise AlipayTransportError(f"{method}: no {response_node_name(method)} in response")
        signature = document.get("sign")
        if not signature:
            if node.get("code") != SUCCESS:
                # The gateway leaves some early errors unsigned (unknown app_id, no method);
                # they are errors whatever their origin, so nothing is acted upon.
                return node
            raise AlipaySignatureError(f"{method}: successful response without a signature")
        node_text = signing.response_node_text(raw_body, name)
        if node_text is None or not signing.rsa2_verify(
            self._alipay_public_key, node_text, signature
        ):
            raise AlipaySignatureError(f"{method}: response signature does not verify")
        return node

    # -- the call ------------------------------------------------------------------------

    def build_params(self, method: str, biz_content: Mapping[str, Any]) -> dict[str, str]:
        params = {
            "app_id": self.config.app_id,
            "method": method,
            "format": "JSON",
            "charset": "utf-8",
            "sign_type": "RSA2",
            "timestamp": self._now().astimezone(BEIJING).strftime(TIMESTAMP_FORMAT),
            "version": "1.0",
            "biz_content": json.dumps(biz_content, ensure_ascii=False, separators=(",", ":")),
        }
        if self.config.notify_url and method in NOTIFYING_METHODS:
            params["notify_url"] = self.config.notify_url
        if self.config.app_auth_token:
            params["app_auth_token"] = self.config.app_auth_token
        params["sign"] = self.sign(params)
        return params

    def execute(self, method: str, biz_content: Mapping[str, Any]) -> dict[str, Any]:
        """Sign, send, verify; the response node on code 10000, else AlipayApiError."""
        params = self.build_params(method, biz_content)
        query = {key: params[key] for key in COMMON_QUERY_KEYS if key in params}
        body = {key: value for key, value in params.items() if key not in query}
        try:
            response = self._session.post(
                self.config.gateway_url,
                params=query,
                data=body,
                headers={"Content-Type": "application/x-www-form-urlencoded;charset=utf-8"},
                timeout=self.config.timeout,
            )
        except requests.RequestException as exc:
            raise AlipayTransportError(f"{method}: {exc.__class__.__name__}: {exc}") from exc
        if response.status_code != 200:
            raise AlipayTransportError(f"{method}: HTTP {response.status_code}")
        raw = response.content.decode("utf-8")
        node = self.verify_response(raw, method)
        if node.get("code") != SUCCESS:
            raise AlipayApiError(
                method=method,
                code=str(node.get("code", "")),
                msg=str(node.get("msg", "")),
                sub_code=str(node.get("sub_code", "")),
                sub_msg=str(node.get("sub_msg", "")),
                body=node,
            )
        return node

    # -- methods ---------------------------------------------------------------------------

    def precreate(
        self,
        out_trade_no: str,
        total_amount: Decimal,
        subject: str,
        *,
        timeout_express: str | None = None,
        body: str | None = None,
    ) -> PrecreateResult:
        """alipay.trade.precreate: a QR code (qr_code) the buyer scans to pay."""
        biz: dict[str, Any] = {
            "out_trade_no": out_trade_no,
            "total_amount": format_amount(total_amount),
            "subject": subject,
        }
        if self.config.seller_id:
            biz["seller_id"] = self.config.seller_id
        if timeout_express:
            biz["timeout_express"] = timeout_express
        if body:
            biz["body"] = body
        node = self.execute("alipay.trade.precreate", biz)
        return PrecreateResult(
            out_trade_no=str(node.get("out_trade_no", out_trade_no)),
            qr_code=str(node["qr_code"]),
            raw=MappingProxyType(node),
        )

    def query(self, out_trade_no: str) -> TradeQueryResult:
        """alipay.trade.query. Before the buyer scans the QR code Alipay has no trade yet:
        AlipayApiError 40004 ACQ.TRADE_NOT_EXIST."""
        node = self.execute("alipay.trade.query", {"out_trade_no": out_trade_no})
        return TradeQueryResult(
            out_trade_no=str(node.get("out_trade_no", out_trade_no)),
            trade_no=str(node.get("trade_no", "")),
            trade_status=str(node.get("trade_status", "")),
            total_amount=parse_amount(node.get("total_amount")) or Decimal("0"),
            buyer_pay_amount=parse_amount(node.get("buyer_pay_amount")),
            receipt_amount=parse_amount(node.get("receipt_amount")),
            buyer_logon_id=str(node.get("buyer_logon_id", "")),
            buyer_user_id=str(node.get("buyer_user_id", "")),
            send_pay_date=str(node.get("send_pay_date", "")),
            raw=MappingProxyType(node),
        )

    def refund(
        self,
        out_trade_no: str,
        refund_amount: Decimal,
        out_request_no: str,
        reason: str | None = None,
    ) -> RefundResult:
        """alipay.trade.refund, partial or full. Repeating the same out_request_no (with the
        same amount) refunds nothing more and answers fund_change=False."""
        biz: dict[str, Any] = {
            "out_trade_no": out_trade_no,
            "refund_amount": format_amount(refund_amount),
            "out_request_no": out_request_no,
        }
        if reason:
            biz["refund_reason"] = reason
        node = self.execute("alipay.trade.refund", biz)
        return RefundResult(
            out_trade_no=str(node.get("out_trade_no", out_trade_no)),
            trade_no=str(node.get("trade_no", "")),
            refund_fee=parse_amount(node.get("refund_fee")) or Decimal("0"),
            fund_change=node.get("fund_change") == "Y",
            send_back_fee=parse_amount(node.get("send_back_fee")),
            gmt_refund_pay=str(node.get("gmt_refund_pay", "")),
            buyer_logon_id=str(node.get("buyer_logon_id", "")),
            raw=MappingProxyType(node),
        )

    def refund_query(self, out_trade_no: str, out_request_no: str) -> RefundQueryResult:
        """alipay.trade.fastpay.refund.query: refund_amount is None when that refund did not
        succeed (Alipay answers 10000 without refund details)."""
        node = self.execute(
            "alipay.trade.fastpay.refund.query",
            {"out_trade_no": out_trade_no, "out_request_no": out_request_no},
        )
        return RefundQueryResult(
            out_trade_no=str(node.get("out_trade_no", out_trade_no)),
            trade_no=str(node.get("trade_no", "")),
            out_request_no=str(node.get("out_request_no", out_request_no)),
            refund_amount=parse_amount(node.get("refund_amount")),
            total_amount=parse_amount(node.get("total_amount")),
            refund_status=str(node.get("refund_status", "")),
            raw=MappingProxyType(node),
        )

    def close(self, out_trade_no: str) -> CloseResult:
        """alipay.trade.close: close an unpaid (scanned) trade."""
        node = self.execute("alipay.trade.close", {"out_trade_no": out_trade_no})
        return CloseResult(
            out_trade_no=str(node.get("out_trade_no", out_trade_no)),
            trade_no=str(node.get("trade_no", "")),
            raw=MappingProxyType(node),
        )

    # -- notifications ---------------------------------------------------------------------

    def verify_notification(
        self,
        form: Mapping[str, str],
        *,
        expected_total_amount: Decimal | None = None,
    ) -> Notification:
        """A verified asynchronous notification from its (URL-decoded) form fields.

        Raises AlipaySignatureError if the signature is missing or wrong (signed over all
        fields but ``sign`` and ``sign_type``), NotificationRejected if it is correctly signed
        but names another app_id or seller_id, or (when given) another total_amount. The
        caller answers the plain text ``success`` once it has recorded the notification.
        """
        params = {str(key): str(value) for key, value in form.items()}
        signature = params.get("sign", "")
        if not signature:
            raise AlipaySignatureError("notification without a signature")
        sign_type = params.get("sign_type", "RSA2")
        if sign_type != "RSA2":
            raise AlipaySignatureError(f"notification sign_type {sign_type!r} is not RSA2")
        message = signing.signing_string(params, ("sign", "sign_type"))
        if not signing.rsa2_verify(self._alipay_public_key, message, signature):
            raise AlipaySignatureError("notification signature does not verify")
        notification = Notification.from_params(params)
        if notification.app_id != self.config.app_id:
            raise NotificationRejected(
                f"notification for app_id {notification.app_id!r}, not ours", "app_id"
            )
        if self.config.seller_id and notification.seller_id != self.config.seller_id:
            raise NotificationRejected(
                f"notification for seller_id {notification.seller_id!r}, not ours", "seller_id"
            )
        if expected_total_amount is not None and notification.total_amount != Decimal(
            format_amount(expected_total_amount)
        ):
            raise NotificationRejected(
                f"notification total_amount {notification.total_amount} differs from the "
                f"order's {format_amount(expected_total_amount)}",
                "total_amount",
            )
        return notification


def new_request_no(prefix: str = "") -> str:
    """A unique out_request_no / out_trade_no (letters, digits, underscores, <= 64 chars)."""
    return f"{prefix}{uuid.uuid4().hex}"
