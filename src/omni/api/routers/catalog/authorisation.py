"""Catalog API: product authorisation (商品授权): the rules, and the catalogue they give one
customer."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Query, Router, Status

from omni.catalog import selectors
from omni.catalog.services import authorisation

from ...auth import request_actor
from ...pagination import Page, paginate
from ...schemas import (
    ERRORS,
    QueryId,
)
from .schemas import (
    AuthorisedFilter,
    RuleFilter,
    RuleIn,
    RuleOut,
    RulePatch,
    SkuOut,
    changed_fields,
)

router = Router()


# --- authorised catalogue (商品授权) for one customer -----------------------------------------


@router.get(
    "/authorised-skus",
    response={200: Page[SkuOut], **ERRORS},
    summary="The SKUs a customer may see and order (product authorisation)",
)
def authorised_skus(request: HttpRequest, filters: Query[AuthorisedFilter]):
    """Brand staff ask for a customer in their data scope; a dealer or store user gets
    their own customer's catalogue (another customer id answers 404)."""
    qs = selectors.list_customer_catalogue(
        actor=request_actor(request),
        customer_id=filters.customer_id,
        on=filters.on,
        search=filters.search,
    )
    return paginate(qs, filters)


# --- authorisation rules ------------------------------------------------------------------


@router.get(
    "/authorisation-rules", response={200: Page[RuleOut], **ERRORS}, summary="Authorisation rules"
)
def list_rules(request: HttpRequest, filters: Query[RuleFilter]):
    qs = selectors.list_authorisation_rules(
        actor=request_actor(request),
        effect=filters.effect,
        subject_kind=filters.subject_kind,
        target_kind=filters.target_kind,
        customer_id=filters.customer_id,
    )
    return paginate(qs, filters)


@router.post("/authorisation-rules", response={201: RuleOut, **ERRORS}, summary="Create a rule")
def create_rule(request: HttpRequest, payload: RuleIn):
    rule = authorisation.create_authorisation_rule(
        actor=request_actor(request), **payload.model_dump()
    )
    return Status(201, rule)


@router.get("/authorisation-rules/{rule_id}", response={200: RuleOut, **ERRORS}, summary="One rule")
def get_rule(request: HttpRequest, rule_id: QueryId):
    return selectors.get_authorisation_rule(actor=request_actor(request), rule_id=rule_id)


@router.patch(
    "/authorisation-rules/{rule_id}", response={200: RuleOut, **ERRORS}, summary="Change a rule"
)
def update_rule(request: HttpRequest, rule_id: QueryId, payload: RulePatch):
    return authorisation.update_authorisation_rule(
        actor=request_actor(request), rule_id=rule_id, **changed_fields(payload)
    )


@router.delete(
    "/authorisation-rules/{rule_id}", response={204: None, **ERRORS}, summary="Delete a rule"
)
def delete_rule(request: HttpRequest, rule_id: QueryId):
    authorisation.delete_authorisation_rule(actor=request_actor(request), rule_id=rule_id)
    return Status(204, None)
