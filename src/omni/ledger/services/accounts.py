"""Accounts: a customer's asset accounts (one per type and currency) and the organisation's
counter accounts. Opening is idempotent: asking again returns the account that exists."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import IntegrityError, transaction

from omni.kernel import audit
from omni.kernel.actors import Actor
from omni.kernel.errors import NotFound
from omni.tenancy import directory
from omni.tenancy.selectors import list_organizations

from .. import errors
from ..models import Account, AccountType, Balance
from ..scoping import accounts_q
from ..types import AccountStatus, Holder


@dataclass(frozen=True, slots=True)
class OpenAccount:
    """A row of `open_accounts`: a customer account (customer_id) or an organisation's
    counter account (org_id, no customer)."""

    type_code: str
    customer_id: int | None = None
    org_id: int | None = None


def _types(codes: Iterable[str]) -> dict[str, AccountType]:
    found = {t.code: t for t in AccountType.objects.filter(code__in=set(codes), is_active=True)}
    return found


def _create(
    org_id: int, customer_id: int | None, account_type: AccountType
) -> tuple[Account, bool]:
    lookup = {"customer_id": customer_id} if customer_id else {"org_id": org_id, "customer": None}
    existing = Account.objects.filter(type=account_type, currency=account_type.currency, **lookup)
    found = existing.first()
    if found is not None:
        return found, False
    try:
        with transaction.atomic():
            account = Account.objects.create(
                org_id=org_id,
                customer_id=customer_id,
                type=account_type,
                currency=account_type.currency,
            )
            Balance.objects.bulk_create(
                [Balance(account=account, bucket=b) for b in range(account_type.buckets)]
            )
    except IntegrityError:  # opened by a concurrent request
        return existing.get(), False
    return account, True


@transaction.atomic(durable=True)
def open_accounts(*, actor: Actor, rows: Sequence[OpenAccount]) -> list[Account]:
    """Open (or find) accounts, all or nothing. Customer accounts take the customer's
    organisation; the customer must be one the actor may change."""
    actor.require("ledger.account.create")
    types = _types(r.type_code for r in rows)
    customer_ids = sorted({r.customer_id for r in rows if r.customer_id})
    customers = dict(
        directory.customers(actor).filter(pk__in=customer_ids).values_list("pk", "org_id")
    )
    out = []
    for i, row in enumerate(rows):
        account_type = types.get(row.type_code)
        if account_type is None:
            raise errors.UnknownAccountType(details={"row": i, "type": row.type_code})
        wants_customer = account_type.holder == Holder.CUSTOMER
        if wants_customer != bool(row.customer_id):
            raise errors.WrongHolder(details={"row": i, "type": row.type_code})
        if row.customer_id:
            if row.customer_id not in customers:
                raise errors.UnknownCustomer(details={"row": i, "customer_id": row.customer_id})
            org_id = customers[row.customer_id]
        else:
            org_id = row.org_id
            if org_id is None or not _org_writable(actor, org_id):
                raise NotFound(details={"row": i, "org_id": org_id})
        account, created = _create(org_id, row.customer_id, account_type)
        if created:
            audit.record_change(actor, "ledger.account_opened", account, after=_snap(account))
        out.append(account)
    return out


def open_account(
    *, actor: Actor, type_code: str, customer_id: int | None = None, org_id: int | None = None
) -> Account:
    return open_accounts(
        actor=actor, rows=[OpenAccount(type_code=type_code, customer_id=customer_id, org_id=org_id)]
    )[0]


def _org_writable(actor: Actor, org_id: int) -> bool:
    return list_organizations(actor, mode="write").filter(pk=org_id).exists()


def counter_account(org_id: int, type_code: str, currency: str = "CNY") -> int:
    """The id of the organisation's counter account of this type, opened on first use."""
    found = (
        Account.objects.filter(
            org_id=org_id, customer=None, type__code=type_code, currency=currency
        )
        .values_list("pk", flat=True)
        .first()
    )
    if found is not None:
        return found
    account_type = AccountType.objects.filter(code=type_code).first()
    if account_type is None or account_type.holder != Holder.ORGANISATION:
        raise errors.UnknownAccountType(details={"type": type_code})
    return _create(org_id, None, account_type)[0].pk


def customer_account(customer_id: int, org_id: int, type_code: str) -> int:
    """The id of the customer's account of this type, opened on first use (for services of
    higher layers acting for the system, e.g. a confirmed transfer)."""
    account_type = AccountType.objects.filter(code=type_code).first()
    if account_type is None or account_type.holder != Holder.CUSTOMER:
        raise errors.UnknownAccountType(details={"type": type_code})
    return _create(org_id, customer_id, account_type)[0].pk


@transaction.atomic(durable=True)
def set_account_status(*, actor: Actor, account_id: int, status: str) -> Account:
    """Freeze (no posting, no new hold) or unfreeze an account."""
    if status not in AccountStatus.values:
        raise errors.InvalidAmount(details={"field": "status"})  # pragma: no cover (schema)
    qs = Account.objects.select_for_update().filter(pk=account_id)
    q = accounts_q(actor, "ledger.account.edit", "write")
    account = (qs if q is None else qs.filter(q)).first()
    if account is None:
        raise NotFound(details={"object": "account", "id": account_id})
    before = _snap(account)
    Account.objects.filter(pk=account.pk).update(status=status)
    account.status = status
    if before != _snap(account):
        audit.record_change(
            actor, "ledger.account_status_changed", account, before=before, after=_snap(account)
        )
    return account


def _snap(account: Account) -> dict[str, object]:
    return audit.snapshot(account, ("org", "customer", "type", "currency", "status"))
