"""The WeChat Pay APIv3 client against the simulator, over real HTTP, in both verification
modes (WeChat Pay public key, platform certificate). No database; no sleeps: every wait is
on a condition with a timeout."""

from __future__ import annotations

import dataclasses
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests
from cryptography import x509
from simulators.wechatpay.config import write_dev_config
from simulators.wechatpay.crypto import new_key, private_pem
from simulators.wechatpay.notifier import RETRY_SCHEDULE_S
from simulators.wechatpay.server import make_server

from omni.integration.wechatpay import (
    WechatPayAPIError,
    WechatPayClient,
    WechatPayConfig,
    WechatPayDecryptionError,
    WechatPayError,
    WechatPayNotificationMismatch,
    WechatPaySignatureError,
)
from omni.integration.wechatpay.crypto import certificate_serial, make_nonce

pytestmark = pytest.mark.timeout(120)

RETRY_SCALE = 0.002  # 15 s -> 30 ms
WAIT = 10.0


@dataclass
class Received:
    path: str
    at: float
    status: int
    body: bytes
    notification: Any = None
    error: WechatPayError | None = None


@dataclass
class Receiver:
    """The merchant's notify_url: verifies and decrypts with the client, answers 204, or
    500 while `fail_plan[path]` says so, or 400 when verification fails."""

    client: WechatPayClient | None = None
    records: list[Received] = field(default_factory=list)
    fail_plan: dict[str, int] = field(default_factory=dict)
    cond: threading.Condition = field(default_factory=threading.Condition)
    url: str = ""

    def handle(self, path: str, headers: dict[str, str], body: bytes) -> int:
        record = Received(path=path, at=time.monotonic(), status=0, body=body)
        try:
            record.notification = self.client.verify_and_decrypt_notification(headers, body)
        except WechatPayError as exc:
            record.error = exc
            record.status = 400
        else:
            with self.cond:
                left = self.fail_plan.get(path, 0)
                if left:
                    self.fail_plan[path] = left - 1
            record.status = 500 if left else 204
        with self.cond:
            self.records.append(record)
            self.cond.notify_all()
        return record.status

    def wait(self, path: str, count: int, timeout: float = WAIT) -> list[Received]:
        def mine() -> list[Received]:
            return [r for r in self.records if r.path == path]

        with self.cond:
            assert self.cond.wait_for(lambda: len(mine()) >= count, timeout), (
                f"expected {count} notifications on {path}, got {mine()}"
            )
            return mine()


def _start_receiver(receiver: Receiver) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            status = receiver.handle(self.path, dict(self.headers.items()), body)
            payload = b"" if status == 204 else b'{"code":"FAIL","message":"failed"}'
            self.send_response(status)
            self.send_header("Content-Length", str(len(payload)))
            if payload:
                self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(payload)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}"
    return server


@dataclass
class Env:
    mode: str
    base_url: str
    client: WechatPayClient
    config: WechatPayConfig
    receiver: Receiver
    dev: Any
    http: requests.Session

    def sim(self, method: str, path: str, payload: dict | None = None) -> dict:
        response = self.http.request(method, self.base_url + path, json=payload, timeout=10)
        assert response.status_code == 200, response.text
        return response.json()

    def deliveries(self, out_trade_no: str, at_least: int) -> list[dict]:
        """The simulator's delivery log for an order, waiting (long poll) for entries."""
        query = f"?out_trade_no={out_trade_no}&min_count={at_least}&timeout={WAIT}"
        return self.sim("GET", "/__sim__/notifications" + query)["deliveries"]

    def order(self, tag: str, total: int = 100) -> str:
        out_trade_no = f"T{tag}{make_nonce(10)}"
        self.client.native_pay(out_trade_no, total, f"order {tag}", notify_url=self.notify(tag))
        return out_trade_no

    def notify(self, tag: str) -> str:
        return f"{self.receiver.url}/{self.mode}/{tag}"

    def path(self, tag: str) -> str:
        return f"/{self.mode}/{tag}"

    def refund(self, tag: str, *args: Any):
        return self.client.refund(*args, notify_url=self.notify(tag))

    def new_client(self, **changes: Any) -> WechatPayClient:
        return WechatPayClient(dataclasses.replace(self.config, **changes), session=self.http)


