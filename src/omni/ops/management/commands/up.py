"""`omni up`: web server and task worker together, stopped together (what `make run` runs)."""

from __future__ import annotations

import signal
import subprocess
import sys

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Start the web server and the task worker together."

    def add_arguments(self, parser):
        parser.add_argument("--bind", default="127.0.0.1:8000")

    def handle(self, *args, bind: str, **options):
        worker = subprocess.Popen([sys.executable, "-m", "omni.cli", "worker"])
        try:
            call_command("serve", bind=bind)
        finally:
            worker.send_signal(signal.SIGTERM)
            try:
                worker.wait(timeout=10)
            except subprocess.TimeoutExpired:
                worker.kill()
