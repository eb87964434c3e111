"""The fund pool pages' shared context: the area, the section, and which sub-pages the
actor may open (so the sub-navigation never links to a refusal)."""

from __future__ import annotations

from typing import Any

from omni.kernel.actors import Actor
from omni.tenancy import directory


def fund_page(actor: Actor, section: str, **context: Any) -> dict[str, Any]:
    return {
        "active": "fund",
        "section": section,
        "can_see_accounts": actor.can("ledger.account.view"),
        "can_see_holds": actor.can("ledger.hold.view"),
        "can_see_entries": actor.can("ledger.entry.view"),
        "can_see_transfers": actor.can("payment.transfer.view"),
        "can_see_top_ups": actor.can("payment.topup.view"),
        "can_top_up": actor.can("payment.topup.create"),
        "can_see_interest": actor.can("ledger.account.view") and actor.can("ledger.entry.view"),
        **context,
    }


def customer_choices(actor: Actor, limit: int = 500) -> tuple[list[tuple[str, str]], str | None]:
    """The customers a money form may name, and the initial one: a dealer or store user
    gets only its own company (preselected); staff the customers in their scope."""
    bound = actor.scope.bound_customer_id
    customers = directory.customers(actor).order_by("code")
    if bound is not None:
        customers = customers.filter(pk=bound)
    choices = [
        (str(pk), f"{code} {name}")
        for pk, code, name in customers.values_list("pk", "code", "name")[:limit]
    ]
    return choices, (str(bound) if bound is not None else None)
