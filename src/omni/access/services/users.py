"""Users: create, edit, deactivate / reactivate (which also revokes their API tokens), reset
passwords. Brand staff belong to an organisation; dealer and store users are bound to their
customer. Guards shared with roles live in `services.roles`, error codes in `access.errors`."""

from __future__ import annotations

import re
import secrets

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from omni.kernel import audit, clock
from omni.kernel.actors import Actor
from omni.kernel.errors import Conflict, InvalidInput, InvalidTransition, NotFound
from omni.kernel.writes import insert_unique

from .. import selectors
from ..errors import CannotDeactivateSelf, CannotGrant
from ..models import ApiToken, User
from .roles import check_manageable

USER_FIELDS = [
    "username",
    "display_name",
    "phone",
    "email",
    "org",
    "customer",
    "is_active",
    "is_superuser",
]
PHONE = re.compile(r"^\+?[0-9][0-9 -]{4,19}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PASSWORD_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789"


def _check_password(password: str, user: User | None = None) -> None:
    if len(password) > 128:
        raise InvalidInput(details={"password": ["at most 128 characters"]})
    try:
        validate_password(password, user)
    except ValidationError as err:
        messages = []
        for e in err.error_list:
            if e.code == "password_too_short":
                # Django 5.2 reworded this message and its zh-Hans translation lags behind
                min_length = (e.params or {}).get("min_length", 8)
                messages.append(
                    gettext("The password is too short: at least %(n)d characters.")
                    % {"n": min_length}
                )
            else:
                messages.extend(str(m) for m in e.messages)
        raise InvalidInput(details={"password": messages}) from None


def _clean_profile(display_name: str, phone: str, email: str) -> tuple[str, str, str]:
    display_name, phone, email = (
        (display_name or "").strip(),
        (phone or "").strip(),
        (email or "").strip(),
    )
    if len(display_name) > 100:
        raise InvalidInput(details={"display_name": "at most 100 characters"})
    if phone and not PHONE.match(phone):
        raise InvalidInput(
            "invalid_phone", _("This is not a valid phone number."), {"phone": phone}
        )
    if email and (len(email) > 254 or not EMAIL.match(email)):
        raise InvalidInput(details={"email": email})
    return display_name, phone, email


def generate_password() -> str:
    """A temporary password: 12 characters without look-alikes (0/O, 1/l/I)."""
    return "".join(secrets.choice(_PASSWORD_ALPHABET) for _i in range(12))


@transaction.atomic(durable=True)
def create_user(
    *,
    actor: Actor,
    username: str,
    password: str,
    display_name: str = "",
    phone: str = "",
    email: str = "",
    org_id: int | None = None,
    customer_id: int | None = None,
    is_superuser: bool = False,
) -> User:
    """A brand staff member (in `org_id`) or a dealer / store user (bound to `customer_id`;
    their organisation defaults to the customer's). Both must lie in the actor's scope."""
    actor.require("access.user.create")
    if is_superuser and not actor.superuser:
        raise CannotGrant(details={"is_superuser": True})
    username = (username or "").strip()
    if not username or len(username) > 150:
        raise InvalidInput(details={"username": "required, at most 150 characters"})
    try:
        User.username_validator(username)
    except ValidationError:
        raise InvalidInput(details={"username": "letters, digits and @/./+/-/_ only"}) from None
    display_name, phone, email = _clean_profile(display_name, phone, email)
    customer = None
    if customer_id is not None:
        customer = selectors.list_customers(actor).filter(pk=customer_id).first()
        if customer is None:
            raise NotFound(details={"customer_id": customer_id})
    if org_id is not None:
        if not selectors.list_organizations(actor).filter(pk=org_id).exists():
            raise NotFound(details={"org_id": org_id})
    elif customer is not None:
        org_id = customer.org_id
    elif not selectors.sees_everything(actor):
        # without an organisation or a customer the user would be outside the actor's scope
        raise InvalidInput(details={"org_id": "required"})
    user = User(
        username=username,
        display_name=display_name,
        phone=phone,
        email=email,
        org_id=org_id,
        customer_id=customer_id,
        is_superuser=is_superuser,
        is_staff=is_superuser,
    )
    _check_password(password, user)
    if User.objects.filter(username=username).exists():
        raise Conflict("username_taken", details={"username": username})
    user.set_password(password)
    insert_unique(user.save, lambda: Conflict("username_taken", details={"username": username}))
    audit.record_created(actor, "access.user_created", user, USER_FIELDS)
    return user


@transaction.atomic(durable=True)
def update_user(
    *, actor: Actor, user_id: int, display_name: str, phone: str = "", email: str = ""
) -> User:
    """Change a user's name and contact details."""
    actor.require("access.user.edit")
    user = selectors.get_user(actor, user_id, permission=None)
    check_manageable(actor, user)
    display_name, phone, email = _clean_profile(display_name, phone, email)
    before = audit.snapshot(user, USER_FIELDS)
    user.display_name, user.phone, user.email = display_name, phone, email
    user.save(update_fields=["display_name", "phone", "email"])
    audit.record_updated(actor, "access.user_updated", user, before, USER_FIELDS)
    return user


@transaction.atomic(durable=True)
def deactivate_user(*, actor: Actor, user_id: int, reason: str = "") -> User:
    """The user can no longer log in, and every API token of theirs is revoked (reactivating
    does not bring the tokens back)."""
    actor.require("access.user.edit")
    user = selectors.get_user(actor, user_id, permission=None)
    if user.pk == actor.id:
        raise CannotDeactivateSelf(details={"user_id": user.pk})
    check_manageable(actor, user, strict=True)
    if not User.objects.filter(pk=user.pk, is_active=True).update(is_active=False):
        raise InvalidTransition(details={"is_active": False})
    now = clock.now()
    live = ApiToken.objects.filter(user_id=user.pk, revoked_at__isnull=True)
    token_ids = sorted(live.values_list("pk", flat=True))
    ApiToken.objects.filter(pk__in=token_ids, revoked_at__isnull=True).update(revoked_at=now)
    for token_id in token_ids:
        audit.record(
            actor=actor,
            action="access.token_revoked",
            object_type="access.apitoken",
            object_id=token_id,
            after={"reason": "user_deactivated", "user_id": user.pk},
            org_id=user.org_id,
        )
    audit.record_change(
        actor,
        "access.user_deactivated",
        user,
        before={"is_active": True},
        after={"is_active": False, "revoked_token_ids": token_ids, "reason": reason[:500]},
    )
    user.refresh_from_db()
    return user


@transaction.atomic(durable=True)
def reactivate_user(*, actor: Actor, user_id: int) -> User:
    actor.require("access.user.edit")
    user = selectors.get_user(actor, user_id, permission=None)
    check_manageable(actor, user, strict=True)
    if not User.objects.filter(pk=user.pk, is_active=False).update(is_active=True):
        raise InvalidTransition(details={"is_active": True})
    audit.record_change(
        actor,
        "access.user_reactivated",
        user,
        before={"is_active": False},
        after={"is_active": True},
    )
    user.refresh_from_db()
    return user


@transaction.atomic(durable=True)
def reset_password(*, actor: Actor, user_id: int, new_password: str = "") -> str:
    """Set a new password (a generated one when `new_password` is empty) and return it, to be
    shown once. The user's sessions end (Django checks the password hash of a session)."""
    actor.require("access.user.edit")
    user = selectors.get_user(actor, user_id, permission=None)
    check_manageable(actor, user, strict=True)
    generated = not new_password
    password = generate_password() if generated else new_password
    _check_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    audit.record_change(
        actor,
        "access.password_reset",
        user,
        after={"generated": generated},
    )
    return password
