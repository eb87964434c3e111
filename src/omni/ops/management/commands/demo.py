"""`omni demo`: load the demo brand. Idempotent: a second run changes nothing."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from omni.ops.demo import load_demo


class Command(BaseCommand):
    help = "Load deterministic demo data (safe to run again) and print the demo logins."

    def handle(self, *args, **options):
        summary = load_demo()
        self.stdout.write(summary.render())
