"""WechatPayClient: WeChat Pay APIv3 for a direct merchant (直连商户), Native payment.

Every request is signed (Authorization: WECHATPAY2-SHA256-RSA2048 ...); every response is
verified with the WeChat Pay public key or a platform certificate before it is used, and a
response that is unsigned, badly signed, signed by an unknown serial, or stamped more than
five minutes off is refused (WechatPaySignatureError). Non-2xx answers raise
WechatPayAPIError with WeChat Pay's HTTP status and code.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, urlencode

import requests
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa

from . import crypto
from .config import WechatPayConfig
from .errors import (
    WechatPayAPIError,
    WechatPayDecryptionError,
    WechatPayError,
    WechatPayNotificationMismatch,
    WechatPayProtocolError,
    WechatPaySignatureError,
    WechatPayTransportError,
)
from .types import NativeOrder, Notification, Refund, Transaction

USER_AGENT = "omni-wechatpay/1.0 (APIv3; python-requests)"
ENCRYPT_RESOURCE = "encrypt-resource"


class WechatPayClient:
    def __init__(
        self,
        config: WechatPayConfig,
        *,
        session: requests.Session | None = None,
    ) -> None:
        self.config = config
        self._session = session or requests.Session()
        self._private_key = crypto.load_private_key(config.merchant_private_key_pem)
        self._lock = threading.Lock()
        # serial (public key id or certificate serial) -> verifying key
        self._keys: dict[str, rsa.RSAPublicKey] = {}
        if config.platform_public_key_id and config.platform_public_key_pem:
            self._keys[config.platform_public_key_id] = crypto.load_public_key(
                config.platform_public_key_pem
            )
        for pem in config.platform_certificates_pem:
            cert = x509.load_pem_x509_certificate(pem.encode())
            self._keys[crypto.certificate_serial(cert)] = _rsa(cert)

    # -- payments ----------------------------------------------------------------------

    def native_pay(
        self,
        out_trade_no: str,
        total_fen: int,
        description: str,
        *,
        attach: str | None = None,
        time_expire: str | None = None,
        notify_url: str | None = None,
    ) -> NativeOrder:
        """Native下单: POST /v3/pay/transactions/native -> code_url for the payer's QR code."""
        _require_fen(total_fen, "total_fen")
        body: dict[str, Any] = {
            "appid": self.config.appid,
            "mchid": self.config.mchid,
            "description": description,
            "out_trade_no": out_trade_no,
            "notify_url": notify_url or self.config.notify_url,
            "amount": {"total": total_fen, "currency": "CNY"},
        }
        if attach is not None:
            body["attach"] = attach
        if time_expire is not None:
            body["time_expire"] = time_expire
        data, request_id = self._call("POST", "/v3/pay/transactions/native", body)
        code_url = (data or {}).get("code_url")
        if not isinstance(code_url, str) or not code_url:
            raise WechatPayProtocolError("Native order response without code_url", status=200)
        return NativeOrder(out_trade_no=out_trade_no, code_url=code_url, request_id=request_id)

    def query_by_out_trade_no(self, out_trade_no: str) -> Transaction:
        """商户订单号查询订单: GET /v3/pay/transactions/out-trade-no/{no}?mchid=..."""
        path = f"/v3/pay/transactions/out-trade-no/{_seg(out_trade_no)}?" + urlencode(
            {"mchid": self.config.mchid}
        )
        data, _ = self._call("GET", path)
        return Transaction.from_json(data or {})

    def close(self, out_trade_no: str) -> None:
        """关闭订单: POST .../out-trade-no/{no}/close, answered 204 No Content."""
        path = f"/v3/pay/transactions/out-trade-no/{_seg(out_trade_no)}/close"
        self._call("POST", path, {"mchid": self.config.mchid})

    # -- refunds -----------------------------------------------------------------------

    def refund(
        self,
        out_trade_no: str,
        out_refund_no: str,
        refund_fen: int,
        total_fen: int,
        reason: str | None = None,
        *,
        notify_url: str | None = None,
    ) -> Refund:
        """退款申请: POST /v3/refund/domestic/refunds. Idempotent per out_refund_no: asking
        again with the same number returns the same refund (retry with the same number)."""
        _require_fen(refund_fen, "refund_fen")
        _require_fen(total_fen, "total_fen")
        body: dict[str, Any] = {
            "out_trade_no": out_trade_no,
            "out_refund_no": out_refund_no,
            "amount": {"refund": refund_fen, "total": total_fen, "currency": "CNY"},
        }
        if reason:
            body["reason"] = reason
        if notify_url or self.config.notify_url:
            body["notify_url"] = notify_url or self.config.notify_url
        data, _ = self._call("POST", "/v3/refund/domestic/refunds", body)
        return Refund.from_json(data or {})

    def query_refund(self, out_refund_no: str) -> Refund:
        """查询单笔退款: GET /v3/refund/domestic/refunds/{out_refund_no}"""
        data, _ = self._call("GET", f"/v3/refund/domestic/refunds/{_seg(out_refund_no)}")
        return Refund.from_json(data or {})

    # -- platform certificates ---------------------------------------------------------

    def fetch_certificates(self) -> dict[str, x509.Certificate]:
        """下载平台证书: GET /v3/certificates. The certificates come encrypted under the APIv3
        key; the response is then verified with the certificate it names (decrypting them
        already proves they come from WeChat Pay, which holds our APIv3 key)."""
        url = "/v3/certificates"
        status, headers, text = self._send("GET", url, "")
        if not 200 <= status < 300:
            raise self._api_error(status, headers, text, verify=False)
        try:
            entries = json.loads(text)["data"]
        except (ValueError, KeyError, TypeError) as exc:
            raise WechatPayProtocolError("bad /v3/certificates body", status=status) from exc
        found: dict[str, x509.Certificate] = {}
        for entry in entries:
            enc = entry.get("encrypt_certificate") or {}
            if enc.get("algorithm") != crypto.AEAD_ALGORITHM:
                continue
            pem = crypto.aead_decrypt(
                self.config.apiv3_key,
                enc.get("nonce", ""),
                enc.get("ciphertext", ""),
                enc.get("associated_data", ""),
            )
            cert = x509.load_pem_x509_certificate(pem.encode())
            serial = crypto.certificate_serial(cert)
            if serial != str(entry.get("serial_no", "")).upper():
                raise WechatPayProtocolError("certificate serial does not match its entry")
            found[serial] = cert
        keys = {serial: _rsa(cert) for serial, cert in found.items()}
        self._verify(headers, text, status=status, extra_keys=keys, refresh=False)
        with self._lock:
            self._keys.update(keys)
        return found

    # -- notifications -----------------------------------------------------------------

    def verify_and_decrypt_notification(
        self, headers: Mapping[str, str], raw_body: bytes | str
    ) -> Notification:
        """Verify a callback's signature over the raw body, decrypt its resource with the
        APIv3 key, check it is for this merchant, and return it typed. Raises
        WechatPaySignatureError, WechatPayDecryptionError or WechatPayNotificationMismatch;
        answer WeChat Pay 200/204 only after this returned and the event was recorded."""
        text = raw_body.decode("utf-8") if isinstance(raw_body, bytes) else raw_body
        self._verify(headers, text, status=None)
        try:
            envelope = json.loads(text)
            resource = envelope["resource"]
        except (ValueError, KeyError, TypeError) as exc:
            raise WechatPayNotificationMismatch("notification body is not APIv3 JSON") from exc
        if envelope.get("resource_type") != ENCRYPT_RESOURCE:
            raise WechatPayDecryptionError("notification resource is not an encrypt-resource")
        if resource.get("algorithm") != crypto.AEAD_ALGORITHM:
            raise WechatPayDecryptionError(f"unsupported algorithm {resource.get('algorithm')}")
        plain = crypto.aead_decrypt(
            self.config.apiv3_key,
            str(resource.get("nonce", "")),
            str(resource.get("ciphertext", "")),
            str(resource.get("associated_data", "")),
        )
        try:
            data = json.loads(plain)
        except ValueError as exc:
            raise WechatPayDecryptionError("decrypted resource is not JSON") from exc
        if not isinstance(data, dict):
            raise WechatPayDecryptionError("decrypted resource is not a JSON object")
        if str(data.get("mchid", "")) != self.config.mchid:
            raise WechatPayNotificationMismatch(
                f"notification for mchid {data.get('mchid')!r}, not {self.config.mchid!r}"
            )
        if "appid" in data and data["appid"] != self.config.appid:
            raise WechatPayNotificationMismatch(
                f"notification for appid {data.get('appid')!r}, not {self.config.appid!r}"
            )
        original_type = str(resource.get("original_type", ""))
        event_type = str(envelope.get("event_type", ""))
        transaction = refund = None
        if event_type.startswith("TRANSACTION.") or original_type == "transaction":
            transaction = Transaction.from_json(data)
        elif event_type.startswith("REFUND.") or original_type == "refund":
            refund = Refund.from_json(data)
        return Notification(
            id=str(envelope.get("id", "")),
            create_time=str(envelope.get("create_time", "")),
            event_type=event_type,
            resource_type=str(envelope.get("resource_type", "")),
            summary=str(envelope.get("summary", "")),
            original_type=original_type,
            resource=data,
            transaction=transaction,
            refund=refund,
        )

    # -- machinery ---------------------------------------------------------------------

    def _call(
        self, method: str, url: str, body: Mapping[str, Any] | None = None
    ) -> tuple[dict[str, Any] | None, str | None]:
        payload = (
            "" if body is None else json.dumps(body, ensure_ascii=False, separators=(",", ":"))
        )
        status, headers, text = self._send(method, url, payload)
        if not 200 <= status < 300:
            raise self._api_error(status, headers, text)
        self._verify(headers, text, status=status)
        request_id = _header(headers, "Request-ID")
        if status == 204 or not text:
            return None, request_id
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise WechatPayProtocolError("response body is not JSON", status=status) from exc
        if not isinstance(data, dict):
            raise WechatPayProtocolError("response body is not a JSON object", status=status)
        return data, request_id

    def _send(self, method: str, url: str, payload: str) -> tuple[int, Mapping[str, str], str]:
        headers = {
            "Authorization": crypto.authorization(
                mchid=self.config.mchid,
                serial_no=self.config.merchant_serial_no,
                private_key=self._private_key,
                method=method,
                url=url,
                body=payload,
            ),
            "Accept": "application/json",
            "User-Agent": USER_AGENT,
        }
        if method != "GET":
            headers["Content-Type"] = "application/json"
        try:
            response = self._session.request(
                method,
                self.config.base_url.rstrip("/") + url,
                data=payload.encode("utf-8") if method != "GET" else None,
                headers=headers,
                timeout=self.config.timeout,
                allow_redirects=False,
            )
        except requests.RequestException as exc:
            raise WechatPayTransportError(f"{method} {url}: {exc}") from exc
        # The signature covers the body bytes as sent: decode them ourselves (UTF-8).
        return response.status_code, response.headers, response.content.decode("utf-8", "replace")

    def _api_error(
        self, status: int, headers: Mapping[str, str], text: str, *, verify: bool = True
    ) -> WechatPayAPIError:
        verified = False
        if verify:
            try:
                self._verify(headers, text, status=status)
                verified = True
            except WechatPayError:
                verified = False
        try:
            data = json.loads(text) if text else {}
        except ValueError:
            data = {}
        if not isinstance(data, dict):
            data = {}
        return WechatPayAPIError(
            str(data.get("message") or f"HTTP {status}"),
            status=status,
            code=str(data.get("code") or f"HTTP_{status}"),
            request_id=_header(headers, "Request-ID"),
            detail=data.get("detail"),
            signature_verified=verified,
        )

    def _verify(
        self,
        headers: Mapping[str, str],
        body: str,
        *,
        status: int | None,
        extra_keys: Mapping[str, rsa.RSAPublicKey] | None = None,
        refresh: bool = True,
    ) -> None:
        signature = _header(headers, "Wechatpay-Signature")
        timestamp = _header(headers, "Wechatpay-Timestamp")
        nonce = _header(headers, "Wechatpay-Nonce")
        serial = _header(headers, "Wechatpay-Serial")
        request_id = _header(headers, "Request-ID")
        if not (signature and timestamp and nonce and serial):
            raise WechatPaySignatureError(
                "unsigned WeChat Pay message (Wechatpay-* headers missing)",
                status=status,
                request_id=request_id,
            )
        try:
            skew = abs(crypto.wall_epoch() - int(timestamp))
        except ValueError:
            skew = None
        if skew is None or skew > self.config.max_clock_skew:
            raise WechatPaySignatureError(
                f"Wechatpay-Timestamp {timestamp!r} is not within "
                f"{self.config.max_clock_skew}s of now",
                status=status,
                request_id=request_id,
            )
        if not serial.startswith("PUB_KEY_ID_"):
            serial = serial.upper()
        key = (extra_keys or {}).get(serial) or self._key_for(serial, refresh=refresh)
        if key is None:
            raise WechatPaySignatureError(
                f"unknown Wechatpay-Serial {serial!r}", status=status, request_id=request_id
            )
        if not crypto.verify(key, crypto.response_message(timestamp, nonce, body), signature):
            raise WechatPaySignatureError(
                "bad WeChat Pay signature", status=status, request_id=request_id
            )

    def _key_for(self, serial: str, *, refresh: bool) -> rsa.RSAPublicKey | None:
        with self._lock:
            key = self._keys.get(serial)
        if key is not None or not refresh or serial.startswith("PUB_KEY_ID_"):
            return key
        # An unknown certificate serial: WeChat Pay may have rotated its certificate.
        self.fetch_certificates()
        with self._lock:
            return self._keys.get(serial)


def _header(headers: Mapping[str, str], name: str) -> str | None:
    value = headers.get(name)
    if value is None:
        lowered = name.lower()
        for key, candidate in headers.items():
            if key.lower() == lowered:
                return candidate
    return value


def _seg(value: str) -> str:
    return quote(value, safe="")


def _rsa(cert: x509.Certificate) -> rsa.RSAPublicKey:
    key = cert.public_key()
    if not isinstance(key, rsa.RSAPublicKey):
        raise WechatPayProtocolError("platform certificate is not RSA")
    return key


def _require_fen(value: int, name: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(f"{name} must be a positive integer amount in fen, got {value!r}")
