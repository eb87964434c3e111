"""Authentication for the API: bearer tokens for programs, the session for our own pages."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja.security import APIKeyCookie, HttpBearer

from omni.access.services.actors import build_actor
from omni.access.services.tokens import user_for_token
from omni.kernel.actors import Actor


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = user_for_token(token)
        if user is None:
            return None
        request.user = user
        request.via_token = True  # type: ignore[attr-defined]
        return user


class SessionCookie(APIKeyCookie):
    """The console's session. CSRF is checked only when a session cookie is present, so a
    request with neither a token nor a session gets 401 rather than a CSRF 403."""

    param_name = settings.SESSION_COOKIE_NAME

    def _get_key(self, request: HttpRequest) -> str | None:
        if not request.COOKIES.get(self.param_name):
            return None
        return super()._get_key(request)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return user
        return None


AUTH = [BearerToken(), SessionCookie()]


def request_actor(request: HttpRequest) -> Actor:
    """The acting user with permissions and data scope, built once per request."""
    cached = getattr(request, "_omni_actor", None)
    if cached is None:
        cached = build_actor(
            request.user,  # type: ignore[arg-type]
            request_id=getattr(request, "request_id", ""),
            via_token=getattr(request, "via_token", False),
        )
        request._omni_actor = cached  # type: ignore[attr-defined]
    return cached