@pytest.fixture(scope="module", params=["public_key", "certificate"])
def env(request, tmp_path_factory):
    mode = request.param
    directory = tmp_path_factory.mktemp(f"wechatpay-{mode}")
    dev = write_dev_config(directory, mode=mode, retry_scale=RETRY_SCALE, refund_settle_ms=20)
    server = make_server("127.0.0.1", 0, directory)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base_url = server.base_url
    public_key = mode == "public_key"
    config = WechatPayConfig.from_files(
        mchid=dev.mchid,
        appid=dev.appid,
        merchant_private_key_path=dev.merchant_private_key_path,
        merchant_certificate_path=dev.merchant_certificate_path,
        apiv3_key_path=directory / f"merchants/{dev.mchid}/apiv3_key.txt",
        platform_public_key_path=dev.platform_public_key_path if public_key else None,
        platform_public_key_id=dev.platform_public_key_id if public_key else None,
        base_url=base_url,
        notify_url="http://127.0.0.1:9/unused",
        timeout=10,
    )
    http = requests.Session()
    http.trust_env = False
    client = WechatPayClient(config, session=http)
    receiver = Receiver(client=client)
    receiver_server = _start_receiver(receiver)
    yield Env(mode, base_url, client, config, receiver, dev, http)
    receiver_server.shutdown()
    receiver_server.server_close()
    server.shutdown()
    server.server_close()


def test_config_reads_the_merchant_serial_and_the_mode(env):
    cert = x509.load_pem_x509_certificate(env.dev.merchant_certificate_path.read_bytes())
    assert env.config.merchant_serial_no == certificate_serial(cert)
    assert env.config.mode == env.mode
    assert "apiv3_key" not in repr(env.config) and "PRIVATE" not in repr(env.config)


def test_platform_certificates_are_downloaded_and_decrypted(env):
    if env.mode == "public_key":
        assert env.config.platform_public_key_id.startswith("PUB_KEY_ID_")
        return
    found = env.client.fetch_certificates()
    platform = x509.load_pem_x509_certificate(env.dev.platform_certificate_path.read_bytes())
    assert list(found) == [certificate_serial(platform)]


def test_native_pay_query_pay_notification_and_query_success(env):
    out_trade_no = f"N{make_nonce(12)}"
    order = env.client.native_pay(out_trade_no, 100, "Omni 测试订单", notify_url=env.notify("pay"))
    assert order.code_url.startswith("weixin://wxpay/bizpayurl?pr=")
    assert order.request_id
    again = env.client.native_pay(out_trade_no, 100, "Omni 测试订单", notify_url=env.notify("pay"))
    assert again.code_url == order.code_url  # same order, same QR code

    before = env.client.query_by_out_trade_no(out_trade_no)
    assert (before.trade_state, before.total_fen, before.transaction_id) == ("NOTPAY", 100, None)
    assert not before.is_paid

    env.sim("POST", "/__sim__/pay", {"out_trade_no": out_trade_no})
    [received] = env.receiver.wait(env.path("pay"), 1)
    assert received.status == 204 and received.error is None
    notification = received.notification
    assert notification.event_type == "TRANSACTION.SUCCESS"
    assert notification.resource_type == "encrypt-resource"
    assert notification.original_type == "transaction"
    paid = notification.transaction
    assert (paid.out_trade_no, paid.trade_state, paid.total_fen) == (out_trade_no, "SUCCESS", 100)
    assert paid.payer_total_fen == 100 and paid.transaction_id

    after = env.client.query_by_out_trade_no(out_trade_no)
    assert after.trade_state == "SUCCESS" and after.is_paid
    assert after.transaction_id == paid.transaction_id
    assert after.trade_type == "NATIVE" and after.success_time

    mine = env.deliveries(out_trade_no, 1)
    assert [(d["attempt"], d["status"], d["acknowledged"]) for d in mine] == [(1, 204, True)]


