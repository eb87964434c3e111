"""RSA2 (SHA256withRSA) signing as the Alipay open platform defines it.

Requests: every parameter except ``sign`` (``sign_type`` included), empty values left out,
sorted by key, joined as ``k=v`` with ``&`` and *not* URL-encoded; the PKCS#1 v1.5 signature
of its UTF-8 bytes, base64 encoded.

Asynchronous notifications: the same, but ``sign`` *and* ``sign_type`` are left out.

Synchronous responses: the signature covers the exact raw JSON text of the response node
(``"alipay_trade_query_response": {...}``) as it appears in the body, so the node must be cut
out of the raw text, never re-serialised (Alipay escapes ``/`` as ``\\/``, for one).

Keys may be PEM files or the bare base64 strings the Alipay console shows.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable, Mapping

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from .errors import AlipayKeyError


def _pem_body(text: str) -> bytes:
    return base64.b64decode("".join(text.split()))


def load_private_key(text: str | bytes) -> rsa.RSAPrivateKey:
    """An RSA private key from PEM (PKCS#1 or PKCS#8) or bare base64 PKCS#8/PKCS#1 DER."""
    raw = text.decode("ascii") if isinstance(text, bytes) else text
    try:
        if "-----BEGIN" in raw:
            key = serialization.load_pem_private_key(raw.encode("ascii"), password=None)
        else:
            key = serialization.load_der_private_key(_pem_body(raw), password=None)
    except (ValueError, TypeError, binascii.Error) as exc:
        raise AlipayKeyError(f"not an RSA private key: {exc}") from exc
    if not isinstance(key, rsa.RSAPrivateKey):
        raise AlipayKeyError("the private key is not RSA (RSA2 needs an RSA key)")
    return key


def load_public_key(text: str | bytes) -> rsa.RSAPublicKey:
    """An RSA public key from PEM (SubjectPublicKeyInfo or PKCS#1) or bare base64 DER."""
    raw = text.decode("ascii") if isinstance(text, bytes) else text
    try:
        if "-----BEGIN" in raw:
            key = serialization.load_pem_public_key(raw.encode("ascii"))
        else:
            key = serialization.load_der_public_key(_pem_body(raw))
    except (ValueError, TypeError, binascii.Error) as exc:
        raise AlipayKeyError(f"not an RSA public key: {exc}") from exc
    if not isinstance(key, rsa.RSAPublicKey):
        raise AlipayKeyError("the public key is not RSA (RSA2 needs an RSA key)")
    return key


def signing_string(params: Mapping[str, object], exclude: Iterable[str] = ("sign",)) -> str:
    """``k=v&k=v`` over the params sorted by key, without ``exclude`` and empty values."""
    skip = set(exclude)
    items = sorted(
        (key, str(value))
        for key, value in params.items()
        if key not in skip and value is not None and str(value) != ""
    )
    return "&".join(f"{key}={value}" for key, value in items)


def rsa2_sign(private_key: rsa.RSAPrivateKey, message: str) -> str:
    signature = private_key.sign(message.encode("utf-8"), padding.PKCS1v15(), hashes.SHA256())
    return base64.b64encode(signature).decode("ascii")


def rsa2_verify(public_key: rsa.RSAPublicKey, message: str, signature: str) -> bool:
    try:
        raw = base64.b64decode(signature, validate=False)
    except (binascii.Error, ValueError):
        return False
    try:
        public_key.verify(raw, message.encode("utf-8"), padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        return False
    return True


def response_node_text(raw_body: str, node_name: str) -> str | None:
    """The exact raw text of ``node_name``'s value in the top-level JSON object ``raw_body``.

    Walks the top-level object with the JSON decoder so braces inside strings cannot confuse
    it; returns None when the node is absent.
    """
    decoder = json.JSONDecoder()
    text = raw_body.strip()
    if not text.startswith("{"):
        return None
    index = 1
    length = len(text)

    def skip_ws(i: int) -> int:
        while i < length and text[i] in " \t\r\n":
            i += 1
        return i

    while True:
        index = skip_ws(index)
        if index >= length or text[index] == "}":
            return None
        key, index = decoder.raw_decode(text, index)
        index = skip_ws(index)
        if index >= length or text[index] != ":":
            return None
        index = skip_ws(index + 1)
        _value, end = decoder.raw_decode(text, index)
        if key == node_name:
            return text[index:end]
        index = skip_ws(end)
        if index < length and text[index] == ",":
            index += 1
