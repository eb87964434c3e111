"""The inventory pages' shared context (the area, the section, which sub-pages the actor may
open, so the sub-navigation never links to a refusal) and how a quantity is shown: in the
SKU's base unit with its decimals."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from omni.inventory.services.stock import from_units
from omni.kernel.actors import Actor


def inventory_page(actor: Actor, section: str, **context: Any) -> dict[str, Any]:
    return {
        "active": "inventory",
        "section": section,
        "can_see_warehouses": actor.can("inventory.warehouse.view"),
        "can_see_stock": actor.can("inventory.stock.view"),
        "can_see_reservations": actor.can("inventory.reservation.view"),
        "can_receive": actor.can("inventory.stock.receive"),
        "can_adjust": actor.can("inventory.stock.adjust"),
        "can_ship": actor.can("inventory.stock.issue"),
        "can_count": actor.can("inventory.stock.count") or actor.can("inventory.stock.adjust"),
        "can_see_flash": actor.can("inventory.flash.view"),
        "can_edit_flash": actor.can("inventory.flash.edit"),
        **context,
    }


def places(sku: Any) -> int:
    """The SKU's decimals: thousandths where its base unit allows fractions (kg)."""
    return 3 if sku.product.base_unit.allows_fraction else 0


def units(minor: int, sku: Any) -> Decimal:
    """Minor units of the SKU's base unit as a quantity (the export's number)."""
    return from_units(minor, places(sku))


def quantity(minor: int, sku: Any, *, signed: bool = False) -> str:
    """ "1,200 瓶", "2.500 千克"; `signed` shows a + before an increase."""
    value = units(minor, sku)
    text = f"{value:+,}" if signed else f"{value:,}"
    return f"{text} {sku.product.base_unit.name}"
