"""Reactions of access to other domains' events (outbox, after their commit)."""

from __future__ import annotations

from omni.kernel.actors import Actor
from omni.kernel.outbox import Event, handles

from .services.portal import create_portal_login

APPLICATION_APPROVED = "party.application_approved"


@handles(APPLICATION_APPROVED)
def open_portal_login(event: Event) -> None:
    """An approved dealer application: the applicant gets a login bound to the new customer
    (and, through the approver and their status page, a link to choose a password)."""
    p = event.payload
    create_portal_login(
        actor=Actor.system("onboarding"),
        customer_id=int(p["customer_id"]),
        customer_code=str(p.get("customer_code", "")),
        customer_kind=str(p.get("customer_kind", "")),
        org_id=p.get("org_id"),
        display_name=str(p.get("contact_name", "")),
        phone=str(p.get("phone", "")),
        source=f"application:{p.get('application_id')}",
    )
