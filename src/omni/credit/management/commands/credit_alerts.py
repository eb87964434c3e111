"""`omni credit_alerts`: tell account managers about credit at the warning threshold,
overdue receivables and temporary credit about to expire (the worker does it every
OMNI_PAYMENT_RECONCILE_SECONDS)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from omni.credit.services.alerts import send_credit_alerts


class Command(BaseCommand):
    help = "Send credit warnings (usage, overdue, expiring temporary credit) to account managers."

    def handle(self, *args, **options):
        sent = send_credit_alerts()
        self.stdout.write(
            f"{sent['usage']} usage, {sent['overdue']} overdue, {sent['expiry']} expiry notices"
        )
