"""In-memory trades and the business rules of the supported gateway methods (thread-safe).

Face-to-face QR ("当面付") life cycle as Alipay runs it:

- ``alipay.trade.precreate`` returns a QR code, but Alipay holds no trade yet: query and
  close answer ``ACQ.TRADE_NOT_EXIST`` until the buyer scans (``/__sim__/scan``).
- scanned: ``WAIT_BUYER_PAY`` (no notification by default);
- paid (``/__sim__/pay``): ``TRADE_SUCCESS`` and a notification;
- refunds: partial keeps ``TRADE_SUCCESS`` (notification with refund_fee), the refund that
  reaches the total makes it ``TRADE_CLOSED`` (notification);
- ``/__sim__/finish``: the refund window ended, ``TRADE_FINISHED`` (notification);
- ``alipay.trade.close`` or ``/__sim__/close`` on an unpaid trade: ``TRADE_CLOSED``.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from .protocol import error_node, stamp, success_node

CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("100000000")
PRECREATED = "PRECREATED"  # internal: QR code issued, not scanned (invisible to queries)


class SimError(Exception):
    """A control-endpoint error: HTTP status and message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class Refund:
    out_request_no: str
    amount: Decimal
    reason: str
    at: str


@dataclass
class Trade:
    app_id: str
    out_trade_no: str
    total_amount: Decimal
    subject: str
    seller_id: str
    notify_url: str
    qr_token: str
    gmt_create: str
    status: str = PRECREATED
    trade_no: str = ""
    buyer_id: str = ""
    buyer_logon_id: str = ""
    gmt_payment: str = ""
    gmt_close: str = ""
    refunds: dict[str, Refund] = field(default_factory=dict)

    @property
    def refunded(self) -> Decimal:
        return sum((r.amount for r in self.refunds.values()), Decimal("0.00"))

    def snapshot(self) -> dict:
        return {
            "app_id": self.app_id,
            "out_trade_no": self.out_trade_no,
            "trade_no": self.trade_no,
            "trade_status": self.status,
            "total_amount": money(self.total_amount),
            "refunded": money(self.refunded),
            "subject": self.subject,
            "seller_id": self.seller_id,
            "notify_url": self.notify_url,
            "buyer_id": self.buyer_id,
            "buyer_logon_id": self.buyer_logon_id,
            "gmt_create": self.gmt_create,
            "gmt_payment": self.gmt_payment,
            "gmt_close": self.gmt_close,
            "refunds": [
                {"out_request_no": r.out_request_no, "amount": money(r.amount), "at": r.at}
                for r in self.refunds.values()
            ],
        }


def money(value: Decimal) -> str:
    return f"{value.quantize(CENT):f}"


