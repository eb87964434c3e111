"""The Alipay client against the Alipay simulator, over real HTTP (no database).

The simulator runs in-process on a free port (a thread); a small HTTP receiver (a thread)
plays the merchant's notify_url, verifying each notification with the client. Waiting is on
conditions with timeouts, never on sleeps.
"""

from __future__ import annotations

import dataclasses
import itertools
import threading
import time
import uuid
from collections.abc import Callable
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

import pytest
import requests
from simulators.alipay.keys import (
    DEV_APP_ID,
    DEV_SELLER_ID,
    generate_keypair,
    load_config,
    write_dev_config,
)
from simulators.alipay.notifier import RETRY_SCHEDULE
from simulators.alipay.server import SimulatorHTTPServer, make_server

from omni.integration.alipay import (
    AlipayApiError,
    AlipayClient,
    AlipayConfig,
    AlipaySignatureError,
    Notification,
    NotificationRejected,
    format_amount,
)

RETRY_SCALE = 1e-4  # 4 minutes -> 24 ms
WAIT = 15.0


@dataclasses.dataclass
class Received:
    form: dict[str, str]
    notification: Notification | None
    error: Exception | None
    answer: str
    at: float = dataclasses.field(default_factory=time.monotonic)


class Receiver:
    """The merchant's notify_url: verifies with the client, answers per out_trade_no policy."""

    def __init__(self) -> None:
        self.items: list[Received] = []
        self.changed = threading.Condition()
        self.verify: Callable[[dict[str, str]], Notification] | None = None
        self.expected_amounts: dict[str, Decimal] = {}
        self.scripts: dict[str, list[str]] = {}  # out_trade_no -> answers, then "success"
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                form = dict(parse_qsl(self.rfile.read(length).decode("utf-8"), True))
                answer = receiver.handle(form)
                raw = answer.encode("utf-8")
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/alipay/notify"

    def handle(self, form: dict[str, str]) -> str:
        notification, error = None, None
        try:
            expected = self.expected_amounts.get(form.get("out_trade_no", ""))
            notification = self.verify(form, expected_total_amount=expected)
        except (AlipaySignatureError, NotificationRejected) as exc:
            error = exc
        answer = "success" if notification else "fail"
        with self.changed:
            script = self.scripts.get(form.get("out_trade_no", ""))
            if notification and script:
                answer = script.pop(0)
            self.items.append(Received(form, notification, error, answer))
            self.changed.notify_all()
        return answer

    def of(self, out_trade_no: str) -> list[Received]:
        with self.changed:
            return [r for r in self.items if r.form.get("out_trade_no") == out_trade_no]

    def wait(self, out_trade_no: str, predicate: Callable[[list[Received]], bool]) -> list:
        with self.changed:
            ok = self.changed.wait_for(lambda: predicate(self.of(out_trade_no)), timeout=WAIT)
        assert ok, f"timed out waiting for notifications; got {self.of(out_trade_no)}"
        return self.of(out_trade_no)


def _start(server) -> threading.Thread:
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return thread


@pytest.fixture(scope="module")
def sim_dir(tmp_path_factory) -> Path:
    return write_dev_config(tmp_path_factory.mktemp("alipay-sim"), retry_scale=RETRY_SCALE)


@pytest.fixture(scope="module")
def sim(sim_dir):
    server = make_server("127.0.0.1", 0, sim_dir)
    _start(server)
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def receiver():
    receiver = Receiver()
    _start(receiver.server)
    yield receiver
    receiver.server.shutdown()
    receiver.server.server_close()


def _config(sim_dir: Path, gateway_url: str, notify_url: str, **overrides) -> AlipayConfig:
    config = AlipayConfig.from_files(
        app_id=DEV_APP_ID,
        app_private_key_path=sim_dir / "app_private_key.pem",
        alipay_public_key_path=sim_dir / "alipay_public_key.pem",
        gateway_url=gateway_url,
        notify_url=notify_url,
        seller_id=DEV_SELLER_ID,
        timeout=10,
    )
    return dataclasses.replace(config, **overrides)


