"""Alipay open-platform gateway simulator (HTTP), for tests, demos and outside merchants.

    omni simulate alipay --port 8601 --config var/alipay-sim

Gateway: ``GET|POST /gateway.do`` with the parameters in the query string, in an
application/x-www-form-urlencoded body, or split between both (the official SDKs put the
common parameters in the query and biz_content in the body). Supported methods:
alipay.trade.precreate, alipay.trade.query, alipay.trade.refund,
alipay.trade.fastpay.refund.query, alipay.trade.close. Requests are verified with the
app's public key (RSA2); every answer is signed with the simulator's Alipay private key
over the raw response node, as the real gateway does.

Control (JSON) under ``/__sim__/``:

    POST /__sim__/scan   {"out_trade_no", "app_id"?}   buyer scans: WAIT_BUYER_PAY
    POST /__sim__/pay    {"out_trade_no", "app_id"?}   buyer pays: TRADE_SUCCESS + notification
    POST /__sim__/finish {"out_trade_no", "app_id"?}   refund window over: TRADE_FINISHED
    POST /__sim__/close  {"out_trade_no", "app_id"?}   unpaid trade times out: TRADE_CLOSED
    POST /__sim__/faults {"duplicates", "delay_ms", "out_of_order", "forge", "count"}
                         or {"clear": true}; GET /__sim__/faults lists the pending ones
    GET  /__sim__/notifications[?out_trade_no=]         delivery log (attempts, answers)
    GET  /__sim__/trades                                trades as the simulator holds them
    POST /__sim__/reset                                 forget trades, log and faults
    GET  /__sim__/qr/<token>                            the qr_code URL: a page that scans,
                                                        with a button that pays
"""

from __future__ import annotations

import datetime as dt
import html
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

from .keys import SimConfig, load_config, write_dev_config
from .notifier import Faults, Notifier
from .protocol import (
    STAMP,
    content_to_sign,
    error_node,
    load_private,
    load_public,
    render_response,
    verify,
)
from .trades import SimError, TradeBook

METHODS = (
    "alipay.trade.precreate",
    "alipay.trade.query",
    "alipay.trade.refund",
    "alipay.trade.fastpay.refund.query",
    "alipay.trade.close",
)
REQUIRED = (
    ("app_id", "isv.missing-app-id", "缺少AppID参数"),
    ("sign_type", "isv.missing-signature-type", "缺少签名类型参数"),
    ("sign", "isv.missing-signature", "缺少签名参数"),
    ("timestamp", "isv.missing-timestamp", "缺少时间戳参数"),
    ("version", "isv.missing-version", "缺少版本参数"),
)
MAX_BODY = 1_000_000


