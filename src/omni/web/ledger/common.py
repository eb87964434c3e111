"""The fund pool pages' shared context: the area, the section, and which sub-pages the
actor may open (so the sub-navigation never links to a refusal)."""

from __future__ import annotations

from typing import Any

from omni.kernel.actors import Actor


def fund_page(actor: Actor, section: str, **context: Any) -> dict[str, Any]:
    return {
        "active": "fund",
        "section": section,
        "can_see_accounts": actor.can("ledger.account.view"),
        "can_see_transfers": actor.can("payment.transfer.view"),
        "can_top_up": actor.can("payment.topup.create"),
        **context,
    }
