"""Customer classes (客户分类) and levels (客户级别): the brand's own classification."""

from __future__ import annotations

from django.db import transaction

from omni.kernel import audit
from omni.kernel.actors import Actor
from omni.kernel.errors import InvalidInput
from omni.kernel.writes import insert_unique

from ..errors import DuplicateCode
from ..models import CustomerClass, CustomerLevel
from ..validation import is_valid_code


def _check(code: str, name: str) -> tuple[str, str]:
    code, name = (code or "").strip(), (name or "").strip()
    if not is_valid_code(code):
        raise InvalidInput(details={"field": "code", "value": code})
    if not name or len(name) > 60:
        raise InvalidInput(details={"field": "name", "value": name})
    return code, name


@transaction.atomic(durable=True)
def create_customer_class(*, actor: Actor, code: str, name: str) -> CustomerClass:
    actor.require("party.classification.edit")
    code, name = _check(code, name)
    item = insert_unique(
        lambda: CustomerClass.objects.create(code=code, name=name),
        lambda: DuplicateCode(details={"code": code}),
    )
    audit.record_created(actor, "party.customer_class_created", item, ("code", "name"))
    return item


@transaction.atomic(durable=True)
def create_customer_level(*, actor: Actor, code: str, name: str, rank: int) -> CustomerLevel:
    actor.require("party.classification.edit")
    code, name = _check(code, name)
    if not isinstance(rank, int) or not 1 <= rank <= 99:
        raise InvalidInput(details={"field": "rank", "value": rank})
    item = insert_unique(
        lambda: CustomerLevel.objects.create(code=code, name=name, rank=rank),
        lambda: DuplicateCode(details={"code": code}),
    )
    audit.record_created(actor, "party.customer_level_created", item, ("code", "name", "rank"))
    return item
