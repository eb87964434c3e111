"""Party API: dealer onboarding (public applications, review, invitations)."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Query, Router, Status

from omni.kernel.actors import Actor
from omni.kernel.errors import NotFound
from omni.kernel.requestid import client_ip
from omni.party import selectors
from omni.party.services import (
    applications,
)

from ...auth import request_actor
from ...pagination import Page, paginate
from ...schemas import (
    ERRORS,
    QueryId,
)
from .schemas import (
    ApplicantViewOut,
    ApplicationFilter,
    ApplicationIn,
    ApplicationOut,
    ApproveIn,
    InvitationIn,
    InvitationOut,
    NoteIn,
    ResubmitIn,
    StatusToken,
    SubmittedApplicationOut,
)

router = Router()


def _public_actor(request: HttpRequest) -> Actor:
    return Actor.channel("web:apply", request_id=getattr(request, "request_id", ""))


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
def applicant_view(request: HttpRequest, status_token: StatusToken):
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
def applicant_resubmit(request: HttpRequest, status_token: StatusToken, payload: ResubmitIn):
    return applications.resubmit_application(
        actor=_public_actor(request), status_token=status_token, **payload.model_dump()
    )


@router.get(
    "/applications", response={200: Page[ApplicationOut], **ERRORS}, summary="Dealer applications"
)
def list_applications(request: HttpRequest, filters: Query[ApplicationFilter]):
    qs = selectors.list_applications(request_actor(request), status=filters.status)
    return paginate(qs, filters)


@router.get("/applications/{application_id}", response={200: ApplicationOut, **ERRORS})
def get_application(request: HttpRequest, application_id: QueryId):
    return selectors.get_application(request_actor(request), application_id)


@router.post("/applications/{application_id}/approve", response={200: ApplicationOut, **ERRORS})
def approve_application(request: HttpRequest, application_id: QueryId, payload: ApproveIn):
    return applications.approve_application(
        actor=request_actor(request), application_id=application_id, **payload.model_dump()
    )


@router.post("/applications/{application_id}/reject", response={200: ApplicationOut, **ERRORS})
def reject_application(request: HttpRequest, application_id: QueryId, payload: NoteIn):
    return applications.reject_application(
        actor=request_actor(request), application_id=application_id, reason=payload.note
    )


@router.post(
    "/applications/{application_id}/request-info", response={200: ApplicationOut, **ERRORS}
)
def request_info(request: HttpRequest, application_id: QueryId, payload: NoteIn):
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
