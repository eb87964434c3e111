"""Credit tables. The limit's numbers live in the ledger: the customer's credit account
holds the unused limit (its balance) and what orders hold (its frozen amount); this table
keeps the terms (limit granted, payment term, policy)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class CreditPolicy(models.TextChoices):
    BLOCK = "block", _("Block orders over the limit")  # 超额禁止
    WARN = "warn", _("Warn, allow orders over the limit")  # 超额提醒
    APPROVE = "approve", _("Orders over the limit need approval")  # 超额审批


class CreditLimit(models.Model):
    org = models.ForeignKey("tenancy.Organization", on_delete=models.PROTECT, related_name="+")
    customer = models.OneToOneField("party.Customer", on_delete=models.PROTECT, related_name="+")
    account = models.ForeignKey("ledger.Account", on_delete=models.PROTECT, related_name="+")
    limit = models.BigIntegerField(default=0, help_text="granted limit, fen")
    term_days = models.PositiveSmallIntegerField(default=30, help_text="账期 (days)")
    policy = models.CharField(
        max_length=16, choices=CreditPolicy.choices, default=CreditPolicy.BLOCK
    )
    warn_ratio = models.PositiveSmallIntegerField(default=80, help_text="warn at this % used")
    updated_by = models.CharField(max_length=150, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
