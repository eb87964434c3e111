"""WeChat Pay APIv3 client (微信支付 APIv3, direct merchant, Native payment and refunds).

    config = WechatPayConfig.from_files(mchid=..., appid=..., merchant_private_key_path=...,
                                        merchant_serial_no=..., apiv3_key=...,
                                        platform_public_key_path=..., platform_public_key_id=...,
                                        notify_url="https://.../wechatpay/notify")
    client = WechatPayClient(config)
    order = client.native_pay("T20250101001", 100, "Omni order")   # order.code_url -> QR code
    notification = client.verify_and_decrypt_notification(request.headers, request.body)

Only the base URL differs between the real service and `simulators/wechatpay`.
"""

from .client import WechatPayClient
from .config import CERTIFICATE_MODE, DEFAULT_BASE_URL, PUBLIC_KEY_MODE, WechatPayConfig
from .errors import (
    WechatPayAPIError,
    WechatPayConfigError,
    WechatPayDecryptionError,
    WechatPayError,
    WechatPayNotificationMismatch,
    WechatPayProtocolError,
    WechatPaySignatureError,
    WechatPayTransportError,
)
from .types import NativeOrder, Notification, Refund, Transaction, yuan

__all__ = [
    "CERTIFICATE_MODE",
    "DEFAULT_BASE_URL",
    "PUBLIC_KEY_MODE",
    "NativeOrder",
    "Notification",
    "Refund",
    "Transaction",
    "WechatPayAPIError",
    "WechatPayClient",
    "WechatPayConfig",
    "WechatPayConfigError",
    "WechatPayDecryptionError",
    "WechatPayError",
    "WechatPayNotificationMismatch",
    "WechatPayProtocolError",
    "WechatPaySignatureError",
    "WechatPayTransportError",
    "yuan",
]
