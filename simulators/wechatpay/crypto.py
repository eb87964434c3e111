"""The simulator's own APIv3 cryptography (deliberately independent of the Omni client, so a
bug on one side is not mirrored on the other)."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import re
import secrets
import string
import time

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

AUTH_SCHEMA = "WECHATPAY2-SHA256-RSA2048"
CST = dt.timezone(dt.timedelta(hours=8))
_ALNUM = string.ascii_letters + string.digits
_AUTH_PARAM = re.compile(r'(\w+)="([^"]*)"')


def wall_epoch() -> int:
    return int(time.time())  # noqa: TID251 - protocol wall time


def rfc3339(epoch: int | None = None) -> str:
    """WeChat Pay's time format: 2018-06-08T10:34:56+08:00."""
    moment = dt.datetime.fromtimestamp(wall_epoch() if epoch is None else epoch, CST)
    return moment.isoformat(timespec="seconds")


def random_string(length: int, alphabet: str = _ALNUM) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(length))


def random_digits(length: int) -> str:
    return random_string(length, string.digits)


def sign(private_key: rsa.RSAPrivateKey, message: str) -> str:
    raw = private_key.sign(message.encode("utf-8"), padding.PKCS1v15(), hashes.SHA256())
    return base64.b64encode(raw).decode("ascii")


def verify(public_key: rsa.RSAPublicKey, message: str, signature: str) -> bool:
    try:
        raw = base64.b64decode(signature, validate=True)
        public_key.verify(raw, message.encode("utf-8"), padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, binascii.Error, ValueError):
        return False
    return True


def parse_authorization(value: str | None) -> dict[str, str] | None:
    """`WECHATPAY2-SHA256-RSA2048 mchid="..",nonce_str="..",...` -> its parameters."""
    if not value:
        return None
    schema, _, rest = value.strip().partition(" ")
    if schema != AUTH_SCHEMA:
        return None
    params = dict(_AUTH_PARAM.findall(rest))
    needed = ("mchid", "nonce_str", "signature", "timestamp", "serial_no")
    if not all(params.get(k) for k in needed):
        return None
    return params


def aead_encrypt(apiv3_key: str, nonce: str, plaintext: str, associated_data: str) -> str:
    data = AESGCM(apiv3_key.encode("utf-8")).encrypt(
        nonce.encode("utf-8"), plaintext.encode("utf-8"), associated_data.encode("utf-8")
    )
    return base64.b64encode(data).decode("ascii")


def encrypt_resource(
    apiv3_key: str, plaintext: str, associated_data: str, original_type: str
) -> dict[str, str]:
    nonce = random_string(12)
    return {
        "original_type": original_type,
        "algorithm": "AEAD_AES_256_GCM",
        "ciphertext": aead_encrypt(apiv3_key, nonce, plaintext, associated_data),
        "associated_data": associated_data,
        "nonce": nonce,
    }


def cert_serial(cert: x509.Certificate) -> str:
    return format(cert.serial_number, "X")


def load_private_key(data: bytes) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(data, password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("expected an RSA private key")
    return key


def load_public_key(data: bytes) -> rsa.RSAPublicKey:
    if b"BEGIN CERTIFICATE" in data:
        key = x509.load_pem_x509_certificate(data).public_key()
    else:
        key = serialization.load_pem_public_key(data)
    if not isinstance(key, rsa.RSAPublicKey):
        raise ValueError("expected an RSA public key")
    return key


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def private_pem(key: rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def public_pem(key: rsa.RSAPublicKey) -> bytes:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def self_signed_certificate(
    key: rsa.RSAPrivateKey, *, common_name: str, organization: str, days: int = 1825
) -> x509.Certificate:
    name = x509.Name(
        [
            x509.NameAttribute(x509.NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(x509.NameOID.ORGANIZATION_NAME, organization),
            x509.NameAttribute(x509.NameOID.COMMON_NAME, common_name),
        ]
    )
    start = dt.datetime.fromtimestamp(wall_epoch() - 86400, dt.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + dt.timedelta(days=days))
        .sign(key, hashes.SHA256())
    )
