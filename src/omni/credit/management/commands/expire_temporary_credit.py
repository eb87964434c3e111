"""`omni expire_temporary_credit`: expire temporary credit whose date has passed and take
back what is free (the worker does the same every OMNI_PAYMENT_RECONCILE_SECONDS)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from omni.credit.services.temporary import expire_due


class Command(BaseCommand):
    help = "Expire temporary credit past its date and withdraw what is unused."

    def handle(self, *args, **options):
        counts = expire_due()
        self.stdout.write(
            f"{counts['expired']} expired, {counts['withdrawn_fen'] / 100:.2f} withdrawn"
        )
