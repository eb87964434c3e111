"""Shared API schema pieces: the one error shape, and field types whose OpenAPI description
is exactly what the server accepts.

The contract (ARCHITECTURE.md §5 Errors): a request valid by the OpenAPI document is never
refused as malformed (400/422), and a request the document forbids is never accepted. So
every constraint the server checks on a value's shape is written into the schema:

- ids are integers from 1 to the database's 64-bit limit (`Id`, `QueryId`);
- booleans and integers in a JSON body are strict: ``0`` is not ``false``, ``false`` is not
  ``0`` (`Bool`, `Int`, `Id`). An integral number such as ``3.0`` *is* an integer (JSON
  Schema says so; the JSON parser in `omni.api.parser` reads it as ``3``);
- query-string booleans are exactly ``true`` or ``false``, query integers are decimal
  integers (`QueryBool`, `QueryInt`);
- codes, names and kinds take their pattern, length and choices from the model field they are
  stored in (`code_of`, `name_of`, `choices_of`), so a schema-valid value always fits its
  column and a too-long one is refused, never cut;
- names are one line with at least one visible character; surrounding blanks are allowed
  and removed (`name`); free text may not contain NUL (`text`, `line`);
- permission names are an enum of the registered permissions, filled in when the document
  is generated (`Permission`).
"""

from __future__ import annotations

import datetime as dt
import re
from functools import cache
from typing import Annotated, Any, Literal

from django.apps import apps
from django.db import models
from ninja import Schema
from pydantic import AfterValidator, BeforeValidator, ConfigDict, Field, StrictBool, StrictInt
from pydantic_core import PydanticCustomError

from omni.kernel.permissions import all_permissions

# --- base classes -----------------------------------------------------------------------------


class Input(Schema):
    """Base of every request body: unknown fields are an error, not silently dropped."""

    model_config = ConfigDict(extra="forbid")


class Error(Schema):
    code: str
    message: str
    details: dict[str, Any]


# Every operation documents these: a body that is not JSON or repeats a key (400), no or a
# bad credential (401), a missing permission (403), an object that does not exist or is
# outside the caller's data scope (404), a state or uniqueness conflict (409), a body too
# large (413), a schema-invalid request (422), too many requests (429).
ERRORS: dict[int, type[Schema]] = {
    400: Error,
    401: Error,
    403: Error,
    404: Error,
    409: Error,
    413: Error,
    422: Error,
    429: Error,
}

# --- numbers and booleans ---------------------------------------------------------------------

MAX_ID = 2**63 - 1  # PostgreSQL bigint, SQLite integer

Bool = StrictBool
Id = Annotated[StrictInt, Field(ge=1, le=MAX_ID)]


def Int(*, ge: int, le: int) -> Any:
    return Annotated[StrictInt, Field(ge=ge, le=le)]


_INTEGRAL = re.compile(r"^-?(0|[1-9][0-9]*)(\.0+)?([eE][+-]?[0-9]+)?$")


def _query_int(value: Any) -> Any:
    """A query-string integer: "12", or an integral number in JSON notation ("1.0", "1e3")."""
    if isinstance(value, str) and _INTEGRAL.match(value):
        if "e" in value.lower() or "." in value:
            number = float(value)
            if number.is_integer() and abs(number) < 2**63:
                return int(number)
            raise PydanticCustomError("int_parsing", "Input should be a valid integer")
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise PydanticCustomError("int_parsing", "Input should be a valid integer")


def _query_bool(value: Any) -> Any:
    if value in ("true", True):
        return True
    if value in ("false", False):
        return False
    raise PydanticCustomError("bool_parsing", "Input should be true or false")


QueryBool = Annotated[bool, BeforeValidator(_query_bool)]
QueryId = Annotated[int, Field(ge=1, le=MAX_ID), BeforeValidator(_query_int)]


def QueryInt(*, ge: int, le: int) -> Any:
    return Annotated[int, Field(ge=ge, le=le), BeforeValidator(_query_int)]


# --- text -------------------------------------------------------------------------------------

_CONTROL = r"\x00-\x1f\x7f-\x9f\u2028\u2029"
_BLANK = r"\x20\xa0\u1680\u2000-\u200a\u202f\u205f\u3000\ufeff"
# One line of text (maybe empty); one line with at least one visible character; any text
# without NUL (PostgreSQL cannot store NUL, and the edge refuses it).
LINE_PATTERN = rf"^[^{_CONTROL}]*$"
NAME_PATTERN = rf"^[^{_CONTROL}]*[^{_CONTROL}{_BLANK}][^{_CONTROL}]*$"
TEXT_PATTERN = r"^[^\x00]*$"


_ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


def _iso_date(value: Any) -> Any:
    """A date is "YYYY-MM-DD" text, as the document says (not a number of seconds)."""
    if isinstance(value, dt.date) or (isinstance(value, str) and _ISO_DATE.match(value)):
        return value
    raise PydanticCustomError("date_type", "Input should be a date (YYYY-MM-DD)")


# a date in a request: strict ISO text (pydantic alone would take 0 as 1970-01-01)
Day = Annotated[dt.date, BeforeValidator(_iso_date)]


def _strip(value: str) -> str:
    return value.strip()


def name(max_length: int, **kwargs: Any) -> Any:
    """A required one-line name; surrounding blanks are removed after the checks."""
    return Annotated[
        str,
        Field(min_length=1, max_length=max_length, pattern=NAME_PATTERN, **kwargs),
        AfterValidator(_strip),
    ]


def line(max_length: int, **kwargs: Any) -> Any:
    """An optional one-line text (may be empty)."""
    return Annotated[
        str, Field(max_length=max_length, pattern=LINE_PATTERN, **kwargs), AfterValidator(_strip)
    ]


def text(max_length: int, **kwargs: Any) -> Any:
    """Free text, several lines allowed, no NUL."""
    return Annotated[
        str, Field(max_length=max_length, pattern=TEXT_PATTERN, **kwargs), AfterValidator(_strip)
    ]


# --- taken from the models --------------------------------------------------------------------


def model(label: str) -> type[models.Model]:
    """A model by label; organisations and sales regions may live in `tenancy` or `party`."""
    app_label, model_name = label.split(".")
    candidates = [app_label]
    if model_name in ("Organization", "SalesRegion"):
        candidates = ["tenancy", "party"]
    for candidate in candidates:
        try:
            return apps.get_model(candidate, model_name)
        except LookupError:
            continue
    raise LookupError(label)


@cache
def max_length_of(label: str, field: str) -> int:
    length = model(label)._meta.get_field(field).max_length
    assert length is not None, f"{label}.{field} has no max_length"
    return length


def choices_of(label: str, field: str) -> Any:
    """`Literal[...]` of a model field's choices (its TextChoices): an enum in the schema."""
    values = tuple(str(v) for v, _label in model(label)._meta.get_field(field).choices)
    return Literal[values]  # type: ignore[valid-type]


def name_of(label: str, field: str = "name", **kwargs: Any) -> Any:
    return name(max_length_of(label, field), **kwargs)


def line_of(label: str, field: str, **kwargs: Any) -> Any:
    return line(max_length_of(label, field), **kwargs)


# Codes of the party and access apps start with a letter or digit (party.validation.CODE);
# catalog codes may start with any of their characters (catalog.services._common).
CODE_FIRST_ALNUM = {"party", "access", "tenancy"}


def code_pattern(label: str, field: str = "code") -> str:
    n = max_length_of(label, field)
    app_label = model(label)._meta.app_label
    if app_label in CODE_FIRST_ALNUM:
        return rf"^[A-Za-z0-9][A-Za-z0-9_.-]{{0,{n - 1}}}$"
    return rf"^[A-Za-z0-9._-]{{1,{n}}}$"


def code_of(label: str, field: str = "code", **kwargs: Any) -> Any:
    """A code as the domain checks it: its pattern and its column's length."""
    return Annotated[str, Field(pattern=code_pattern(label, field), **kwargs)]


# --- permission names -------------------------------------------------------------------------


# Validation error types that are also domain error codes: the API answers with that code.
SCHEMA_CODES = frozenset(
    {
        "unknown_permission",
        "reason_required",
        "scope_required",
        "invalid_rule",
        "shelf_life_required",
        "invalid_spec",
    }
)


def rule_error(code: str, message: str) -> PydanticCustomError:
    """A cross-field rule of a request body, refused with the domain's code (SCHEMA_CODES)."""
    return PydanticCustomError(code, message)


def _known_permission(value: str) -> str:
    if value not in all_permissions():
        raise PydanticCustomError(
            "unknown_permission", "Input should be a registered permission name", {"value": value}
        )
    return value


def _permission_enum(schema: dict[str, Any]) -> None:
    # Filled in when the document is generated (after every app registered its
    # permissions), not when this module is imported.
    schema["enum"] = sorted(all_permissions())


Permission = Annotated[
    str,
    AfterValidator(_known_permission),
    Field(json_schema_extra=_permission_enum, description="a registered permission name"),
]
