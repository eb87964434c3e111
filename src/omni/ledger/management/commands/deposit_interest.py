"""`omni deposit_interest YYYY-MM`: post the month's deposit interest (once per account)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from omni.kernel.actors import Actor
from omni.kernel.errors import DomainError
from omni.ledger.services.interest import post_deposit_interest
from omni.ledger.services.statements import parse_month


class Command(BaseCommand):
    help = "Post the deposit interest of an ended month into the customers' allowance accounts."

    def add_arguments(self, parser):
        parser.add_argument("month", help="YYYY-MM")

    def handle(self, *args, month: str, **options):
        try:
            counts = post_deposit_interest(
                actor=Actor.system("deposit interest"), month=parse_month(month)
            )
        except DomainError as exc:
            raise CommandError(str(exc.message)) from exc
        self.stdout.write(
            f"{month}: {counts['posted']} posted, {counts['repeated']} already posted, "
            f"{counts['nothing']} with nothing to pay"
        )
