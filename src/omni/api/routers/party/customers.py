"""Party API: customers, their contacts and delivery addresses."""

from __future__ import annotations

from typing import Literal

from django.http import HttpRequest
from ninja import Query, Router, Status

from omni.kernel.filters import build
from omni.party import filters as party_filters
from omni.party import selectors
from omni.party.services import (
    customers,
)

from ...auth import request_actor
from ...pagination import Page, paginate
from ...schemas import (
    ERRORS,
    QueryId,
)
from .schemas import (
    AddressIn,
    AddressOut,
    ContactIn,
    ContactOut,
    CustomerFilter,
    CustomerIn,
    CustomerOut,
    NewCustomerIn,
    StatusIn,
)

router = Router()


# --- customers ----------------------------------------------------------------------------------


@router.get(
    "/customers", response={200: Page[CustomerOut], **ERRORS}, summary="Customers in my data scope"
)
def list_customers(request: HttpRequest, filters: Query[CustomerFilter]):
    qs = selectors.list_customers(
        request_actor(request),
        build(party_filters.CustomerFilter, filters.model_dump()),
        ordering=filters.ordering,
    )
    return paginate(qs, filters)


@router.post("/customers", response={201: CustomerOut, **ERRORS}, summary="Create a customer")
def create_customer(request: HttpRequest, payload: NewCustomerIn):
    customer = customers.create_customer(
        actor=request_actor(request), code=payload.code, data=payload.data()
    )
    return Status(201, customer)


@router.get(
    "/customers/{customer_id}", response={200: CustomerOut, **ERRORS}, summary="One customer"
)
def get_customer(request: HttpRequest, customer_id: QueryId):
    return selectors.get_customer(request_actor(request), customer_id)


@router.put(
    "/customers/{customer_id}", response={200: CustomerOut, **ERRORS}, summary="Update a customer"
)
def update_customer(request: HttpRequest, customer_id: QueryId, payload: CustomerIn):
    return customers.update_customer(
        actor=request_actor(request), customer_id=customer_id, data=payload.data()
    )


@router.post(
    "/customers/{customer_id}/status",
    response={200: CustomerOut, **ERRORS},
    summary="Activate, freeze, unfreeze or exit a customer",
)
def change_status(request: HttpRequest, customer_id: QueryId, payload: StatusIn):
    return customers.change_customer_status(
        actor=request_actor(request),
        customer_id=customer_id,
        action=payload.action,
        reason=payload.reason,
    )


@router.get("/customers/{customer_id}/contacts", response={200: list[ContactOut], **ERRORS})
def list_contacts(request: HttpRequest, customer_id: QueryId):
    return list(selectors.list_contacts(request_actor(request), customer_id))


@router.post("/customers/{customer_id}/contacts", response={201: ContactOut, **ERRORS})
def add_contact(request: HttpRequest, customer_id: QueryId, payload: ContactIn):
    return Status(
        201,
        customers.add_contact(
            actor=request_actor(request), customer_id=customer_id, **payload.model_dump()
        ),
    )


@router.get("/customers/{customer_id}/addresses", response={200: list[AddressOut], **ERRORS})
def list_addresses(request: HttpRequest, customer_id: QueryId):
    return list(selectors.list_addresses(request_actor(request), customer_id))


@router.post("/customers/{customer_id}/addresses", response={201: AddressOut, **ERRORS})
def add_address(request: HttpRequest, customer_id: QueryId, payload: AddressIn):
    return Status(
        201,
        customers.add_address(
            actor=request_actor(request), customer_id=customer_id, **payload.model_dump()
        ),
    )


@router.delete(
    "/customers/{customer_id}/{kind}/{item_id}",
    response={204: None, **ERRORS},
    summary="Remove a contact, address or bank account",
)
def remove_detail(
    request: HttpRequest,
    customer_id: QueryId,
    kind: Literal["contacts", "addresses", "bank-accounts"],
    item_id: QueryId,
):
    customers.remove_customer_detail(
        actor=request_actor(request),
        customer_id=customer_id,
        kind=DETAIL_KINDS[kind],
        item_id=item_id,
    )
    return Status(204, None)


@router.post(
    "/customers/{customer_id}/{kind}/{item_id}/default",
    response={204: None, **ERRORS},
    summary="Make a contact primary or an address the default",
)
def make_default(
    request: HttpRequest,
    customer_id: QueryId,
    kind: Literal["contacts", "addresses"],
    item_id: QueryId,
):
    customers.set_default_detail(
        actor=request_actor(request),
        customer_id=customer_id,
        kind=DETAIL_KINDS[kind],
        item_id=item_id,
    )
    return Status(204, None)


DETAIL_KINDS = {"contacts": "contact", "addresses": "address", "bank-accounts": "bank_account"}
