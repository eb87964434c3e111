"""Filter descriptions: one per list, shared by the page and the API.

A list's filters are declared once, in its domain, as a frozen dataclass of typed fields
(``party.filters.CustomerFilter``); the domain's ``list_*`` selector takes that one object
and holds the filtering rules. The web filter form and the API query schema both end in
the same object (``build`` from the API's query, the form's ``filters()`` on a page), so a
page and an endpoint with the same filter show the same rows.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, TypeVar

F = TypeVar("F")


def names(cls: type[Any]) -> tuple[str, ...]:
    """The filter names of a description, in declaration order."""
    return tuple(f.name for f in dataclasses.fields(cls))


def build(cls: type[F], data: Mapping[str, Any]) -> F:
    """The filter `cls` from `data` (a query or a form's cleaned data, keyed by filter
    name): keys that are not filters are ignored, and ``None`` keeps the filter's default
    (no filter)."""
    wanted = set(names(cls))
    return cls(**{k: v for k, v in data.items() if k in wanted and v is not None})
