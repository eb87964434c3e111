"""The gateway's side of the protocol, written independently of the client under test.

Requests are verified over every parameter but ``sign`` (sorted, ``k=v`` joined with ``&``,
empty values left out); responses are signed over the raw text of the response node; a
notification is signed over every field but ``sign`` and ``sign_type``.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

BEIJING = dt.timezone(dt.timedelta(hours=8), "Asia/Shanghai")
STAMP = "%Y-%m-%d %H:%M:%S"

# code -> msg, as the gateway words them
MESSAGES = {
    "10000": "Success",
    "20000": "Service Currently Unavailable",
    "40001": "Missing Required Arguments",
    "40002": "Invalid Arguments",
    "40004": "Business Failed",
    "40006": "Insufficient Permissions",
}


def beijing_now() -> dt.datetime:
    # The simulator plays Alipay's servers: real wall time in GMT+8, not Omni's business clock.
    return dt.datetime.now(BEIJING)  # noqa: TID251


def stamp(moment: dt.datetime | None = None) -> str:
    return (moment or beijing_now()).astimezone(BEIJING).strftime(STAMP)


def load_private(pem: str) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(pem.encode("ascii"), password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    return key


def load_public(text: str) -> rsa.RSAPublicKey:
    if "-----BEGIN" in text:
        key = serialization.load_pem_public_key(text.encode("ascii"))
    else:  # the bare base64 the Alipay console shows
        key = serialization.load_der_public_key(base64.b64decode("".join(text.split())))
    assert isinstance(key, rsa.RSAPublicKey)
    return key


def content_to_sign(params: dict[str, str], exclude: tuple[str, ...]) -> str:
    pairs = sorted((k, v) for k, v in params.items() if k not in exclude and v != "")
    return "&".join(f"{k}={v}" for k, v in pairs)


def sign(key: rsa.RSAPrivateKey, content: str) -> str:
    raw = key.sign(content.encode("utf-8"), padding.PKCS1v15(), hashes.SHA256())
    return base64.b64encode(raw).decode("ascii")


def verify(key: rsa.RSAPublicKey, content: str, signature: str) -> bool:
    try:
        raw = base64.b64decode(signature)
        key.verify(raw, content.encode("utf-8"), padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, binascii.Error, ValueError):
        return False
    return True


def node_json(node: dict) -> str:
    """The node as the gateway writes it: compact, UTF-8 text, ``/`` escaped as ``\\/``.

    The escaping is deliberate: a client that re-serialises the parsed node instead of
    verifying the raw text fails here as it would against the real gateway.
    """
    return json.dumps(node, ensure_ascii=False, separators=(",", ":")).replace("/", "\\/")


def render_response(key: rsa.RSAPrivateKey, node_name: str, node: dict) -> str:
    text = node_json(node)
    signature = sign(key, text)
    return f'{{"{node_name}":{text},"sign":"{signature}"}}'


def error_node(code: str, sub_code: str = "", sub_msg: str = "", **extra: str) -> dict:
    node = {"code": code, "msg": MESSAGES.get(code, "")}
    if sub_code:
        node["sub_code"] = sub_code
        node["sub_msg"] = sub_msg
    node.update(extra)
    return node


def success_node(**fields: str) -> dict:
    return {"code": "10000", "msg": "Success", **fields}
