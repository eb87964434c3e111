"""Input guards at the edge.

Refuse NUL characters in any request: PostgreSQL text cannot hold them, and no real
input has them. One check at the edge instead of a 500 deep inside a query."""

from __future__ import annotations

import re
from collections.abc import Callable

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.defaults import page_not_found

_JSON_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")


class RejectNulMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        query = request.META.get("QUERY_STRING", "")
        bad = "%00" in query or "\x00" in query or "\x00" in request.path
        content_type = request.META.get("CONTENT_TYPE", "")
        textual = content_type.startswith(("application/json", "application/x-www-form-urlencoded"))
        # multipart bodies carry files (xlsx is binary): their text fields are small forms
        # whose values Django decodes; only JSON and urlencoded bodies are scanned here.
        if not bad and textual and request.method in ("POST", "PUT", "PATCH", "DELETE"):
            try:
                body = request.body
            except Exception:  # too large: the view answers with its own error
                body = b""
            if content_type.startswith("application/json"):
                # a JSON NUL is the escape \u0000, not an escaped backslash then "u0000";
                # "%00" means nothing in JSON
                bad = b"\x00" in body or _JSON_NUL.search(body) is not None
            else:
                bad = b"\x00" in body or b"%00" in body
        if bad:
            return JsonResponse(
                {
                    "code": "invalid_characters",
                    "message": "请求中含有不允许的空字符（NUL）。"
                    " The request contains NUL characters.",
                    "details": {},
                },
                status=400,
            )
        return self.get_response(request)


class NumberOverflowMiddleware:
    """An id in a URL beyond what the database can hold (``/customers/99999999999999999999/``)
    names nothing: 404 instead of the OverflowError SQLite raises deep in the query."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, OverflowError):
            return page_not_found(request, Http404())
        return None
