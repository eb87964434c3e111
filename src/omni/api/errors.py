"""The one place where exceptions become HTTP responses: {"code", "message", "details"}."""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation, TooManyFieldsSent
from django.db import DataError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, ValidationError

from omni.kernel.errors import DomainError
from omni.kernel.requestid import current_request_id

log = logging.getLogger("omni.api")


def error_body(code: str, message: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"code": code, "message": message, "details": details or {}}


def _validation_details(errors: list[dict[str, Any]]) -> dict[str, Any]:
    fields = []
    for err in errors:
        loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "payload")]
        fields.append(
            {"field": ".".join(loc), "type": err.get("type", ""), "message": err.get("msg", "")}
        )
    return {"errors": fields}


def install(api: NinjaAPI) -> None:
    def respond(request: HttpRequest, status: int, body: dict[str, Any]) -> HttpResponse:
        return api.create_response(request, body, status=status)

    @api.exception_handler(DomainError)
    def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
        return respond(request, exc.status, exc.as_dict())

    @api.exception_handler(ValidationError)
    def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        return respond(
            request,
            422,
            error_body(
                "invalid_input", _("Some fields are not valid."), _validation_details(exc.errors)
            ),
        )

    @api.exception_handler(AuthenticationError)
    def not_authenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return respond(
            request, 401, error_body("not_authenticated", _("Log in or send a valid bearer token."))
        )

    @api.exception_handler(AuthorizationError)
    def forbidden(request: HttpRequest, exc: AuthorizationError) -> HttpResponse:
        return respond(
            request,
            403,
            error_body("permission_denied", _("You do not have permission to do this.")),
        )

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        if exc.status_code == 400 and isinstance(exc.__cause__, RequestDataTooBig):
            return payload_too_large(request, exc.__cause__)
        if exc.status_code == 403 and "CSRF" in str(exc):
            return respond(
                request,
                403,
                error_body("csrf_failed", _("The page expired; reload it and try again.")),
            )
        code = {400: "bad_request", 405: "method_not_allowed", 429: "throttled"}.get(
            exc.status_code, f"http_{exc.status_code}"
        )
        message = str(exc)
        if code == "bad_request" and message.startswith("Cannot parse request body"):
            code, message = "malformed_body", _("The request body is not valid JSON.")
        return respond(request, exc.status_code, error_body(code, message))

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return respond(request, 404, error_body("not_found", _("Not found.")))

    @api.exception_handler(RequestDataTooBig)
    def payload_too_large(request: HttpRequest, exc: Exception) -> HttpResponse:
        return respond(
            request, 413, error_body("payload_too_large", _("The request body is too large."))
        )

    @api.exception_handler(TooManyFieldsSent)
    def too_many_fields(request: HttpRequest, exc: Exception) -> HttpResponse:
        return respond(
            request, 400, error_body("too_many_fields", _("Too many fields in the request."))
        )

    @api.exception_handler(SuspiciousOperation)
    def suspicious(request: HttpRequest, exc: Exception) -> HttpResponse:
        return respond(request, 400, error_body("bad_request", _("The request was refused.")))

    @api.exception_handler(OverflowError)
    @api.exception_handler(DataError)
    def data_error(request: HttpRequest, exc: Exception) -> HttpResponse:
        # A value the database cannot store (an id beyond 64 bits, bad text): bad input.
        log.warning("database refused a value in %s %s: %s", request.method, request.path, exc)
        return respond(request, 422, error_body("invalid_input", _("Some fields are not valid.")))

    @api.exception_handler(Exception)
    def unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
        request_id = getattr(request, "request_id", "") or current_request_id()
        log.error(
            "unhandled error in %s %s request_id=%s",
            request.method,
            request.path,
            request_id,
            exc_info=exc,
        )
        return respond(
            request,
            500,
            error_body(
                "internal_error",
                _("Something went wrong on our side. Quote the request id when reporting it."),
                {"request_id": request_id},
            ),
        )
