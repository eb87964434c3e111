"""The configured payment providers: clients built from a directory of files per provider.

Settings (environment): ``OMNI_ALIPAY_DIR`` and ``OMNI_WECHATPAY_DIR``, each a directory with
``client.json`` and the merchant's keys, and ``OMNI_PUBLIC_URL`` (how the provider reaches
this instance's notification URLs). A provider without a directory is not offered.

alipay/client.json: {"app_id", "gateway_url", "seller_id"} + app_private_key.pem +
alipay_public_key.pem. wechatpay/client.json: {"mchid", "appid", "merchant_serial_no",
"base_url", "platform_public_key_id"} + apiclient_key.pem + apiv3_key.txt + pub_key.pem.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from django.conf import settings

from omni.integration.alipay import AlipayClient, AlipayConfig
from omni.integration.wechatpay.client import WechatPayClient
from omni.integration.wechatpay.config import WechatPayConfig

PROVIDERS = ("alipay", "wechatpay")
NOTIFY_PATHS = {"alipay": "/payment/notify/alipay/", "wechatpay": "/payment/notify/wechatpay/"}


def _dir(provider: str) -> Path | None:
    value = getattr(settings, f"OMNI_{provider.upper()}_DIR", "") or ""
    path = Path(value) if value else None
    return path if path is not None and (path / "client.json").exists() else None


def notify_url(provider: str) -> str:
    base = (getattr(settings, "OMNI_PUBLIC_URL", "") or "http://127.0.0.1:8000").rstrip("/")
    return base + NOTIFY_PATHS[provider]


def available() -> list[str]:
    return [p for p in PROVIDERS if _dir(p) is not None]


@cache
def _alipay(path: str, url: str) -> AlipayClient:
    base = Path(path)
    spec = json.loads((base / "client.json").read_text(encoding="utf-8"))
    return AlipayClient(
        AlipayConfig(
            app_id=spec["app_id"],
            app_private_key_pem=(base / "app_private_key.pem").read_text(encoding="ascii"),
            alipay_public_key_pem=(base / "alipay_public_key.pem").read_text(encoding="ascii"),
            gateway_url=spec["gateway_url"],
            notify_url=url,
            seller_id=spec.get("seller_id") or None,
        )
    )


@cache
def _wechatpay(path: str, url: str) -> WechatPayClient:
    base = Path(path)
    spec = json.loads((base / "client.json").read_text(encoding="utf-8"))
    return WechatPayClient(
        WechatPayConfig(
            mchid=spec["mchid"],
            appid=spec["appid"],
            merchant_private_key_pem=(base / "apiclient_key.pem").read_text(encoding="ascii"),
            merchant_serial_no=spec["merchant_serial_no"],
            apiv3_key=(base / "apiv3_key.txt").read_text(encoding="utf-8").strip(),
            platform_public_key_pem=(base / "pub_key.pem").read_text(encoding="ascii"),
            platform_public_key_id=spec["platform_public_key_id"],
            base_url=spec["base_url"],
            notify_url=url,
        )
    )


def alipay() -> AlipayClient | None:
    path = _dir("alipay")
    return _alipay(str(path), notify_url("alipay")) if path else None


def wechatpay() -> WechatPayClient | None:
    path = _dir("wechatpay")
    return _wechatpay(str(path), notify_url("wechatpay")) if path else None


def merchant(provider: str) -> tuple[str, str]:
    """(app id, merchant id) this instance expects on the provider's notifications."""
    if provider == "alipay":
        client = alipay()
        return (client.config.app_id, client.config.seller_id or "") if client else ("", "")
    client = wechatpay()
    return (client.config.appid, client.config.mchid) if client else ("", "")