def parse_money(value: object) -> Decimal | None:
    """A positive amount with at most two decimals, else None."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return None
    if not amount.is_finite() or amount <= 0 or amount != amount.quantize(CENT):
        return None
    return amount


def _digits(count: int) -> str:
    return "".join(str(secrets.randbelow(10)) for _ in range(count))


def invalid(what: str) -> dict:
    return error_node("40004", "ACQ.INVALID_PARAMETER", f"参数无效: {what}")


NOT_EXIST = ("40004", "ACQ.TRADE_NOT_EXIST", "交易不存在")

# (trade, event, extra) -> None; event is the trade_status the notification carries
Listener = Callable[[dict, dict], None]


class TradeBook:
    def __init__(self, seller_id: str, on_notify: Listener, *, notify_on_refund: bool = True):
        self.seller_id = seller_id
        self.on_notify = on_notify
        self.notify_on_refund = notify_on_refund
        self._lock = threading.RLock()
        self._trades: dict[tuple[str, str], Trade] = {}
        self._by_token: dict[str, Trade] = {}

    def reset(self) -> None:
        with self._lock:
            self._trades.clear()
            self._by_token.clear()

    def _visible(self, app_id: str, biz: dict) -> Trade | None:
        trade = self._trades.get((app_id, str(biz.get("out_trade_no", ""))))
        if trade is None and biz.get("trade_no"):
            trade = next((t for t in self._trades.values() if t.trade_no == biz["trade_no"]), None)
        if trade is None or trade.status == PRECREATED:
            return None
        return trade

    # -- gateway methods (biz_content already parsed) ---------------------------------------

    def precreate(self, app_id: str, biz: dict, notify_url: str, qr_base: str) -> dict:
        out_trade_no = str(biz.get("out_trade_no", ""))
        subject = str(biz.get("subject", ""))
        if not out_trade_no or len(out_trade_no) > 64:
            return invalid("out_trade_no")
        if not subject:
            return invalid("subject")
        amount = parse_money(biz.get("total_amount"))
        if amount is None:
            return invalid("total_amount")
        if amount > MAX_AMOUNT:
            return error_node("40004", "ACQ.TOTAL_FEE_EXCEED", "订单金额超过限额")
        seller_id = str(biz.get("seller_id") or self.seller_id)
        if seller_id != self.seller_id:
            return error_node("40004", "ACQ.PARTNER_ERROR", "应用APP_ID填写错误")
        with self._lock:
            trade = self._trades.get((app_id, out_trade_no))
            if trade is not None:
                if trade.status in ("TRADE_SUCCESS", "TRADE_FINISHED"):
                    return error_node("40004", "ACQ.TRADE_HAS_SUCCESS", "交易已被支付")
                if trade.status == "TRADE_CLOSED":
                    return error_node("40004", "ACQ.TRADE_HAS_CLOSE", "交易已经关闭")
                if trade.total_amount != amount or trade.subject != subject:
                    return error_node("40004", "ACQ.CONTEXT_INCONSISTENT", "交易信息被篡改")
            else:
                trade = Trade(
                    app_id=app_id,
                    out_trade_no=out_trade_no,
                    total_amount=amount,
                    subject=subject,
                    seller_id=seller_id,
                    notify_url=notify_url,
                    qr_token=secrets.token_urlsafe(12),
                    gmt_create=stamp(),
                )
                self._trades[(app_id, out_trade_no)] = trade
                self._by_token[trade.qr_token] = trade
            if notify_url:
                trade.notify_url = notify_url
            return success_node(out_trade_no=out_trade_no, qr_code=f"{qr_base}{trade.qr_token}")

    def query(self, app_id: str, biz: dict) -> dict:
        with self._lock:
            trade = self._visible(app_id, biz)
            if trade is None:
                return error_node(*NOT_EXIST)
            paid = trade.status != "WAIT_BUYER_PAY" and bool(trade.gmt_payment)
            node = success_node(
                trade_no=trade.trade_no,
                out_trade_no=trade.out_trade_no,
                buyer_logon_id=trade.buyer_logon_id,
                trade_status=trade.status,
                total_amount=money(trade.total_amount),
                buyer_pay_amount=money(trade.total_amount) if paid else "0.00",
                point_amount="0.00",
                invoice_amount=money(trade.total_amount) if paid else "0.00",
                receipt_amount=money(trade.total_amount) if paid else "0.00",
                buyer_user_id=trade.buyer_id,
            )
            if paid:
                node["send_pay_date"] = trade.gmt_payment
                node["fund_bill_list"] = [
                    {"fund_channel": "ALIPAYACCOUNT", "amount": money(trade.total_amount)}
                ]
            return node

    def refund(self, app_id: str, biz: dict) -> dict:
        amount = parse_money(biz.get("refund_amount"))
        if amount is None:
            return invalid("refund_amount")
        with self._lock:
            trade = self._visible(app_id, biz)
            if trade is None:
                return error_node(*NOT_EXIST)
            request_no = str(biz.get("out_request_no") or "")
            partial_allowed = bool(request_no)
            request_no = request_no or trade.trade_no  # a full refund may omit it
            previous = trade.refunds.get(request_no)
            if previous is not None:
                if previous.amount != amount:
                    return error_node("40004", "ACQ.DISCORDANT_REPEAT_REQUEST", "不一致的请求")
                return self._refund_node(trade, previous, fund_change="N")
            if trade.status == "WAIT_BUYER_PAY":
                return error_node("40004", "ACQ.TRADE_STATUS_ERROR", "交易状态非法")
            if trade.status == "TRADE_CLOSED":
                return error_node("40004", "ACQ.TRADE_HAS_CLOSE", "交易已经关闭")
            if trade.status == "TRADE_FINISHED":
                return error_node("40004", "ACQ.TRADE_HAS_FINISHED", "交易已完结")
            if not partial_allowed and amount != trade.total_amount:
                return error_node(
                    "40004", "ACQ.REFUND_AMT_NOT_EQUAL_TOTAL", "撤销或退款金额与订单金额不一致"
                )
            if trade.refunded + amount > trade.total_amount:
                return error_node(
                    "40004",
                    "ACQ.REASON_TRADE_REFUND_FEE_ERR",
                    "退款金额无效",
                    refund_fee=money(trade.refunded),
                    send_back_fee="0.00",
                )
            refund = Refund(request_no, amount, str(biz.get("refund_reason", "")), stamp())
            trade.refunds[request_no] = refund
            if trade.refunded == trade.total_amount:
                trade.status = "TRADE_CLOSED"
                trade.gmt_close = refund.at
            if self.notify_on_refund:
                self.on_notify(
                    trade.snapshot(),
                    {
                        "out_biz_no": request_no,
                        "refund_fee": money(trade.refunded),
                        "gmt_refund": refund.at + ".000",
                    },
                )
            return self._refund_node(trade, refund, fund_change="Y")

    def _refund_node(self, trade: Trade, refund: Refund, *, fund_change: str) -> dict:
        return success_node(
            trade_no=trade.trade_no,
            out_trade_no=trade.out_trade_no,
            buyer_logon_id=trade.buyer_logon_id,
            fund_change=fund_change,
            refund_fee=money(trade.refunded),
            send_back_fee=money(refund.amount),
            gmt_refund_pay=refund.at,
            buyer_user_id=trade.buyer_id,
        )

    def refund_query(self, app_id: str, biz: dict) -> dict:
        with self._lock:
            trade = self._visible(app_id, biz)
            if trade is None:
                return error_node(*NOT_EXIST)
            request_no = str(biz.get("out_request_no") or "")
            if not request_no:
                return invalid("out_request_no")
            refund = trade.refunds.get(request_no)
            if refund is None:  # Alipay answers 10000 without refund details
                return success_node(trade_no=trade.trade_no, out_trade_no=trade.out_trade_no)
            return success_node(
                trade_no=trade.trade_no,
                out_trade_no=trade.out_trade_no,
                out_request_no=request_no,
                total_amount=money(trade.total_amount),
                refund_amount=money(refund.amount),
                refund_reason=refund.reason,
                refund_status="REFUND_SUCCESS",
                gmt_refund_pay=refund.at,
            )

    def close(self, app_id: str, biz: dict) -> dict:
        with self._lock:
            trade = self._visible(app_id, biz)
            if trade is None:
                return error_node(*NOT_EXIST)
            if trade.status == "TRADE_CLOSED":
                return error_node("40004", "ACQ.TRADE_HAS_CLOSE", "交易已经关闭")
            if trade.status != "WAIT_BUYER_PAY":
                return error_node("40004", "ACQ.TRADE_STATUS_ERROR", "交易状态不合法")
            self._close(trade, notify=False)
            return success_node(trade_no=trade.trade_no, out_trade_no=trade.out_trade_no)

    # -- the buyer's side (control endpoints) ----------------------------------------------

    def _find(self, out_trade_no: str, app_id: str | None) -> Trade:
        matches = [
            t
            for (a, o), t in self._trades.items()
            if o == out_trade_no and (app_id is None or a == app_id)
        ]
        if not matches:
            raise SimError(404, f"no trade {out_trade_no!r}")
        if len(matches) > 1:
            raise SimError(400, f"{out_trade_no!r} exists for several app_ids: pass app_id")
        return matches[0]

    def by_token(self, token: str) -> Trade:
        with self._lock:
            trade = self._by_token.get(token)
            if trade is None:
                raise SimError(404, "unknown QR code")
            return trade

    def scan(self, out_trade_no: str, app_id: str | None = None) -> dict:
        with self._lock:
            trade = self._find(out_trade_no, app_id)
            self._scan(trade)
            return trade.snapshot()

    def _scan(self, trade: Trade) -> None:
        if trade.status == PRECREATED:
            trade.status = "WAIT_BUYER_PAY"
            # 28 digits like Alipay's: date, channel, random
            trade.trade_no = stamp()[:10].replace("-", "") + "22001" + _digits(15)
            trade.buyer_id = "2088" + _digits(12)
            trade.buyer_logon_id = f"{secrets.randbelow(900) + 100}***@example.com"

    def pay(self, out_trade_no: str, app_id: str | None = None) -> dict:
        with self._lock:
            trade = self._find(out_trade_no, app_id)
            self._scan(trade)
            if trade.status != "WAIT_BUYER_PAY":
                raise SimError(409, f"trade is {trade.status}, cannot be paid")
            trade.status = "TRADE_SUCCESS"
            trade.gmt_payment = stamp()
            snapshot = trade.snapshot()
            self.on_notify(snapshot, {})
            return snapshot

    def finish(self, out_trade_no: str, app_id: str | None = None) -> dict:
        with self._lock:
            trade = self._find(out_trade_no, app_id)
            if trade.status != "TRADE_SUCCESS":
                raise SimError(409, f"trade is {trade.status}, cannot finish")
            trade.status = "TRADE_FINISHED"
            snapshot = trade.snapshot()
            self.on_notify(snapshot, {})
            return snapshot

    def timeout_close(self, out_trade_no: str, app_id: str | None = None) -> dict:
        with self._lock:
            trade = self._find(out_trade_no, app_id)
            if trade.status not in (PRECREATED, "WAIT_BUYER_PAY"):
                raise SimError(409, f"trade is {trade.status}, cannot time out")
            self._close(trade, notify=trade.status == "WAIT_BUYER_PAY")
            return trade.snapshot()

    def _close(self, trade: Trade, *, notify: bool) -> None:
        trade.status = "TRADE_CLOSED"
        trade.gmt_close = stamp()
        if notify:
            self.on_notify(trade.snapshot(), {})

    def trades(self) -> list[dict]:
        with self._lock:
            return [t.snapshot() for t in self._trades.values()]
