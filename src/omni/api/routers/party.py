"""Party API: organisations, regions, customers, dealer applications, suppliers."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from omni.kernel.actors import Actor
from omni.kernel.errors import NotFound
from omni.kernel.requestid import client_ip
from omni.party import selectors
from omni.party.services import (
    applications,
    classification,
    customers,
    organizations,
    regions,
    suppliers,
)
from omni.party.states import CustomerStatus

from ..auth import request_actor
from ..pagination import PageIn, paginate
from ..schemas import ERRORS, Input

router = Router()


def _public_actor(request: HttpRequest) -> Actor:
    return Actor.channel("web:apply", request_id=getattr(request, "request_id", ""))


# --- schemas --------------------------------------------------------------------------------


class OrgOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    parent_id: int | None
    path: str
    is_active: bool


class OrgIn(Input):
    code: str = Field(min_length=1, max_length=32)
    name: str = Field(min_length=1, max_length=100)
    kind: str = Field(pattern="^(group|subsidiary|sales_org|department)$")
    parent_id: int | None = None


class MoveIn(Input):
    parent_id: int


class RegionOut(Schema):
    code: str
    name: str
    level: int
    parent_id: str | None


class SalesRegionOut(Schema):
    id: int
    org_id: int
    code: str
    name: str
    kind: str
    parent_id: int | None


class SalesRegionIn(Input):
    org_id: int
    code: str = Field(min_length=1, max_length=32)
    name: str = Field(min_length=1, max_length=60)
    kind: str = Field(pattern="^(area|district)$")
    parent_id: int | None = None
    region_codes: list[str] = Field(default_factory=list, max_length=500)


class RefOut(Schema):
    id: int
    code: str
    name: str


class ClassIn(Input):
    code: str = Field(min_length=1, max_length=32)
    name: str = Field(min_length=1, max_length=60)


class LevelIn(ClassIn):
    rank: int = Field(ge=1, le=99)


class LevelOut(RefOut):
    rank: int


class CustomerOut(Schema):
    id: int
    code: str
    name: str
    short_name: str
    kind: str
    status: str
    org_id: int
    class_id: int | None = Field(None, alias="customer_class_id")
    level_id: int | None
    sales_region_id: int | None
    region_code: str | None = Field(None, alias="region_id")
    account_manager_id: int | None
    upper_id: int | None
    tags: list[str]
    invoice_title: str
    tax_number: str
    created_at: dt.datetime
    updated_at: dt.datetime


class CustomerPage(Schema):
    items: list[CustomerOut]
    total: int
    page: int
    page_size: int


class CustomerFilter(PageIn):
    search: str = Field("", max_length=60)
    status: CustomerStatus | None = None
    kind: str = Field("", max_length=16)
    org_id: int | None = None
    sales_region_id: int | None = None
    class_id: int | None = None
    level_id: int | None = None
    province_code: str = Field("", max_length=6)
    tag: str = Field("", max_length=30)
    ordering: str = Field("code", pattern="^-?(code|name|created_at|updated_at|status)$")


class CustomerIn(Input):
    name: str = Field(min_length=1, max_length=120)
    kind: str = Field(pattern="^(distributor|dealer|store|key_account)$")
    org_id: int
    short_name: str = Field("", max_length=60)
    class_id: int | None = None
    level_id: int | None = None
    sales_region_id: int | None = None
    region_code: str = Field("", max_length=12)
    account_manager_id: int | None = None
    upper_id: int | None = None
    tags: list[str] = Field(default_factory=list, max_length=20)
    invoice_title: str = Field("", max_length=120)
    tax_number: str = Field("", max_length=20)

    def data(self) -> customers.CustomerData:
        return customers.CustomerData(**self.model_dump())


class NewCustomerIn(CustomerIn):
    code: str = Field(min_length=1, max_length=32)

    def data(self) -> customers.CustomerData:
        return customers.CustomerData(**self.model_dump(exclude={"code"}))


class StatusIn(Input):
    action: str = Field(pattern="^(activate|freeze|unfreeze|exit)$")
    reason: str = Field("", max_length=500)


class ContactIn(Input):
    name: str = Field(min_length=1, max_length=60)
    phone: str = Field(min_length=1, max_length=20)
    position: str = Field("", max_length=60)
    is_primary: bool = False


class ContactOut(Schema):
    id: int
    name: str
    phone: str
    position: str
    is_primary: bool


class AddressIn(Input):
    district_code: str = Field(min_length=6, max_length=12)
    street: str = Field(min_length=1, max_length=200)
    receiver: str = Field(min_length=1, max_length=60)
    phone: str = Field(min_length=1, max_length=20)
    is_default: bool = False


class AddressOut(Schema):
    id: int
    province_id: str
    city_id: str
    district_id: str | None
    street: str
    receiver: str
    phone: str
    is_default: bool


class ApplicationIn(Input):
    company_name: str = Field(min_length=1, max_length=120)
    contact_name: str = Field(min_length=1, max_length=60)
    phone: str = Field(min_length=1, max_length=20)
    region_code: str = Field(min_length=6, max_length=12)
    address: str = Field("", max_length=200)
    business_scope: str = Field("", max_length=2000)
    tax_number: str = Field("", max_length=20)
    invitation_token: str = Field("", max_length=64)


class ApplicationOut(Schema):
    id: int
    company_name: str
    contact_name: str
    phone: str
    region_id: str
    status: str
    review_note: str
    org_id: int | None
    customer_id: int | None
    created_at: dt.datetime


class SubmittedApplicationOut(ApplicationOut):
    status_token: str = Field(
        description="the applicant's private key to follow and amend the application"
    )


class ApplicantViewOut(Schema):
    company_name: str
    status: str
    review_note: str
    created_at: dt.datetime
    updated_at: dt.datetime


class ResubmitIn(Input):
    business_scope: str = Field(min_length=1, max_length=2000)
    tax_number: str = Field("", max_length=20)
    address: str = Field("", max_length=200)


class ApplicationPage(Schema):
    items: list[ApplicationOut]
    total: int
    page: int
    page_size: int


class ApplicationFilter(PageIn):
    status: str = Field("", pattern="^(|submitted|more_info|approved|rejected)$")


class ApproveIn(Input):
    customer_code: str = Field(min_length=1, max_length=32)
    org_id: int
    kind: str = Field("dealer", pattern="^(distributor|dealer|store|key_account)$")
    class_id: int | None = None
    level_id: int | None = None
    sales_region_id: int | None = None
    upper_id: int | None = None


class NoteIn(Input):
    note: str = Field(min_length=1, max_length=1000)


class InvitationIn(Input):
    org_id: int
    note: str = Field("", max_length=200)


class InvitationOut(Schema):
    id: int
    token: str
    org_id: int
    expires_at: dt.datetime


class SupplierIn(Input):
    org_id: int
    code: str = Field(min_length=1, max_length=32)
    name: str = Field(min_length=1, max_length=120)
    contact_name: str = Field("", max_length=60)
    phone: str = Field("", max_length=20)
    tax_number: str = Field("", max_length=20)


class SupplierOut(Schema):
    id: int
    org_id: int
    code: str
    name: str
    contact_name: str
    phone: str
    tax_number: str
    is_active: bool


class SupplierPage(Schema):
    items: list[SupplierOut]
    total: int
    page: int
    page_size: int


# --- organisations and regions ------------------------------------------------------------------


@router.get("/organizations", response={200: list[OrgOut], **ERRORS}, summary="Organisation tree")
def list_organizations(request: HttpRequest):
    actor = request_actor(request)
    actor.require("party.organization.view")
    return list(selectors.scoped_organizations(actor).order_by("path")[:2000])


@router.post("/organizations", response={201: OrgOut, **ERRORS}, summary="Create an organisation")
def create_organization(request: HttpRequest, payload: OrgIn):
    org = organizations.create_organization(actor=request_actor(request), **payload.model_dump())
    return Status(201, org)


@router.post(
    "/organizations/{org_id}/move", response={200: OrgOut, **ERRORS}, summary="Move an organisation"
)
def move_organization(request: HttpRequest, org_id: int, payload: MoveIn):
    return organizations.move_organization(
        actor=request_actor(request), org_id=org_id, new_parent_id=payload.parent_id
    )


@router.get(
    "/regions",
    response={200: list[RegionOut], **ERRORS},
    auth=None,
    summary="Administrative regions: provinces, or the children of `parent`",
)
def list_regions(request: HttpRequest, parent: str = Query("", max_length=12)):
    return list(selectors.region_children(parent or None))


@router.get(
    "/sales-regions", response={200: list[SalesRegionOut], **ERRORS}, summary="Sales regions"
)
def list_sales_regions(request: HttpRequest):
    actor = request_actor(request)
    actor.require("party.region.view")
    return list(selectors.list_sales_regions(actor)[:2000])


@router.post(
    "/sales-regions", response={201: SalesRegionOut, **ERRORS}, summary="Create a sales region"
)
def create_sales_region(request: HttpRequest, payload: SalesRegionIn):
    return Status(
        201, regions.create_sales_region(actor=request_actor(request), **payload.model_dump())
    )


@router.get("/customer-classes", response={200: list[RefOut], **ERRORS}, summary="Customer classes")
def list_classes(request: HttpRequest):
    request_actor(request).require("party.customer.view")
    return list(selectors.list_classes())


@router.post(
    "/customer-classes", response={201: RefOut, **ERRORS}, summary="Create a customer class"
)
def create_class(request: HttpRequest, payload: ClassIn):
    return Status(
        201,
        classification.create_customer_class(actor=request_actor(request), **payload.model_dump()),
    )


@router.post(
    "/customer-levels", response={201: LevelOut, **ERRORS}, summary="Create a customer level"
)
def create_level(request: HttpRequest, payload: LevelIn):
    return Status(
        201,
        classification.create_customer_level(actor=request_actor(request), **payload.model_dump()),
    )


@router.get("/customer-levels", response={200: list[LevelOut], **ERRORS}, summary="Customer levels")
def list_levels(request: HttpRequest):
    request_actor(request).require("party.customer.view")
    return list(selectors.list_levels())


# --- customers ----------------------------------------------------------------------------------


@router.get(
    "/customers", response={200: CustomerPage, **ERRORS}, summary="Customers in my data scope"
)
def list_customers(request: HttpRequest, filters: Query[CustomerFilter]):
    actor = request_actor(request)
    actor.require("party.customer.view")
    f = filters.model_dump(exclude={"page", "page_size"})
    f["status"] = f["status"] or ""
    return paginate(selectors.list_customers(actor, **f), filters)


@router.post("/customers", response={201: CustomerOut, **ERRORS}, summary="Create a customer")
def create_customer(request: HttpRequest, payload: NewCustomerIn):
    customer = customers.create_customer(
        actor=request_actor(request), code=payload.code, data=payload.data()
    )
    return Status(201, customer)


@router.get(
    "/customers/{customer_id}", response={200: CustomerOut, **ERRORS}, summary="One customer"
)
def get_customer(request: HttpRequest, customer_id: int):
    actor = request_actor(request)
    actor.require("party.customer.view")
    return selectors.get_customer(actor, customer_id)


@router.put(
    "/customers/{customer_id}", response={200: CustomerOut, **ERRORS}, summary="Update a customer"
)
def update_customer(request: HttpRequest, customer_id: int, payload: CustomerIn):
    return customers.update_customer(
        actor=request_actor(request), customer_id=customer_id, data=payload.data()
    )


@router.post(
    "/customers/{customer_id}/status",
    response={200: CustomerOut, **ERRORS},
    summary="Activate, freeze, unfreeze or exit a customer",
)
def change_status(request: HttpRequest, customer_id: int, payload: StatusIn):
    return customers.change_customer_status(
        actor=request_actor(request),
        customer_id=customer_id,
        action=payload.action,
        reason=payload.reason,
    )


@router.get("/customers/{customer_id}/contacts", response={200: list[ContactOut], **ERRORS})
def list_contacts(request: HttpRequest, customer_id: int):
    actor = request_actor(request)
    actor.require("party.customer.view")
    return list(selectors.get_customer(actor, customer_id).contacts.order_by("-is_primary", "pk"))


@router.post("/customers/{customer_id}/contacts", response={201: ContactOut, **ERRORS})
def add_contact(request: HttpRequest, customer_id: int, payload: ContactIn):
    return Status(
        201,
        customers.add_contact(
            actor=request_actor(request), customer_id=customer_id, **payload.model_dump()
        ),
    )


@router.get("/customers/{customer_id}/addresses", response={200: list[AddressOut], **ERRORS})
def list_addresses(request: HttpRequest, customer_id: int):
    actor = request_actor(request)
    actor.require("party.customer.view")
    return list(selectors.get_customer(actor, customer_id).addresses.order_by("-is_default", "pk"))


@router.post("/customers/{customer_id}/addresses", response={201: AddressOut, **ERRORS})
def add_address(request: HttpRequest, customer_id: int, payload: AddressIn):
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
    customer_id: int,
    kind: Literal["contacts", "addresses", "bank-accounts"],
    item_id: int,
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
    customer_id: int,
    kind: Literal["contacts", "addresses"],
    item_id: int,
):
    customers.set_default_detail(
        actor=request_actor(request),
        customer_id=customer_id,
        kind=DETAIL_KINDS[kind],
        item_id=item_id,
    )
    return Status(204, None)


DETAIL_KINDS = {"contacts": "contact", "addresses": "address", "bank-accounts": "bank_account"}


# --- onboarding ---------------------------------------------------------------------------------


@router.post(
    "/applications",
    response={201: SubmittedApplicationOut, **ERRORS},
    auth=None,
    summary="Apply to become a dealer (public)",
)
def submit_application(request: HttpRequest, payload: ApplicationIn):
    return Status(
        201,
        applications.submit_application(
            actor=_public_actor(request),
            client_ip=client_ip(request),
            **payload.model_dump(),
        ),
    )


@router.get(
    "/applications/status/{status_token}",
    response={200: ApplicantViewOut, **ERRORS},
    auth=None,
    summary="The applicant's view of their application (public, by private key)",
)
def applicant_view(request: HttpRequest, status_token: str):
    app = applications.find_application_by_token(status_token)
    if app is None:
        raise NotFound()
    return app


@router.post(
    "/applications/status/{status_token}/resubmit",
    response={200: ApplicantViewOut, **ERRORS},
    auth=None,
    summary="The applicant answers a request for more information",
)
def applicant_resubmit(request: HttpRequest, status_token: str, payload: ResubmitIn):
    return applications.resubmit_application(
        actor=_public_actor(request), status_token=status_token, **payload.model_dump()
    )


@router.get(
    "/applications", response={200: ApplicationPage, **ERRORS}, summary="Dealer applications"
)
def list_applications(request: HttpRequest, filters: Query[ApplicationFilter]):
    actor = request_actor(request)
    actor.require("party.application.view")
    qs = selectors.scoped_applications(actor).order_by("-created_at", "-pk")
    if filters.status:
        qs = qs.filter(status=filters.status)
    return paginate(qs, filters)


@router.get("/applications/{application_id}", response={200: ApplicationOut, **ERRORS})
def get_application(request: HttpRequest, application_id: int):
    actor = request_actor(request)
    actor.require("party.application.view")
    return selectors.get_application(actor, application_id)


@router.post("/applications/{application_id}/approve", response={200: ApplicationOut, **ERRORS})
def approve_application(request: HttpRequest, application_id: int, payload: ApproveIn):
    return applications.approve_application(
        actor=request_actor(request), application_id=application_id, **payload.model_dump()
    )


@router.post("/applications/{application_id}/reject", response={200: ApplicationOut, **ERRORS})
def reject_application(request: HttpRequest, application_id: int, payload: NoteIn):
    return applications.reject_application(
        actor=request_actor(request), application_id=application_id, reason=payload.note
    )


@router.post(
    "/applications/{application_id}/request-info", response={200: ApplicationOut, **ERRORS}
)
def request_info(request: HttpRequest, application_id: int, payload: NoteIn):
    return applications.request_more_info(
        actor=request_actor(request), application_id=application_id, note=payload.note
    )


@router.post(
    "/invitations", response={201: InvitationOut, **ERRORS}, summary="Create an invitation link"
)
def create_invitation(request: HttpRequest, payload: InvitationIn):
    return Status(
        201, applications.create_invitation(actor=request_actor(request), **payload.model_dump())
    )


# --- suppliers ----------------------------------------------------------------------------------


@router.get("/suppliers", response={200: SupplierPage, **ERRORS}, summary="Suppliers")
def list_suppliers(request: HttpRequest, filters: Query[PageIn]):
    actor = request_actor(request)
    actor.require("party.supplier.view")
    return paginate(selectors.scoped_suppliers(actor).order_by("code"), filters)


class SupplierUpdateIn(Input):
    name: str = Field(min_length=1, max_length=120)
    contact_name: str = Field("", max_length=60)
    phone: str = Field("", max_length=20)
    tax_number: str = Field("", max_length=20)
    is_active: bool = True


@router.put(
    "/suppliers/{supplier_id}", response={200: SupplierOut, **ERRORS}, summary="Edit a supplier"
)
def update_supplier(request: HttpRequest, supplier_id: int, payload: SupplierUpdateIn):
    return suppliers.update_supplier(
        actor=request_actor(request), supplier_id=supplier_id, **payload.model_dump()
    )


@router.post("/suppliers", response={201: SupplierOut, **ERRORS}, summary="Create a supplier")
def create_supplier(request: HttpRequest, payload: SupplierIn):
    return Status(
        201, suppliers.create_supplier(actor=request_actor(request), **payload.model_dump())
    )
