"""Customers (dealers, stores, key accounts): create, edit, status, contacts, addresses."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import IntegrityError, transaction

from omni.kernel import audit
from omni.kernel.actors import Actor
from omni.kernel.errors import InvalidInput, NotFound
from omni.kernel.states import apply_transition

from ..errors import CyclicHierarchy, DuplicateCode, SupplierOutsideOrganisation
from ..models import (
    Address,
    BankAccount,
    Contact,
    Customer,
    CustomerClass,
    CustomerKind,
    CustomerLevel,
    Organization,
    Region,
    SalesRegion,
)
from ..selectors import get_customer, scoped_customers
from ..states import CUSTOMER_FLOW
from ..validation import is_valid_code, normalize_phone, normalize_tax_number
from .regions import resolve_region

AUDITED = [
    "org",
    "code",
    "name",
    "short_name",
    "kind",
    "customer_class",
    "level",
    "sales_region",
    "region",
    "account_manager",
    "upper",
    "status",
    "tags",
    "invoice_title",
    "tax_number",
]
SUPPLYING_KINDS = {CustomerKind.DISTRIBUTOR, CustomerKind.DEALER}
MAX_CHAIN = 10


@dataclass
class CustomerData:
    """The editable fields of a customer (what forms, the API and imports provide)."""

    name: str
    kind: str
    org_id: int
    short_name: str = ""
    class_id: int | None = None
    level_id: int | None = None
    sales_region_id: int | None = None
    region_code: str = ""
    account_manager_id: int | None = None
    upper_id: int | None = None
    tags: list[str] = field(default_factory=list)
    invoice_title: str = ""
    tax_number: str = ""


def _resolve(actor: Actor, data: CustomerData, *, customer_id: int | None) -> dict:
    """Validate references and rules; return model field values. Raises on the first problem."""
    name = data.name.strip()
    if not name or len(name) > 120:
        raise InvalidInput(details={"name": "required, at most 120 characters"})
    if data.kind not in CustomerKind.values:
        raise InvalidInput(details={"kind": data.kind})
    org = Organization.objects.filter(pk=data.org_id).first()
    if org is None or (not actor.scope.everything and not _org_in_scope(actor, org)):
        raise NotFound(details={"org_id": data.org_id})
    values: dict = {
        "name": name,
        "short_name": data.short_name.strip()[:60],
        "kind": data.kind,
        "org": org,
        "tags": sorted({t.strip() for t in data.tags if t and t.strip()}),
        "invoice_title": data.invoice_title.strip()[:120],
        "tax_number": normalize_tax_number(data.tax_number),
    }
    for key, model, attr in (
        ("class_id", CustomerClass, "customer_class"),
        ("level_id", CustomerLevel, "level"),
        ("sales_region_id", SalesRegion, "sales_region"),
    ):
        ref = getattr(data, key)
        values[attr] = None
        if ref is not None:
            values[attr] = model.objects.filter(pk=ref).first()
            if values[attr] is None:
                raise InvalidInput("unknown_reference", details={"field": key, "value": ref})
    values["region"] = resolve_region(data.region_code) if data.region_code else None
    values["account_manager_id"] = data.account_manager_id
    values["upper"] = _check_upper(actor, data.upper_id, org, customer_id)
    return values


def _org_in_scope(actor: Actor, org: Organization) -> bool:
    from ..selectors import scoped_organizations

    return scoped_organizations(actor).filter(pk=org.pk).exists()


def _check_upper(actor: Actor, upper_id: int | None, org: Organization, customer_id: int | None):
    if upper_id is None:
        return None
    upper = scoped_customers(actor).filter(pk=upper_id).select_related("org").first()
    if upper is None:
        raise NotFound(details={"upper_id": upper_id})
    if upper.org_id != org.pk:
        raise SupplierOutsideOrganisation(details={"upper_id": upper_id, "org_id": org.pk})
    if upper.kind not in SUPPLYING_KINDS:
        raise InvalidInput(
            "upper_cannot_supply", details={"upper_id": upper_id, "kind": upper.kind}
        )
    # walk up the chain: it must not come back to this customer
    seen, node = set(), upper
    while node is not None:
        if (customer_id is not None and node.pk == customer_id) or node.pk in seen:
            raise CyclicHierarchy(details={"upper_id": upper_id})
        seen.add(node.pk)
        if len(seen) > MAX_CHAIN:
            raise CyclicHierarchy(details={"upper_id": upper_id, "reason": "chain too deep"})
        node = Customer.objects.filter(pk=node.upper_id).first() if node.upper_id else None
    return upper


@transaction.atomic(durable=True)
def create_customer(*, actor: Actor, code: str, data: CustomerData) -> Customer:
    actor.require("party.customer.create")
    return create_customer_in_tx(actor=actor, code=code, data=data)


def create_customer_in_tx(
    *, actor: Actor, code: str, data: CustomerData, status: str = "prospect"
) -> Customer:
    """For services that create a customer as part of their own transaction (approval)."""
    code = code.strip()
    if not is_valid_code(code):
        raise InvalidInput(details={"code": code})
    values = _resolve(actor, data, customer_id=None)
    try:
        with transaction.atomic():
            customer = Customer.objects.create(
                code=code, created_by_id=actor.id, status=status, **values
            )
    except IntegrityError:
        raise DuplicateCode(details={"code": code}) from None
    audit.record(
        actor=actor,
        action="party.customer_created",
        object_type="party.customer",
        object_id=customer.pk,
        after=audit.snapshot(customer, AUDITED),
        org_id=customer.org_id,
    )
    return customer


@transaction.atomic(durable=True)
def update_customer(*, actor: Actor, customer_id: int, data: CustomerData) -> Customer:
    actor.require("party.customer.edit")
    customer = get_customer(actor, customer_id)
    before = audit.snapshot(customer, AUDITED)
    values = _resolve(actor, data, customer_id=customer.pk)
    for key, value in values.items():
        setattr(customer, key, value)
    customer.save()
    after = audit.snapshot(customer, AUDITED)
    if audit.changed_fields(before, after):
        audit.record(
            actor=actor,
            action="party.customer_updated",
            object_type="party.customer",
            object_id=customer.pk,
            before=before,
            after=after,
            org_id=customer.org_id,
        )
    return customer


STATUS_PERMISSION = {
    "activate": "approve",
    "freeze": "approve",
    "unfreeze": "approve",
    "exit": "approve",
}


@transaction.atomic(durable=True)
def change_customer_status(
    *, actor: Actor, customer_id: int, action: str, reason: str = ""
) -> Customer:
    actor.require(f"party.customer.{STATUS_PERMISSION.get(action, 'approve')}")
    customer = get_customer(actor, customer_id)
    previous = apply_transition(
        Customer, customer.pk, CUSTOMER_FLOW, action, actor=actor, reason=reason
    )
    customer.refresh_from_db()
    audit.record(
        actor=actor,
        action=f"party.customer_{action}",
        object_type="party.customer",
        object_id=customer.pk,
        before={"status": previous},
        after={"status": customer.status, "reason": reason},
        org_id=customer.org_id,
    )
    return customer


@transaction.atomic(durable=True)
def add_contact(
    *,
    actor: Actor,
    customer_id: int,
    name: str,
    phone: str,
    position: str = "",
    is_primary: bool = False,
) -> Contact:
    actor.require("party.customer.edit")
    customer = get_customer(actor, customer_id)
    contact = add_contact_in_tx(
        customer, name=name, phone=phone, position=position, is_primary=is_primary
    )
    audit.record(
        actor=actor,
        action="party.contact_added",
        object_type="party.customer",
        object_id=customer.pk,
        after={"contact": contact.name, "phone": contact.phone},
        org_id=customer.org_id,
    )
    return contact


def add_contact_in_tx(
    customer: Customer, *, name: str, phone: str, position: str = "", is_primary: bool = False
) -> Contact:
    if not name.strip():
        raise InvalidInput(details={"name": "required"})
    contact = Contact.objects.create(
        customer=customer,
        name=name.strip()[:60],
        phone=normalize_phone(phone),
        position=position.strip()[:60],
        is_primary=is_primary,
    )
    if is_primary:
        customer.contacts.exclude(pk=contact.pk).update(is_primary=False)
    return contact


@transaction.atomic(durable=True)
def add_address(
    *,
    actor: Actor,
    customer_id: int,
    district_code: str,
    street: str,
    receiver: str,
    phone: str,
    is_default: bool = False,
) -> Address:
    """A delivery address. The district code determines city and province."""
    actor.require("party.customer.edit")
    customer = get_customer(actor, customer_id)
    region = resolve_region(district_code, field="district_code")
    chain = _region_chain(region)
    if not street.strip() or not receiver.strip():
        raise InvalidInput(details={"street": street, "receiver": receiver})
    address = Address.objects.create(
        customer=customer,
        province=chain[0],
        city=chain[1] if len(chain) > 1 else chain[0],
        district=chain[2] if len(chain) > 2 else None,
        street=street.strip()[:200],
        receiver=receiver.strip()[:60],
        phone=normalize_phone(phone),
        is_default=is_default,
    )
    if is_default:
        customer.addresses.exclude(pk=address.pk).update(is_default=False)
    audit.record(
        actor=actor,
        action="party.address_added",
        object_type="party.customer",
        object_id=customer.pk,
        after={
            "address": f"{' '.join(r.name for r in chain)} {address.street}",
            "receiver": address.receiver,
        },
        org_id=customer.org_id,
    )
    return address


@transaction.atomic(durable=True)
def add_bank_account(
    *, actor: Actor, customer_id: int, bank_name: str, account_name: str, account_no: str
) -> BankAccount:
    actor.require("party.customer.edit")
    customer = get_customer(actor, customer_id)
    digits = account_no.replace(" ", "")
    if (
        not bank_name.strip()
        or not account_name.strip()
        or not digits.isdigit()
        or not 8 <= len(digits) <= 30
    ):
        raise InvalidInput("invalid_bank_account", details={"account_no": account_no})
    account = BankAccount.objects.create(
        customer=customer,
        bank_name=bank_name.strip(),
        account_name=account_name.strip(),
        account_no=digits,
    )
    audit.record(
        actor=actor,
        action="party.bank_account_added",
        object_type="party.customer",
        object_id=customer.pk,
        after={"bank": account.bank_name, "account_no": f"****{digits[-4:]}"},
        org_id=customer.org_id,
    )
    return account


def _region_chain(region: Region) -> list[Region]:
    chain = [region]
    while chain[0].parent_id:
        chain.insert(0, chain[0].parent)
    return chain


DETAIL_MODELS = {"contact": Contact, "address": Address, "bank_account": BankAccount}
DEFAULT_FLAGS = {"contact": "is_primary", "address": "is_default"}


def _detail(customer: Customer, kind: str, item_id: int):
    model = DETAIL_MODELS.get(kind)
    if model is None:
        raise InvalidInput(details={"kind": kind})
    item = model.objects.filter(pk=item_id, customer=customer).first()
    if item is None:
        raise NotFound(details={kind: item_id})
    return item


@transaction.atomic(durable=True)
def remove_customer_detail(*, actor: Actor, customer_id: int, kind: str, item_id: int) -> None:
    """Remove a contact, delivery address or bank account of a customer."""
    actor.require("party.customer.edit")
    customer = get_customer(actor, customer_id)
    item = _detail(customer, kind, item_id)
    before = audit.snapshot(item)
    item.delete()
    audit.record(
        actor=actor,
        action=f"party.{kind}_removed",
        object_type="party.customer",
        object_id=customer.pk,
        before={kind: before},
        org_id=customer.org_id,
    )


@transaction.atomic(durable=True)
def set_default_detail(*, actor: Actor, customer_id: int, kind: str, item_id: int) -> None:
    """Make a contact the primary one, or an address the default one."""
    actor.require("party.customer.edit")
    customer = get_customer(actor, customer_id)
    if kind not in DEFAULT_FLAGS:
        raise InvalidInput(details={"kind": kind})
    item = _detail(customer, kind, item_id)
    flag = DEFAULT_FLAGS[kind]
    model = DETAIL_MODELS[kind]
    model.objects.filter(customer=customer).exclude(pk=item.pk).update(**{flag: False})
    model.objects.filter(pk=item.pk).update(**{flag: True})
    audit.record(
        actor=actor,
        action=f"party.{kind}_made_default",
        object_type="party.customer",
        object_id=customer.pk,
        after={kind: item.pk},
        org_id=customer.org_id,
    )
