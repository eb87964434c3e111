"""`omni check`: run every registered integrity check; exit 1 on any finding."""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand

from omni.kernel.integrity import registered_checks, run_checks


class Command(BaseCommand):
    help = "Run every registered integrity check and exit non-zero on any finding."

    def add_arguments(self, parser):
        parser.add_argument("names", nargs="*", help="only these checks")
        parser.add_argument("--list", action="store_true", help="list the checks and exit")

    def handle(self, *args, names: list[str], list: bool, **options):
        checks = registered_checks()
        if list:
            for name, fn in checks.items():
                self.stdout.write(
                    f"{name}  {(fn.__doc__ or '').strip().splitlines()[0] if fn.__doc__ else ''}"
                )
            return
        unknown = set(names) - set(checks)
        if unknown:
            self.stderr.write(f"unknown checks: {', '.join(sorted(unknown))}")
            sys.exit(2)
        findings = run_checks(names or None)
        for f in findings:
            self.stdout.write(f"FINDING {f.check} {f.object}: {f.message}")
        ran = len(names) if names else len(checks)
        self.stdout.write(f"{ran} checks, {len(findings)} findings")
        if findings:
            sys.exit(1)
