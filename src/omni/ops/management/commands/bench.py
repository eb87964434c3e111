"""`omni bench NAME`: run a benchmark from bench/ and print its JSON figures."""

from __future__ import annotations

import importlib
import json
import sys

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Run a benchmark (bench/<name>.py) and print its figures as JSON."

    def add_arguments(self, parser):
        parser.add_argument("name", nargs="?", help="e.g. kernel-numbers")
        parser.add_argument("--list", action="store_true")
        parser.add_argument(
            "--option", action="append", default=[], help="key=value for the benchmark"
        )

    def handle(self, *args, name, list, option, **opts):
        bench_dir = settings.REPO_DIR / "bench"
        if str(settings.REPO_DIR) not in sys.path:
            sys.path.insert(0, str(settings.REPO_DIR))
        available = sorted(
            p.stem.replace("_", "-") for p in bench_dir.glob("*.py") if not p.stem.startswith("_")
        )
        if list or not name:
            self.stdout.write("\n".join(available))
            return
        if name not in available:
            raise CommandError(f"unknown benchmark {name!r}; choose one of {', '.join(available)}")
        module = importlib.import_module(f"bench.{name.replace('-', '_')}")
        kwargs = dict(o.split("=", 1) for o in option)
        result = module.run(**kwargs)
        self.stdout.write(json.dumps(result, indent=2, ensure_ascii=False, default=str))
