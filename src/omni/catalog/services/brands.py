"""Brands (品牌)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from omni.kernel import audit
from omni.kernel.actors import Actor

from .. import errors
from ..models import Brand
from ..scoping import check_org_writable, check_row_writable, scoped
from ._common import UNSET, clean_code, clean_text, get_for_update, insert_unique

FIELDS = ("org", "code", "name", "is_active")


@transaction.atomic(durable=True)
def create_brand(*, actor: Actor, org_id: int, code: str, name: str) -> Brand:
    actor.require("catalog.brand.create")
    code = clean_code(code, model=Brand)
    name = clean_text(name, field="name", max_length=100)
    check_org_writable(actor, org_id)
    if Brand.objects.filter(code=code).exists():
        raise errors.conflict("duplicate_code", field="code", value=code)
    brand = insert_unique(
        lambda: Brand.objects.create(org_id=org_id, code=code, name=name),
        error="duplicate_code",
        field="code",
        value=code,
    )
    audit.record(
        actor=actor,
        action="catalog.brand_created",
        object_type="catalog.brand",
        object_id=brand.pk,
        after=audit.snapshot(brand, FIELDS),
        org_id=brand.org_id,
    )
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
        code = clean_code(code, model=Brand)
        if Brand.objects.filter(code=code).exclude(pk=brand.pk).exists():
            raise errors.conflict("duplicate_code", field="code", value=code)
        brand.code = code
    if name is not UNSET:
        brand.name = clean_text(name, field="name", max_length=100)
    if is_active is not UNSET:
        brand.is_active = bool(is_active)
    insert_unique(brand.save, error="duplicate_code", field="code", value=brand.code)
    after = audit.snapshot(brand, FIELDS)
    if after != before:
        audit.record(
            actor=actor,
            action="catalog.brand_updated",
            object_type="catalog.brand",
            object_id=brand.pk,
            before=before,
            after=after,
            org_id=brand.org_id,
        )
    return brand
