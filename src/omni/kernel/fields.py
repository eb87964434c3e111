"""Text values checked against the column they go into.

A limit comes from the model field, never from a number written next to it, and a value
that is too long is refused with a clear error, never cut short::

    short_name = clean_text(data.short_name, model=Customer, field="short_name")
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from .errors import InvalidInput


class TooLong(InvalidInput):
    code = "too_long"
    default_message = _("The text is longer than the field allows.")


class Required(InvalidInput):
    code = "required"
    default_message = _("This field is required.")


def max_length(model: type[models.Model], field: str) -> int | None:
    return model._meta.get_field(field).max_length


def clean_text(
    value: Any,
    *,
    model: type[models.Model],
    field: str,
    required: bool = False,
    limit: int | None = None,
) -> str:
    """`value` stripped; refused if empty and required, or longer than the column
    (`limit` for a text column without a length)."""
    text = value.strip() if isinstance(value, str) else ""
    if required and not text:
        raise Required(details={"field": field})
    allowed = max_length(model, field) or limit
    if allowed is not None and len(text) > allowed:
        raise TooLong(details={"field": field, "max_length": allowed, "length": len(text)})
    return text
