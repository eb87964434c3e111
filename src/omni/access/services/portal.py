"""Portal logins for customers: when a dealer application is approved, the applicant gets a
user bound to the new customer and a one-time link to choose a password (开通门户账号).

Party announces the approval with the outbox event `party.application_approved` (party and
access are siblings and never import each other); `omni.access.handlers` reacts with
`create_portal_login`, after the approval has committed. The login has no usable password
until the applicant sets one through the link: `setup_token_for` makes the link's token
with Django's password-reset token generator, so it needs no table, expires after
`PASSWORD_RESET_TIMEOUT` (default three days; a new link can be shown again as long as no
password was set) and stops working the moment a password is set (it is a one-time link).

Who sees the link: the approver (anyone who may approve applications or manage users and
sees the customer, `find_portal_login`) and the applicant on their private status page
(`applicant_login`, called only after the status token proved who they are).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.contrib.auth.tokens import default_token_generator
from django.db import IntegrityError, transaction
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode

from omni.kernel import audit
from omni.kernel.actors import Actor
from omni.kernel.errors import NotFound

from .. import selectors
from ..errors import InvalidSetupLink
from ..models import Role, RoleAssignment, ScopeKind, User
from .users import _check_password

# the portal role a new customer's login gets, by customer kind (roles of the demo brand;
# without such a role the login is created without one and staff assign it)
PORTAL_ROLE_BY_KIND = {
    "store": "store_owner",
    "distributor": "dealer",
    "dealer": "dealer",
    "key_account": "dealer",
}
_USERNAME_CHARS = re.compile(r"[^\w.@+-]")


@dataclass(frozen=True, slots=True)
class PortalLogin:
    """A customer's portal login as the approver and the applicant see it."""

    user_id: int
    username: str
    password_set: bool
    uidb64: str | None  # with `token`: the one-time password link, while no password is set
    token: str | None


def _username_for(code: str, customer_id: int) -> str:
    base = _USERNAME_CHARS.sub("", code or "")[:140] or f"c{customer_id}"
    candidate, n = base, 1
    while User.objects.filter(username=candidate).exists():
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def create_portal_login(
    *,
    actor: Actor,
    customer_id: int,
    customer_code: str,
    customer_kind: str,
    org_id: int | None,
    display_name: str = "",
    phone: str = "",
    source: str = "",
) -> User:
    """The first login of a customer, bound to it, without a usable password; idempotent
    (a customer that already has a login keeps it). Runs in the caller's transaction (the
    outbox handler's)."""
    existing = User.objects.filter(customer_id=customer_id).order_by("pk").first()
    if existing is not None:
        return existing
    user = User(
        username=_username_for(customer_code, customer_id),
        display_name=(display_name or "")[:100],
        phone=(phone or "")[:20],
        customer_id=customer_id,
        org_id=org_id,
    )
    user.set_unusable_password()
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:  # a concurrent delivery took the name: the next one is free
        user.username = _username_for(customer_code, customer_id)
        user.save()
    role = Role.objects.filter(
        code=PORTAL_ROLE_BY_KIND.get(customer_kind, "dealer"), is_portal=True
    ).first()
    if role is not None:
        RoleAssignment.objects.create(user=user, role=role, scope_kind=ScopeKind.OWN)
    audit.record_change(
        actor,
        "access.portal_login_created",
        user,
        after={
            "username": user.username,
            "customer_id": customer_id,
            "role": role.code if role else None,
            "source": source,
        },
    )
    return user


def _login(user: User) -> PortalLogin:
    password_set = user.has_usable_password()
    uidb64 = token = None
    if not password_set and user.is_active:
        uidb64 = urlsafe_base64_encode(force_bytes(user.pk))
        token = default_token_generator.make_token(user)
    return PortalLogin(user.pk, user.get_username(), password_set, uidb64, token)


def find_portal_login(actor: Actor, customer_id: int) -> PortalLogin | None:
    """The customer's first login (None while the approval's event is being handled).
    For those who approve applications or manage users, for customers they can see."""
    if not (actor.can("party.application.approve") or actor.can("access.user.view")):
        actor.require("party.application.approve")
    if not selectors.list_customers(actor).filter(pk=customer_id).exists():
        raise NotFound(details={"customer_id": customer_id})
    user = User.objects.filter(customer_id=customer_id).order_by("pk").first()
    return _login(user) if user is not None else None


def applicant_login(customer_id: int) -> PortalLogin | None:
    """The same, for the applicant's own status page: call only after the application's
    private status token matched."""
    user = User.objects.filter(customer_id=customer_id).order_by("pk").first()
    return _login(user) if user is not None else None


def _user_for_link(uidb64: str, token: str) -> User:
    try:
        pk = int(force_str(urlsafe_base64_decode(uidb64)))
    except (TypeError, ValueError, OverflowError):
        raise InvalidSetupLink() from None
    user = User.objects.filter(pk=pk, is_active=True).first()
    if user is None or not default_token_generator.check_token(user, token):
        raise InvalidSetupLink()
    return user


def check_setup_link(*, uidb64: str, token: str) -> User:
    """The user of a valid one-time password link, else InvalidSetupLink (404)."""
    return _user_for_link(uidb64, token)


@transaction.atomic(durable=True)
def set_password_with_link(*, uidb64: str, token: str, password: str) -> User:
    """Choose a password through the one-time link; the link stops working at once."""
    user = _user_for_link(uidb64, token)
    _check_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    audit.record_change(Actor.for_user(user), "access.password_set_with_link", user)
    return user
