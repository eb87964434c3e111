"""Ledger test helpers: a small world of customers with accounts."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from omni.kernel.actors import Actor
from omni.ledger.services.accounts import counter_account, open_account
from omni.ledger.services.posting import post_entry
from omni.ledger.types import EntryKind
from omni.party.tests.factories import World, make_world

SYSTEM = Actor.system("test")


@dataclass
class Funds:
    world: World
    cash: int  # 上海浦江商贸's cash/prepaid account
    store_cash: int  # 徐汇便利店's (lower level of sh_dealer)
    gz_cash: int  # 广州天河's (other subsidiary)
    bank: int  # 华东销售部's bank counter account
    gz_bank: int
    points: int


def make_funds() -> Funds:
    world = make_world()
    cash = open_account(actor=SYSTEM, type_code="cash", customer_id=world.sh_dealer.pk).pk
    store_cash = open_account(actor=SYSTEM, type_code="cash", customer_id=world.sh_store.pk).pk
    gz_cash = open_account(actor=SYSTEM, type_code="cash", customer_id=world.gz_dealer.pk).pk
    points = open_account(actor=SYSTEM, type_code="points", customer_id=world.sh_dealer.pk).pk
    bank = counter_account(world.east_sales.pk, "bank")
    gz_bank = counter_account(world.south_sales.pk, "bank")
    return Funds(world, cash, store_cash, gz_cash, bank, gz_bank, points)


def top_up(account: int, bank: int, amount: str, *, key: str | None = None, actor: Actor = SYSTEM):
    value = Decimal(amount)
    return post_entry(
        actor=actor,
        kind=EntryKind.TOP_UP,
        lines=[(account, value), (bank, -value)],
        source_type="test",
        source_id=key or "",
        key=key,
    )
