"""Bearer tokens for the API: issue with username + password, authenticate, revoke."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from django.contrib.auth import authenticate
from django.db import transaction
from django.utils import timezone

from omni.kernel import audit
from omni.kernel.actors import Actor

from ..errors import InvalidCredentials
from ..models import ApiToken, User

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


@transaction.atomic(durable=True)
def issue_token(
    *, username: str, password: str, name: str = "api", request_id: str = ""
) -> IssuedToken:
    """Log in with username and password and get a new bearer token."""
    user = authenticate(username=username, password=password)
    if user is None or not user.is_active:
        raise InvalidCredentials()
    return _create(user, name, Actor.for_user(user, request_id=request_id))


@transaction.atomic(durable=True)
def create_token(*, actor: Actor, name: str) -> IssuedToken:
    """A further token for the acting user (e.g. one per integration), revocable on its own."""
    user = User.objects.get(pk=actor.id, is_active=True)
    return _create(user, name, actor)


def list_tokens(*, actor: Actor):
    return ApiToken.objects.filter(user_id=actor.id).order_by("-created_at")


def _create(user: User, name: str, actor: Actor) -> IssuedToken:
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires_at = timezone.now() + DEFAULT_LIFETIME
    token = ApiToken.objects.create(
        user=user,
        name=name[:100],
        prefix=secret[:12],
        key_hash=_hash(secret),
        expires_at=expires_at,
    )
    audit.record(
        actor=actor,
        action="access.token_issued",
        object_type="access.apitoken",
        object_id=token.pk,
        after={"name": token.name, "prefix": token.prefix, "expires_at": expires_at},
    )
    return IssuedToken(secret, expires_at, user.pk, token.pk)


def user_for_token(secret: str) -> User | None:
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
    return token.user


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
