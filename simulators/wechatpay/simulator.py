"""The simulated WeChat Pay: request verification, routing, signed replies, notifications and
injected faults. `server.py` puts it behind an HTTP server."""

from __future__ import annotations

import json
import re
import threading
import uuid
from collections import deque
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from . import crypto
from .config import Merchant, SimConfig
from .notifier import Delivery, Notifier
from .store import ApiError, Order, RefundRecord, Store

MAX_SKEW_S = 300
FORGE_KINDS = ("signature", "amount", "mchid", "appid", "ciphertext")
RESPONSE_FAULTS = ("tamper", "unsigned", "bad_signature", "unknown_serial", "stale")
_QUERY_PATH = re.compile(r"^/v3/pay/transactions/out-trade-no/([^/]+)$")
_CLOSE_PATH = re.compile(r"^/v3/pay/transactions/out-trade-no/([^/]+)/close$")
_BY_ID_PATH = re.compile(r"^/v3/pay/transactions/id/([^/]+)$")
_REFUND_PATH = re.compile(r"^/v3/refund/domestic/refunds/([^/]+)$")


@dataclass
class Reply:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


def _json(payload: Any) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class Simulator:
    def __init__(self, config: SimConfig) -> None:
        self.config = config
        self.store = Store()
        self.notifier = Notifier(retry_scale=config.retry_scale, timeout=config.notify_timeout)
        self._lock = threading.Lock()
        self.notification_faults: deque[dict[str, Any]] = deque()
        self.response_faults: deque[str] = deque()
        self.api_errors: list[dict[str, Any]] = []
        self._held: list[Delivery] = []
        self._forger_key = None

    def close(self) -> None:
        self.notifier.stop()

    # -- the API -----------------------------------------------------------------------

    def handle_api(self, method: str, target: str, headers: dict[str, str], body: bytes) -> Reply:
        mode = self.config.mode
        try:
            merchant = self._authenticate(method, target, headers, body)
            mode = merchant.mode
            self._injected_error(method, target)
            status, payload = self._route(merchant, method, target, body)
        except ApiError as exc:
            status, payload = exc.status, exc.body()
        return self._signed(mode, status, payload)

    def _authenticate(
        self, method: str, target: str, headers: dict[str, str], body: bytes
    ) -> Merchant:
        auth = crypto.parse_authorization(headers.get("authorization"))
        if auth is None:
            raise ApiError(
                401,
                "SIGN_ERROR",
                "Http头Authorization值格式错误，请参考《微信支付商户REST API签名规则》",
            )
        merchant = self.config.merchants.get(auth["mchid"])
        if merchant is None:
            raise ApiError(400, "MCH_NOT_EXISTS", "商户号不存在")
        if auth["serial_no"].upper() != merchant.serial_no:
            raise ApiError(401, "SIGN_ERROR", "商户证书序列号有误。请使用签名私钥匹配的证书序列号")
        try:
            skew = abs(crypto.wall_epoch() - int(auth["timestamp"]))
        except ValueError:
            skew = MAX_SKEW_S + 1
        if skew > MAX_SKEW_S:
            raise ApiError(401, "SIGN_ERROR", "Http头Authorization中的timestamp已过期")
        text = body.decode("utf-8", "replace")
        message = f"{method}\n{target}\n{auth['timestamp']}\n{auth['nonce_str']}\n{text}\n"
        if not crypto.verify(merchant.public_key, message, auth["signature"]):
            raise ApiError(401, "SIGN_ERROR", "签名错误，请检查后再试")
        return merchant

    def _injected_error(self, method: str, target: str) -> None:
        path = urlsplit(target).path
        with self._lock:
            for i, spec in enumerate(self.api_errors):
                if path.startswith(spec.get("path_prefix", "")) and spec.get(
                    "method", method
                ).upper() in (method, "*"):
                    del self.api_errors[i]
                    raise ApiError(
                        int(spec.get("status", 500)),
                        str(spec.get("code", "SYSTEM_ERROR")),
                        str(spec.get("message", "系统错误")),
                    )

    def _route(self, merchant: Merchant, method: str, target: str, body: bytes) -> tuple[int, Any]:
        split = urlsplit(target)
        path, query = split.path, parse_qs(split.query)
        data: dict[str, Any] = {}
        if method == "POST":
            try:
                data = json.loads(body.decode("utf-8")) if body else {}
            except (ValueError, UnicodeDecodeError):
                raise ApiError(400, "PARAM_ERROR", "请求体不是合法的JSON") from None
            if not isinstance(data, dict):
                raise ApiError(400, "PARAM_ERROR", "请求体应为JSON对象")
        if method == "GET" and path == "/v3/certificates":
            return 200, self._certificates(merchant)
        if method == "POST" and path == "/v3/pay/transactions/native":
            return 200, {"code_url": self.store.create_native(merchant, data).code_url}
        if method == "POST" and (m := _CLOSE_PATH.match(path)):
            self.store.close(merchant, unquote(m.group(1)), data)
            return 204, None
        if method == "GET" and (m := _QUERY_PATH.match(path) or _BY_ID_PATH.match(path)):
            mchid = (query.get("mchid") or [""])[0]
            if not mchid:
                raise ApiError(400, "PARAM_ERROR", "输入源“/query/mchid”映射到值字段“商户号”必填")
            if mchid != merchant.mchid:
                raise ApiError(400, "PARAM_ERROR", "请求中的mchid与Authorization中的商户号不一致")
            key = unquote(m.group(1))
            if m.re is _BY_ID_PATH:
                return 200, self._by_transaction_id(merchant.mchid, key).as_json()
            return 200, self.store.order(merchant.mchid, key).as_json()
        if method == "POST" and path == "/v3/refund/domestic/refunds":
            record = self.store.create_refund(merchant, data)
            self._schedule_settle(merchant, record)
            return 200, record.as_json()
        if method == "GET" and (m := _REFUND_PATH.match(path)):
            return 200, self.store.refund(merchant.mchid, unquote(m.group(1))).as_json()
        raise ApiError(404, "RESOURCE_NOT_EXISTS", f"{method} {path} 不存在")

    def _by_transaction_id(self, mchid: str, transaction_id: str) -> Order:
        with self.store.lock:
            for order in self.store.orders.values():
                if order.mchid == mchid and order.transaction_id == transaction_id:
                    return order
        raise ApiError(404, "ORDER_NOT_EXIST", "订单不存在")

    def _certificates(self, merchant: Merchant) -> dict[str, Any]:
        cert = self.config.certificate
        if cert is None:
            return {"data": []}
        from cryptography.hazmat.primitives.serialization import Encoding

        pem = cert.public_bytes(Encoding.PEM).decode()
        resource = crypto.encrypt_resource(merchant.apiv3_key, pem, "certificate", "certificate")
        resource.pop("original_type")
        return {
            "data": [
                {
                    "serial_no": crypto.cert_serial(cert),
                    "effective_time": crypto.rfc3339(int(cert.not_valid_before_utc.timestamp())),
                    "expire_time": crypto.rfc3339(int(cert.not_valid_after_utc.timestamp())),
                    "encrypt_certificate": resource,
                }
            ]
        }

    # -- signing -----------------------------------------------------------------------

    def _signature_headers(self, mode: str, body: bytes, key=None, ts: int | None = None):
        serial, private_key = self.config.signer(mode)
        timestamp = str(crypto.wall_epoch() if ts is None else ts)
        nonce = crypto.random_string(32)
        message = f"{timestamp}\n{nonce}\n{body.decode('utf-8')}\n"
        return {
            "Wechatpay-Nonce": nonce,
            "Wechatpay-Signature": crypto.sign(key or private_key, message),
            "Wechatpay-Timestamp": timestamp,
            "Wechatpay-Serial": serial,
            "Wechatpay-Signature-Type": "WECHATPAY2-SHA256-RSA2048",
        }

    def _signed(self, mode: str, status: int, payload: Any) -> Reply:
        body = b"" if payload is None else _json(payload)
        fault = None
        with self._lock:
            if self.response_faults:
                fault = self.response_faults.popleft()
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "Request-ID": "08" + crypto.random_digits(8) + uuid.uuid4().hex[:20].upper(),
        }
        if fault == "stale":
            headers.update(self._signature_headers(mode, body, ts=crypto.wall_epoch() - 900))
        elif fault == "bad_signature":
            headers.update(self._signature_headers(mode, body, key=self._forger()))
        elif fault != "unsigned":
            headers.update(self._signature_headers(mode, body))
        if fault == "unknown_serial":
            headers["Wechatpay-Serial"] = "5157F09EFDC096DE15EBE81A47057A7232F1B8E1"
        if fault == "tamper":
            tampered = json.loads(body) if body else {}
            if isinstance(tampered, dict) and "code_url" in tampered:
                tampered["code_url"] = "weixin://wxpay/bizpayurl?pr=ATTACKR"
            elif isinstance(tampered, dict):
                tampered["tampered"] = True
            body = _json(tampered)
        return Reply(status, body, headers)

    def _forger(self):
        with self._lock:
            if self._forger_key is None:
                self._forger_key = crypto.new_key()
            return self._forger_key

    # -- payments and notifications ----------------------------------------------------

    def pay(self, out_trade_no: str, mchid: str | None = None, openid: str | None = None):
        with self.store.lock:
            candidates = [
                o
                for (m, no), o in self.store.orders.items()
                if no == out_trade_no and (mchid is None or m == mchid)
            ]
        if len(candidates) != 1:
            raise ApiError(404, "ORDER_NOT_EXIST", "订单不存在（或需指定mchid）")
        order = candidates[0]
        transaction = self.store.pay(order, openid)
        merchant = self.config.merchants[order.mchid]
        self._notify(
            merchant,
            order.notify_url,
            event_type="TRANSACTION.SUCCESS",
            summary="支付成功",
            original_type="transaction",
            plaintext=transaction,
            meta={"out_trade_no": order.out_trade_no},
        )
        return transaction

    def _schedule_settle(self, merchant: Merchant, record: RefundRecord) -> None:
        if self.config.refund_settle_ms >= 0:
            self.notifier.schedule(
                self.config.refund_settle_ms / 1000, lambda: self.settle(merchant, record)
            )

    def settle(self, merchant: Merchant, record: RefundRecord, status: str = "SUCCESS") -> bool:
        if not self.store.settle_refund(record, status):
            return False
        event = {"SUCCESS": "REFUND.SUCCESS", "ABNORMAL": "REFUND.ABNORMAL"}.get(
            status, "REFUND.CLOSED"
        )
        summary = {"SUCCESS": "退款成功", "ABNORMAL": "退款异常"}.get(status, "退款关闭")
        self._notify(
            merchant,
            record.notify_url,
            event_type=event,
            summary=summary,
            original_type="refund",
            plaintext=record.as_notification_resource(),
            meta={"out_trade_no": record.out_trade_no, "out_refund_no": record.out_refund_no},
        )
        return True

    def _envelope(
        self,
        merchant: Merchant,
        notification_id: str,
        event_type: str,
        summary: str,
        original_type: str,
        plaintext: dict[str, Any],
        forge: str | None = None,
    ) -> bytes:
        plain = dict(plaintext)
        if forge == "amount":
            amount = dict(plain.get("amount") or {})
            for name in ("total", "payer_total", "refund", "payer_refund"):
                if isinstance(amount.get(name), int):
                    amount[name] = amount[name] * 10 + 1
            plain["amount"] = amount
        elif forge == "mchid":
            plain["mchid"] = "1900000001" if merchant.mchid != "1900000001" else "1900000002"
        elif forge == "appid":
            plain["appid"] = "wx0000000000000000"
        resource = crypto.encrypt_resource(
            merchant.apiv3_key, _json(plain).decode(), original_type, original_type
        )
        if forge == "ciphertext":
            raw = bytearray(resource["ciphertext"].encode())
            raw[4] = ord("A") if raw[4] != ord("A") else ord("B")
            resource["ciphertext"] = raw.decode()
        return _json(
            {
                "id": notification_id,
                "create_time": crypto.rfc3339(),
                "resource_type": "encrypt-resource",
                "event_type": event_type,
                "summary": summary,
                "resource": resource,
            }
        )

    def _notify(
        self,
        merchant: Merchant,
        url: str,
        *,
        event_type: str,
        summary: str,
        original_type: str,
        plaintext: dict[str, Any],
        meta: dict[str, Any],
    ) -> None:
        with self._lock:
            fault = self.notification_faults.popleft() if self.notification_faults else {}
        notification_id = str(uuid.uuid4())
        base_meta = dict(meta, notification_id=notification_id, event_type=event_type, url=url)
        args = (merchant, notification_id, event_type, summary, original_type, plaintext)
        body = self._envelope(*args)

        def signer(key=None):
            return lambda raw: dict(
                self._signature_headers(merchant.mode, raw, key=key),
                **{"Content-Type": "application/json", "User-Agent": "Mozilla/4.0"},
            )

        copies = [
            Delivery(url, body, signer(), dict(base_meta, copy=i + 1, forged=None))
            for i in range(max(1, int(fault.get("duplicates", 1))))
        ]
        first: list[Delivery] = copies
        forge = fault.get("forge")
        if forge:
            if forge not in FORGE_KINDS:
                raise ApiError(400, "PARAM_ERROR", f"forge must be one of {FORGE_KINDS}")
            key = self._forger() if forge == "signature" else None
            forged_body = body if forge == "signature" else self._envelope(*args, forge=forge)
            forged = Delivery(
                url,
                forged_body,
                signer(key),
                dict(base_meta, copy=0, forged=forge),
                max_attempts=int(fault.get("max_attempts", 1)),
                followers=copies,
            )
            first = [forged]
        with self._lock:
            if fault.get("out_of_order"):
                self._held.extend(first)
                return
            held, self._held = self._held, []
        copies[0].followers.extend(held)
        delay = float(fault.get("delay_ms", 0)) / 1000
        for delivery in first:
            self.notifier.start(delivery, delay)

    # -- control plane -----------------------------------------------------------------

    def set_faults(self, spec: dict[str, Any]) -> dict[str, Any]:
        notifications = list(spec.get("notifications") or [])
        responses = list(spec.get("responses") or [])
        errors = list(spec.get("api_errors") or [])
        for item in notifications:
            if item.get("forge") and item["forge"] not in FORGE_KINDS:
                raise ApiError(400, "PARAM_ERROR", f"forge must be one of {FORGE_KINDS}")
        for item in responses:
            if item not in RESPONSE_FAULTS:
                raise ApiError(400, "PARAM_ERROR", f"responses must be in {RESPONSE_FAULTS}")
        with self._lock:
            self.notification_faults.extend(notifications)
            self.response_faults.extend(responses)
            self.api_errors.extend(errors)
        return self.faults()

    def clear_faults(self) -> dict[str, Any]:
        with self._lock:
            self.notification_faults.clear()
            self.response_faults.clear()
            self.api_errors.clear()
        return self.faults()

    def faults(self) -> dict[str, Any]:
        with self._lock:
            return {
                "notifications": list(self.notification_faults),
                "responses": list(self.response_faults),
                "api_errors": list(self.api_errors),
                "held_notifications": len(self._held),
            }
