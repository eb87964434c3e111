"""Shared API schema pieces."""

from __future__ import annotations

from typing import Any

from ninja import Schema
from pydantic import ConfigDict


class Input(Schema):
    """Base of every request body: unknown fields are an error, not silently dropped."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Error(Schema):
    code: str
    message: str
    details: dict[str, Any]


ERRORS = {
    400: Error,
    401: Error,
    403: Error,
    404: Error,
    409: Error,
    413: Error,
    422: Error,
    429: Error,
}
