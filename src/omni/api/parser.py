"""JSON request bodies, read exactly.

- A key that appears twice in one object is refused (400 ``duplicate_key``): which of the
  two values wins differs between parsers, so a body that repeats a key means two things.
- ``NaN``, ``Infinity`` and ``-Infinity`` are not JSON and are refused (400 ``malformed_body``).
- An integral number written with a fraction or exponent (``3.0``, ``1e3``) is the integer
  it names, as JSON Schema counts it; other fractions stay floats (and are refused where an
  integer is expected: integers and booleans in bodies are strict).
"""

from __future__ import annotations

import json
from typing import Any, cast

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja.parser import Parser
from ninja.types import DictStrAny

from omni.kernel.errors import DomainError


class DuplicateKey(DomainError):
    code = "duplicate_key"
    status = 400
    default_message = _("The request body repeats a key.")


class MalformedBody(DomainError):
    code = "malformed_body"
    status = 400
    default_message = _("The request body is not valid JSON.")


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise DuplicateKey(details={"key": key[:100]})
        result[key] = value
    return result


def _number(text: str) -> int | float:
    value = float(text)
    if value.is_integer() and abs(value) < 2**63:
        return int(value)
    return value


def _constant(name: str) -> Any:
    raise MalformedBody(details={"value": name})


def loads(body: bytes | str) -> Any:
    return json.loads(
        body, object_pairs_hook=_object, parse_float=_number, parse_constant=_constant
    )


class OmniParser(Parser):
    def parse_body(self, request: HttpRequest) -> DictStrAny:
        return cast(DictStrAny, loads(request.body))
