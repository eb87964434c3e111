"""Typed errors of the Alipay client.

- `AlipayApiError`: Alipay answered, with a code other than 10000 (code / sub_code / sub_msg).
  `outcome_unknown` is true for 20000 and ACQ.SYSTEM_ERROR: the call may or may not have taken
  effect, so query before acting (or repeat it with the same out_request_no / out_trade_no).
- `AlipayTransportError`: no usable answer (network, timeout, HTTP status, not JSON): outcome
  unknown as well.
- `AlipaySignatureError`: a response or notification whose signature does not verify (or is
  missing): never act on it.
- `NotificationRejected`: a notification that verifies but is not ours (foreign app_id or
  seller_id, an amount that differs from the order): never act on it either.
"""

from __future__ import annotations

SUCCESS = "10000"
UNKNOWN_OUTCOME_CODES = frozenset({"20000"})
UNKNOWN_OUTCOME_SUB_CODES = frozenset({"ACQ.SYSTEM_ERROR", "aop.unknow-error", "isp.unknow-error"})


class AlipayError(Exception):
    """Base of every error this client raises."""


class AlipayKeyError(AlipayError, ValueError):
    """A key that cannot be read (not an RSA key in PEM or bare base64 DER)."""


class AlipayTransportError(AlipayError):
    """No usable response: network error, timeout, HTTP status, a body that is not JSON."""

    outcome_unknown = True


class AlipaySignatureError(AlipayError):
    """A response or notification signature that is missing or does not verify."""


class NotificationRejected(AlipayError):
    """A correctly signed notification that does not belong to this merchant or order."""

    def __init__(self, reason: str, field: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.field = field


class AlipayApiError(AlipayError):
    """Alipay answered with a code other than 10000."""

    def __init__(
        self,
        *,
        method: str,
        code: str,
        msg: str = "",
        sub_code: str = "",
        sub_msg: str = "",
        body: dict | None = None,
    ) -> None:
        detail = f"{method}: {code} {msg}"
        if sub_code:
            detail += f" [{sub_code}] {sub_msg}"
        super().__init__(detail)
        self.method = method
        self.code = code
        self.msg = msg
        self.sub_code = sub_code
        self.sub_msg = sub_msg
        self.body = body or {}

    @property
    def outcome_unknown(self) -> bool:
        return self.code in UNKNOWN_OUTCOME_CODES or self.sub_code in UNKNOWN_OUTCOME_SUB_CODES
