"""Party API: organisations, administrative and sales regions, customer classes and levels."""

from __future__ import annotations

from typing import Annotated

from django.http import HttpRequest
from ninja import Query, Router, Status

from omni.party import selectors
from omni.party.services import (
    classification,
)
from omni.tenancy import selectors as tenancy
from omni.tenancy.services import organizations, regions

from ...auth import request_actor
from ...schemas import (
    ERRORS,
    QueryId,
)
from .schemas import (
    ClassIn,
    LevelIn,
    LevelOut,
    MoveIn,
    OrgIn,
    OrgOut,
    RefOut,
    RegionOut,
    SalesRegionIn,
    SalesRegionOut,
)

router = Router()


# --- organisations and regions ------------------------------------------------------------------


@router.get("/organizations", response={200: list[OrgOut], **ERRORS}, summary="Organisation tree")
def list_organizations(request: HttpRequest):
    actor = request_actor(request)
    orgs = tenancy.list_organizations(actor, permission="party.organization.view")
    return list(orgs.order_by("path")[:2000])


@router.post("/organizations", response={201: OrgOut, **ERRORS}, summary="Create an organisation")
def create_organization(request: HttpRequest, payload: OrgIn):
    org = organizations.create_organization(actor=request_actor(request), **payload.model_dump())
    return Status(201, org)


@router.post(
    "/organizations/{org_id}/move", response={200: OrgOut, **ERRORS}, summary="Move an organisation"
)
def move_organization(request: HttpRequest, org_id: QueryId, payload: MoveIn):
    return organizations.move_organization(
        actor=request_actor(request), org_id=org_id, new_parent_id=payload.parent_id
    )


@router.get(
    "/regions",
    response={200: list[RegionOut], **ERRORS},
    auth=None,
    summary="Administrative regions: provinces, or the children of `parent`",
)
def list_regions(
    request: HttpRequest,
    parent: Annotated[str, Query("", pattern=r"^([0-9]{6,12})?$")],
):
    return list(tenancy.list_regions(parent or None))


@router.get(
    "/sales-regions", response={200: list[SalesRegionOut], **ERRORS}, summary="Sales regions"
)
def list_sales_regions(request: HttpRequest):
    actor = request_actor(request)
    return list(tenancy.list_sales_regions(actor, permission="party.region.view")[:2000])


@router.post(
    "/sales-regions", response={201: SalesRegionOut, **ERRORS}, summary="Create a sales region"
)
def create_sales_region(request: HttpRequest, payload: SalesRegionIn):
    return Status(
        201, regions.create_sales_region(actor=request_actor(request), **payload.model_dump())
    )


@router.get("/customer-classes", response={200: list[RefOut], **ERRORS}, summary="Customer classes")
def list_classes(request: HttpRequest):
    return list(selectors.list_classes(request_actor(request)))


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
    return list(selectors.list_levels(request_actor(request)))
