from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A person who logs in. `display_name` is what pages show (e.g. 王芳).

    Brand staff belong to an organisation (`org`); dealer and store users are bound to
    their customer (`customer`) and see only that customer's data.
    """

    display_name = models.CharField(max_length=100, blank=True)
    phone = models.CharField(max_length=20, blank=True)
    org = models.ForeignKey(
        "tenancy.Organization", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    customer = models.ForeignKey(
        "party.Customer", null=True, blank=True, on_delete=models.PROTECT, related_name="users"
    )

    def __str__(self) -> str:
        return self.display_name or self.username


class ApiToken(models.Model):
    """A bearer token. Only the SHA-256 of the secret is stored; the secret is shown once."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True)
    last_used_at = models.DateTimeField(null=True)
    revoked_at = models.DateTimeField(null=True)
    permissions = models.JSONField(
        null=True,
        blank=True,
        help_text="null: the user's own permissions; a list: only these (a scoped token "
        "for an integration). Never more than the user holds.",
    )

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class Role(models.Model):
    """A named set of functional permissions ("module.action" strings, see kernel.permissions)."""

    code = models.CharField(max_length=32, unique=True)
    name = models.CharField(max_length=60)
    permissions = models.JSONField(default=list)
    is_portal = models.BooleanField(
        default=False, help_text="for dealer/store users of the B2B portal"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.name


class ScopeKind(models.TextChoices):
    ALL = "all", _("Everything")
    ORG = "org", _("Organisation subtree")
    REGIONS = "regions", _("Sales regions")
    CUSTOMERS = "customers", _("Assigned customers")
    OWN = "own", _("Own records")


class RoleAssignment(models.Model):
    """A role given to a user, with the data scope (数据权限) it applies to."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="role_assignments"
    )
    role = models.ForeignKey(Role, on_delete=models.PROTECT, related_name="assignments")
    scope_kind = models.CharField(max_length=16, choices=ScopeKind.choices)
    org = models.ForeignKey(
        "tenancy.Organization", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    sales_regions = models.ManyToManyField("tenancy.SalesRegion", blank=True, related_name="+")
    customers = models.ManyToManyField("party.Customer", blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "scope_kind", "org"], name="uniq_role_assignment"
            )
        ]


class LoginAttempt(models.Model):
    """Failed logins per username and client address, for throttling."""

    username = models.CharField(max_length=150, db_index=True)
    ip = models.CharField(max_length=45, blank=True)
    succeeded = models.BooleanField(default=False)
    at = models.DateTimeField(auto_now_add=True, db_index=True)