@pytest.fixture(scope="module")
def client(sim, sim_dir, receiver) -> AlipayClient:
    client = AlipayClient(_config(sim_dir, sim.gateway_url, receiver.url))
    receiver.verify = client.verify_notification
    return client


def control(sim: SimulatorHTTPServer, path: str, payload: dict | None = None):
    url = f"{sim.base_url}/__sim__/{path}"
    response = requests.post(url, json=payload or {}, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def deliveries(sim, out_trade_no: str, predicate) -> list[dict]:
    ok = sim.simulator.notifier.wait_for(
        lambda _log: predicate(sim.simulator.notifier.log(out_trade_no)), timeout=WAIT
    )
    log = sim.simulator.notifier.log(out_trade_no)
    assert ok, f"timed out waiting on the delivery log: {log}"
    return log


def settled(log: list[dict]) -> bool:
    return bool(log) and all(d["state"] != "pending" for d in log)


def new_no() -> str:
    return f"SO{uuid.uuid4().hex[:20]}"


def paid_trade(client, sim, receiver, amount: str = "10.00") -> str:
    out_trade_no = new_no()
    client.precreate(out_trade_no, Decimal(amount), "Test order")
    control(sim, "pay", {"out_trade_no": out_trade_no})
    receiver.wait(out_trade_no, lambda items: any(r.notification for r in items))
    return out_trade_no


def test_precreate_scan_pay_notify_query(client, sim, receiver):
    out_trade_no = new_no()
    result = client.precreate(out_trade_no, Decimal("12.30"), "Order 12.30 元")
    assert result.out_trade_no == out_trade_no
    assert result.qr_code.startswith(f"{sim.base_url}/__sim__/qr/")

    # Before the buyer scans, Alipay holds no trade.
    with pytest.raises(AlipayApiError) as not_yet:
        client.query(out_trade_no)
    assert (not_yet.value.code, not_yet.value.sub_code) == ("40004", "ACQ.TRADE_NOT_EXIST")

    page = requests.get(result.qr_code, timeout=10)  # the buyer scans the QR code
    assert page.status_code == 200 and "WAIT_BUYER_PAY" in page.text
    waiting = client.query(out_trade_no)
    assert waiting.trade_status == "WAIT_BUYER_PAY" and not waiting.is_paid
    assert waiting.total_amount == Decimal("12.30") and len(waiting.trade_no) == 28

    control(sim, "pay", {"out_trade_no": out_trade_no})
    items = receiver.wait(out_trade_no, lambda items: len(items) >= 1)
    notification = items[0].notification
    assert items[0].error is None and items[0].answer == "success"
    assert notification.trade_status == "TRADE_SUCCESS" and notification.is_paid
    assert notification.total_amount == Decimal("12.30")
    assert notification.trade_no == waiting.trade_no
    assert notification.app_id == DEV_APP_ID and notification.seller_id == DEV_SELLER_ID
    assert notification.notify_type == "trade_status_sync" and notification.gmt_payment

    log = deliveries(sim, out_trade_no, settled)
    assert [(d["kind"], d["state"], len(d["attempts"])) for d in log] == [
        ("genuine", "delivered", 1)
    ]

    paid = client.query(out_trade_no)
    assert paid.trade_status == "TRADE_SUCCESS" and paid.is_paid
    assert paid.buyer_pay_amount == Decimal("12.30") and paid.send_pay_date


def test_precreate_again_is_idempotent_and_detects_changes(client, sim):
    out_trade_no = new_no()
    first = client.precreate(out_trade_no, Decimal("5.00"), "Order")
    assert client.precreate(out_trade_no, Decimal("5.00"), "Order").qr_code == first.qr_code
    with pytest.raises(AlipayApiError) as changed:
        client.precreate(out_trade_no, Decimal("6.00"), "Order")
    assert changed.value.sub_code == "ACQ.CONTEXT_INCONSISTENT"
    control(sim, "pay", {"out_trade_no": out_trade_no})
    with pytest.raises(AlipayApiError) as paid:
        client.precreate(out_trade_no, Decimal("5.00"), "Order")
    assert paid.value.sub_code == "ACQ.TRADE_HAS_SUCCESS"


def test_refunds_partial_full_idempotent_and_refused(client, sim, receiver):
    out_trade_no = paid_trade(client, sim, receiver, "10.00")

    first = client.refund(out_trade_no, Decimal("3.00"), "R1", "damaged")
    assert first.fund_change and first.refund_fee == Decimal("3.00")
    assert first.send_back_fee == Decimal("3.00")
    again = client.refund(out_trade_no, Decimal("3.00"), "R1", "damaged")
    assert not again.fund_change and again.refund_fee == Decimal("3.00")
    with pytest.raises(AlipayApiError) as discordant:
        client.refund(out_trade_no, Decimal("4.00"), "R1")
    assert discordant.value.sub_code == "ACQ.DISCORDANT_REPEAT_REQUEST"

    with pytest.raises(AlipayApiError) as too_much:
        client.refund(out_trade_no, Decimal("7.01"), "R2")
    assert (too_much.value.code, too_much.value.sub_code) == (
        "40004",
        "ACQ.REASON_TRADE_REFUND_FEE_ERR",
    )
    assert not too_much.value.outcome_unknown
    assert client.refund_query(out_trade_no, "R1").refund_amount == Decimal("3.00")
    assert not client.refund_query(out_trade_no, "R2").refunded
    assert client.query(out_trade_no).trade_status == "TRADE_SUCCESS"

    rest = client.refund(out_trade_no, Decimal("7.00"), "R3")
    assert rest.fund_change and rest.refund_fee == Decimal("10.00")
    assert client.query(out_trade_no).trade_status == "TRADE_CLOSED"
    with pytest.raises(AlipayApiError) as closed:
        client.refund(out_trade_no, Decimal("0.01"), "R4")
    assert closed.value.sub_code == "ACQ.TRADE_HAS_CLOSE"

    # Refunds notify too: partial keeps TRADE_SUCCESS with refund_fee, the last closes.
    items = receiver.wait(
        out_trade_no, lambda items: any(r.form["trade_status"] == "TRADE_CLOSED" for r in items)
    )
    refund_notes = [r.notification for r in items if r.notification.refund_fee is not None]
    assert [(n.trade_status, n.refund_fee, n.out_biz_no) for n in refund_notes] == [
        ("TRADE_SUCCESS", Decimal("3.00"), "R1"),
        ("TRADE_CLOSED", Decimal("10.00"), "R3"),
    ]


def test_refund_of_unknown_or_unpaid_trade(client, sim):
    with pytest.raises(AlipayApiError) as unknown:
        client.refund(new_no(), Decimal("1.00"), "R1")
    assert unknown.value.sub_code == "ACQ.TRADE_NOT_EXIST"
    out_trade_no = new_no()
    client.precreate(out_trade_no, Decimal("1.00"), "Order")
    control(sim, "scan", {"out_trade_no": out_trade_no})
    with pytest.raises(AlipayApiError) as unpaid:
        client.refund(out_trade_no, Decimal("1.00"), "R1")
    assert unpaid.value.sub_code == "ACQ.TRADE_STATUS_ERROR"
    closed = client.close(out_trade_no)
    assert closed.out_trade_no == out_trade_no
    assert client.query(out_trade_no).trade_status == "TRADE_CLOSED"


def test_request_signed_with_the_wrong_key_is_refused(client, sim, sim_dir, receiver):
    other_private, _ = generate_keypair()
    intruder = AlipayClient(
        _config(sim_dir, sim.gateway_url, receiver.url, app_private_key_pem=other_private)
    )
    with pytest.raises(AlipayApiError) as refused:
        intruder.query(new_no())
    # The error response itself was signed by the gateway and verified by the client.
    assert (refused.value.code, refused.value.sub_code) == ("40002", "isv.invalid-signature")
    assert refused.value.msg == "Invalid Arguments"


def test_unknown_app_id_is_refused_unsigned(sim, sim_dir, receiver):
    stranger = AlipayClient(
        _config(sim_dir, sim.gateway_url, receiver.url, app_id="2021000000009999")
    )
    with pytest.raises(AlipayApiError) as refused:
        stranger.query(new_no())
    assert (refused.value.code, refused.value.sub_code) == ("40002", "isv.invalid-app-id")


def test_response_not_signed_by_alipay_is_rejected(sim, sim_dir, receiver):
    _, other_public = generate_keypair()
    fooled = AlipayClient(
        _config(sim_dir, sim.gateway_url, receiver.url, alipay_public_key_pem=other_public)
    )
    with pytest.raises(AlipaySignatureError):
        fooled.precreate(new_no(), Decimal("1.00"), "Order")


def test_gateway_accepts_a_get_with_query_params_and_signs_the_raw_node(client, sim):
    # The community SDK sends everything in the query string of a GET.
    out_trade_no = new_no()
    params = client.build_params(
        "alipay.trade.precreate",
        {"out_trade_no": out_trade_no, "total_amount": "1.00", "subject": "A / B"},
    )
    response = requests.get(f"{sim.gateway_url}?{urlencode(params)}", timeout=10)
    assert '"qr_code":"http:\\/\\/' in response.text  # slashes escaped as Alipay does
    node = client.verify_response(response.text, "alipay.trade.precreate")
    assert node["code"] == "10000" and node["out_trade_no"] == out_trade_no
    tampered = response.text.replace(out_trade_no, new_no())
    with pytest.raises(AlipaySignatureError):
        client.verify_response(tampered, "alipay.trade.precreate")


@pytest.mark.parametrize(
    ("forge", "error", "field"),
    [
        ("signature", AlipaySignatureError, None),
        ("amount", NotificationRejected, "total_amount"),
        ("app_id", NotificationRejected, "app_id"),
        ("seller_id", NotificationRejected, "seller_id"),
    ],
)
def test_forged_notifications_fail_verification(client, sim, receiver, forge, error, field):
    out_trade_no = new_no()
    client.precreate(out_trade_no, Decimal("8.88"), "Order")
    receiver.expected_amounts[out_trade_no] = Decimal("8.88")
    control(sim, "faults", {"forge": forge})
    control(sim, "pay", {"out_trade_no": out_trade_no})
    items = receiver.wait(out_trade_no, lambda items: any(r.notification for r in items))
    forged, genuine = items[0], items[-1]
    assert isinstance(forged.error, error) and forged.notification is None
    assert field is None or forged.error.field == field
    assert forged.answer == "fail"
    assert genuine.notification.total_amount == Decimal("8.88")
    log = deliveries(sim, out_trade_no, lambda log: len(log) == 2 and settled(log))
    assert [(d["kind"], d["state"], len(d["attempts"])) for d in log] == [
        (f"forged:{forge}", "failed", 1),  # a forger does not retry
        ("genuine", "delivered", 1),
    ]


def test_duplicate_notifications_arrive_n_times_concurrently(client, sim, receiver):
    out_trade_no = new_no()
    client.precreate(out_trade_no, Decimal("3.00"), "Order")
    control(sim, "faults", {"duplicates": 3})
    control(sim, "pay", {"out_trade_no": out_trade_no})
    items = receiver.wait(out_trade_no, lambda items: len(items) == 3)
    assert len({r.form["notify_id"] for r in items}) == 1
    assert all(r.notification and r.answer == "success" for r in items)
    log = deliveries(sim, out_trade_no, lambda log: len(log) == 3 and settled(log))
    assert sorted(d["kind"] for d in log) == ["duplicate", "duplicate", "genuine"]


def test_delayed_notification(client, sim, receiver):
    out_trade_no = new_no()
    client.precreate(out_trade_no, Decimal("2.50"), "Order")
    control(sim, "faults", {"delay_ms": 300})
    paid_at = time.monotonic()
    control(sim, "pay", {"out_trade_no": out_trade_no})
    (item,) = receiver.wait(out_trade_no, lambda items: len(items) == 1)
    assert item.notification and item.at - paid_at >= 0.3


def test_out_of_order_notification_brings_an_older_status_later(client, sim, receiver):
    out_trade_no = paid_trade(client, sim, receiver, "2.00")
    first_notify_id = receiver.of(out_trade_no)[0].form["notify_id"]
    control(sim, "faults", {"out_of_order": True})
    client.refund(out_trade_no, Decimal("2.00"), "R1")
    items = receiver.wait(out_trade_no, lambda items: len(items) == 3)
    assert [r.notification.trade_status for r in items] == [
        "TRADE_SUCCESS",
        "TRADE_CLOSED",
        "TRADE_SUCCESS",  # the stale one, after the newer status
    ]
    assert items[2].form["notify_id"] == first_notify_id


def test_failed_answers_are_retried_on_the_scaled_schedule(client, sim, receiver):
    out_trade_no = new_no()
    client.precreate(out_trade_no, Decimal("4.00"), "Order")
    receiver.scripts[out_trade_no] = ["fail", "FAIL", "success\n"]  # exact "success" only
    control(sim, "pay", {"out_trade_no": out_trade_no})
    items = receiver.wait(out_trade_no, lambda items: len(items) == 4)
    assert [r.answer for r in items] == ["fail", "FAIL", "success\n", "success"]
    assert len({r.form["notify_id"] for r in items}) == 1
    (delivery,) = deliveries(sim, out_trade_no, settled)
    assert delivery["state"] == "delivered"
    offsets = [a["elapsed_ms"] / 1000 for a in delivery["attempts"]]
    gaps = [later - earlier for earlier, later in itertools.pairwise(offsets)]
    expected = [seconds * RETRY_SCALE for seconds in RETRY_SCHEDULE[:3]]
    assert all(gap >= 0.9 * want for gap, want in zip(gaps, expected, strict=True)), gaps
    assert [a["success"] for a in delivery["attempts"]] == [False, False, False, True]


def test_gives_up_after_eight_attempts(sim_dir, receiver):
    config = dataclasses.replace(load_config(sim_dir), retry_scale=1e-6)
    fast = make_server("127.0.0.1", 0, config)
    _start(fast)
    try:
        client = AlipayClient(_config(sim_dir, fast.gateway_url, receiver.url))
        out_trade_no = new_no()
        client.precreate(out_trade_no, Decimal("1.00"), "Order")
        receiver.scripts[out_trade_no] = ["busy"] * 20
        control(fast, "pay", {"out_trade_no": out_trade_no})
        (delivery,) = deliveries(fast, out_trade_no, settled)
        assert delivery["state"] == "failed" and len(delivery["attempts"]) == 8
        assert len(receiver.of(out_trade_no)) == 8
    finally:
        fast.shutdown()
        fast.server_close()


def test_notifications_log_endpoint(client, sim, receiver):
    out_trade_no = paid_trade(client, sim, receiver, "1.50")
    deliveries(sim, out_trade_no, settled)
    response = requests.get(
        f"{sim.base_url}/__sim__/notifications", params={"out_trade_no": out_trade_no}, timeout=10
    )
    (entry,) = response.json()
    assert entry["trade_status"] == "TRADE_SUCCESS" and entry["state"] == "delivered"
    assert entry["attempts"][0]["body"] == "success" and entry["attempts"][0]["status"] == 200


def test_verify_notification_without_signature_and_amount_format():
    _, public = generate_keypair()
    private, _ = generate_keypair()
    client = AlipayClient(
        AlipayConfig(app_id=DEV_APP_ID, app_private_key_pem=private, alipay_public_key_pem=public)
    )
    with pytest.raises(AlipaySignatureError):
        client.verify_notification({"out_trade_no": "X", "total_amount": "1.00"})
    assert format_amount(Decimal("12.3")) == "12.30" and format_amount(5) == "5.00"
    with pytest.raises(TypeError):
        format_amount(1.5)
    with pytest.raises(ValueError):
        format_amount(Decimal("1.005"))
