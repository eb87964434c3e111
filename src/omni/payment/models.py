"""Payment tables. Private to the app."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from .states import RefundStatus, TopUpStatus, TransferStatus


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


class TopUp(models.Model):
    """在线充值: a dealer pays into its cash/prepaid account through Alipay or WeChat Pay.
    Posted once, when the provider says it is paid (notification or active query)."""

    org = models.ForeignKey("tenancy.Organization", on_delete=models.PROTECT, related_name="+")
    customer = models.ForeignKey("party.Customer", on_delete=models.PROTECT, related_name="+")
    account = models.ForeignKey("ledger.Account", on_delete=models.PROTECT, related_name="+")
    provider = models.CharField(max_length=16)
    out_trade_no = models.CharField(max_length=32, unique=True)
    amount = models.BigIntegerField(help_text="minor units (fen)")
    currency = models.CharField(max_length=3, default="CNY")
    status = models.CharField(
        max_length=16, choices=TopUpStatus.choices, default=TopUpStatus.CREATED
    )
    code_url = models.CharField(max_length=512, blank=True)
    failure = models.CharField(max_length=200, blank=True)
    # NULL until paid: unique among paid top-ups (an empty string would collide)
    transaction_id = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001
    entry_id = models.BigIntegerField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "transaction_id"], name="payment_topup_one_transaction"
            )
        ]
        indexes = [models.Index(fields=["status", "created_at"])]


class ProviderNotification(models.Model):
    """Every notification (and active query result) received, with what was done with it:
    applied once, or a repeat, a forgery, a wrong amount, a foreign merchant, an unknown
    order. Never changes money by itself."""

    provider = models.CharField(max_length=16)
    source = models.CharField(max_length=16, default="notify")  # notify | query
    notify_id = models.CharField(max_length=128, blank=True)
    out_trade_no = models.CharField(max_length=64, blank=True)
    transaction_id = models.CharField(max_length=64, blank=True)
    outcome = models.CharField(max_length=24)
    detail = models.CharField(max_length=300, blank=True)
    body = models.TextField(blank=True)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["provider", "transaction_id"])]


class Refund(models.Model):
    """A refund of a paid top-up to the original method (原路退回), partial or full. The money
    leaves the customer's account first (guarded), then the provider is asked; a definite
    refusal puts it back, an unknown outcome stays pending and is asked again."""

    top_up = models.ForeignKey(TopUp, on_delete=models.PROTECT, related_name="refunds")
    out_refund_no = models.CharField(max_length=40, unique=True)
    amount = models.BigIntegerField(help_text="minor units (fen)")
    status = models.CharField(
        max_length=16, choices=RefundStatus.choices, default=RefundStatus.PENDING
    )
    reason = models.CharField(max_length=200, blank=True)
    failure = models.CharField(max_length=200, blank=True)
    provider_refund_id = models.CharField(max_length=64, blank=True)
    entry_id = models.BigIntegerField(null=True, blank=True)
    undo_entry_id = models.BigIntegerField(null=True, blank=True)
    created_by = models.CharField(max_length=150)
    created_at = models.DateTimeField(auto_now_add=True)
    settled_at = models.DateTimeField(null=True, blank=True)


class AutoPayRule(models.Model):
    """自动支付规则: which fund accounts pay an order, and in what order, for the customers of
    an organisation (and of the organisations below it that have no rule of their own): for
    one customer class, or (no class) for every class without its own rule. Its steps are
    `AutoPayStep` rows, in position order."""

    org = models.ForeignKey("tenancy.Organization", on_delete=models.PROTECT, related_name="+")
    customer_class = models.ForeignKey(
        "party.CustomerClass",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="empty: the organisation's default rule",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_by = models.CharField(max_length=150, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["org", "customer_class"],
                condition=models.Q(customer_class__isnull=False),
                name="payment_autopay_one_per_class",
            ),
            models.UniqueConstraint(
                fields=["org"],
                condition=models.Q(customer_class__isnull=True),
                name="payment_autopay_one_default",
            ),
        ]


class AutoPayStep(models.Model):
    """One step of an auto-pay rule: pay from the customer's account of `account_type`, at
    most `max_ratio` percent of the order and at most `max_amount` (each when set), and at
    most what the account has available."""

    rule = models.ForeignKey(AutoPayRule, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField()
    account_type = models.ForeignKey(
        "ledger.AccountType", on_delete=models.PROTECT, related_name="+"
    )
    max_ratio = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="percent of the order amount, 1 to 100"
    )
    max_amount = models.BigIntegerField(null=True, blank=True, help_text="minor units (fen)")

    class Meta:
        ordering = ["rule", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "position"], name="payment_autopay_step_position"
            ),
            models.UniqueConstraint(
                fields=["rule", "account_type"], name="payment_autopay_step_one_per_type"
            ),
            models.CheckConstraint(
                condition=models.Q(max_ratio__isnull=True)
                | models.Q(max_ratio__gte=1, max_ratio__lte=100),
                name="payment_autopay_step_ratio_1_100",
            ),
            models.CheckConstraint(
                condition=models.Q(max_amount__isnull=True) | models.Q(max_amount__gt=0),
                name="payment_autopay_step_amount_positive",
            ),
        ]