def test_refunds_partial_idempotent_full_and_above_paid(env):
    out_trade_no = env.order("refund", total=1000)
    env.sim("POST", "/__sim__/pay", {"out_trade_no": out_trade_no})
    env.receiver.wait(env.path("refund"), 1)

    first = env.refund("refund", out_trade_no, f"R{out_trade_no}-1", 300, 1000, "部分退款")
    assert first.status in ("PROCESSING", "SUCCESS")
    assert (first.refund_fen, first.total_fen, first.currency) == (300, 1000, "CNY")
    repeat = env.refund("refund", out_trade_no, f"R{out_trade_no}-1", 300, 1000, "部分退款")
    assert repeat.refund_id == first.refund_id  # idempotent per out_refund_no

    records = env.receiver.wait(env.path("refund"), 2)
    refund_note = records[1].notification
    assert refund_note.event_type == "REFUND.SUCCESS" and refund_note.original_type == "refund"
    assert refund_note.refund.refund_id == first.refund_id
    assert refund_note.refund.status == "SUCCESS" and refund_note.refund.refund_fen == 300
    assert env.client.query_refund(f"R{out_trade_no}-1").status == "SUCCESS"

    with pytest.raises(WechatPayAPIError) as above:
        env.refund("refund", out_trade_no, f"R{out_trade_no}-2", 701, 1000)
    assert (above.value.status, above.value.code) == (400, "INVALID_REQUEST")
    assert above.value.signature_verified  # errors are signed too

    rest = env.refund("refund", out_trade_no, f"R{out_trade_no}-3", 700, 1000)
    assert rest.refund_fen == 700
    assert env.client.query_by_out_trade_no(out_trade_no).trade_state == "REFUND"
    with pytest.raises(WechatPayAPIError) as exhausted:
        env.refund("refund", out_trade_no, f"R{out_trade_no}-4", 1, 1000)
    assert exhausted.value.code == "INVALID_REQUEST"
    assert env.receiver.wait(env.path("refund"), 3)[2].notification.refund.refund_fen == 700


def test_full_refund_in_one_go_and_missing_resources(env):
    out_trade_no = env.order("full", total=500)
    env.sim("POST", "/__sim__/pay", {"out_trade_no": out_trade_no})
    env.receiver.wait(env.path("full"), 1)
    full = env.refund("full", out_trade_no, f"F{out_trade_no}", 500, 500, "全额退款")
    assert full.refund_fen == full.total_fen == 500

    with pytest.raises(WechatPayAPIError) as unknown_order:
        env.client.refund("NO_SUCH_ORDER_1", "NO_SUCH_REFUND_1", 1, 1)
    assert (unknown_order.value.status, unknown_order.value.code) == (404, "RESOURCE_NOT_EXISTS")
    with pytest.raises(WechatPayAPIError) as unknown_refund:
        env.client.query_refund("NO_SUCH_REFUND_2")
    assert (unknown_refund.value.status, unknown_refund.value.code) == (404, "RESOURCE_NOT_EXISTS")
    with pytest.raises(WechatPayAPIError) as unknown_query:
        env.client.query_by_out_trade_no("NO_SUCH_ORDER_3")
    assert (unknown_query.value.status, unknown_query.value.code) == (404, "ORDER_NOT_EXIST")


