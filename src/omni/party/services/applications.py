"""Dealer onboarding (申请加盟): public application, invitation links, review."""

from __future__ import annotations

import datetime as dt
import secrets

from django.db import transaction

from omni.kernel import audit, clock, outbox, throttle
from omni.kernel.actors import Actor
from omni.kernel.errors import InvalidInput, NotFound, UnknownReference
from omni.kernel.fields import clean_text
from omni.kernel.states import apply_transition
from omni.tenancy.selectors import list_organizations
from omni.tenancy.services.regions import resolve_region

from ..models import DealerApplication, Invitation
from ..selectors import get_application
from ..states import APPLICATION_FLOW
from ..validation import normalize_phone, normalize_tax_number
from .customers import CustomerData, add_contact_in_tx, create_customer_in_tx

INVITATION_LIFETIME = dt.timedelta(days=30)
APPLY_LIMIT = 10
APPLY_WINDOW = dt.timedelta(hours=1)
APPLICATION_APPROVED = "party.application_approved"  # handled by access: the portal login


@transaction.atomic(durable=True)
def create_invitation(*, actor: Actor, org_id: int, note: str = "") -> Invitation:
    actor.require("party.application.approve")
    org = list_organizations(actor).filter(pk=org_id).first()
    if org is None:
        raise NotFound(details={"org_id": org_id})
    invitation = Invitation.objects.create(
        org=org,
        token=secrets.token_urlsafe(24),
        invited_by_id=actor.id,
        note=clean_text(note, model=Invitation, field="note"),
        expires_at=clock.now() + INVITATION_LIFETIME,
    )
    audit.record(
        actor=actor,
        action="party.invitation_created",
        object_type="party.invitation",
        object_id=invitation.pk,
        after={"org": org.code, "note": note},
        org_id=org.pk,
    )
    return invitation


def find_invitation(token: str) -> Invitation | None:
    inv = Invitation.objects.select_related("org").filter(token=token).first()
    if inv is None or inv.expires_at <= clock.now():
        return None
    return inv


def submit_application(
    *,
    actor: Actor,
    company_name: str,
    contact_name: str,
    phone: str,
    region_code: str,
    address: str = "",
    business_scope: str = "",
    tax_number: str = "",
    invitation_token: str = "",
    client_ip: str = "",
) -> DealerApplication:
    """Anyone may apply (the actor is the anonymous web channel); invitations fix the org.
    At most APPLY_LIMIT submissions per client address and hour, refused or not: the hit is
    counted (committed) before the application's own transaction, so a refused submission
    still counts."""
    if client_ip:
        throttle.hit(f"apply:{client_ip}", limit=APPLY_LIMIT, window=APPLY_WINDOW)
    return _submit_application(
        actor=actor,
        company_name=company_name,
        contact_name=contact_name,
        phone=phone,
        region_code=region_code,
        address=address,
        business_scope=business_scope,
        tax_number=tax_number,
        invitation_token=invitation_token,
    )


@transaction.atomic(durable=True)
def _submit_application(
    *,
    actor: Actor,
    company_name: str,
    contact_name: str,
    phone: str,
    region_code: str,
    address: str,
    business_scope: str,
    tax_number: str,
    invitation_token: str,
) -> DealerApplication:
    if not company_name.strip() or not contact_name.strip():
        raise InvalidInput(details={"company_name": company_name, "contact_name": contact_name})
    invitation = None
    if invitation_token:
        invitation = find_invitation(invitation_token)
        if invitation is None:
            # names no live invitation: 404 like any unknown reference
            raise UnknownReference(
                "invalid_invitation", details={"invitation_token": "expired or unknown"}
            )
    app = DealerApplication.objects.create(
        org=invitation.org if invitation else None,
        invitation=invitation,
        company_name=clean_text(
            company_name, model=DealerApplication, field="company_name", required=True
        ),
        contact_name=clean_text(
            contact_name, model=DealerApplication, field="contact_name", required=True
        ),
        phone=normalize_phone(phone),
        region=resolve_region(region_code, field="region_code"),
        address=clean_text(address, model=DealerApplication, field="address"),
        business_scope=clean_text(
            business_scope, model=DealerApplication, field="business_scope", limit=2000
        ),
        tax_number=normalize_tax_number(tax_number),
        status_token=secrets.token_urlsafe(32),
    )
    audit.record_change(
        actor,
        "party.application_submitted",
        app,
        after={"company_name": app.company_name, "phone": app.phone},
    )
    return app


