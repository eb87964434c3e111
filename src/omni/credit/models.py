"""Credit tables. The limit's numbers live in the ledger: the customer's credit account
holds the unused limit (its balance) and what orders hold (its frozen amount); this table
keeps the terms (limit granted, payment term, policy)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class CreditPolicy(models.TextChoices):
    BLOCK = "block", _("Block orders over the limit")  # 超额禁止
    WARN = "warn", _("Warn, allow orders over the limit")  # 超额提醒
    APPROVE = "approve", _("Orders over the limit need approval")  # 超额审批


class OverdueAction(models.TextChoices):
    BLOCK = "block", _("Block new credit while anything is overdue")  # 逾期禁止赊销
    WARN = "warn", _("Warn while anything is overdue")  # 逾期提醒
    IGNORE = "ignore", _("Overdue does not limit new credit")  # 不限制


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
    overdue_action = models.CharField(
        max_length=16, choices=OverdueAction.choices, default=OverdueAction.BLOCK
    )
    # the alert sweep's memory: set when the manager was told, cleared when it no longer holds
    usage_alerted = models.BooleanField(default=False)
    overdue_alerted = models.BooleanField(default=False)
    updated_by = models.CharField(max_length=150, blank=True)
    updated_at = models.DateTimeField(auto_now=True)


class TemporaryCreditStatus(models.TextChoices):
    REQUESTED = "requested", _("Awaiting approval")  # 待审批
    ACTIVE = "active", _("Active")  # 生效中
    REJECTED = "rejected", _("Rejected")  # 已驳回
    CANCELLED = "cancelled", _("Cancelled")  # 已撤回
    EXPIRED = "expired", _("Expired")  # 已到期
    REVOKED = "revoked", _("Revoked")  # 已收回


class TemporaryCredit(models.Model):
    """临时信用: extra credit for a customer until a date, approved by a role other than the
    requester's. Approval grants the amount to the customer's credit account; expiry (a
    scheduled task) or revocation withdraws it. What the customer has used of it cannot be
    withdrawn at once: `withdrawn` grows as repayments free the credit, and the credit
    check counts what is still owed back as unavailable."""

    org = models.ForeignKey("tenancy.Organization", on_delete=models.PROTECT, related_name="+")
    customer = models.ForeignKey("party.Customer", on_delete=models.PROTECT, related_name="+")
    account = models.ForeignKey("ledger.Account", on_delete=models.PROTECT, related_name="+")
    amount = models.BigIntegerField(help_text="fen")
    withdrawn = models.BigIntegerField(default=0, help_text="fen taken back after expiry")
    expires_on = models.DateField(help_text="last day the credit may be used")
    reason = models.CharField(max_length=200)
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(
        max_length=16,
        choices=TemporaryCreditStatus.choices,
        default=TemporaryCreditStatus.REQUESTED,
    )
    requested_by = models.CharField(max_length=150)
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.CharField(max_length=150, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(max_length=200, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    expiry_alerted = models.BooleanField(default=False)

    class Meta:
        indexes = [
            models.Index(fields=["status", "expires_on"]),
            models.Index(fields=["customer", "status"]),
        ]
