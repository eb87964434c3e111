"""Transfers under the one scope rule: organisation, the customer's sales region, assigned
customers, account manager, bound dealer (and its lower-level customers)."""

from __future__ import annotations

from django.db.models import Q

from omni.kernel.actors import Actor
from omni.tenancy.scope import Mode, scope_q


def transfers_q(actor: Actor, permission: str | None, mode: Mode = "read") -> Q | None:
    return scope_q(
        actor,
        permission,
        mode,
        org="org",
        customer="customer",
        sales_region="customer__sales_region",
        owner="customer__account_manager",
    )


def autopay_rules_q(actor: Actor, permission: str | None, mode: Mode = "read") -> Q | None:
    """Auto-pay rules belong to an organisation and apply down its tree, so reading reaches
    the rules of the organisations above the actor's too (the rules that apply to them);
    changing reaches only rules inside the actor's organisation subtrees."""
    return scope_q(actor, permission, mode, org="org", shared_down=True)