def _review(
    actor: Actor,
    application_id: int,
    action: str,
    *,
    audited: str,
    field: str,
    text: str,
    missing: str,
) -> DealerApplication:
    """A reviewer's answer that needs words (`text`, the argument `field`; `missing` says
    what an empty one lacks): the transition `action` with the text as its reason and the
    application's review note, audited as `audited`."""
    actor.require("party.application.approve")
    app = get_application(actor, application_id, permission=None)
    if not text.strip():
        raise InvalidInput(details={field: missing})
    apply_transition(
        DealerApplication,
        app.pk,
        APPLICATION_FLOW,
        action,
        actor=actor,
        reason=text,
        extra_updates={"review_note": text.strip()},
    )
    audit.record_change(actor, audited, app, after={field: text})
    app.refresh_from_db()
    return app


@transaction.atomic(durable=True)
def request_more_info(*, actor: Actor, application_id: int, note: str) -> DealerApplication:
    return _review(
        actor,
        application_id,
        "request_info",
        audited="party.application_more_info",
        field="note",
        text=note,
        missing="say what is missing",
    )


def find_application_by_token(token: str) -> DealerApplication | None:
    """The applicant's own view: the status link handed out at submission."""
    if not token or len(token) > 64:
        return None
    return DealerApplication.objects.select_related("region").filter(status_token=token).first()


@transaction.atomic(durable=True)
def resubmit_application(
    *,
    actor: Actor,
    status_token: str,
    business_scope: str,
    tax_number: str = "",
    address: str = "",
) -> DealerApplication:
    """The applicant answers a request for more information through their private link."""
    app = find_application_by_token(status_token)
    if app is None:
        raise NotFound()
    updates = {
        "business_scope": clean_text(
            business_scope, model=DealerApplication, field="business_scope", limit=2000
        )
    }
    if tax_number.strip():
        updates["tax_number"] = normalize_tax_number(tax_number)
    if address.strip():
        updates["address"] = clean_text(address, model=DealerApplication, field="address")
    apply_transition(
        DealerApplication, app.pk, APPLICATION_FLOW, "resubmit", actor=actor, extra_updates=updates
    )
    audit.record_change(
        actor,
        "party.application_resubmitted",
        app,
        before={k: getattr(app, k) for k in updates},
        after=updates,
    )
    app.refresh_from_db()
    return app


@transaction.atomic(durable=True)
def reject_application(*, actor: Actor, application_id: int, reason: str) -> DealerApplication:
    return _review(
        actor,
        application_id,
        "reject",
        audited="party.application_rejected",
        field="reason",
        text=reason,
        missing="required",
    )


@transaction.atomic(durable=True)
def approve_application(
    *,
    actor: Actor,
    application_id: int,
    customer_code: str,
    org_id: int,
    kind: str,
    class_id: int | None = None,
    level_id: int | None = None,
    sales_region_id: int | None = None,
    upper_id: int | None = None,
) -> DealerApplication:
    """Approve: the applicant becomes an active customer with the class, level, region and
    organisation the reviewer assigns, in the same transaction as the status change. The
    event `party.application_approved` then opens the applicant's portal login (access)."""
    actor.require("party.application.approve")
    app = get_application(actor, application_id, permission=None)
    apply_transition(DealerApplication, app.pk, APPLICATION_FLOW, "approve", actor=actor)
    customer = create_customer_in_tx(
        actor=actor,
        code=customer_code,
        data=CustomerData(
            name=app.company_name,
            kind=kind,
            org_id=org_id,
            class_id=class_id,
            level_id=level_id,
            sales_region_id=sales_region_id,
            region_code=app.region_id,
            upper_id=upper_id,
            tax_number=app.tax_number,
            invoice_title=app.company_name,
        ),
        status="active",
    )
    add_contact_in_tx(
        actor=actor,
        customer_id=customer.pk,
        name=app.contact_name,
        phone=app.phone,
        is_primary=True,
    )
    DealerApplication.objects.filter(pk=app.pk).update(customer=customer, org_id=org_id)
    # access opens the applicant's portal login after commit (party never imports access)
    outbox.publish(
        APPLICATION_APPROVED,
        {
            "application_id": app.pk,
            "customer_id": customer.pk,
            "customer_code": customer.code,
            "customer_kind": customer.kind,
            "org_id": org_id,
            "contact_name": app.contact_name,
            "phone": app.phone,
        },
        org_id=org_id,
    )
    audit.record(
        actor=actor,
        action="party.application_approved",
        object_type="party.dealerapplication",
        object_id=app.pk,
        after={"customer": customer.code, "org_id": org_id},
        org_id=org_id,
    )
    app.refresh_from_db()
    return app
