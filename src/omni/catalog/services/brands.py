"""Brands (品牌)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from omni.kernel import audit
from omni.kernel.actors import Actor

from ..models import Brand
from ..scoping import check_org_writable, check_row_writable, scoped
from ._common import (
    UNSET,
    clean_code,
    clean_text,
    create_with_code,
    get_for_update,
    save_unique,
    set_code,
)

FIELDS = ("org", "code", "name", "is_active")


@transaction.atomic(durable=True)
def create_brand(*, actor: Actor, org_id: int, code: str, name: str) -> Brand:
    actor.require("catalog.brand.create")
    code = clean_code(code, model=Brand)
    name = clean_text(name, field="name", max_length=100)
    check_org_writable(actor, org_id)
    brand = create_with_code(
        Brand, code, lambda: Brand.objects.create(org_id=org_id, code=code, name=name)
    )
    audit.record_created(actor, "catalog.brand_created", brand, FIELDS)
    return brand


@transaction.atomic(durable=True)
def update_brand(
    *, actor: Actor, brand_id: int, code: Any = UNSET, name: Any = UNSET, is_active: Any = UNSET
) -> Brand:
    actor.require("catalog.brand.edit")
    brand = get_for_update(scoped(Brand.objects.all(), actor), brand_id, "brand")
    check_row_writable(actor, brand)
    before = audit.snapshot(brand, FIELDS)
    if code is not UNSET:
        set_code(brand, code)
    if name is not UNSET:
        brand.name = clean_text(name, field="name", max_length=100)
    if is_active is not UNSET:
        brand.is_active = bool(is_active)
    save_unique(brand)
    audit.record_updated(actor, "catalog.brand_updated", brand, before, FIELDS)
    return brand
