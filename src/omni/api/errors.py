"""The one place where exceptions become HTTP responses: {"code", "message", "details"}."""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation, TooManyFieldsSent
from django.db import DataError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, ValidationError

from omni.kernel.errors import DomainError
from omni.kernel.requestid import current_request_id

from . import path_scope
from .schemas import SCHEMA_CODES

log = logging.getLogger("omni.api")


def error_body(code: str, message: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"code": code, "message": message, "details": details or {}}


# Pydantic's messages by error type, as msgids for our catalogue (pydantic speaks English
# only). Placeholders are the error's `ctx`; an error type not listed here, or a ctx without
# the placeholder, keeps pydantic's message.
VALIDATION_MESSAGES: dict[str, str] = {
    "missing": gettext_noop("Required."),
    "missing_argument": gettext_noop("Required."),
    "extra_forbidden": gettext_noop("Unknown field."),
    "string_type": gettext_noop("Must be text."),
    "string_too_short": gettext_noop("At least %(min_length)s characters."),
    "string_too_long": gettext_noop("At most %(max_length)s characters."),
    "string_pattern_mismatch": gettext_noop("Not in the expected format."),
    "string_unicode": gettext_noop("Must be valid text."),
    "too_short": gettext_noop("At least %(min_length)s items."),
    "too_long": gettext_noop("At most %(max_length)s items."),
    "int_type": gettext_noop("Must be a whole number."),
    "int_parsing": gettext_noop("Must be a whole number."),
    "int_from_float": gettext_noop("Must be a whole number."),
    "int_parsing_size": gettext_noop("The number is too large."),
    "float_type": gettext_noop("Must be a number."),
    "float_parsing": gettext_noop("Must be a number."),
    "decimal_type": gettext_noop("Must be a decimal number."),
    "decimal_parsing": gettext_noop("Must be a decimal number."),
    "decimal_max_digits": gettext_noop("At most %(max_digits)s digits."),
    "decimal_max_places": gettext_noop("At most %(decimal_places)s decimal places."),
    "decimal_whole_digits": gettext_noop("At most %(whole_digits)s digits before the point."),
    "finite_number": gettext_noop("Must be a finite number."),
    "greater_than": gettext_noop("Must be greater than %(gt)s."),
    "greater_than_equal": gettext_noop("Must be at least %(ge)s."),
    "less_than": gettext_noop("Must be less than %(lt)s."),
    "less_than_equal": gettext_noop("Must be at most %(le)s."),
    "multiple_of": gettext_noop("Must be a multiple of %(multiple_of)s."),
    "bool_type": gettext_noop("Must be true or false."),
    "bool_parsing": gettext_noop("Must be true or false."),
    "enum": gettext_noop("Must be one of: %(expected)s."),
    "literal_error": gettext_noop("Must be one of: %(expected)s."),
    "list_type": gettext_noop("Must be a list."),
    "dict_type": gettext_noop("Must be an object."),
    "model_type": gettext_noop("Must be an object."),
    "model_attributes_type": gettext_noop("Must be an object."),
    "date_type": gettext_noop("Must be a date (YYYY-MM-DD)."),
    "date_parsing": gettext_noop("Must be a date (YYYY-MM-DD)."),
    "date_from_datetime_parsing": gettext_noop("Must be a date (YYYY-MM-DD)."),
    "date_from_datetime_inexact": gettext_noop("Must be a date without a time."),
    "datetime_type": gettext_noop("Must be a date and time (ISO 8601)."),
    "datetime_parsing": gettext_noop("Must be a date and time (ISO 8601)."),
    "datetime_from_date_parsing": gettext_noop("Must be a date and time (ISO 8601)."),
    "timezone_aware": gettext_noop("Must include a time zone offset."),
    "uuid_type": gettext_noop("Must be a UUID."),
    "uuid_parsing": gettext_noop("Must be a UUID."),
    "url_type": gettext_noop("Must be a URL."),
    "url_parsing": gettext_noop("Must be a URL."),
    "json_invalid": gettext_noop("Not valid JSON."),
    "json_type": gettext_noop("Must be JSON."),
    "none_required": gettext_noop("Must be empty (null)."),
    "set_type": gettext_noop("Must be a list of distinct items."),
    "frozen_set_type": gettext_noop("Must be a list of distinct items."),
    "tuple_type": gettext_noop("Must be a list."),
    "is_instance_of": gettext_noop("Not a valid value."),
    "union_tag_invalid": gettext_noop("Not a valid value."),
    "value_error": gettext_noop("Not a valid value."),
    "assertion_error": gettext_noop("Not a valid value."),
}


def _ctx_value(value: Any) -> Any:
    # pydantic renders enum choices as "'a', 'b' or 'c'"; keep it, translated "or"
    if isinstance(value, str) and " or " in value:
        return value.replace(" or ", _(" or "))
    return value


def validation_message(err: dict[str, Any]) -> str:
    """Pydantic's message for one error, in the active language when our catalogue has it.
    A `value_error` carries our own validator's message (already translated): that message,
    without pydantic's English "Value error, " prefix."""
    original = str(err.get("msg", ""))
    kind = str(err.get("type", ""))
    ctx = err.get("ctx") or {}
    if kind in ("value_error", "assertion_error"):
        return str(ctx.get("error") or original)
    msgid = VALIDATION_MESSAGES.get(kind)
    if msgid is None:
        return original
    translated = _(msgid)
    if translated == msgid:
        return original  # English (or not translated yet): pydantic's own words
    try:
        return translated % {k: _ctx_value(v) for k, v in ctx.items()}
    except (KeyError, TypeError, ValueError):
        return original


def _validation_details(errors: list[dict[str, Any]]) -> dict[str, Any]:
    fields = []
    for err in errors:
        loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "payload")]
        fields.append(
            {
                "field": ".".join(loc),
                "type": err.get("type", ""),
                "message": validation_message(err),
            }
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
        refused = path_scope.refusal(request)  # permission before validation
        if refused is not None:
            return domain_error(request, refused)
        # a schema type that is also a domain code (omni.api.schemas.SCHEMA_CODES), when it
        # is the only problem, keeps that code: unknown_permission
        types = {str(err.get("type", "")) for err in exc.errors}
        code = types.pop() if len(types) == 1 and types <= SCHEMA_CODES else "invalid_input"
        return respond(
            request,
            422,
            error_body(code, _("Some fields are not valid."), _validation_details(exc.errors)),
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
        if exc.status_code in (400, 413):  # a body we could not read: scope first
            refused = path_scope.refusal(request)
            if refused is not None:
                return domain_error(request, refused)
        if exc.status_code == 400 and isinstance(exc.__cause__, RequestDataTooBig):
            return payload_too_large(request, exc.__cause__)
        if isinstance(exc.__cause__, DomainError):  # the body parser: duplicate_key, ...
            return domain_error(request, exc.__cause__)
        if exc.status_code == 403 and "CSRF" in str(exc):
            return respond(
                request,
                403,
                error_body("csrf_failed", _("The page expired; reload it and try again.")),
            )
        code = {400: "bad_request", 405: "method_not_allowed", 429: "too_many_requests"}.get(
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
        refused = path_scope.refusal(request)
        if refused is not None:
            return domain_error(request, refused)
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