def test_injected_not_enough_balance(env):
    out_trade_no = env.order("balance")
    env.sim("POST", "/__sim__/pay", {"out_trade_no": out_trade_no})
    env.receiver.wait(env.path("balance"), 1)
    fault = {"path_prefix": "/v3/refund/", "status": 403, "code": "NOT_ENOUGH"}
    env.sim("POST", "/__sim__/faults", {"api_errors": [dict(fault, message="余额不足")]})
    with pytest.raises(WechatPayAPIError) as error:
        env.refund("balance", out_trade_no, f"B{out_trade_no}", 100, 100)
    assert (error.value.status, error.value.code) == (403, "NOT_ENOUGH")
    assert env.refund("balance", out_trade_no, f"B{out_trade_no}", 100, 100).refund_fen == 100


def test_close_then_query_closed_and_reorder_refused(env):
    out_trade_no = env.order("close")
    env.client.close(out_trade_no)
    assert env.client.query_by_out_trade_no(out_trade_no).trade_state == "CLOSED"
    with pytest.raises(WechatPayAPIError) as error:
        env.client.native_pay(out_trade_no, 100, "order close")
    assert (error.value.status, error.value.code) == (400, "ORDER_CLOSED")


def test_invalid_parameters_are_param_error(env):
    with pytest.raises(ValueError):
        env.client.native_pay("BADAMOUNT1", 0, "zero")
    with pytest.raises(WechatPayAPIError) as error:
        env.client.native_pay("SHORT", 100, "too short an out_trade_no")
    assert (error.value.status, error.value.code) == (400, "PARAM_ERROR")


def test_request_signed_with_a_wrong_key_is_sign_error(env):
    wrong = env.new_client(merchant_private_key_pem=private_pem(new_key()).decode())
    with pytest.raises(WechatPayAPIError) as error:
        wrong.native_pay(f"W{make_nonce(10)}", 100, "wrong key")
    assert (error.value.status, error.value.code) == (401, "SIGN_ERROR")
    # The refusal is signed by WeChat Pay; a certificate-mode client with a wrong key cannot
    # download the certificates to check it (that request is refused too).
    assert error.value.signature_verified == (env.mode == "public_key")

    wrong_serial = env.new_client(merchant_serial_no="ABCDEF0123456789")
    with pytest.raises(WechatPayAPIError) as serial_error:
        wrong_serial.query_by_out_trade_no("ANYORDER1")
    assert (serial_error.value.status, serial_error.value.code) == (401, "SIGN_ERROR")

    unsigned = env.http.get(env.base_url + "/v3/pay/transactions/out-trade-no/X?mchid=1")
    assert unsigned.status_code == 401 and unsigned.json()["code"] == "SIGN_ERROR"
    assert unsigned.headers["Wechatpay-Signature-Type"] == "WECHATPAY2-SHA256-RSA2048"
    assert unsigned.headers["Request-ID"]


@pytest.mark.parametrize(
    "fault", ["tamper", "unsigned", "bad_signature", "unknown_serial", "stale"]
)
def test_tampered_or_unsigned_response_is_refused(env, fault):
    env.client.query_by_out_trade_no(env.order("warm"))  # certificates already cached
    env.sim("POST", "/__sim__/faults", {"responses": [fault]})
    with pytest.raises(WechatPaySignatureError) as error:
        env.client.native_pay(f"X{make_nonce(10)}", 100, f"fault {fault}")
    assert error.value.status == 200
    assert env.sim("GET", "/__sim__/faults")["responses"] == []


