"""Asynchronous notifications (notify_type trade_status_sync) with Alipay's retry schedule.

Each notification is POSTed (application/x-www-form-urlencoded, UTF-8) to the trade's
notify_url and counts as delivered only when the merchant answers HTTP 200 with exactly the
seven bytes ``success``. Otherwise Alipay tries again after 4m, 10m, 10m, 1h, 2h, 6h and 15h
(8 attempts within about 25 hours); the simulator multiplies those intervals by the config's
``retry_scale`` (1e-4 turns 4 minutes into 24 ms). Every attempt goes into the delivery log.

Faults requested through ``/__sim__/faults`` apply to the next notification(s):

- ``duplicates: N``   N copies of the same notification (same notify_id), sent concurrently;
- ``delay_ms: D``     the first attempt waits D ms (not scaled);
- ``out_of_order``    after this one, the trade's previous notification (or a synthesised
                      older WAIT_BUYER_PAY one) is delivered again, correctly signed;
- ``forge: kind``     before the genuine one, one forged copy is sent once:
                      ``signature`` (tampered amount, signature no longer matches),
                      ``amount`` (correctly signed, amount differs from the trade),
                      ``app_id`` / ``seller_id`` (correctly signed, another merchant's);
- ``count: K``        how many following notifications get these faults (default 1).
"""

from __future__ import annotations

import contextlib
import itertools
import json
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

import requests

from .protocol import beijing_now, content_to_sign, sign, stamp

RETRY_SCHEDULE = (240, 600, 600, 3600, 7200, 21600, 54000)  # seconds between attempts
FORGE_KINDS = ("signature", "amount", "app_id", "seller_id")
FOREIGN_APP_ID = "2021999999999999"
FOREIGN_SELLER_ID = "2088999999999999"


@dataclass
class Faults:
    duplicates: int = 1
    delay_ms: int = 0
    out_of_order: bool = False
    forge: str | None = None
    count: int = 1

    @classmethod
    def from_json(cls, data: dict) -> Faults:
        faults = cls(
            duplicates=int(data.get("duplicates", 1)),
            delay_ms=int(data.get("delay_ms", 0)),
            out_of_order=bool(data.get("out_of_order", False)),
            forge=data.get("forge") or None,
            count=int(data.get("count", 1)),
        )
        if not 1 <= faults.duplicates <= 50:
            raise ValueError("duplicates must be 1..50")
        if faults.delay_ms < 0 or faults.count < 1:
            raise ValueError("delay_ms must be >= 0 and count >= 1")
        if faults.forge is not None and faults.forge not in FORGE_KINDS:
            raise ValueError(f"forge must be one of {FORGE_KINDS}")
        return faults

    def as_json(self) -> dict:
        return {
            "duplicates": self.duplicates,
            "delay_ms": self.delay_ms,
            "out_of_order": self.out_of_order,
            "forge": self.forge,
            "count": self.count,
        }


@dataclass
class Delivery:
    id: int
    kind: str  # genuine | duplicate | stale | forged:<kind>
    url: str
    params: dict[str, str]
    max_attempts: int
    attempts: list[dict] = field(default_factory=list)
    state: str = "pending"  # pending | delivered | failed | no_notify_url | abandoned

    def as_json(self) -> dict:
        return {
            "id": self.id,
            "kind": self.kind,
            "url": self.url,
            "notify_id": self.params.get("notify_id", ""),
            "out_trade_no": self.params.get("out_trade_no", ""),
            "trade_status": self.params.get("trade_status", ""),
            "state": self.state,
            "attempts": list(self.attempts),
            "params": dict(self.params),
        }


