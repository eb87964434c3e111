"""`Idempotency-Key` on API writes.

The first request with a key runs and its response is stored; a repeat with the same key
and the same body gets the stored response (header ``Idempotent-Replayed: true``) — except
for responses marked ``Cache-Control: no-store`` (they carry a secret shown once), which are
replayed as 409 ``idempotent_replay_unavailable``; the same
key with a different body gets 409 ``idempotency_key_reused``. A repeat that arrives while
the first is still running gets 409 ``idempotency_request_in_progress``: the unique
(scope, key) row is claimed before the view runs, so two concurrent repeats never both
execute. A 5xx answer is not stored, so the client may retry with the same key.

Keys are scoped to the caller (a hash of the bearer token, or the session user), so two
clients never see each other's responses.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

from .models import IdempotencyRecord, IdempotencyState

HEADER = "Idempotency-Key"
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
MAX_KEY_LENGTH = 255


def _error(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse({"code": code, "message": message, "details": {}}, status=status)


def _scope(request: HttpRequest) -> str | None:
    auth = request.headers.get("Authorization", "")
    if auth:
        return "auth:" + hashlib.sha256(auth.encode()).hexdigest()
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return None


class IdempotencyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse], prefix: str = "/api/"):
        self.get_response = get_response
        self.prefix = prefix

    def __call__(self, request: HttpRequest) -> HttpResponse:
        key = request.headers.get(HEADER)
        if (
            key is None
            or request.method not in WRITE_METHODS
            or not request.path.startswith(self.prefix)
        ):
            return self.get_response(request)
        if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
            return _error(
                400,
                "invalid_idempotency_key",
                _("Idempotency-Key must be 1-255 printable characters."),
            )
        scope = _scope(request)
        if scope is None:  # anonymous writes: let the view answer (usually 401)
            return self.get_response(request)
        try:
            body = request.body
        except Exception:  # too large: let the view produce the standard error
            return self.get_response(request)
        digest = hashlib.sha256(
            request.method.encode() + b" " + request.path.encode() + b"\n" + body
        ).hexdigest()

        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(
                    scope=scope,
                    key=key,
                    method=request.method,
                    path=request.path[:500],
                    request_hash=digest,
                    state=IdempotencyState.PROCESSING,
                )
        except IntegrityError:
            existing = IdempotencyRecord.objects.filter(scope=scope, key=key).first()
            if existing is None:  # deleted after a 5xx between our insert and read
                return _error(409, "idempotency_request_in_progress", _("Retry the request."))
            if existing.request_hash != digest:
                return _error(
                    409,
                    "idempotency_key_reused",
                    _("This Idempotency-Key was already used with a different request."),
                )
            if existing.state != IdempotencyState.COMPLETED:
                return _error(
                    409,
                    "idempotency_request_in_progress",
                    _("A request with this Idempotency-Key is still being processed."),
                )
            replay = HttpResponse(
                bytes(existing.response_body or b""),
                status=existing.status_code,
                content_type=existing.content_type or "application/json",
            )
            replay["Idempotent-Replayed"] = "true"
            return replay

        try:
            response = self.get_response(request)
        except BaseException:
            IdempotencyRecord.objects.filter(pk=record.pk).delete()
            raise
        if response.status_code >= 500 or getattr(response, "streaming", False):
            IdempotencyRecord.objects.filter(pk=record.pk).delete()
            return response
        status, content_type, body = (
            response.status_code,
            response.get("Content-Type", ""),
            response.content,
        )
        if "no-store" in response.get("Cache-Control", "") and status < 400:
            # A secret shown once (a token, a password) is never written to this table:
            # a repeat learns that the first request succeeded, not the secret.
            status, content_type = 409, "application/json"
            body = json.dumps(
                {
                    "code": "idempotent_replay_unavailable",
                    "message": _(
                        "The first request with this Idempotency-Key succeeded; its response "
                        "held a secret that is shown only once."
                    ),
                    "details": {"first_status": response.status_code},
                },
                ensure_ascii=False,
            ).encode()
        IdempotencyRecord.objects.filter(pk=record.pk).update(
            state=IdempotencyState.COMPLETED,
            status_code=status,
            content_type=content_type,
            response_body=body,
        )
        return response