@pytest.mark.parametrize(
    ("forge", "expected"),
    [
        ("signature", WechatPaySignatureError),
        ("ciphertext", WechatPayDecryptionError),
        ("mchid", WechatPayNotificationMismatch),
        ("appid", WechatPayNotificationMismatch),
        ("amount", None),
    ],
)
def test_forged_notification_is_refused_and_the_genuine_one_accepted(env, forge, expected):
    tag = f"forge-{forge}"
    out_trade_no = env.order(tag, total=100)
    env.sim("POST", "/__sim__/faults", {"notifications": [{"forge": forge}]})
    env.sim("POST", "/__sim__/pay", {"out_trade_no": out_trade_no})
    forged, genuine = env.receiver.wait(env.path(tag), 2)
    if expected is not None:
        assert isinstance(forged.error, expected), forged.error
        assert forged.status == 400
    else:
        # Correctly signed and encrypted, but the amount is not the order's: only the
        # merchant's own comparison against its order catches it.
        assert forged.notification.transaction.total_fen != 100
    assert genuine.error is None and genuine.notification.transaction.total_fen == 100
    log = env.deliveries(out_trade_no, 2)
    forged_attempts = [d for d in log if d["forged"]]
    assert [d["forged"] for d in forged_attempts] == [forge]  # one attempt, never retried


def test_duplicate_notifications_arrive_n_times(env):
    out_trade_no = env.order("dup")
    env.sim("POST", "/__sim__/faults", {"notifications": [{"duplicates": 3}]})
    env.sim("POST", "/__sim__/pay", {"out_trade_no": out_trade_no})
    records = env.receiver.wait(env.path("dup"), 3)
    assert len({r.notification.id for r in records}) == 1
    assert all(r.status == 204 and r.notification.out_trade_no == out_trade_no for r in records)


def test_failed_acknowledgement_is_retried_on_the_scaled_schedule(env):
    out_trade_no = env.order("retry")
    with env.receiver.cond:
        env.receiver.fail_plan[env.path("retry")] = 3
    env.sim("POST", "/__sim__/pay", {"out_trade_no": out_trade_no})
    records = env.receiver.wait(env.path("retry"), 4)
    assert [r.status for r in records] == [500, 500, 500, 204]
    assert len({r.notification.id for r in records}) == 1
    for i in range(3):
        assert records[i + 1].at - records[i].at >= RETRY_SCHEDULE_S[i] * RETRY_SCALE
    log = env.deliveries(out_trade_no, 4)
    assert [(d["attempt"], d["status"]) for d in log] == [(1, 500), (2, 500), (3, 500), (4, 204)]
    expected = [s * RETRY_SCALE for s in RETRY_SCHEDULE_S[:3]] + [None]
    assert [d["next_retry_s"] for d in log] == pytest.approx(expected)


def test_out_of_order_and_delayed_notifications(env):
    held, later = env.order("order"), env.order("order")
    env.sim("POST", "/__sim__/faults", {"notifications": [{"out_of_order": True}]})
    env.sim("POST", "/__sim__/pay", {"out_trade_no": held})
    env.sim("POST", "/__sim__/pay", {"out_trade_no": later})
    records = env.receiver.wait(env.path("order"), 2)
    assert [r.notification.out_trade_no for r in records] == [later, held]

    delayed = env.order("delay")
    env.sim("POST", "/__sim__/faults", {"notifications": [{"delay_ms": 80}]})
    started = time.monotonic()
    env.sim("POST", "/__sim__/pay", {"out_trade_no": delayed})
    [record] = env.receiver.wait(env.path("delay"), 1)
    assert record.at - started >= 0.08


def test_notification_verification_refuses_replays_and_garbage(env):
    out_trade_no = env.order("replay")
    env.sim("POST", "/__sim__/pay", {"out_trade_no": out_trade_no})
    [record] = env.receiver.wait(env.path("replay"), 1)
    body = json.loads(record.body)
    body["summary"] = "changed"
    changed = json.dumps(body).encode()
    with pytest.raises(WechatPaySignatureError):
        env.client.verify_and_decrypt_notification({}, record.body)
    with pytest.raises(WechatPaySignatureError):
        env.client.verify_and_decrypt_notification(
            {
                "Wechatpay-Timestamp": "1500000000",
                "Wechatpay-Nonce": "x",
                "Wechatpay-Signature": "WECHATPAY/SIGNTEST/abc",
                "Wechatpay-Serial": env.config.platform_public_key_id or "ABC",
            },
            changed,
        )
