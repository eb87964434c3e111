"""`omni simulate NAME --port N [--config DIR]`: run a provider simulator as an HTTP server.

Each simulator is a package `simulators/<name>/` with a `server.py` exposing
``serve(*, host: str, port: int, config_dir: str | None) -> None`` (blocks until stopped).
"""

from __future__ import annotations

import importlib
import sys

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Run a provider simulator (simulators/<name>) as its own HTTP server."

    def add_arguments(self, parser):
        parser.add_argument("name", help="alipay | wechatpay")
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=0)
        parser.add_argument("--config", default=None, help="directory with its keys and ids")

    def handle(self, *args, name, host, port, config, **opts):
        if str(settings.REPO_DIR) not in sys.path:
            sys.path.insert(0, str(settings.REPO_DIR))
        try:
            module = importlib.import_module(f"simulators.{name}.server")
        except ModuleNotFoundError as exc:
            raise CommandError(f"unknown simulator {name!r}") from exc
        module.serve(host=host, port=port, config_dir=config)
