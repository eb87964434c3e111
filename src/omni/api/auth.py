"""Authentication for the API: bearer tokens for programs, the session for our own pages."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja.security import APIKeyCookie, HttpBearer

from omni.access.services.actors import actor_for_request
from omni.access.services.tokens import token_for_secret
from omni.kernel.actors import Actor


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        api_token = token_for_secret(token)
        if api_token is None:
            return None
        request.user = api_token.user
        request.via_token = True  # type: ignore[attr-defined]
        request.token_permissions = api_token.permissions  # type: ignore[attr-defined]
        request.api_token_id = api_token.pk  # type: ignore[attr-defined]
        return api_token.user


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
    return actor_for_request(request)
