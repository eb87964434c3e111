"""`omni up`: web server and task worker together, stopped together (what `make run` runs).

Outside production, and unless a real provider is configured (OMNI_ALIPAY_DIR /
OMNI_WECHATPAY_DIR), the Alipay and WeChat Pay simulators run beside them as the payment
providers (ports 8601 and 8602), so online top-ups can be tried end to end on a fresh
machine: the simulators' "pay" page stands in for the buyer's phone."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from omni.kernel.clock import production_mode

SIMULATOR_PORTS = {"alipay": 8601, "wechatpay": 8602}


def _simulators(bind: str) -> list[subprocess.Popen]:
    from omni.payment.devsetup import write_alipay, write_wechatpay

    if str(settings.REPO_DIR) not in sys.path:
        sys.path.insert(0, str(settings.REPO_DIR))
    base = Path(settings.VAR_DIR) / "payment-dev"
    writers = {
        "alipay": (write_alipay, "http://127.0.0.1:{port}/gateway.do"),
        "wechatpay": (write_wechatpay, "http://127.0.0.1:{port}"),
    }
    started = []
    for name, (write, url) in writers.items():
        port = SIMULATOR_PORTS[name]
        sim_dir, client_dir = base / f"{name}-sim", base / f"{name}-merchant"
        if not (client_dir / "client.json").exists():
            write(sim_dir, client_dir, url.format(port=port))
        command = [sys.executable, "-m", "omni.cli", "simulate", name, "--port", str(port)]
        started.append(subprocess.Popen([*command, "--config", str(sim_dir)]))  # noqa: S603
        setattr(settings, f"OMNI_{name.upper()}_DIR", str(client_dir))
        os.environ[f"OMNI_{name.upper()}_DIR"] = str(client_dir)
    public = settings.OMNI_PUBLIC_URL or f"http://{bind}"
    settings.OMNI_PUBLIC_URL = os.environ["OMNI_PUBLIC_URL"] = public
    return started


def _stop(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


class Command(BaseCommand):
    help = "Start the web server and the task worker together."

    def add_arguments(self, parser):
        parser.add_argument("--bind", default="127.0.0.1:8000")
        parser.add_argument(
            "--no-simulators", action="store_true", help="do not run the payment simulators"
        )

    def handle(self, *args, bind: str, no_simulators: bool, **options):
        children = []
        configured = settings.OMNI_ALIPAY_DIR or settings.OMNI_WECHATPAY_DIR
        if not (no_simulators or production_mode() or configured):
            children += _simulators(bind)
        children.append(subprocess.Popen([sys.executable, "-m", "omni.cli", "worker"]))
        try:
            call_command("serve", bind=bind)
        finally:
            for child in children:
                _stop(child)
