"""Bearer tokens for the API: issue with username + password, authenticate, revoke."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from omni.kernel import audit
from omni.kernel.actors import Actor
from omni.kernel.errors import InvalidInput, PermissionDenied
from omni.kernel.permissions import unknown_permissions

from ..models import ApiToken, User
from .logins import check_password_login

TOKEN_PREFIX = "omni_"
DEFAULT_LIFETIME = dt.timedelta(days=30)


@dataclass(frozen=True)
class IssuedToken:
    token: str
    expires_at: dt.datetime
    user_id: int
    token_id: int


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def issue_token(
    *, username: str, password: str, name: str = "api", request_id: str = "", ip: str = ""
) -> IssuedToken:
    """Log in with username and password (throttled, audited) and get a new bearer token."""
    # The attempt is recorded in its own transaction (a failure must stay recorded);
    # the token is created in another.
    user = check_password_login(
        username=username, password=password, ip=ip, channel="api", request_id=request_id
    )
    with transaction.atomic(durable=True):
        return _create(user, name, Actor.for_user(user, request_id=request_id))


@transaction.atomic(durable=True)
def create_token(*, actor: Actor, name: str, permissions: list[str] | None = None) -> IssuedToken:
    """A further token for the acting user (e.g. one per integration), revocable on its own.
    With `permissions`, the token may do only those (each must be one the user holds)."""
    user = User.objects.get(pk=actor.id, is_active=True)
    if permissions is not None:
        unknown = unknown_permissions(permissions)
        if unknown:
            raise InvalidInput("unknown_permission", details={"permissions": unknown})
        not_held = sorted(p for p in permissions if not actor.can(p))
        if not_held:
            raise PermissionDenied("cannot_grant", details={"permissions": not_held})
        permissions = sorted(set(permissions))
    return _create(user, name, actor, permissions)


def list_tokens(*, actor: Actor):
    return ApiToken.objects.filter(user_id=actor.id).order_by("-created_at")


def _create(
    user: User, name: str, actor: Actor, permissions: list[str] | None = None
) -> IssuedToken:
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires_at = timezone.now() + DEFAULT_LIFETIME
    token = ApiToken.objects.create(
        user=user,
        name=name[:100],
        prefix=secret[:12],
        key_hash=_hash(secret),
        expires_at=expires_at,
        permissions=permissions,
    )
    audit.record(
        actor=actor,
        action="access.token_issued",
        object_type="access.apitoken",
        object_id=token.pk,
        after={
            "name": token.name,
            "prefix": token.prefix,
            "expires_at": expires_at,
            "permissions": permissions,
        },
    )
    return IssuedToken(secret, expires_at, user.pk, token.pk)


def token_for_secret(secret: str) -> ApiToken | None:
    """The live token for a bearer secret (with its user), or None."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    now = timezone.now()
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=_hash(secret), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None or (token.expires_at and token.expires_at <= now):
        return None
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=5):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


def user_for_token(secret: str) -> User | None:
    token = token_for_secret(secret)
    return token.user if token else None


@transaction.atomic(durable=True)
def revoke_token(*, actor: Actor, token_id: int) -> bool:
    changed = ApiToken.objects.filter(
        pk=token_id, user_id=actor.id, revoked_at__isnull=True
    ).update(revoked_at=timezone.now())
    if changed:
        audit.record(
            actor=actor,
            action="access.token_revoked",
            object_type="access.apitoken",
            object_id=token_id,
        )
    return bool(changed)
