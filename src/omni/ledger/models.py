"""Ledger tables. Private to the app: other apps use `omni.ledger.services` / `selectors`.

Amounts are integers in the account's minor unit (fen for CNY, whole points for PTS): exact
on SQLite and PostgreSQL alike (SQLite keeps decimals as floating point), and the guarded
balance update stays one integer comparison. `AccountType.places` says how many decimals the
unit has; services and the API speak `Decimal`.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from .types import AccountStatus, Holder, HoldStatus, PeriodStatus


class AccountType(models.Model):
    """The chart of account types (data, not code): 现金/预付款, 授信, 费用, 保证金, 专项资金,
    返利, 积分 for customers, and the brand's counter accounts (bank, credit line, marketing
    funds, sales, points issued, adjustments)."""

    code = models.CharField(max_length=32, unique=True)
    name = models.CharField(max_length=60)
    holder = models.CharField(max_length=16, choices=Holder.choices)
    currency = models.CharField(max_length=3, default="CNY", help_text="CNY, or PTS for points")
    places = models.PositiveSmallIntegerField(default=2, help_text="decimals of the unit")
    may_go_negative = models.BooleanField(default=False)
    funds = models.JSONField(
        default=list, blank=True, help_text='order payments it may fund, e.g. ["goods"]'
    )
    fund_priority = models.PositiveSmallIntegerField(default=100)
    buckets = models.PositiveSmallIntegerField(
        default=1, help_text="balance rows; >1 only for unguarded counter accounts (hot rows)"
    )
    sort_order = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["sort_order", "id"]

    def __str__(self) -> str:
        return self.name


class Account(models.Model):
    """One asset account of a customer (or a counter account of an organisation)."""

    org = models.ForeignKey("tenancy.Organization", on_delete=models.PROTECT, related_name="+")
    customer = models.ForeignKey(
        "party.Customer", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    type = models.ForeignKey(AccountType, on_delete=models.PROTECT, related_name="accounts")
    currency = models.CharField(max_length=3)
    status = models.CharField(
        max_length=16, choices=AccountStatus.choices, default=AccountStatus.ACTIVE
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "type", "currency"],
                condition=models.Q(customer__isnull=False),
                name="ledger_account_one_per_customer_type",
            ),
            models.UniqueConstraint(
                fields=["org", "type", "currency"],
                condition=models.Q(customer__isnull=True),
                name="ledger_account_one_per_org_type",
            ),
        ]
        indexes = [models.Index(fields=["org", "type"])]

    def __str__(self) -> str:
        return f"{self.type_id}:{self.customer_id or self.org_id}"


class Balance(models.Model):
    """The balance of an account (or of one bucket of a hot counter account). Changed only
    by guarded conditional updates in the transaction of the postings."""

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="balances")
    bucket = models.PositiveSmallIntegerField(default=0)
    balance = models.BigIntegerField(default=0)
    frozen = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "bucket"], name="ledger_balance_bucket")
        ]


class JournalEntry(models.Model):
    """A journal entry (记账凭证): its postings sum to zero per currency. Append-only."""

    org = models.ForeignKey("tenancy.Organization", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=16)
    memo = models.CharField(max_length=200, blank=True)
    source_type = models.CharField(max_length=40, blank=True)
    source_id = models.CharField(max_length=64, blank=True)
    business_date = models.DateField()
    key = models.CharField(max_length=120, null=True, blank=True, unique=True)
    reverses = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by"
    )
    actor_kind = models.CharField(max_length=16)
    actor_id = models.BigIntegerField(null=True)
    actor_name = models.CharField(max_length=150)
    request_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["source_type", "source_id"])]
        verbose_name = _("journal entry")


class Posting(models.Model):
    """One line of an entry. Append-only: a database trigger refuses UPDATE and DELETE."""

    entry = models.ForeignKey(JournalEntry, on_delete=models.PROTECT, related_name="postings")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="postings")
    currency = models.CharField(max_length=3)
    amount = models.BigIntegerField()
    balance_after = models.BigIntegerField(null=True, help_text="single-bucket accounts only")
    business_date = models.DateField()

    class Meta:
        indexes = [models.Index(fields=["account", "business_date", "id"])]


class Hold(models.Model):
    """Money held (冻结) on an account for a source document: captured or released once."""

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="holds")
    amount = models.BigIntegerField()
    source_type = models.CharField(max_length=40)
    source_id = models.CharField(max_length=64)
    status = models.CharField(max_length=16, choices=HoldStatus.choices, default=HoldStatus.HELD)
    captured = models.BigIntegerField(default=0)
    entry = models.ForeignKey(
        JournalEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_name = models.CharField(max_length=150)
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account", "source_type", "source_id"], name="ledger_hold_one_per_source"
            )
        ]
        indexes = [models.Index(fields=["account", "status"])]


class StatementPeriod(models.Model):
    """A month of an account's statement (对账单) as the customer answered it: confirmed
    (the month is locked: a late posting dated in it goes into the next open month),
    disputed (lines questioned with a comment), resolved by finance (to be confirmed again)."""

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="periods")
    month = models.DateField(help_text="the first day of the month")
    status = models.CharField(max_length=16, choices=PeriodStatus.choices)
    comment = models.CharField(max_length=500, blank=True)
    disputed_postings = models.JSONField(default=list, blank=True)
    resolution = models.CharField(max_length=500, blank=True)
    answered_by = models.CharField(max_length=150, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.CharField(max_length=150, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "month"], name="ledger_period_one_a_month")
        ]


class InterestPolicy(models.Model):
    """保证金利息: the yearly rate deposit accounts of an organisation (and the organisations
    below it, unless they have their own) earn; paid monthly into the customer's allowance
    account (价格补贴), which later orders can spend."""

    org = models.OneToOneField("tenancy.Organization", on_delete=models.PROTECT, related_name="+")
    annual_rate = models.DecimalField(max_digits=7, decimal_places=4, help_text="percent a year")
    is_active = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)
