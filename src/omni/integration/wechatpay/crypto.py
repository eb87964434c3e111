"""APIv3 cryptography: SHA256withRSA signatures, the Authorization header, and
AEAD_AES_256_GCM with the APIv3 key (notifications and platform certificates).

Reference: pay.weixin.qq.com, 签名生成 / 签名验证 / 证书和回调报文解密.
"""

from __future__ import annotations

import base64
import binascii
import secrets
import string
import time

from cryptography import x509
from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from .errors import WechatPayConfigError, WechatPayDecryptionError

AUTH_SCHEMA = "WECHATPAY2-SHA256-RSA2048"
SIGNATURE_TYPE = "WECHATPAY2-SHA256-RSA2048"
AEAD_ALGORITHM = "AEAD_AES_256_GCM"
# WeChat Pay sends deliberately wrong signatures prefixed like this to check that merchants
# really verify (签名探测流量); they must fail verification, and they do.
SIGN_PROBE_PREFIX = "WECHATPAY/SIGNTEST/"
_NONCE_ALPHABET = string.ascii_uppercase + string.digits


def wall_epoch() -> int:
    """Unix seconds of the real clock: protocol timestamps are wall time, never business
    time (a moved business clock must not break signatures)."""
    return int(time.time())  # noqa: TID251 - protocol wall time


def make_nonce(length: int = 32) -> str:
    return "".join(secrets.choice(_NONCE_ALPHABET) for _ in range(length))


def load_private_key(pem: str | bytes) -> rsa.RSAPrivateKey:
    data = pem.encode() if isinstance(pem, str) else pem
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as exc:
        raise WechatPayConfigError(f"unreadable private key PEM: {exc}") from exc
    if not isinstance(key, rsa.RSAPrivateKey):
        raise WechatPayConfigError("the merchant private key must be an RSA key")
    return key


def load_public_key(pem: str | bytes) -> rsa.RSAPublicKey:
    """An RSA public key from a PUBLIC KEY PEM or from an X.509 CERTIFICATE PEM."""
    data = pem.encode() if isinstance(pem, str) else pem
    try:
        if b"BEGIN CERTIFICATE" in data:
            key = x509.load_pem_x509_certificate(data).public_key()
        else:
            key = serialization.load_pem_public_key(data)
    except ValueError as exc:
        raise WechatPayConfigError(f"unreadable public key PEM: {exc}") from exc
    if not isinstance(key, rsa.RSAPublicKey):
        raise WechatPayConfigError("WeChat Pay keys are RSA keys")
    return key


def certificate_serial(cert: x509.Certificate) -> str:
    """The serial as WeChat Pay writes it: upper-case hex without leading zeros."""
    return format(cert.serial_number, "X")


def sign(private_key: rsa.RSAPrivateKey, message: str) -> str:
    raw = private_key.sign(message.encode("utf-8"), padding.PKCS1v15(), hashes.SHA256())
    return base64.b64encode(raw).decode("ascii")


def verify(public_key: rsa.RSAPublicKey, message: str, signature: str) -> bool:
    if not signature or signature.startswith(SIGN_PROBE_PREFIX):
        return False
    try:
        raw = base64.b64decode(signature, validate=True)
    except (binascii.Error, ValueError):
        return False
    try:
        public_key.verify(raw, message.encode("utf-8"), padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        return False
    return True


def request_message(method: str, url: str, timestamp: str, nonce: str, body: str) -> str:
    """The string a request signature covers; `url` is the path plus query as sent."""
    return f"{method}\n{url}\n{timestamp}\n{nonce}\n{body}\n"


def response_message(timestamp: str, nonce: str, body: str) -> str:
    """The string a response or notification signature covers."""
    return f"{timestamp}\n{nonce}\n{body}\n"


def authorization(
    *,
    mchid: str,
    serial_no: str,
    private_key: rsa.RSAPrivateKey,
    method: str,
    url: str,
    body: str,
    timestamp: int | None = None,
    nonce: str | None = None,
) -> str:
    ts = str(wall_epoch() if timestamp is None else timestamp)
    nonce = nonce or make_nonce()
    signature = sign(private_key, request_message(method, url, ts, nonce, body))
    return (
        f'{AUTH_SCHEMA} mchid="{mchid}",nonce_str="{nonce}",signature="{signature}",'
        f'timestamp="{ts}",serial_no="{serial_no}"'
    )


def aead_decrypt(apiv3_key: str, nonce: str, ciphertext: str, associated_data: str) -> str:
    """Decrypt an APIv3 `encrypt-resource` (ciphertext is base64 of ciphertext + 16-byte tag)."""
    key = apiv3_key.encode("utf-8")
    if len(key) != 32:
        raise WechatPayConfigError("the APIv3 key must be 32 bytes")
    try:
        data = base64.b64decode(ciphertext, validate=True)
        plain = AESGCM(key).decrypt(
            nonce.encode("utf-8"), data, (associated_data or "").encode("utf-8")
        )
        return plain.decode("utf-8")
    except (InvalidTag, binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise WechatPayDecryptionError(
            "AEAD_AES_256_GCM decryption failed (wrong APIv3 key or tampered resource)"
        ) from exc


def aead_encrypt(apiv3_key: str, nonce: str, plaintext: str, associated_data: str) -> str:
    data = AESGCM(apiv3_key.encode("utf-8")).encrypt(
        nonce.encode("utf-8"), plaintext.encode("utf-8"), associated_data.encode("utf-8")
    )
    return base64.b64encode(data).decode("ascii")
