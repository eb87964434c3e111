"""Bearer tokens for the API: issue with username + password, authenticate, revoke."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from django.db import transaction

from omni.kernel import audit, clock
from omni.kernel.actors import Actor, ActorKind
from omni.kernel.errors import InvalidInput, PermissionDenied
from omni.kernel.permissions import unknown_permissions

from ..errors import TokenCannotGrant
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
def create_token(
    *,
    actor: Actor,
    name: str,
    permissions: list[str] | None = None,
    via_token_id: int | None = None,
) -> IssuedToken:
    """A further token for the acting user (e.g. one per integration), revocable on its own.

    With `permissions`, the token may do only those, each one the actor holds *now*: a
    request made with a scoped token is checked against the token's permissions, not the
    user's, so asking for more is 403 `cannot_grant`. Without `permissions` the new token
    is exactly as wide as what creates it: the user's own permissions for a login session
    or an unscoped token, the creating token's permissions for a scoped one. A token made
    by a token never outlives it (`via_token_id`: the bearer token of the request)."""
    user = User.objects.get(pk=actor.id, is_active=True)
    parent = None
    if via_token_id is not None:
        parent = ApiToken.objects.filter(
            pk=via_token_id, user_id=user.pk, revoked_at__isnull=True
        ).first()
        if parent is None:
            raise PermissionDenied("cannot_grant", details={"token_id": via_token_id})
    if permissions is not None:
        unknown = unknown_permissions(permissions)
        if unknown:
            raise InvalidInput("unknown_permission", details={"permissions": unknown})
        ceiling = None if parent is None or parent.permissions is None else parent.permissions
        not_held = sorted(
            p for p in permissions if not actor.can(p) or (ceiling is not None and p not in ceiling)
        )
        if not_held:
            raise TokenCannotGrant(details={"permissions": not_held})
        permissions = sorted(set(permissions))
    elif parent is not None:
        permissions = None if parent.permissions is None else sorted(parent.permissions)
    elif actor.kind == ActorKind.API_CLIENT and not actor.superuser:
        # a token whose record we were not told: never wider than what the request may do
        permissions = sorted(actor.permissions)
    expires_at = None
    if parent is not None and parent.expires_at is not None:
        expires_at = parent.expires_at
    return _create(user, name, actor, permissions, expires_at=expires_at)


def list_tokens(*, actor: Actor):
    return ApiToken.objects.filter(user_id=actor.id).order_by("-created_at")


def _create(
    user: User,
    name: str,
    actor: Actor,
    permissions: list[str] | None = None,
    *,
    expires_at: dt.datetime | None = None,
) -> IssuedToken:
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    lifetime_end = clock.now() + DEFAULT_LIFETIME
    expires_at = lifetime_end if expires_at is None else min(expires_at, lifetime_end)
    token = ApiToken.objects.create(
        user=user,
        name=name[:100],
        prefix=secret[:12],
        key_hash=_hash(secret),
        expires_at=expires_at,
        permissions=permissions,
    )
    audit.record_change(
        actor,
        "access.token_issued",
        token,
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
    now = clock.now()
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
    ).update(revoked_at=clock.now())
    if changed:
        audit.record(
            actor=actor,
            action="access.token_revoked",
            object_type="access.apitoken",
            object_id=token_id,
        )
    return bool(changed)
