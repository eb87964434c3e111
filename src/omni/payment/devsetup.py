"""Local simulators as this instance's payment providers (development, demos, tests): write
a simulator's configuration and the matching merchant files that `omni.payment.providers`
reads, pointing the client at the simulator's URL."""

from __future__ import annotations

import json
import shutil
from pathlib import Path


def write_alipay(sim_dir: Path, client_dir: Path, gateway_url: str, *, retry_scale: float = 1.0):
    from simulators.alipay.keys import DEV_APP_ID, DEV_SELLER_ID, write_dev_config

    write_dev_config(sim_dir, retry_scale=retry_scale, overwrite=True)
    client_dir.mkdir(parents=True, exist_ok=True)
    for name in ("app_private_key.pem", "alipay_public_key.pem"):
        shutil.copy(sim_dir / name, client_dir / name)
    (client_dir / "client.json").write_text(
        json.dumps({"app_id": DEV_APP_ID, "gateway_url": gateway_url, "seller_id": DEV_SELLER_ID}),
        encoding="utf-8",
    )


def write_wechatpay(sim_dir: Path, client_dir: Path, base_url: str, *, retry_scale: float = 1.0):
    from simulators.wechatpay.config import write_dev_config

    dev = write_dev_config(sim_dir, retry_scale=retry_scale)
    client_dir.mkdir(parents=True, exist_ok=True)
    shutil.copy(dev.merchant_private_key_path, client_dir / "apiclient_key.pem")
    shutil.copy(dev.platform_public_key_path, client_dir / "pub_key.pem")
    (client_dir / "apiv3_key.txt").write_text(dev.apiv3_key, encoding="utf-8")
    (client_dir / "client.json").write_text(
        json.dumps(
            {
                "mchid": dev.mchid,
                "appid": dev.appid,
                "merchant_serial_no": dev.merchant_serial_no,
                "base_url": base_url,
                "platform_public_key_id": dev.platform_public_key_id,
            }
        ),
        encoding="utf-8",
    )