class Simulator:
    """The gateway's state and rules, independent of HTTP."""

    def __init__(self, config: SimConfig) -> None:
        self.config = config
        self.key = load_private(config.alipay_private_key_pem)
        self.app_keys = {app_id: load_public(pem) for app_id, pem in config.app_public_keys.items()}
        self.notifier = Notifier(
            self.key, retry_scale=config.retry_scale, timeout=config.notify_timeout
        )
        self.book = TradeBook(
            config.seller_id, self.notifier.notify, notify_on_refund=config.notify_on_refund
        )

    def gateway(self, params: dict[str, str], qr_base: str) -> str:
        method = params.get("method", "")
        node_name = (
            method.replace(".", "_") + "_response" if method in METHODS else "error_response"
        )

        def answer(node: dict, *, signed: bool = True) -> str:
            if not signed:  # the gateway cannot tie the call to an app: no signature
                return json.dumps({node_name: node}, ensure_ascii=False, separators=(",", ":"))
            return render_response(self.key, node_name, node)

        if not method:
            return answer(error_node("40001", "isv.missing-method", "缺少方法名参数"))
        if method not in METHODS:
            return answer(error_node("40002", "isv.invalid-method", "不存在的方法名"))
        for name, sub_code, sub_msg in REQUIRED:
            if not params.get(name):
                node = error_node("40001", sub_code, sub_msg)
                return answer(node, signed=name != "app_id")
        app_id = params["app_id"]
        public_key = self.app_keys.get(app_id)
        if public_key is None:
            node = error_node("40002", "isv.invalid-app-id", "无效的AppID参数")
            return answer(node, signed=False)
        if params["sign_type"] != "RSA2":
            return answer(error_node("40002", "isv.invalid-signature-type", "无效签名类型"))
        if params.get("charset", "utf-8").lower() not in ("utf-8", "utf8"):
            return answer(error_node("40002", "isv.invalid-charset", "字符集错误"))
        if params.get("format", "JSON").upper() != "JSON":
            return answer(error_node("40002", "isv.invalid-format", "无效的数据格式"))
        try:
            dt.datetime.strptime(params["timestamp"], STAMP)  # GMT+8 by contract
        except ValueError:
            return answer(error_node("40002", "isv.invalid-timestamp", "非法的时间戳参数"))
        content = content_to_sign(params, ("sign",))
        if not verify(public_key, content, params["sign"]):
            return answer(
                error_node(
                    "40002",
                    "isv.invalid-signature",
                    "验签出错，建议检查签名字符串或签名私钥与应用公钥是否匹配，"
                    f"网关生成的验签字符串为：{content}",
                )
            )
        try:
            biz = json.loads(params.get("biz_content") or "")
        except ValueError:
            biz = None
        if not isinstance(biz, dict):
            return answer(error_node("40004", "ACQ.INVALID_PARAMETER", "参数无效: biz_content"))
        if method == "alipay.trade.precreate":
            node = self.book.precreate(app_id, biz, params.get("notify_url", ""), qr_base)
        elif method == "alipay.trade.query":
            node = self.book.query(app_id, biz)
        elif method == "alipay.trade.refund":
            node = self.book.refund(app_id, biz)
        elif method == "alipay.trade.fastpay.refund.query":
            node = self.book.refund_query(app_id, biz)
        else:
            node = self.book.close(app_id, biz)
        return answer(node)

    def control(self, verb: str, path: str, query: dict[str, str], data: dict) -> object:
        book, notifier = self.book, self.notifier
        if verb == "GET" and path == "notifications":
            return notifier.log(query.get("out_trade_no"))
        if verb == "GET" and path == "faults":
            return notifier.pending_faults()
        if verb == "GET" and path == "trades":
            return book.trades()
        if verb == "POST" and path == "faults":
            if data.get("clear"):
                notifier.clear_faults()
            else:
                try:
                    notifier.add_faults(Faults.from_json(data))
                except (TypeError, ValueError) as exc:
                    raise SimError(400, str(exc)) from exc
            return notifier.pending_faults()
        if verb == "POST" and path == "reset":
            book.reset()
            notifier.reset()
            return {"reset": True}
        actions = {
            "scan": book.scan,
            "pay": book.pay,
            "finish": book.finish,
            "close": book.timeout_close,
        }
        if verb == "POST" and path in actions:
            out_trade_no = str(data.get("out_trade_no") or "")
            if not out_trade_no:
                raise SimError(400, "out_trade_no is required")
            return actions[path](out_trade_no, data.get("app_id") or None)
        raise SimError(404, f"no control endpoint {verb} /__sim__/{path}")

    def stop(self) -> None:
        self.notifier.stop()


def _qr_page(trade: dict) -> str:
    esc = {k: html.escape(str(v)) for k, v in trade.items()}
    button = (
        '<form method="post"><button type="submit">Pay with Alipay (simulated)</button></form>'
        if trade["trade_status"] == "WAIT_BUYER_PAY"
        else ""
    )
    return (
        "<!doctype html><meta charset=utf-8><title>Alipay simulator</title>"
        f"<h1>{esc['subject']}</h1><p>¥ {esc['total_amount']} &middot; {esc['out_trade_no']}"
        f" &middot; <b>{esc['trade_status']}</b></p>{button}"
    )


