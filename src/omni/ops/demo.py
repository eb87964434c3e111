"""`omni demo`: the demo brand, deterministic and idempotent (every loader matches on codes).

Each loader goes through its domain's services (validated, audited), one transaction per
business object, so a second run creates nothing and an interrupted run can be resumed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from omni.access.demo import DEMO_PASSWORD, load_access_demo
from omni.catalog.demo import load_catalog_demo
from omni.catalog.models import AuthorisationRule, Category
from omni.catalog.services.authorisation import create_authorisation_rule
from omni.credit.demo import load_credit_demo
from omni.inventory.demo import load_inventory_demo
from omni.kernel.actors import Actor
from omni.ledger.demo import load_ledger_demo
from omni.party.demo import load_party_demo
from omni.party.models import CustomerClass
from omni.payment.demo import load_payment_demo


@dataclass
class DemoSummary:
    logins: list[tuple[str, str, str]] = field(default_factory=list)
    created: dict[str, int] = field(default_factory=dict)

    def render(self) -> str:
        made = ", ".join(f"{k} +{v}" for k, v in self.created.items())
        lines = [f"Demo data loaded: {made}"]
        lines.append(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        lines += [f"  {u:<14} {role:<8} {name}" for u, name, role in self.logins]
        return "\n".join(lines)


def load_demo() -> DemoSummary:
    actor = Actor.system("omni demo")
    summary = DemoSummary()
    party = load_party_demo(actor=actor)
    summary.created.update(party.created)
    catalog = load_catalog_demo(actor=actor, org_id=party.group_id)
    summary.created.update({f"catalog {k}": v for k, v in catalog.items() if isinstance(v, int)})
    summary.created["authorisation rules"] = _authorisation_rules(actor, party.group_id)
    logins, users = load_access_demo(
        actor=actor,
        group_org_id=party.group_id,
        rep_sales_region_id=party.sales_region_ids["320000"],
        dealer_id=party.sample_dealer_id,
        store_id=party.sample_store_id,
        sales_org_id=party.org_ids["QQ-E-HS"],
    )
    summary.logins = logins
    summary.created["users"] = users
    summary.created["ledger entries"] = load_ledger_demo(
        actor=actor, sample_dealer_id=party.sample_dealer_id, sample_store_id=party.sample_store_id
    )
    summary.created["credit limits"] = load_credit_demo(actor=actor)
    summary.created["auto-pay rules"] = load_payment_demo(actor=actor, group_code="QQ")
    summary.created["stock moves"] = load_inventory_demo(actor=actor)
    return summary


def _authorisation_rules(actor: Actor, group_id: int) -> int:
    """商品授权 for the demo: dealers of both levels may order everything; terminal stores
    get everything except the gift boxes (礼盒), which go through the dealers' own channel."""
    if AuthorisationRule.objects.filter(org_id=group_id).exists():
        return 0
    classes = dict(CustomerClass.objects.values_list("code", "pk"))
    for code in ("L1", "L2", "STORE"):
        create_authorisation_rule(
            actor=actor,
            org_id=group_id,
            effect="include",
            subject_kind="customer_class",
            subject_id=classes[code],
            target_kind="all",
            note="经销商与门店可订全部商品",
        )
    gift = Category.objects.get(code="GIFT")
    create_authorisation_rule(
        actor=actor,
        org_id=group_id,
        effect="exclude",
        subject_kind="customer_class",
        subject_id=classes["STORE"],
        target_kind="category",
        target_id=gift.pk,
        note="礼盒不对门店开放",
    )
    return 4
