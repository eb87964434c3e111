"""Simulator configuration: a directory of keys plus config.json.

    alipay_private_key.pem   the simulator signs responses and notifications with it
    alipay_public_key.pem    give it to merchants (their "支付宝公钥")
    app_public_key.pem       the merchant's application public key (default for every app_id)
    app_private_key.pem      written by write_dev_config only: the dev merchant's key
    config.json              {"app_ids": [...], "seller_id": "2088...", "retry_scale": 1.0,
                              "app_public_keys": {"<app_id>": "<file.pem>"},
                              "notify_on_refund": true, "notify_timeout": 10.0}

An outside merchant using its own keys (for instance with the community python-alipay-sdk)
puts its application public key into app_public_key.pem (or names a file per app_id) and
uses alipay_public_key.pem to verify what the simulator signs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

DEV_APP_ID = "2021000000000001"
DEV_SELLER_ID = "2088000000000001"


def generate_keypair(bits: int = 2048) -> tuple[str, str]:
    """(private PEM PKCS#8, public PEM SubjectPublicKeyInfo)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    private_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")
    public_pem = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode("ascii")
    )
    return private_pem, public_pem


def write_dev_config(
    directory: str | Path,
    *,
    app_ids: tuple[str, ...] = (DEV_APP_ID,),
    seller_id: str = DEV_SELLER_ID,
    retry_scale: float = 1.0,
    overwrite: bool = False,
) -> Path:
    """Write a fresh key set and config.json into ``directory`` (created if missing)."""
    target = Path(directory)
    target.mkdir(parents=True, exist_ok=True)
    if (target / "config.json").exists() and not overwrite:
        raise FileExistsError(f"{target / 'config.json'} exists (pass overwrite=True)")
    alipay_private, alipay_public = generate_keypair()
    app_private, app_public = generate_keypair()
    files = {
        "alipay_private_key.pem": alipay_private,
        "alipay_public_key.pem": alipay_public,
        "app_private_key.pem": app_private,
        "app_public_key.pem": app_public,
    }
    for name, text in files.items():
        (target / name).write_text(text, encoding="ascii")
    (target / "alipay_private_key.pem").chmod(0o600)
    (target / "app_private_key.pem").chmod(0o600)
    config = {
        "app_ids": list(app_ids),
        "seller_id": seller_id,
        "retry_scale": retry_scale,
        "app_public_keys": {},
        "notify_on_refund": True,
        "notify_timeout": 10.0,
    }
    (target / "config.json").write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
    return target


@dataclass(frozen=True)
class SimConfig:
    alipay_private_key_pem: str
    app_public_keys: dict[str, str]  # app_id -> PEM
    seller_id: str = DEV_SELLER_ID
    retry_scale: float = 1.0
    notify_on_refund: bool = True
    notify_timeout: float = 10.0
    directory: Path | None = field(default=None, compare=False)

    @property
    def app_ids(self) -> tuple[str, ...]:
        return tuple(self.app_public_keys)


def load_config(directory: str | Path) -> SimConfig:
    root = Path(directory)
    data = json.loads((root / "config.json").read_text(encoding="utf-8"))
    per_app = data.get("app_public_keys") or {}
    app_ids = list(data.get("app_ids") or []) + [
        a for a in per_app if a not in data.get("app_ids", [])
    ]
    if not app_ids:
        raise ValueError(f"{root / 'config.json'}: no app_ids")
    keys = {
        app_id: (root / per_app.get(app_id, "app_public_key.pem")).read_text(encoding="ascii")
        for app_id in app_ids
    }
    return SimConfig(
        alipay_private_key_pem=(root / "alipay_private_key.pem").read_text(encoding="ascii"),
        app_public_keys=keys,
        seller_id=str(data.get("seller_id") or DEV_SELLER_ID),
        retry_scale=float(data.get("retry_scale", 1.0)),
        notify_on_refund=bool(data.get("notify_on_refund", True)),
        notify_timeout=float(data.get("notify_timeout", 10.0)),
        directory=root,
    )


def main() -> None:  # pragma: no cover - a convenience for people
    import sys

    directory = sys.argv[1] if len(sys.argv) > 1 else "var/alipay-sim"
    print(write_dev_config(directory))


if __name__ == "__main__":  # pragma: no cover
    main()
