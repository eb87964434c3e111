"""Responses that carry a secret shown once (a token, a generated password)."""

from __future__ import annotations

from django.http import HttpResponse


def secret_response(response: HttpResponse) -> None:
    """Mark the response `Cache-Control: no-store`: no cache keeps it, and the idempotency
    layer does not store its body (a repeat is told the first request succeeded instead)."""
    response["Cache-Control"] = "no-store"
