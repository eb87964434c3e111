"""HTTP front of the WeChat Pay APIv3 simulator.

API (every request must carry a valid `Authorization: WECHATPAY2-SHA256-RSA2048 ...` made with
the merchant's key; every reply, errors included, is signed with the Wechatpay-* headers):

    GET  /v3/certificates
    POST /v3/pay/transactions/native                          -> {code_url}
    GET  /v3/pay/transactions/out-trade-no/{no}?mchid=...     -> transaction
    GET  /v3/pay/transactions/id/{transaction_id}?mchid=...   -> transaction
    POST /v3/pay/transactions/out-trade-no/{no}/close         -> 204
    POST /v3/refund/domestic/refunds                          -> refund (PROCESSING)
    GET  /v3/refund/domestic/refunds/{out_refund_no}          -> refund

Control plane (plain JSON, unsigned):

    POST   /__sim__/pay {"out_trade_no", "mchid"?, "openid"?}  payer pays -> notification
    POST   /__sim__/refunds/settle {"out_refund_no", "mchid"?, "status"?: SUCCESS|ABNORMAL|CLOSED}
    POST   /__sim__/faults {"notifications": [{"duplicates": N, "delay_ms": X,
                                               "out_of_order": true, "forge": "signature" |
                                               "amount" | "mchid" | "appid" | "ciphertext",
                                               "max_attempts": N}, ...],
                            "responses": ["tamper" | "unsigned" | "bad_signature" |
                                          "unknown_serial" | "stale", ...],
                            "api_errors": [{"path_prefix", "method"?, "status", "code",
                                            "message"}, ...]}
           each entry is consumed by the next notification / API reply / matching request.
    GET    /__sim__/faults      DELETE /__sim__/faults
    GET    /__sim__/notifications   delivery log, one entry per attempt; filter with
           ?out_trade_no=..&event_type=..; ?min_count=N&timeout=S waits for N entries
    GET    /__sim__/orders          orders and refunds
    GET    /__sim__/health
"""

from __future__ import annotations

import json
import sys
import tempfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from .config import SimConfig, load_config, write_dev_config
from .simulator import Reply, Simulator, _json
from .store import ApiError


class SimulatorServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], simulator: Simulator) -> None:
        self.simulator = simulator
        super().__init__(address, Handler)

    @property
    def base_url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"

    def server_close(self) -> None:
        super().server_close()
        self.simulator.close()


class Handler(BaseHTTPRequestHandler):
    server: SimulatorServer
    protocol_version = "HTTP/1.1"
    server_version = "WechatPaySimulator/1.0"

    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def _dispatch(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        simulator = self.server.simulator
        if self.path.startswith("/__sim__/"):
            reply = self._control(simulator, method, body)
        else:
            headers = {k.lower(): v for k, v in self.headers.items()}
            reply = simulator.handle_api(method, self.path, headers, body)
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        if reply.body and method != "HEAD":
            self.wfile.write(reply.body)

    def _control(self, simulator: Simulator, method: str, body: bytes) -> Reply:
        path = self.path.split("?", 1)[0]
        try:
            data = json.loads(body) if body else {}
            if not isinstance(data, dict):
                raise ValueError("a JSON object is expected")
        except ValueError as exc:
            return _plain(400, {"code": "PARAM_ERROR", "message": str(exc)})
        try:
            if method == "POST" and path == "/__sim__/pay":
                no = str(data.get("out_trade_no", ""))
                return _plain(200, simulator.pay(no, data.get("mchid"), data.get("openid")))
            if method == "POST" and path == "/__sim__/refunds/settle":
                return _plain(200, _settle(simulator, data))
            if method == "POST" and path == "/__sim__/faults":
                return _plain(200, simulator.set_faults(data))
            if method == "DELETE" and path == "/__sim__/faults":
                return _plain(200, simulator.clear_faults())
            if method == "GET" and path == "/__sim__/faults":
                return _plain(200, simulator.faults())
            if method == "GET" and path == "/__sim__/notifications":
                return _plain(200, {"deliveries": _deliveries(simulator, self.path)})
            if method == "GET" and path == "/__sim__/orders":
                return _plain(200, _dump(simulator))
            if method == "GET" and path == "/__sim__/health":
                return _plain(200, {"status": "ok", "mode": simulator.config.mode})
        except ApiError as exc:
            return _plain(exc.status, exc.body())
        return _plain(404, {"code": "NOT_FOUND", "message": f"{method} {path}"})


def _plain(status: int, payload: Any) -> Reply:
    return Reply(status, _json(payload), {"Content-Type": "application/json; charset=utf-8"})


def _deliveries(simulator: Simulator, target: str) -> list[dict[str, Any]]:
    """?out_trade_no=..&event_type=..&notification_id=..&min_count=N&timeout=S (long poll)."""
    query = {k: v[-1] for k, v in parse_qs(urlsplit(target).query).items()}
    min_count = int(query.pop("min_count", 0) or 0)
    timeout = min(float(query.pop("timeout", 10) or 0), 60.0)
    return simulator.notifier.entries(match=query, min_count=min_count, timeout=timeout)


def _settle(simulator: Simulator, data: dict[str, Any]) -> dict[str, Any]:
    no, mchid = str(data.get("out_refund_no", "")), data.get("mchid")
    status = str(data.get("status", "SUCCESS"))
    if status not in ("SUCCESS", "ABNORMAL", "CLOSED"):
        raise ApiError(400, "PARAM_ERROR", "status must be SUCCESS, ABNORMAL or CLOSED")
    with simulator.store.lock:
        refunds = simulator.store.refunds.items()
        found = [r for (m, n), r in refunds if n == no and mchid in (None, m)]
    if len(found) != 1:
        raise ApiError(404, "RESOURCE_NOT_EXISTS", "退款单不存在（或需指定mchid）")
    record = found[0]
    changed = simulator.settle(simulator.config.merchants[record.mchid], record, status)
    return dict(record.as_json(), changed=changed)


def _dump(simulator: Simulator) -> dict[str, Any]:
    with simulator.store.lock:
        return {
            "orders": [o.as_json() for o in simulator.store.orders.values()],
            "refunds": [r.as_json() for r in simulator.store.refunds.values()],
        }


def make_server(host: str, port: int, config: SimConfig | str | Path) -> SimulatorServer:
    """A ready (not yet serving) simulator server; call serve_forever() in a thread, then
    shutdown() and server_close() (which also stops the notification thread)."""
    if not isinstance(config, SimConfig):
        config = load_config(config)
    return SimulatorServer((host, port), Simulator(config))


def serve(*, host: str, port: int, config_dir: str | None) -> None:
    """Blocking entry point of `omni simulate wechatpay`. Without a config directory a dev
    configuration is generated into a temporary directory and its location printed."""
    if config_dir is None:
        config_dir = tempfile.mkdtemp(prefix="wechatpay-sim-")
        dev = write_dev_config(config_dir)
        print(f"dev config written to {config_dir} (mchid {dev.mchid}, appid {dev.appid})")
    elif not (Path(config_dir) / "config.json").exists():
        dev = write_dev_config(config_dir)
        print(f"dev config written to {config_dir} (mchid {dev.mchid}, appid {dev.appid})")
    server = make_server(host, port, config_dir)
    print(f"WeChat Pay APIv3 simulator on {server.base_url} (config {config_dir})", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("stopping", file=sys.stderr)
    finally:
        server.server_close()
