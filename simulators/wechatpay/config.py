"""Simulator configuration, read from a directory (see `write_dev_config` for the layout):

    config.json
      {"mode": "public_key" | "certificate",     # how WeChat Pay signs (default for merchants)
       "retry_scale": 1.0,                       # factor on the notification retry schedule
       "refund_settle_ms": 100,                  # PROCESSING -> SUCCESS after this long
       "platform": {"public_key_id": "PUB_KEY_ID_...",
                    "private_key": "platform/pub_key_private.pem",   # signs in public-key mode
                    "certificate": "platform/cert.pem",              # certificate mode
                    "certificate_private_key": "platform/cert_key.pem"},
       "merchants": [{"mchid": "1900000109", "appids": ["wx..."],
                      "certificate": "merchants/1900000109/apiclient_cert.pem",
                      "public_key": "...", "serial_no": "...",       # instead of certificate
                      "apiv3_key_file": "merchants/1900000109/apiv3_key.txt",
                      "mode": "certificate"}]}                        # optional override

Paths are relative to the directory. An outside merchant (for example one using the community
SDK wechatpayv3) adds its own public key or certificate, serial and APIv3 key.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa

from . import crypto

PUBLIC_KEY_MODE = "public_key"
CERTIFICATE_MODE = "certificate"
MODES = (PUBLIC_KEY_MODE, CERTIFICATE_MODE)


@dataclass(frozen=True)
class Merchant:
    mchid: str
    appids: tuple[str, ...]
    serial_no: str
    public_key: rsa.RSAPublicKey = field(repr=False)
    apiv3_key: str = field(repr=False)
    mode: str = PUBLIC_KEY_MODE


@dataclass(frozen=True)
class SimConfig:
    merchants: dict[str, Merchant]
    mode: str
    public_key_id: str
    platform_private_key: rsa.RSAPrivateKey = field(repr=False)
    certificate: x509.Certificate | None = field(default=None, repr=False)
    certificate_private_key: rsa.RSAPrivateKey | None = field(default=None, repr=False)
    retry_scale: float = 1.0
    refund_settle_ms: int = 100
    notify_timeout: float = 5.0

    @property
    def certificate_serial(self) -> str | None:
        return crypto.cert_serial(self.certificate) if self.certificate is not None else None

    def signer(self, mode: str) -> tuple[str, rsa.RSAPrivateKey]:
        """(Wechatpay-Serial, private key) WeChat Pay signs with in this mode."""
        if mode == CERTIFICATE_MODE:
            if self.certificate is None or self.certificate_private_key is None:
                raise ValueError("certificate mode needs a platform certificate and its key")
            return crypto.cert_serial(self.certificate), self.certificate_private_key
        return self.public_key_id, self.platform_private_key


def load_config(directory: str | Path) -> SimConfig:
    base = Path(directory)
    spec = json.loads((base / "config.json").read_text(encoding="utf-8"))
    mode = spec.get("mode", PUBLIC_KEY_MODE)
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}")
    platform = spec["platform"]
    certificate = certificate_key = None
    if platform.get("certificate"):
        certificate = x509.load_pem_x509_certificate((base / platform["certificate"]).read_bytes())
        certificate_key = crypto.load_private_key(
            (base / platform["certificate_private_key"]).read_bytes()
        )
    merchants: dict[str, Merchant] = {}
    for item in spec["merchants"]:
        serial = item.get("serial_no")
        if item.get("certificate"):
            data = (base / item["certificate"]).read_bytes()
            serial = serial or crypto.cert_serial(x509.load_pem_x509_certificate(data))
        else:
            data = (base / item["public_key"]).read_bytes()
        if not serial:
            raise ValueError(f"merchant {item['mchid']}: serial_no is needed with a public key")
        apiv3_key = item.get("apiv3_key") or (
            (base / item["apiv3_key_file"]).read_text(encoding="utf-8").strip()
        )
        if len(apiv3_key.encode()) != 32:
            raise ValueError(f"merchant {item['mchid']}: the APIv3 key must be 32 bytes")
        merchants[str(item["mchid"])] = Merchant(
            mchid=str(item["mchid"]),
            appids=tuple(item.get("appids", ())),
            serial_no=serial.upper(),
            public_key=crypto.load_public_key(data),
            apiv3_key=apiv3_key,
            mode=item.get("mode", mode),
        )
    return SimConfig(
        merchants=merchants,
        mode=mode,
        public_key_id=platform["public_key_id"],
        platform_private_key=crypto.load_private_key((base / platform["private_key"]).read_bytes()),
        certificate=certificate,
        certificate_private_key=certificate_key,
        retry_scale=float(spec.get("retry_scale", 1.0)),
        refund_settle_ms=int(spec.get("refund_settle_ms", 100)),
        notify_timeout=float(spec.get("notify_timeout", 5.0)),
    )


@dataclass(frozen=True)
class DevConfig:
    """What `write_dev_config` wrote: the simulator side and the merchant side."""

    directory: Path
    mode: str
    mchid: str
    appid: str
    apiv3_key: str
    merchant_serial_no: str
    merchant_private_key_path: Path
    merchant_certificate_path: Path
    platform_public_key_id: str
    platform_public_key_path: Path
    platform_certificate_path: Path


def write_dev_config(
    directory: str | Path,
    *,
    mode: str = PUBLIC_KEY_MODE,
    mchid: str = "1900000109",
    appid: str = "wxd678efh567hg6787",
    retry_scale: float = 1.0,
    refund_settle_ms: int = 100,
) -> DevConfig:
    """Generate keys, a merchant certificate and a self-signed platform certificate, and
    write a complete simulator configuration (plus the merchant's own files) to `directory`."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}")
    base = Path(directory)
    (base / "platform").mkdir(parents=True, exist_ok=True)
    merchant_dir = base / "merchants" / mchid
    merchant_dir.mkdir(parents=True, exist_ok=True)

    platform_key, cert_key, merchant_key = crypto.new_key(), crypto.new_key(), crypto.new_key()
    public_key_id = "PUB_KEY_ID_01" + crypto.random_digits(30)
    platform_cert = crypto.self_signed_certificate(
        cert_key, common_name="Tenpay.com sign", organization="Tenpay.com"
    )
    merchant_cert = crypto.self_signed_certificate(
        merchant_key, common_name=mchid, organization="微信商户系统"
    )
    apiv3_key = crypto.random_string(32)
    from cryptography.hazmat.primitives.serialization import Encoding

    files = {
        "platform/pub_key.pem": crypto.public_pem(platform_key.public_key()),
        "platform/pub_key_private.pem": crypto.private_pem(platform_key),
        "platform/cert.pem": platform_cert.public_bytes(Encoding.PEM),
        "platform/cert_key.pem": crypto.private_pem(cert_key),
        f"merchants/{mchid}/apiclient_key.pem": crypto.private_pem(merchant_key),
        f"merchants/{mchid}/apiclient_cert.pem": merchant_cert.public_bytes(Encoding.PEM),
        f"merchants/{mchid}/apiv3_key.txt": apiv3_key.encode(),
    }
    for name, data in files.items():
        (base / name).write_bytes(data)
    spec = {
        "mode": mode,
        "retry_scale": retry_scale,
        "refund_settle_ms": refund_settle_ms,
        "platform": {
            "public_key_id": public_key_id,
            "public_key": "platform/pub_key.pem",
            "private_key": "platform/pub_key_private.pem",
            "certificate": "platform/cert.pem",
            "certificate_private_key": "platform/cert_key.pem",
        },
        "merchants": [
            {
                "mchid": mchid,
                "appids": [appid],
                "certificate": f"merchants/{mchid}/apiclient_cert.pem",
                "apiv3_key_file": f"merchants/{mchid}/apiv3_key.txt",
            }
        ],
    }
    (base / "config.json").write_text(json.dumps(spec, indent=2), encoding="utf-8")
    return DevConfig(
        directory=base,
        mode=mode,
        mchid=mchid,
        appid=appid,
        apiv3_key=apiv3_key,
        merchant_serial_no=crypto.cert_serial(merchant_cert),
        merchant_private_key_path=merchant_dir / "apiclient_key.pem",
        merchant_certificate_path=merchant_dir / "apiclient_cert.pem",
        platform_public_key_id=public_key_id,
        platform_public_key_path=base / "platform/pub_key.pem",
        platform_certificate_path=base / "platform/cert.pem",
    )
