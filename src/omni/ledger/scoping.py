"""The ledger's rows under the one scope rule (`omni.tenancy.scope`): an account is reached
through its organisation and, for customer accounts, its customer (sales region, assigned
customers, account manager, bound dealer and its lower-level customers)."""

from __future__ import annotations

from django.db.models import Q

from omni.kernel.actors import Actor
from omni.tenancy.scope import Mode, scope_q


def accounts_q(
    actor: Actor, permission: str | None, mode: Mode = "read", prefix: str = ""
) -> Q | None:
    """The filter for the accounts (or, with `prefix="account__"`, the rows of an account)
    that `actor` may `mode`."""
    return scope_q(
        actor,
        permission,
        mode,
        org=f"{prefix}org",
        customer=f"{prefix}customer",
        sales_region=f"{prefix}customer__sales_region",
        owner=f"{prefix}customer__account_manager",
    )
