"""Payment tables. Private to the app."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from .states import TransferStatus


class Transfer(models.Model):
    """线下转款: a dealer's bank transfer to the brand, registered with a voucher image and
    confirmed (posted to the dealer's account) or rejected by finance."""

    org = models.ForeignKey("tenancy.Organization", on_delete=models.PROTECT, related_name="+")
    customer = models.ForeignKey("party.Customer", on_delete=models.PROTECT, related_name="+")
    account = models.ForeignKey("ledger.Account", on_delete=models.PROTECT, related_name="+")
    amount = models.BigIntegerField(help_text="minor units (fen)")
    currency = models.CharField(max_length=3, default="CNY")
    bank_reference = models.CharField(max_length=64)
    paid_on = models.DateField()
    payer_name = models.CharField(max_length=120)
    voucher = models.FileField(upload_to="transfers/%Y/%m/")
    voucher_type = models.CharField(max_length=40)
    status = models.CharField(
        max_length=16, choices=TransferStatus.choices, default=TransferStatus.SUBMITTED
    )
    reason = models.CharField(max_length=200, blank=True)
    entry_id = models.BigIntegerField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.CharField(max_length=150, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["org", "bank_reference"],
                condition=~models.Q(status="rejected"),
                name="payment_transfer_one_bank_reference",
            )
        ]
        indexes = [models.Index(fields=["org", "status"])]
