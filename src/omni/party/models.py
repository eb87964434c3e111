"""Party tables. Private to the app: other apps use string foreign keys and selectors.

Organisations, administrative regions and sales regions live in `omni.tenancy`."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from omni.kernel.jsonutil import UnicodeJSONEncoder

from .states import ApplicationStatus, CustomerStatus


class CustomerClass(models.Model):
    """客户分类, e.g. 一级经销商, 二级经销商, 终端门店, 大客户."""

    code = models.CharField(max_length=32, unique=True)
    name = models.CharField(max_length=60)

    def __str__(self) -> str:
        return self.name


class CustomerLevel(models.Model):
    """客户级别, e.g. A/B/C/D; `rank` orders them (1 = best)."""

    code = models.CharField(max_length=32, unique=True)
    name = models.CharField(max_length=60)
    rank = models.PositiveSmallIntegerField(default=1)

    def __str__(self) -> str:
        return self.name


class CustomerKind(models.TextChoices):
    DISTRIBUTOR = "distributor", _("Level-1 distributor")  # 一级经销商
    DEALER = "dealer", _("Level-2 dealer")  # 二级经销商
    STORE = "store", _("Terminal store")  # 终端门店
    KEY_ACCOUNT = "key_account", _("Key account")  # 大客户


class Customer(models.Model):
    org = models.ForeignKey(
        "tenancy.Organization", on_delete=models.PROTECT, related_name="customers"
    )
    code = models.CharField(max_length=32, unique=True)
    name = models.CharField(max_length=120)
    short_name = models.CharField(max_length=60, blank=True)
    kind = models.CharField(max_length=16, choices=CustomerKind.choices)
    customer_class = models.ForeignKey(
        CustomerClass, null=True, blank=True, on_delete=models.PROTECT
    )
    level = models.ForeignKey(CustomerLevel, null=True, blank=True, on_delete=models.PROTECT)
    sales_region = models.ForeignKey(
        "tenancy.SalesRegion", null=True, blank=True, on_delete=models.PROTECT
    )
    region = models.ForeignKey(
        "tenancy.Region",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="district (or city) where the customer is registered",
    )
    account_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    upper = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="lower_customers",
        help_text="upper-level supplier in the channel (B2B2b); empty = orders from the brand",
    )
    status = models.CharField(
        max_length=16, choices=CustomerStatus.choices, default=CustomerStatus.PROSPECT
    )
    tags = models.JSONField(default=list, blank=True, encoder=UnicodeJSONEncoder)
    invoice_title = models.CharField(max_length=120, blank=True)
    tax_number = models.CharField(max_length=20, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            models.Index(fields=["org", "status"]),
            models.Index(fields=["sales_region"]),
            models.Index(fields=["name"]),
        ]

    def __str__(self) -> str:
        return self.name


class Contact(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(max_length=60)
    phone = models.CharField(max_length=20)
    position = models.CharField(max_length=60, blank=True)
    is_primary = models.BooleanField(default=False)


class Address(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="addresses")
    province = models.ForeignKey("tenancy.Region", on_delete=models.PROTECT, related_name="+")
    city = models.ForeignKey("tenancy.Region", on_delete=models.PROTECT, related_name="+")
    district = models.ForeignKey(
        "tenancy.Region", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    street = models.CharField(max_length=200)
    receiver = models.CharField(max_length=60)
    phone = models.CharField(max_length=20)
    is_default = models.BooleanField(default=False)


class BankAccount(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="bank_accounts")
    bank_name = models.CharField(max_length=100)
    account_name = models.CharField(max_length=120)
    account_no = models.CharField(max_length=40)


class Supplier(models.Model):
    org = models.ForeignKey(
        "tenancy.Organization", on_delete=models.PROTECT, related_name="suppliers"
    )
    code = models.CharField(max_length=32, unique=True)
    name = models.CharField(max_length=120)
    contact_name = models.CharField(max_length=60, blank=True)
    phone = models.CharField(max_length=20, blank=True)
    tax_number = models.CharField(max_length=20, blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)


class Invitation(models.Model):
    """An invitation link (邀请链接) for prospective dealers; the token is in the URL."""

    org = models.ForeignKey("tenancy.Organization", on_delete=models.PROTECT)
    token = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(max_length=200, blank=True)
    expires_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)


class DealerApplication(models.Model):
    """申请加盟: a prospective dealer's application, reviewed by the brand."""

    org = models.ForeignKey(
        "tenancy.Organization",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        help_text="set from the invitation, or chosen by the reviewer",
    )
    invitation = models.ForeignKey(Invitation, null=True, blank=True, on_delete=models.SET_NULL)
    company_name = models.CharField(max_length=120)
    contact_name = models.CharField(max_length=60)
    phone = models.CharField(max_length=20)
    region = models.ForeignKey("tenancy.Region", on_delete=models.PROTECT, related_name="+")
    address = models.CharField(max_length=200, blank=True)
    business_scope = models.TextField(blank=True)
    tax_number = models.CharField(max_length=20, blank=True)
    status = models.CharField(
        max_length=16, choices=ApplicationStatus.choices, default=ApplicationStatus.SUBMITTED
    )
    review_note = models.TextField(blank=True)
    customer = models.OneToOneField(Customer, null=True, blank=True, on_delete=models.PROTECT)
    status_token = models.CharField(
        max_length=64,
        unique=True,
        null=True,
        blank=True,
        editable=False,
        help_text="the applicant's private link to follow and amend the application",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
