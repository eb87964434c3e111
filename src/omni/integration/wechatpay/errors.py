"""Typed errors of the WeChat Pay APIv3 client. Every error carries an HTTP status (None when
no response was received) and a code: WeChat Pay's own code for API errors (`SIGN_ERROR`,
`PARAM_ERROR`, `ORDER_NOT_EXIST`, ...), a client-side code otherwise."""

from __future__ import annotations

from typing import Any


class WechatPayError(Exception):
    """Base class. `status` is the HTTP status of the response involved (or None)."""

    default_code = "WECHATPAY_ERROR"

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str | None = None,
        request_id: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code or self.default_code
        self.request_id = request_id

    def __str__(self) -> str:
        parts = [self.code]
        if self.status is not None:
            parts.append(f"HTTP {self.status}")
        if self.request_id:
            parts.append(f"Request-ID {self.request_id}")
        return f"{self.message} ({', '.join(parts)})"


class WechatPayConfigError(WechatPayError):
    """The configuration is unusable (missing key, unreadable PEM, ...)."""

    default_code = "CONFIG_ERROR"


class WechatPayTransportError(WechatPayError):
    """No usable HTTP response: connection refused, timeout, TLS failure."""

    default_code = "NETWORK_ERROR"


class WechatPayAPIError(WechatPayError):
    """WeChat Pay answered with a non-2xx status and a JSON {"code", "message"} body.

    `signature_verified` tells whether the error response itself carried a valid WeChat Pay
    signature (errors are reported either way: an error is never acted upon as a success).
    """

    def __init__(
        self,
        message: str,
        *,
        status: int,
        code: str,
        request_id: str | None = None,
        detail: Any = None,
        signature_verified: bool = False,
    ) -> None:
        super().__init__(message, status=status, code=code, request_id=request_id)
        self.detail = detail
        self.signature_verified = signature_verified


class WechatPaySignatureError(WechatPayError):
    """A response or a notification is unsigned, badly signed, signed by an unknown serial or
    too old (more than five minutes off)."""

    default_code = "INVALID_SIGNATURE"


class WechatPayDecryptionError(WechatPayError):
    """AEAD_AES_256_GCM decryption failed (wrong APIv3 key, tampered ciphertext or
    associated data), or the resource is not an encrypted resource we understand."""

    default_code = "DECRYPT_ERROR"


class WechatPayNotificationMismatch(WechatPayError):
    """A correctly signed and decrypted notification is not for this merchant (mchid or
    appid differ) or is malformed."""

    default_code = "NOTIFICATION_MISMATCH"


class WechatPayProtocolError(WechatPayError):
    """A signed 2xx response whose body is not what the protocol promises."""

    default_code = "PROTOCOL_ERROR"
