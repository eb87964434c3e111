"""Customers as the apps beside `party` see them.

`access` (users bound to a customer, assigned customers) and `catalog` (authorisation rules
for a customer, a customer class or level) refer to party's rows through string foreign
keys, but may not import `party` (a sibling in the layers) nor reach its tables through a
foreign key's related model. `party` registers its scoped selectors here when the app
registry is ready (`PartyConfig.ready`); those apps ask through these functions. The scope
applied is party's, i.e. the one rule of `omni.tenancy.scope`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import QuerySet

from omni.kernel.actors import Actor

_providers: dict[str, Callable[..., QuerySet[Any]]] = {}


def register(name: str, provider: Callable[..., QuerySet[Any]]) -> None:
    _providers[name] = provider


def _get(name: str) -> Callable[..., QuerySet[Any]]:
    try:
        return _providers[name]
    except KeyError:
        raise LookupError(
            f"no provider registered for {name!r} (is omni.party installed?)"
        ) from None


def customers(actor: Actor) -> QuerySet[Any]:
    """Customers the actor may read (party's rule: organisation, sales region, assigned,
    own, bound dealer and its lower-level customers)."""
    return _get("customers")(actor)


def customer_classes() -> QuerySet[Any]:
    """Customer classes (enterprise-wide reference data)."""
    return _get("customer_classes")()


def customer_levels() -> QuerySet[Any]:
    """Customer levels (enterprise-wide reference data)."""
    return _get("customer_levels")()