def _money(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.01')):f}"


class Notifier:
    def __init__(self, key, *, retry_scale: float, timeout: float) -> None:
        self._key = key
        self.retry_scale = retry_scale
        self.timeout = timeout
        self.changed = threading.Condition()
        self._deliveries: list[Delivery] = []
        self._faults: deque[Faults] = deque()
        self._previous: dict[tuple[str, str], dict[str, str]] = {}
        self._ids = itertools.count(1)
        self._stop = threading.Event()

    # -- control ---------------------------------------------------------------------------

    def add_faults(self, faults: Faults) -> None:
        with self.changed:
            self._faults.append(faults)

    def clear_faults(self) -> None:
        with self.changed:
            self._faults.clear()

    def pending_faults(self) -> list[dict]:
        with self.changed:
            return [f.as_json() for f in self._faults]

    def _take_faults(self) -> Faults:
        with self.changed:
            if not self._faults:
                return Faults()
            faults = self._faults[0]
            faults.count -= 1
            if faults.count <= 0:
                self._faults.popleft()
            return Faults(faults.duplicates, faults.delay_ms, faults.out_of_order, faults.forge)

    def log(self, out_trade_no: str | None = None) -> list[dict]:
        with self.changed:
            return [
                d.as_json()
                for d in self._deliveries
                if out_trade_no is None or d.params.get("out_trade_no") == out_trade_no
            ]

    def wait_for(self, predicate: Callable[[list[dict]], bool], timeout: float) -> bool:
        """Block until ``predicate(log)`` holds (re-checked on every log change)."""
        with self.changed:
            return self.changed.wait_for(lambda: predicate(self.log()), timeout=timeout)

    def reset(self) -> None:
        with self.changed:
            self._deliveries.clear()
            self._faults.clear()
            self._previous.clear()
            self.changed.notify_all()

    def stop(self) -> None:
        self._stop.set()

    # -- building --------------------------------------------------------------------------

    def _signed(self, params: dict[str, str]) -> dict[str, str]:
        params = {k: v for k, v in params.items() if v != ""}
        params["sign_type"] = "RSA2"
        params["sign"] = sign(self._key, content_to_sign(params, ("sign", "sign_type")))
        return params

    def build(self, trade: dict, extra: dict[str, str]) -> dict[str, str]:
        total = trade["total_amount"]
        paid = bool(trade["gmt_payment"])
        params = {
            "notify_time": stamp(),
            "notify_type": "trade_status_sync",
            "notify_id": secrets.token_hex(16),
            "app_id": trade["app_id"],
            "auth_app_id": trade["app_id"],
            "charset": "utf-8",
            "version": "1.0",
            "trade_no": trade["trade_no"],
            "out_trade_no": trade["out_trade_no"],
            "buyer_id": trade["buyer_id"],
            "buyer_logon_id": trade["buyer_logon_id"],
            "seller_id": trade["seller_id"],
            "trade_status": trade["trade_status"],
            "total_amount": total,
            "receipt_amount": total if paid else "",
            "invoice_amount": total if paid else "",
            "buyer_pay_amount": total if paid else "",
            "point_amount": "0.00" if paid else "",
            "subject": trade["subject"],
            "gmt_create": trade["gmt_create"],
            "gmt_payment": trade["gmt_payment"],
            "gmt_close": trade["gmt_close"] if trade["trade_status"] == "TRADE_CLOSED" else "",
            "fund_bill_list": json.dumps(
                [{"amount": total, "fundChannel": "ALIPAYACCOUNT"}], separators=(",", ":")
            )
            if paid
            else "",
        }
        params.update(extra)
        return self._signed(params)

    def _forged(self, params: dict[str, str], kind: str) -> dict[str, str]:
        forged = {k: v for k, v in params.items() if k not in ("sign", "sign_type")}
        forged["notify_id"] = secrets.token_hex(16)
        bumped = _money(Decimal(params["total_amount"]) + Decimal("1.00"))
        if kind == "signature":
            signed = self._signed(forged)
            signed["total_amount"] = bumped  # tampered after signing
            return signed
        if kind == "amount":
            for name in ("total_amount", "receipt_amount", "buyer_pay_amount", "invoice_amount"):
                if name in forged:
                    forged[name] = bumped
        elif kind == "app_id":
            forged["app_id"] = forged["auth_app_id"] = FOREIGN_APP_ID
        elif kind == "seller_id":
            forged["seller_id"] = FOREIGN_SELLER_ID
        return self._signed(forged)

    def _stale(self, trade: dict, current: dict[str, str]) -> dict[str, str]:
        previous = self._previous.get((trade["app_id"], trade["out_trade_no"]))
        if previous is not None and previous["notify_id"] != current["notify_id"]:
            return previous
        older = dict(trade, trade_status="WAIT_BUYER_PAY", gmt_payment="", gmt_close="")
        return self.build(older, {})

    # -- sending ---------------------------------------------------------------------------

    def notify(self, trade: dict, extra: dict[str, str]) -> None:
        """Queue the notification of ``trade``'s current state (called under the book's lock)."""
        params = self.build(trade, extra)
        faults = self._take_faults()
        url = trade["notify_url"]
        key = (trade["app_id"], trade["out_trade_no"])
        with self.changed:
            stale = self._stale(trade, params) if faults.out_of_order else None
            self._previous[key] = params
        if not url:
            self._record(Delivery(next(self._ids), "genuine", "", params, 0, state="no_notify_url"))
            return
        worker = threading.Thread(
            target=self._job,
            args=(url, params, faults, stale),
            name=f"alipay-notify-{trade['out_trade_no']}",
            daemon=True,
        )
        worker.start()

    def _record(self, delivery: Delivery) -> Delivery:
        with self.changed:
            self._deliveries.append(delivery)
            self.changed.notify_all()
        return delivery

    def _job(self, url: str, params: dict[str, str], faults: Faults, stale: dict | None) -> None:
        if faults.delay_ms and self._stop.wait(faults.delay_ms / 1000):
            return
        if faults.forge:
            forged = self._forged(params, faults.forge)
            self._run(
                self._record(Delivery(next(self._ids), f"forged:{faults.forge}", url, forged, 1))
            )
        attempts = 1 + len(RETRY_SCHEDULE)
        deliveries = [
            self._record(
                Delivery(
                    next(self._ids), "genuine" if i == 0 else "duplicate", url, params, attempts
                )
            )
            for i in range(faults.duplicates)
        ]
        if len(deliveries) == 1:
            self._run(deliveries[0])
        else:
            barrier = threading.Barrier(len(deliveries))
            threads = [
                threading.Thread(target=self._run, args=(d, barrier), daemon=True)
                for d in deliveries
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        if stale is not None:
            self._run(self._record(Delivery(next(self._ids), "stale", url, stale, attempts)))

    def _run(self, delivery: Delivery, barrier: threading.Barrier | None = None) -> None:
        started = time.monotonic()
        for number in range(delivery.max_attempts):
            if number:
                delay = RETRY_SCHEDULE[number - 1] * self.retry_scale
                if self._stop.wait(delay):
                    self._set_state(delivery, "abandoned")
                    return
            elif barrier is not None:
                with contextlib.suppress(threading.BrokenBarrierError):
                    barrier.wait(timeout=5)
            if self._attempt(delivery, started):
                self._set_state(delivery, "delivered")
                return
        self._set_state(delivery, "failed")

    def _attempt(self, delivery: Delivery, started: float) -> bool:
        at = beijing_now()
        offset = time.monotonic() - started
        entry: dict = {"at": at.isoformat(timespec="milliseconds"), "status": None, "body": ""}
        try:
            response = requests.post(
                delivery.url,
                data={k: v.encode("utf-8") for k, v in delivery.params.items()},
                headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
                timeout=self.timeout,
            )
            entry["status"] = response.status_code
            entry["body"] = response.content[:200].decode("utf-8", "replace")
            ok = response.status_code == 200 and response.content == b"success"
        except requests.RequestException as exc:
            entry["error"] = f"{exc.__class__.__name__}: {exc}"
            ok = False
        entry["elapsed_ms"] = round(offset * 1000, 1)  # since the first attempt began
        entry["success"] = ok
        with self.changed:
            delivery.attempts.append(entry)
            self.changed.notify_all()
        return ok

    def _set_state(self, delivery: Delivery, state: str) -> None:
        with self.changed:
            delivery.state = state
            self.changed.notify_all()