class Handler(BaseHTTPRequestHandler):
    server: SimulatorHTTPServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        if self.server.verbose:
            super().log_message(format, *args)

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            raise SimError(413, "body too large")
        return self.rfile.read(length) if length else b""

    def _send(self, status: int, body: str, content_type: str) -> None:
        raw = body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def _json(self, status: int, data: object) -> None:
        self._send(status, json.dumps(data, ensure_ascii=False), "application/json; charset=utf-8")

    def _gateway(self, params: dict[str, str]) -> None:
        host = self.headers.get("Host") or "{}:{}".format(*self.server.server_address[:2])
        body = self.server.simulator.gateway(params, f"http://{host}/__sim__/qr/")
        self._send(200, body, "application/json;charset=utf-8")

    def _dispatch(self, verb: str) -> None:
        url = urlsplit(self.path)
        query = dict(parse_qsl(url.query, keep_blank_values=True))
        try:
            body = self._body() if verb == "POST" else b""
            if url.path == "/gateway.do":
                params = dict(query)
                if body:
                    params.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
                self._gateway(params)
                return
            if url.path.startswith("/__sim__/qr/"):
                self._qr(verb, url.path.removeprefix("/__sim__/qr/"))
                return
            if url.path.startswith("/__sim__/"):
                data = json.loads(body) if body.strip() else {}
                if not isinstance(data, dict):
                    raise SimError(400, "send a JSON object")
                result = self.server.simulator.control(
                    verb, url.path.removeprefix("/__sim__/").strip("/"), query, data
                )
                self._json(200, result)
                return
            self._json(404, {"error": f"no route {url.path}"})
        except SimError as exc:
            self._json(exc.status, {"error": exc.message})
        except (ValueError, UnicodeDecodeError) as exc:
            self._json(400, {"error": str(exc)})

    def _qr(self, verb: str, token: str) -> None:
        book = self.server.simulator.book
        trade = book.by_token(token)
        if verb == "POST":
            snapshot = book.pay(trade.out_trade_no, trade.app_id)
        else:
            snapshot = book.scan(trade.out_trade_no, trade.app_id)
        self._send(200, _qr_page(snapshot), "text/html; charset=utf-8")

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")


class SimulatorHTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], simulator: Simulator, *, verbose: bool = False):
        self.simulator = simulator
        self.verbose = verbose
        super().__init__(address, Handler)

    @property
    def base_url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def gateway_url(self) -> str:
        return f"{self.base_url}/gateway.do"

    def server_close(self) -> None:
        self.simulator.stop()
        super().server_close()


def make_server(
    host: str, port: int, config: SimConfig | str | Path, *, verbose: bool = False
) -> SimulatorHTTPServer:
    """A bound (not yet serving) simulator; run ``serve_forever`` in a thread, then
    ``shutdown()`` and ``server_close()``. ``config`` is a SimConfig or a config directory."""
    if not isinstance(config, SimConfig):
        config = load_config(config)
    return SimulatorHTTPServer((host, port), Simulator(config), verbose=verbose)


def serve(*, host: str, port: int, config_dir: str | None) -> None:
    """Blocking: ``omni simulate alipay``. Without ``--config`` a dev config (fresh keys) is
    written to var/alipay-sim on first use."""
    directory = Path(config_dir or "var/alipay-sim")
    if not (directory / "config.json").exists():
        write_dev_config(directory)
        print(f"wrote a dev config (keys) to {directory}", file=sys.stderr)
    server = make_server(host, port, directory, verbose=True)
    print(
        f"Alipay simulator: {server.gateway_url} (config {directory.resolve()}; give merchants "
        f"{(directory / 'alipay_public_key.pem').resolve()})",
        file=sys.stderr,
        flush=True,
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
