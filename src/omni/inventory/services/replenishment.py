"""Safety stock and reorder points (安全库存 / 补货点) per SKU and warehouse, the low-stock
list, and low-stock notices to the warehouse's keepers (users holding
`inventory.stock.receive` whose scope reaches the warehouse), once each time a SKU goes
low (a flag flipped by a conditional UPDATE, cleared when it is back above)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils.translation import gettext_noop

from omni.access.selectors import holders_of
from omni.catalog.facts import sku_facts
from omni.kernel import audit, notices
from omni.kernel.actors import Actor

from .. import errors
from ..models import ReorderRule, Stock
from ..scoping import warehouses_q
from .stock import StockLine, facts_for, from_units, to_units, warehouse_for

LOW_TITLE = gettext_noop("Low stock: %(sku)s in %(warehouse)s")
LOW_BODY = gettext_noop("%(available)s available, reorder point %(reorder_point)s.")


@transaction.atomic
def set_reorder_rule(
    *,
    actor: Actor,
    warehouse_id: int,
    sku_id: int,
    safety_stock: Decimal | str | int,
    reorder_point: Decimal | str | int,
) -> ReorderRule:
    actor.require("inventory.stock.adjust")
    warehouse = warehouse_for(actor, warehouse_id, "inventory.stock.adjust")
    fact = facts_for([StockLine(sku_id, 1)])[sku_id]
    values = []
    for index, value in enumerate((safety_stock, reorder_point)):
        if str(value).strip() in ("0", "0.0", "0.000"):
            values.append(0)
        else:
            values.append(to_units(value, fact.places, index=index))
    safety, point = values
    if point < safety:
        raise errors.InvalidQuantity(details={"field": "reorder_point", "reason": "below_safety"})
    rule, _created = ReorderRule.objects.update_or_create(
        warehouse=warehouse,
        sku_id=sku_id,
        defaults={"safety_stock": safety, "reorder_point": point, "updated_by": actor.name},
    )
    audit.record_change(
        actor,
        "inventory.reorder_rule_set",
        rule,
        after={"safety_stock": safety, "reorder_point": point},
    )
    return rule


@dataclass(frozen=True, slots=True)
class LowStock:
    rule_id: int
    warehouse_id: int
    warehouse: str
    org_id: int
    sku_id: int
    sku: str
    sku_name: str
    available: Decimal
    safety_stock: Decimal
    reorder_point: Decimal
    below_safety: bool


def low_stock(actor: Actor | None = None) -> list[LowStock]:
    """Rules whose SKU's available stock in the warehouse is at or below the reorder point
    (the actor's warehouses; None: all, for the alert sweep)."""
    rules = ReorderRule.objects.select_related("warehouse")
    if actor is not None:
        q = warehouses_q(actor, "inventory.stock.view", "read", prefix="warehouse__")
        rules = rules if q is None else rules.filter(q)
    rules = list(rules)
    if not rules:
        return []
    sums = {
        (w, s): (h or 0) - (r or 0)
        for w, s, h, r in Stock.objects.filter(
            warehouse_id__in={x.warehouse_id for x in rules}, sku_id__in={x.sku_id for x in rules}
        )
        .values("warehouse_id", "sku_id")
        .annotate(h=Sum("on_hand"), r=Sum("reserved"))
        .values_list("warehouse_id", "sku_id", "h", "r")
    }
    facts = sku_facts({x.sku_id for x in rules})
    out = []
    for rule in rules:
        available = sums.get((rule.warehouse_id, rule.sku_id), 0)
        if available > rule.reorder_point:
            continue
        fact = facts[rule.sku_id]
        out.append(
            LowStock(
                rule.pk,
                rule.warehouse_id,
                rule.warehouse.name,
                rule.warehouse.org_id,
                rule.sku_id,
                fact.code,
                fact.name,
                from_units(available, fact.places),
                from_units(rule.safety_stock, fact.places),
                from_units(rule.reorder_point, fact.places),
                available < rule.safety_stock,
            )
        )
    return sorted(out, key=lambda x: (not x.below_safety, x.warehouse, x.sku))


def send_low_stock_alerts() -> int:
    """Tell each low SKU's keepers once per episode; re-arm the ones back above."""
    low = low_stock()
    low_ids = {x.rule_id for x in low}
    ReorderRule.objects.filter(alerted=True).exclude(pk__in=low_ids).update(alerted=False)
    sent = 0
    for item in low:
        with transaction.atomic():
            if not ReorderRule.objects.filter(pk=item.rule_id, alerted=False).update(alerted=True):
                continue
            sent += notices.notify(
                holders_of("inventory.stock.receive", item.org_id),
                kind="inventory.low_stock",
                title=LOW_TITLE,
                body=LOW_BODY,
                params={
                    "sku": f"{item.sku} {item.sku_name}",
                    "warehouse": item.warehouse,
                    "available": str(item.available),
                    "reorder_point": str(item.reorder_point),
                },
                link=reverse("inventory:low-stock") if _has_page() else "",
            )
    return sent


def _has_page() -> bool:
    from django.urls import NoReverseMatch

    try:
        reverse("inventory:low-stock")
    except NoReverseMatch:
        return False
    return True
