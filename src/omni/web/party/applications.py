"""Dealer onboarding (申请加盟): the public form and status page, invitations, review."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from omni.kernel.actors import Actor
from omni.kernel.errors import NotFound
from omni.kernel.requestid import client_ip
from omni.party import selectors
from omni.party.services import applications
from omni.party.states import (
    APPLICATION_FLOW,
    ApplicationStatus,
)
from omni.web import audit_display
from omni.web.outcomes import flash_errors
from omni.web.permissions import needs

from ..access import welcome
from . import forms as f
from .common import (
    NOTE_LABELS,
    _int,
    _page,
    _place,
    _status_rows,
    application_number,
)

# --- dealer onboarding: the public form ---------------------------------------------------------


def apply(request: HttpRequest, token: str = "") -> HttpResponse:
    """申请加盟: public, no login, CSRF-protected; made for a phone screen."""
    invitation = applications.find_invitation(token) if token else None
    form = f.ApplicationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if form.cleaned_data.get("website"):  # the hidden field only bots fill in
            return redirect("party:apply-done")
        d = form.cleaned_data
        with f.form_errors(form, fields=f.APPLICATION_FIELDS) as done:
            app = applications.submit_application(
                actor=Actor.channel("web:apply", request_id=getattr(request, "request_id", "")),
                company_name=d["company_name"],
                contact_name=d["contact_name"],
                phone=d["phone"],
                region_code=form.cascade_code(),
                address=d.get("address") or "",
                business_scope=d.get("business_scope") or "",
                tax_number=d.get("tax_number") or "",
                invitation_token=token,
                client_ip=client_ip(request),
            )
        if done:
            request.session["party.applied"] = {
                "number": application_number(app),
                "company": app.company_name,
                "status_token": app.status_token,
            }
            return redirect("party:apply-done")
    return render(
        request,
        "party/apply.html",
        {"form": form, "invitation": invitation, "bad_token": bool(token) and invitation is None},
    )


def apply_done(request: HttpRequest) -> HttpResponse:
    return render(
        request, "party/apply_done.html", {"applied": request.session.get("party.applied")}
    )


def apply_status(request: HttpRequest, status_token: str) -> HttpResponse:
    """The applicant's private page (public URL with a secret key): status, the reviewer's
    request for more information, and the form to answer it."""
    app = applications.find_application_by_token(status_token)
    if app is None:
        raise Http404
    form = f.ResubmitForm(request.POST or None, initial={"business_scope": app.business_scope})
    if request.method == "POST" and app.status == "more_info" and form.is_valid():
        d = form.cleaned_data
        with f.form_errors(form) as done:
            applications.resubmit_application(
                actor=Actor.channel("web:apply", request_id=getattr(request, "request_id", "")),
                status_token=status_token,
                business_scope=d["business_scope"],
                tax_number=d.get("tax_number") or "",
                address=d.get("address") or "",
            )
        if done:
            messages.success(request, _("Thank you. Your application is back with the reviewer."))
            return redirect("party:apply-status", status_token=status_token)
    return render(
        request,
        "party/apply_status.html",
        {
            "app": app,
            "number": application_number(app),
            "form": form,
            "portal_login": welcome.login_for_applicant(request, app.customer_id),
        },
    )


@needs("party.application.approve")
def application_invite(request: HttpRequest, actor: Actor) -> HttpResponse:
    if request.method != "POST":
        return redirect("party:applications")
    form = f.InvitationForm(request.POST, actor=actor)
    if not form.is_valid():
        messages.error(request, _("Choose the organisation the dealer will belong to."))
        return redirect("party:applications")
    with flash_errors(request) as ok:
        invitation = applications.create_invitation(
            actor=actor, org_id=int(form.cleaned_data["org"]), note=form.cleaned_data["note"]
        )
    if not ok:
        return redirect("party:applications")
    request.session["party.invitation"] = {
        "url": request.build_absolute_uri(reverse("party:apply-invited", args=[invitation.token])),
        "org": invitation.org.name,
        "expires_at": timezone.localtime(invitation.expires_at).strftime("%Y-%m-%d %H:%M"),
    }
    return redirect("party:applications")


def _review_post(request: HttpRequest, actor: Actor, app: Any, bound: dict[str, Any]) -> bool:
    """Approve / reject / request more information. True when done (redirect)."""
    op = request.POST.get("op", "")
    if op == "approve":
        form = f.ApproveForm(request.POST, actor=actor)
        bound["approve"] = form
        if not form.is_valid():
            return False
        d = form.cleaned_data
        with f.form_errors(form) as ok:
            done = applications.approve_application(
                actor=actor,
                application_id=app.pk,
                customer_code=d["code"],
                org_id=int(d["org"]),
                kind=d["kind"],
                class_id=_int(d.get("customer_class")),
                level_id=_int(d.get("level")),
                sales_region_id=_int(d.get("sales_region")),
                upper_id=d.get("upper"),
            )
        if not ok:
            return False
        messages.success(
            request,
            _("Application approved; customer %(code)s created.") % {"code": done.customer.code},
        )
        return True
    if op in ("reject", "request_info"):
        form = f.NoteForm(request.POST, prefix=op, label=NOTE_LABELS[op])
        bound[op] = form
        if not form.is_valid():
            return False
        note = form.cleaned_data["note"]
        with f.form_errors(form, fields={"reason": "note"}) as done:
            if op == "reject":
                applications.reject_application(actor=actor, application_id=app.pk, reason=note)
            else:
                applications.request_more_info(actor=actor, application_id=app.pk, note=note)
        if not done:
            return False
        messages.success(
            request,
            _("Application rejected.") if op == "reject" else _("More information requested."),
        )
        return True
    return False


@needs("party.application.view", "party.application.approve")
def application_detail(request: HttpRequest, actor: Actor, pk: int) -> HttpResponse:
    try:
        app = selectors.get_application(actor, pk, permission=None)
    except NotFound:
        raise Http404 from None
    bound: dict[str, Any] = {}
    if request.method == "POST":
        if not actor.can("party.application.approve"):
            raise Http404
        if _review_post(request, actor, app, bound):
            return redirect("party:application-detail", app.pk)
    allowed = set(APPLICATION_FLOW.allowed_actions(app.status))
    can_review = actor.can("party.application.approve") and bool(
        allowed & {"approve", "reject", "request_info"}
    )
    tabs = [("review", gettext_lazy("Review"))] if can_review else []
    tabs.append(("status", gettext_lazy("Status history")))
    number = application_number(app)
    return render(
        request,
        "party/application_detail.html",
        _page(
            actor,
            "applications",
            app=app,
            number=number,
            place=_place(app.region),
            can_review=can_review,
            allowed=allowed,
            approve_form=bound.get("approve")
            or f.ApproveForm(actor=actor, initial={"org": app.org_id or ""}),
            reject_form=bound.get("reject")
            or f.NoteForm(prefix="reject", label=NOTE_LABELS["reject"]),
            info_form=bound.get("request_info")
            or f.NoteForm(prefix="request_info", label=NOTE_LABELS["request_info"]),
            open_tab="review" if bound else None,
            upper_suggestions=f.upper_suggestions(actor) if can_review else [],
            status_rows=_status_rows(type(app), app.pk, dict(ApplicationStatus.choices)),
            tabs=tabs,
            history=audit_display.history_rows("party.dealerapplication", app.pk),
            portal_login=welcome.login_for_approver(request, actor, app.customer_id),
            breadcrumbs=[
                (gettext_lazy("Dealer applications"), reverse("party:applications")),
                (number, None),
            ],
        ),
    )
