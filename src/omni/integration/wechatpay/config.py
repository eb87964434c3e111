"""WechatPayConfig: the merchant's identity and keys, and how WeChat Pay's signatures are
verified.

Two verification modes, as WeChat Pay has them:

- public-key mode (微信支付公钥, for merchants since 2024): the platform public key and its id
  `PUB_KEY_ID_...`, both downloaded from the merchant platform; responses and notifications
  carry `Wechatpay-Serial: PUB_KEY_ID_...`.
- platform-certificate mode (平台证书): the client downloads the certificates from
  `GET /v3/certificates` (encrypted under the APIv3 key) and picks one by the serial in
  `Wechatpay-Serial`. Certificates known in advance may be given too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .errors import WechatPayConfigError

DEFAULT_BASE_URL = "https://api.mch.weixin.qq.com"
PUBLIC_KEY_MODE = "public_key"
CERTIFICATE_MODE = "certificate"


@dataclass(frozen=True, slots=True)
class WechatPayConfig:
    mchid: str
    appid: str
    merchant_private_key_pem: str = field(repr=False)
    merchant_serial_no: str
    apiv3_key: str = field(repr=False)
    platform_public_key_pem: str | None = field(default=None, repr=False)
    platform_public_key_id: str | None = None
    platform_certificates_pem: tuple[str, ...] = field(default=(), repr=False)
    base_url: str = DEFAULT_BASE_URL
    notify_url: str = ""
    timeout: float = 10.0
    # Responses and notifications older or newer than this (seconds) are refused (replay).
    max_clock_skew: int = 300

    def __post_init__(self) -> None:
        if not self.mchid or not self.appid:
            raise WechatPayConfigError("mchid and appid are required")
        if not self.merchant_serial_no:
            raise WechatPayConfigError("the merchant certificate serial is required")
        if len(self.apiv3_key.encode("utf-8")) != 32:
            raise WechatPayConfigError("the APIv3 key must be 32 bytes")
        if bool(self.platform_public_key_pem) != bool(self.platform_public_key_id):
            raise WechatPayConfigError(
                "public-key mode needs both the platform public key and its id"
            )
        if self.platform_public_key_id and not self.platform_public_key_id.startswith(
            "PUB_KEY_ID_"
        ):
            raise WechatPayConfigError("a WeChat Pay public key id starts with PUB_KEY_ID_")
        if not self.base_url.startswith(("https://", "http://")):
            raise WechatPayConfigError("base_url must be an http(s) URL")

    @property
    def mode(self) -> str:
        return PUBLIC_KEY_MODE if self.platform_public_key_id else CERTIFICATE_MODE

    @classmethod
    def from_files(
        cls,
        *,
        mchid: str,
        appid: str,
        merchant_private_key_path: str | Path,
        merchant_serial_no: str | None = None,
        merchant_certificate_path: str | Path | None = None,
        apiv3_key: str | None = None,
        apiv3_key_path: str | Path | None = None,
        platform_public_key_path: str | Path | None = None,
        platform_public_key_id: str | None = None,
        platform_certificate_paths: tuple[str | Path, ...] = (),
        base_url: str = DEFAULT_BASE_URL,
        notify_url: str = "",
        timeout: float = 10.0,
    ) -> WechatPayConfig:
        """Load from the files the merchant platform hands out: `apiclient_key.pem`
        (private key), `apiclient_cert.pem` (to read the serial from, or give the serial),
        `pub_key.pem` (public-key mode), platform certificates (optional)."""
        if merchant_serial_no is None:
            if merchant_certificate_path is None:
                raise WechatPayConfigError(
                    "give merchant_serial_no or merchant_certificate_path (apiclient_cert.pem)"
                )
            from cryptography import x509

            from .crypto import certificate_serial

            cert = x509.load_pem_x509_certificate(_read(merchant_certificate_path).encode())
            merchant_serial_no = certificate_serial(cert)
        if apiv3_key is None:
            if apiv3_key_path is None:
                raise WechatPayConfigError("give apiv3_key or apiv3_key_path")
            apiv3_key = _read(apiv3_key_path).strip()
        return cls(
            mchid=mchid,
            appid=appid,
            merchant_private_key_pem=_read(merchant_private_key_path),
            merchant_serial_no=merchant_serial_no,
            apiv3_key=apiv3_key,
            platform_public_key_pem=(
                _read(platform_public_key_path) if platform_public_key_path else None
            ),
            platform_public_key_id=platform_public_key_id,
            platform_certificates_pem=tuple(_read(p) for p in platform_certificate_paths),
            base_url=base_url,
            notify_url=notify_url,
            timeout=timeout,
        )


def _read(path: str | Path) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise WechatPayConfigError(f"cannot read {path}: {exc}") from exc
