"""Customers (dealers, stores, key accounts): create, edit, status, contacts, addresses.

Customer writes are bulk-first: `upsert_customers` takes rows (`types.CustomerRow`),
loads what they refer to in bulk (one query per reference type and chunk), checks them
with the pure rules of `calculations` and writes the good ones. `create_customer` and
`update_customer` call it with one row, and the Excel import with each chunk, so a page,
the API and an Excel row meet the same rule and the same error code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from omni.kernel import audit
from omni.kernel.actors import Actor
from omni.kernel.errors import InvalidInput, NotFound
from omni.kernel.states import apply_transition

from ..calculations import MAX_CHAIN, SUPPLYING_KINDS  # noqa: F401  (public constants)
from ..errors import ReasonRequired
from ..models import Address, BankAccount, Contact, Customer
from ..selectors import get_customer
from ..states import CUSTOMER_FLOW, REASON_REQUIRED
from ..types import AddressRow, BatchResult, ContactRow, CustomerRow
from .contact_batch import CREATE as ENTRY_CREATE
from .contact_batch import (  # noqa: F401  (the bulk path of contacts and addresses)
    MODELS,
    apply_contacts_addresses_in_tx,
    upsert_contacts_addresses,
    validate_contacts_addresses,
)
from .customer_batch import (  # noqa: F401  (the bulk path, public here too)
    AUDITED,
    CREATE,
    UPSERT,
    apply_customers_in_tx,
    upsert_customers,
    validate_customers,
)


@dataclass
class CustomerData:
    """The editable fields of a customer (what forms and the API provide)."""

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

    def row(self, *, code: str, customer_id: int | None = None) -> CustomerRow:
        return CustomerRow(
            id=customer_id,
            code=code,
            name=self.name,
            kind=self.kind,
            org=self.org_id,
            short_name=self.short_name,
            customer_class=self.class_id,
            level=self.level_id,
            sales_region=self.sales_region_id,
            region_code=self.region_code,
            upper=self.upper_id,
            tags=tuple(self.tags),
            invoice_title=self.invoice_title,
            tax_number=self.tax_number,
            account_manager_id=self.account_manager_id,
        )


# --- one customer: the bulk path with one row ---------------------------------------------------


def _one(result: BatchResult) -> Customer:
    result.raise_first()
    pk = next(iter({**result.created, **result.updated}.values()), None)
    return Customer.objects.get(pk=pk) if pk is not None else None  # type: ignore[return-value]


@transaction.atomic(durable=True)
def create_customer(*, actor: Actor, code: str, data: CustomerData) -> Customer:
    actor.require("party.customer.create")
    return create_customer_in_tx(actor=actor, code=code, data=data)


def create_customer_in_tx(
    *, actor: Actor, code: str, data: CustomerData, status: str = "prospect"
) -> Customer:
    """For services that create a customer as part of their own transaction (approval)."""
    result = apply_customers_in_tx(
        actor=actor,
        rows=[data.row(code=code)],
        mode=CREATE,
        status=status,
        all_or_nothing=True,
    )
    return _one(result)


@transaction.atomic(durable=True)
def update_customer(*, actor: Actor, customer_id: int, data: CustomerData) -> Customer:
    actor.require("party.customer.edit")
    customer = get_customer(actor, customer_id, permission=None)
    result = apply_customers_in_tx(
        actor=actor,
        rows=[data.row(code=customer.code, customer_id=customer.pk)],
        all_or_nothing=True,
    )
    result.raise_first()
    customer.refresh_from_db()
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
    customer = get_customer(actor, customer_id, permission=None)
    reason = reason.strip()
    if action in REASON_REQUIRED and not reason:
        raise ReasonRequired(details={"field": "reason", "action": action})
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


# --- contacts and addresses: the bulk path (`contact_batch`) with one row ----------------------


def _entry(
    actor: Actor, row: ContactRow | AddressRow, kind: str, pk: int | None = None, **options: Any
) -> Any:
    """`row` written by the contact service, all or nothing; the contact or address it
    created or changed (`pk`: the one it names, when it changed nothing)."""
    result = apply_contacts_addresses_in_tx(actor=actor, rows=[row], all_or_nothing=True, **options)
    result.raise_first()
    pk = next(iter({**result.created, **result.updated}.values()), pk)
    return MODELS[kind].objects.get(pk=pk)


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
    """A new contact; the same customer, name and phone again is refused (duplicate_contact)."""
    actor.require("party.customer.edit")
    # out of scope: 404 before the body is looked at
    get_customer(actor, customer_id, permission=None)
    return add_contact_in_tx(
        actor=actor,
        customer_id=customer_id,
        name=name,
        phone=phone,
        position=position,
        is_primary=is_primary,
    )


def add_contact_in_tx(
    *,
    actor: Actor,
    customer_id: int,
    name: str,
    phone: str,
    position: str = "",
    is_primary: bool = False,
) -> Contact:
    """For services that add a contact in their own transaction (approval)."""
    row = ContactRow(customer_id, name, phone, position, default=is_primary)
    return _entry(actor, row, "contact", mode=ENTRY_CREATE)


@transaction.atomic(durable=True)
def update_contact(
    *,
    actor: Actor,
    customer_id: int,
    contact_id: int,
    name: str,
    phone: str,
    position: str = "",
    is_primary: bool | None = None,
) -> Contact:
    """Edit a contact (None: the primary flag stays as it is)."""
    actor.require("party.customer.edit")
    get_customer(actor, customer_id, permission=None)
    row = ContactRow(customer_id, name, phone, position, default=is_primary, id=contact_id)
    return _entry(actor, row, "contact", contact_id)


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
    """A delivery address. The district code determines city and province; the same region,
    street and receiver again is refused (duplicate_address)."""
    actor.require("party.customer.edit")
    get_customer(actor, customer_id, permission=None)
    row = AddressRow(customer_id, district_code, street, receiver, phone, default=is_default)
    return _entry(actor, row, "address", mode=ENTRY_CREATE)


@transaction.atomic(durable=True)
def update_address(
    *,
    actor: Actor,
    customer_id: int,
    address_id: int,
    district_code: str,
    street: str,
    receiver: str,
    phone: str,
    is_default: bool | None = None,
) -> Address:
    """Edit a delivery address (None: the default flag stays as it is)."""
    actor.require("party.customer.edit")
    get_customer(actor, customer_id, permission=None)
    row = AddressRow(
        customer_id, district_code, street, receiver, phone, default=is_default, id=address_id
    )
    return _entry(actor, row, "address", address_id)


@transaction.atomic(durable=True)
def add_bank_account(
    *, actor: Actor, customer_id: int, bank_name: str, account_name: str, account_no: str
) -> BankAccount:
    actor.require("party.customer.edit")
    customer = get_customer(actor, customer_id, permission=None)
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
    audit.record_change(
        actor,
        "party.bank_account_added",
        customer,
        after={"bank": account.bank_name, "account_no": f"****{digits[-4:]}"},
    )
    return account


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
    customer = get_customer(actor, customer_id, permission=None)
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
    customer = get_customer(actor, customer_id, permission=None)
    if kind not in DEFAULT_FLAGS:
        raise InvalidInput(details={"kind": kind})
    item = _detail(customer, kind, item_id)
    if isinstance(item, Contact):
        row: ContactRow | AddressRow = ContactRow(
            customer.pk, item.name, item.phone, item.position, default=True, id=item.pk
        )
    else:
        region = item.district_id or item.city_id
        row = AddressRow(
            customer.pk, region, item.street, item.receiver, item.phone, default=True, id=item.pk
        )
    apply_contacts_addresses_in_tx(actor=actor, rows=[row], all_or_nothing=True).raise_first()
