"""Warehouses under the one scope rule: the owning organisation's subtree, and a dealer's or
store's own (virtual) warehouse for a user bound to that customer."""

from __future__ import annotations

from django.db.models import Q

from omni.kernel.actors import Actor
from omni.tenancy.scope import Mode, scope_q


def warehouses_q(
    actor: Actor, permission: str | None, mode: Mode = "read", prefix: str = ""
) -> Q | None:
    return scope_q(
        actor,
        permission,
        mode,
        org=f"{prefix}org",
        customer=f"{prefix}customer",
        sales_region=f"{prefix}customer__sales_region",
    )
