"""A web worker killed (SIGKILL) while it settles a payment notification leaves nothing
half-done, and the provider's retry completes it exactly once.

Our web server runs as a real gunicorn process on this test's database; the simulator's
buyer pays and the simulator sends the signed notification there. The worker dies at the
fault point `payment.settle.before_commit` (status moved, money posted, notification
recorded, nothing committed) the first time; gunicorn starts a new worker, the simulator
retries on its documented schedule (scaled down), and the new worker settles it."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from decimal import Decimal

import pytest
import requests

from omni.kernel.testing import database_url
from omni.ledger.models import JournalEntry
from omni.party.tests.factories import client_for, make_world, user_with
from omni.payment import providers
from omni.payment.devsetup import write_alipay, write_wechatpay
from omni.payment.models import ProviderNotification

from .test_online import DEALER, Sim, balance, paid, start, until

pytestmark = pytest.mark.django_db(transaction=True)
BOOT = 60.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_up(url: str, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + BOOT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"gunicorn exited with {proc.returncode}")
        try:
            requests.get(url + "/api/v1/health", timeout=5)
            return
        except requests.ConnectionError:
            time.sleep(0.2)
    pytest.fail("gunicorn did not start")


@pytest.fixture
def crashing_server(settings, tmp_path):
    from simulators.alipay.server import make_server as alipay_server
    from simulators.wechatpay.server import make_server as wechat_server

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    write_alipay(tmp_path / "ali-sim", tmp_path / "ali", url, retry_scale=0.0005)
    write_wechatpay(tmp_path / "wx-sim", tmp_path / "wx", url, retry_scale=0.0005)
    ali = Sim(alipay_server("127.0.0.1", 0, tmp_path / "ali-sim"))
    wx = Sim(wechat_server("127.0.0.1", 0, tmp_path / "wx-sim"))
    for name, key, value in (
        ("ali", "gateway_url", ali.server.gateway_url),
        ("wx", "base_url", wx.base_url),
    ):
        path = tmp_path / name / "client.json"
        spec = json.loads(path.read_text())
        spec[key] = value
        path.write_text(json.dumps(spec))
    settings.OMNI_ALIPAY_DIR = str(tmp_path / "ali")
    settings.OMNI_WECHATPAY_DIR = str(tmp_path / "wx")
    settings.OMNI_PUBLIC_URL = url
    providers._alipay.cache_clear()
    providers._wechatpay.cache_clear()
    marker = tmp_path / "killed"
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "OMNI_ALIPAY_DIR": str(tmp_path / "ali"),
        "OMNI_WECHATPAY_DIR": str(tmp_path / "wx"),
        "OMNI_PUBLIC_URL": url,
        "OMNI_FAULTS": f"payment.settle.before_commit=kill-once:{marker}",
        "OMNI_VAR_DIR": str(tmp_path / "var"),
    }
    env.pop("OMNI_TESTING", None)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "omni.config.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--timeout",
            "60",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        wait_up(url, proc)
        world = make_world()
        dealer = client_for(user_with("dlr", DEALER, "own", customer=world.sh_dealer))
        yield {"ali": ali, "wx": wx, "world": world, "dealer": dealer, "marker": marker}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        ali.stop()
        wx.stop()
        providers._alipay.cache_clear()
        providers._wechatpay.cache_clear()


@pytest.mark.parametrize("provider", ["alipay", "wechatpay"])
def test_a_worker_killed_mid_settlement_is_completed_once_by_the_retry(crashing_server, provider):
    env = crashing_server
    sim = env["ali" if provider == "alipay" else "wx"]
    top_up = start(env, provider, "520.00")
    sim.call("POST", "/__sim__/pay", {"out_trade_no": top_up["out_trade_no"]})
    until(lambda: paid(top_up["out_trade_no"]), timeout=90.0)
    # the first delivery killed its worker: it wrote its pid, then died mid-transaction
    killed = int(env["marker"].read_text())
    with pytest.raises(ProcessLookupError):
        os.kill(killed, 0)
    # what it had written was rolled back with it: one posting, one applied notification
    assert balance(top_up) == Decimal("520.00")
    assert JournalEntry.objects.filter(source_id=top_up["out_trade_no"]).count() == 1
    outcomes = list(
        ProviderNotification.objects.filter(out_trade_no=top_up["out_trade_no"]).values_list(
            "outcome", flat=True
        )
    )
    assert outcomes.count("applied") == 1 and set(outcomes) <= {"applied", "repeat"}
