"""The providers' widely used community SDKs drive our simulators unchanged (only the
gateway URL differs): python-alipay-sdk against the Alipay simulator, wechatpayv3 against
the WeChat Pay simulator, over real HTTP. What an outside merchant would run."""

from __future__ import annotations

import json
import queue
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

import requests


class Receiver:
    """A merchant's notification endpoint: hands each (headers, body) to `check`."""

    def __init__(self, check, ok_status: int, ok_body: bytes) -> None:
        self.got: queue.Queue = queue.Queue()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                result = check(dict(self.headers.items()), body)
                outer.got.put(result)
                self.send_response(ok_status if result else 400)
                self.send_header("Content-Length", str(len(ok_body)))
                self.end_headers()
                self.wfile.write(ok_body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/notify"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_python_alipay_sdk_pays_queries_refunds_and_verifies_notifications(tmp_path):
    from simulators.alipay.keys import DEV_APP_ID, write_dev_config
    from simulators.alipay.server import make_server

    from alipay import AliPay

    write_dev_config(tmp_path, retry_scale=0.001)
    sim = make_server("127.0.0.1", 0, tmp_path)
    threading.Thread(target=sim.serve_forever, daemon=True).start()
    sdk = AliPay(
        appid=DEV_APP_ID,
        app_notify_url=None,
        app_private_key_string=(tmp_path / "app_private_key.pem").read_text(),
        alipay_public_key_string=(tmp_path / "alipay_public_key.pem").read_text(),
        sign_type="RSA2",
    )
    sdk._gateway = sim.gateway_url  # the SDK's gateway constant; nothing else changes

    def verify(headers, body):
        data = dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
        signature = data.pop("sign")
        return sdk.verify(data, signature) and data

    receiver = Receiver(verify, 200, b"success")
    try:
        res = sdk.api_alipay_trade_precreate(
            subject="预付款充值",
            out_trade_no="SDK-A-1",
            total_amount="12.34",
            notify_url=receiver.url,
        )
        assert res["code"] == "10000" and res["qr_code"]
        assert sdk.api_alipay_trade_query(out_trade_no="SDK-A-1")["sub_code"] == (
            "ACQ.TRADE_NOT_EXIST"
        )
        requests.post(sim.base_url + "/__sim__/pay", json={"out_trade_no": "SDK-A-1"}, timeout=5)
        note = receiver.got.get(timeout=10)
        assert note and note["trade_status"] == "TRADE_SUCCESS" and note["total_amount"] == "12.34"
        assert sdk.api_alipay_trade_query(out_trade_no="SDK-A-1")["trade_status"] == "TRADE_SUCCESS"
        refund = sdk.api_alipay_trade_refund(
            out_trade_no="SDK-A-1", refund_amount="2.00", out_request_no="R1"
        )
        assert refund["code"] == "10000" and refund["fund_change"] == "Y"
        over = sdk.api_alipay_trade_refund(
            out_trade_no="SDK-A-1", refund_amount="20.00", out_request_no="R2"
        )
        assert over["code"] == "40004" and over["sub_code"] == "ACQ.REASON_TRADE_REFUND_FEE_ERR"
    finally:
        receiver.stop()
        sim.shutdown()
        sim.server_close()


def test_wechatpayv3_pays_queries_refunds_and_decrypts_callbacks(tmp_path):
    from simulators.wechatpay.config import write_dev_config
    from simulators.wechatpay.server import make_server
    from wechatpayv3 import WeChatPay, WeChatPayType

    dev = write_dev_config(tmp_path, retry_scale=0.001, refund_settle_ms=10)
    sim = make_server("127.0.0.1", 0, tmp_path)
    threading.Thread(target=sim.serve_forever, daemon=True).start()
    holder: dict = {}
    receiver = Receiver(lambda h, b: holder["sdk"].callback(h, b), 204, b"")
    try:
        sdk = WeChatPay(
            wechatpay_type=WeChatPayType.NATIVE,
            mchid=dev.mchid,
            private_key=dev.merchant_private_key_path.read_text(),
            cert_serial_no=dev.merchant_serial_no,
            appid=dev.appid,
            apiv3_key=dev.apiv3_key,
            notify_url=receiver.url,
            public_key=dev.platform_public_key_path.read_text(),
            public_key_id=dev.platform_public_key_id,
        )
        sdk._core._gate_way = sim.base_url  # the SDK's gateway constant; nothing else changes
        holder["sdk"] = sdk
        code, message = sdk.pay(
            description="预付款充值", out_trade_no="SDKW000001", amount={"total": 100}
        )
        assert code == 200 and json.loads(message)["code_url"]
        code, message = sdk.query(out_trade_no="SDKW000001")
        assert code == 200 and json.loads(message)["trade_state"] == "NOTPAY"
        requests.post(sim.base_url + "/__sim__/pay", json={"out_trade_no": "SDKW000001"}, timeout=5)
        callback = receiver.got.get(timeout=10)
        assert callback["event_type"] == "TRANSACTION.SUCCESS"
        assert callback["resource"]["trade_state"] == "SUCCESS"
        code, message = sdk.refund(
            out_refund_no="SDKWR1",
            amount={"refund": 40, "total": 100, "currency": "CNY"},
            out_trade_no="SDKW000001",
        )
        assert code == 200 and json.loads(message)["out_refund_no"] == "SDKWR1"
        code, message = sdk.refund(
            out_refund_no="SDKWR2",
            amount={"refund": 61, "total": 100, "currency": "CNY"},
            out_trade_no="SDKW000001",
        )
        assert code == 400 and json.loads(message)["code"] == "INVALID_REQUEST"
    finally:
        receiver.stop()
        sim.shutdown()
        sim.server_close()
