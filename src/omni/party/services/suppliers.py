from __future__ import annotations

from django.db import IntegrityError, transaction

from omni.kernel import audit
from omni.kernel.actors import Actor
from omni.kernel.errors import InvalidInput, NotFound

from ..errors import DuplicateCode
from ..models import Supplier
from ..selectors import scoped_organizations, scoped_suppliers
from ..validation import is_valid_code, normalize_phone, normalize_tax_number


@transaction.atomic(durable=True)
def create_supplier(
    *,
    actor: Actor,
    org_id: int,
    code: str,
    name: str,
    contact_name: str = "",
    phone: str = "",
    tax_number: str = "",
) -> Supplier:
    actor.require("party.supplier.create")
    if not is_valid_code(code) or not name.strip():
        raise InvalidInput(details={"code": code, "name": name})
    if not scoped_organizations(actor).filter(pk=org_id).exists():
        raise NotFound(details={"org_id": org_id})
    try:
        with transaction.atomic():
            supplier = Supplier.objects.create(
                org_id=org_id,
                code=code.strip(),
                name=name.strip()[:120],
                contact_name=contact_name.strip()[:60],
                phone=normalize_phone(phone) if phone else "",
                tax_number=normalize_tax_number(tax_number),
            )
    except IntegrityError:
        raise DuplicateCode(details={"code": code}) from None
    audit.record(
        actor=actor,
        action="party.supplier_created",
        object_type="party.supplier",
        object_id=supplier.pk,
        after=audit.snapshot(supplier, ["code", "name", "tax_number"]),
        org_id=org_id,
    )
    return supplier


SUPPLIER_FIELDS = ["code", "name", "contact_name", "phone", "tax_number", "is_active"]


@transaction.atomic(durable=True)
def update_supplier(
    *,
    actor: Actor,
    supplier_id: int,
    name: str,
    contact_name: str = "",
    phone: str = "",
    tax_number: str = "",
    is_active: bool = True,
) -> Supplier:
    """Edit a supplier (the code is its key and does not change)."""
    actor.require("party.supplier.edit")
    supplier = scoped_suppliers(actor).filter(pk=supplier_id).first()
    if supplier is None:
        raise NotFound(details={"supplier_id": supplier_id})
    if not name.strip():
        raise InvalidInput(details={"field": "name", "value": name})
    before = audit.snapshot(supplier, SUPPLIER_FIELDS)
    supplier.name = name.strip()[:120]
    supplier.contact_name = contact_name.strip()[:60]
    supplier.phone = normalize_phone(phone) if phone.strip() else ""
    supplier.tax_number = normalize_tax_number(tax_number)
    supplier.is_active = is_active
    supplier.save()
    after = audit.snapshot(supplier, SUPPLIER_FIELDS)
    if audit.changed_fields(before, after):
        audit.record(
            actor=actor,
            action="party.supplier_updated",
            object_type="party.supplier",
            object_id=supplier.pk,
            before=before,
            after=after,
            org_id=supplier.org_id,
        )
    return supplier
