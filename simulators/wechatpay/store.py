"""In-memory orders and refunds with WeChat Pay's business rules and error codes.

Codes and statuses follow the APIv3 documentation (公共错误码 and the per-API tables):
400 PARAM_ERROR / INVALID_REQUEST / ORDER_CLOSED / APPID_MCHID_NOT_MATCH / MCH_NOT_EXISTS,
401 SIGN_ERROR, 403 OUT_TRADE_NO_USED / NOT_ENOUGH, 404 ORDER_NOT_EXIST (transactions) /
RESOURCE_NOT_EXISTS (refunds). A refund above the refundable amount is 400 INVALID_REQUEST
"申请退款金额超过订单可退金额" (NOT_ENOUGH is the merchant's balance running short; inject it
with an api_errors fault).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from . import crypto
from .config import Merchant


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, detail: Any = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.detail = status, code, message, detail

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.detail is not None:
            body["detail"] = self.detail
        return body


def param_error(field_name: str, issue: str, location: str = "body") -> ApiError:
    return ApiError(
        400,
        "PARAM_ERROR",
        f"输入源“/{location}/{field_name}”校验失败：{issue}",
        {"field": field_name, "location": location, "issue": issue},
    )


STATE_DESC = {
    "NOTPAY": "订单未支付",
    "SUCCESS": "支付成功",
    "CLOSED": "订单已关闭",
    "REFUND": "转入退款",
}


@dataclass
class Order:
    mchid: str
    appid: str
    out_trade_no: str
    description: str
    notify_url: str
    total: int
    currency: str
    attach: str | None
    code_url: str
    trade_state: str = "NOTPAY"
    transaction_id: str | None = None
    success_time: str | None = None
    openid: str | None = None
    refunded: int = 0  # fen reserved by accepted refunds

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "appid": self.appid,
            "mchid": self.mchid,
            "out_trade_no": self.out_trade_no,
            "trade_state": self.trade_state,
            "trade_state_desc": STATE_DESC.get(self.trade_state, self.trade_state),
            "amount": {"total": self.total, "currency": self.currency},
            "promotion_detail": [],
        }
        if self.attach is not None:
            data["attach"] = self.attach
        if self.transaction_id:
            data.update(
                transaction_id=self.transaction_id,
                trade_type="NATIVE",
                bank_type="OTHERS",
                success_time=self.success_time,
                payer={"openid": self.openid},
            )
            data["amount"].update(payer_total=self.total, payer_currency=self.currency)
        return data


@dataclass
class RefundRecord:
    mchid: str
    out_refund_no: str
    out_trade_no: str
    transaction_id: str
    refund_id: str
    refund: int
    total: int
    currency: str
    reason: str | None
    notify_url: str
    create_time: str
    status: str = "PROCESSING"
    success_time: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def amount(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "refund": self.refund,
            "payer_total": self.total,
            "payer_refund": self.refund,
            "settlement_total": self.total,
            "settlement_refund": self.refund,
            "discount_refund": 0,
            "currency": self.currency,
            "refund_fee": 0,
            "from": [],
        }

    def as_json(self) -> dict[str, Any]:
        data = {
            "refund_id": self.refund_id,
            "out_refund_no": self.out_refund_no,
            "transaction_id": self.transaction_id,
            "out_trade_no": self.out_trade_no,
            "channel": "ORIGINAL",
            "user_received_account": "支付用户零钱",
            "create_time": self.create_time,
            "status": self.status,
            "funds_account": "AVAILABLE",
            "amount": self.amount(),
            "promotion_detail": [],
        }
        if self.success_time:
            data["success_time"] = self.success_time
        return data

    def as_notification_resource(self) -> dict[str, Any]:
        """退款结果通知 plaintext: refund_status, no currency, no appid."""
        return {
            "mchid": self.mchid,
            "out_trade_no": self.out_trade_no,
            "transaction_id": self.transaction_id,
            "out_refund_no": self.out_refund_no,
            "refund_id": self.refund_id,
            "refund_status": self.status,
            "success_time": self.success_time,
            "user_received_account": "支付用户零钱",
            "amount": {
                "total": self.total,
                "refund": self.refund,
                "payer_total": self.total,
                "payer_refund": self.refund,
            },
        }


def _str(body: dict[str, Any], name: str, *, required: bool = True, max_len: int = 256) -> Any:
    value = body.get(name)
    if value is None:
        if required:
            raise param_error(name, "必填字段缺失")
        return None
    if not isinstance(value, str) or (required and not value) or len(value) > max_len:
        raise param_error(name, f"字符串规则校验失败，长度应在1到{max_len}之间")
    return value


def _fen(amount: Any, name: str) -> int:
    value = amount.get(name) if isinstance(amount, dict) else None
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise param_error(f"amount/{name}", "应为大于0的整数（单位：分）")
    return value


class Store:
    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.orders: dict[tuple[str, str], Order] = {}
        self.refunds: dict[tuple[str, str], RefundRecord] = {}

    def create_native(self, merchant: Merchant, body: dict[str, Any]) -> Order:
        appid = _str(body, "appid", max_len=32)
        mchid = _str(body, "mchid", max_len=32)
        description = _str(body, "description", max_len=127)
        out_trade_no = _str(body, "out_trade_no", max_len=32)
        notify_url = _str(body, "notify_url", max_len=255)
        if len(out_trade_no) < 6:
            raise param_error("out_trade_no", "长度应在6到32之间")
        if not notify_url.startswith(("http://", "https://")):
            raise param_error("notify_url", "应为http(s)地址")
        amount = body.get("amount")
        total = _fen(amount, "total")
        currency = amount.get("currency", "CNY")
        if currency != "CNY":
            raise param_error("amount/currency", "仅支持CNY")
        if mchid != merchant.mchid:
            raise ApiError(400, "PARAM_ERROR", "请求中的mchid与Authorization中的商户号不一致")
        if appid not in merchant.appids:
            raise ApiError(400, "APPID_MCHID_NOT_MATCH", "AppID和mch_id不匹配")
        attach = _str(body, "attach", required=False, max_len=128)
        with self.lock:
            existing = self.orders.get((mchid, out_trade_no))
            if existing is not None:
                if existing.trade_state == "CLOSED":
                    raise ApiError(400, "ORDER_CLOSED", "订单已关闭")
                if existing.trade_state != "NOTPAY":
                    raise ApiError(400, "INVALID_REQUEST", "该订单已支付，请勿重复下单")
                if (existing.total, existing.description, existing.appid) != (
                    total,
                    description,
                    appid,
                ):
                    raise ApiError(403, "OUT_TRADE_NO_USED", "商户订单号重复")
                return existing
            order = Order(
                mchid=mchid,
                appid=appid,
                out_trade_no=out_trade_no,
                description=description,
                notify_url=notify_url,
                total=total,
                currency=currency,
                attach=attach,
                code_url="weixin://wxpay/bizpayurl?pr=" + crypto.random_string(7),
            )
            self.orders[(mchid, out_trade_no)] = order
            return order

    def order(self, mchid: str, out_trade_no: str) -> Order:
        with self.lock:
            order = self.orders.get((mchid, out_trade_no))
        if order is None:
            raise ApiError(404, "ORDER_NOT_EXIST", "订单不存在")
        return order

    def close(self, merchant: Merchant, out_trade_no: str, body: dict[str, Any]) -> None:
        if _str(body, "mchid", max_len=32) != merchant.mchid:
            raise ApiError(400, "PARAM_ERROR", "请求中的mchid与Authorization中的商户号不一致")
        with self.lock:
            order = self.order(merchant.mchid, out_trade_no)
            if order.trade_state in ("SUCCESS", "REFUND"):
                raise ApiError(400, "INVALID_REQUEST", "订单已支付，无法关闭")
            order.trade_state = "CLOSED"

    def pay(self, order: Order, openid: str | None = None) -> dict[str, Any]:
        """The payer scans and pays: NOTPAY -> SUCCESS. Returns the transaction JSON."""
        with self.lock:
            if order.trade_state != "NOTPAY":
                raise ApiError(400, "INVALID_REQUEST", f"订单状态为{order.trade_state}，无法支付")
            order.trade_state = "SUCCESS"
            order.transaction_id = "42000" + crypto.random_digits(23)
            order.success_time = crypto.rfc3339()
            order.openid = openid or "oUpF8u" + crypto.random_string(22)
            return order.as_json()

    def create_refund(self, merchant: Merchant, body: dict[str, Any]) -> RefundRecord:
        out_refund_no = _str(body, "out_refund_no", max_len=64)
        out_trade_no = _str(body, "out_trade_no", required=False, max_len=32)
        transaction_id = _str(body, "transaction_id", required=False, max_len=32)
        if not out_trade_no and not transaction_id:
            raise param_error("out_trade_no", "transaction_id和out_trade_no必须二选一")
        amount = body.get("amount")
        refund, total = _fen(amount, "refund"), _fen(amount, "total")
        currency = amount.get("currency")
        if currency != "CNY":
            raise param_error("amount/currency", "必填，且仅支持CNY")
        reason = _str(body, "reason", required=False, max_len=80)
        notify_url = _str(body, "notify_url", required=False, max_len=256)
        with self.lock:
            existing = self.refunds.get((merchant.mchid, out_refund_no))
            order = self._refund_order(merchant.mchid, out_trade_no, transaction_id)
            if existing is not None:
                if existing.out_trade_no != order.out_trade_no or existing.refund != refund:
                    raise ApiError(400, "INVALID_REQUEST", "商户退款单号已被使用，且请求参数不一致")
                return existing  # idempotent: same refund, same refund_id
            if order.trade_state not in ("SUCCESS", "REFUND"):
                raise ApiError(400, "INVALID_REQUEST", "订单未支付，无法退款")
            if total != order.total:
                raise ApiError(400, "INVALID_REQUEST", "订单金额与原订单金额不一致")
            if refund > order.total - order.refunded:
                raise ApiError(400, "INVALID_REQUEST", "申请退款金额超过订单可退金额")
            record = RefundRecord(
                mchid=merchant.mchid,
                out_refund_no=out_refund_no,
                out_trade_no=order.out_trade_no,
                transaction_id=order.transaction_id or "",
                refund_id="50300" + crypto.random_digits(24),
                refund=refund,
                total=total,
                currency=currency,
                reason=reason,
                notify_url=notify_url or order.notify_url,
                create_time=crypto.rfc3339(),
            )
            order.refunded += refund
            order.trade_state = "REFUND"
            self.refunds[(merchant.mchid, out_refund_no)] = record
            return record

    def _refund_order(self, mchid: str, out_trade_no: str | None, txid: str | None) -> Order:
        if out_trade_no:
            order = self.orders.get((mchid, out_trade_no))
        else:
            order = next(
                (o for o in self.orders.values() if o.mchid == mchid and o.transaction_id == txid),
                None,
            )
        if order is None:
            raise ApiError(404, "RESOURCE_NOT_EXISTS", "订单不存在")
        return order

    def refund(self, mchid: str, out_refund_no: str) -> RefundRecord:
        with self.lock:
            record = self.refunds.get((mchid, out_refund_no))
        if record is None:
            raise ApiError(404, "RESOURCE_NOT_EXISTS", "退款单不存在")
        return record

    def settle_refund(self, record: RefundRecord, status: str = "SUCCESS") -> bool:
        with self.lock:
            if record.status != "PROCESSING":
                return False
            record.status = status
            if status == "SUCCESS":
                record.success_time = crypto.rfc3339()
            return True
