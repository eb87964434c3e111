"""Small helpers the apps' write services share: a create that turns a unique-constraint
race into the app's own conflict (`insert_unique`), a sequence in chunks (`chunks`, for
`IN (…)` lookups and insert rounds) and a permission check that accepts any of several
permissions (`require_any`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

from django.db import IntegrityError, transaction

from .actors import Actor

T = TypeVar("T")

CHUNK = 5000  # keys per lookup query, rows per insert round


def insert_unique(create: Callable[[], T], conflict: Callable[[], Exception]) -> T:
    """Run `create` in a savepoint; a unique-constraint race (IntegrityError) raises
    `conflict()` instead, so the caller's transaction goes on and answers with a clean 409."""
    try:
        with transaction.atomic():
            return create()
    except IntegrityError:
        raise conflict() from None


def chunks(items: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    """`items` in slices of at most `size`."""
    for i in range(0, len(items), size):
        yield items[i : i + size]


def require_any(actor: Actor, permissions: Sequence[str]) -> None:
    """Pass when `actor` holds any of `permissions`; else refuse as for the first one."""
    if not any(actor.can(p) for p in permissions):
        actor.require(permissions[0])
