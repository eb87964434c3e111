"""Party pages: customers, dealer onboarding (申请加盟), organisations, suppliers.

Every page reads through `omni.party.selectors` (scoped by the actor's data scope) and writes
through `omni.party.services`, exactly like the JSON API (omni/api/routers/party.py). Without
the page's permission, or for an object outside the scope, the answer is 404.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from omni.kernel import audit
from omni.kernel.actors import Actor
from omni.kernel.errors import DomainError, NotFound
from omni.kernel.requestid import client_ip
from omni.kernel.states import state_history
from omni.party import selectors
from omni.party.services import applications, customers, organizations, regions, suppliers
from omni.party.services import classification as classifier
from omni.party.states import APPLICATION_FLOW, CUSTOMER_FLOW, ApplicationStatus, CustomerStatus
from omni.web.permissions import needs

from ..excel import xlsx_response
from ..listing import paginate, resolve_sort, saved_filters
from . import forms as f

View = Callable[..., HttpResponse]

CUSTOMER_ACTIONS = {
    "activate": gettext_lazy("Activate"),
    "freeze": gettext_lazy("Freeze"),
    "unfreeze": gettext_lazy("Unfreeze"),
    "exit": gettext_lazy("Exit"),
}
REASON_REQUIRED = {"freeze", "exit"}
NOTE_LABELS = {
    "reject": gettext_lazy("Reason for rejection"),
    "request_info": gettext_lazy("What is missing"),
}


# --- plumbing -----------------------------------------------------------------------------------


def _sections(actor: Actor) -> list[tuple[str, Any, str]]:
    """The party sub-navigation: (key, label, url) of the pages this actor may open."""
    links = [
        ("customers", gettext_lazy("Customers"), "party.customer.view", "party:customers"),
        (
            "applications",
            gettext_lazy("Dealer applications"),
            "party.application.view|party.application.approve",
            "party:applications",
        ),
        (
            "organizations",
            gettext_lazy("Organisations"),
            "party.organization.view",
            "party:organizations",
        ),
        (
            "sales-regions",
            gettext_lazy("Sales regions"),
            "party.region.view",
            "party:sales-regions",
        ),
        (
            "classification",
            gettext_lazy("Classes and levels"),
            "party.classification.view|party.customer.view",
            "party:classification",
        ),
        ("suppliers", gettext_lazy("Suppliers"), "party.supplier.view", "party:suppliers"),
    ]
    return [
        (key, label, reverse(name))
        for key, label, perms, name in links
        if any(actor.can(p) for p in perms.split("|"))
    ]


def _page(actor: Actor, section: str, **context: Any) -> dict[str, Any]:
    return {"active": "party", "section": section, "sections": _sections(actor), **context}


def _int(value: Any) -> int | None:
    return f.int_or_none(value)


def application_number(app: Any) -> str:
    """What the applicant quotes: SQ + submission date + id, e.g. SQ2025061200042."""
    return f"SQ{timezone.localtime(app.created_at):%Y%m%d}{app.pk:05d}"


def _status_rows(model: type, pk: int, labels: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "at": h.at,
            "actor": h.actor_name,
            "action": h.action,
            "from": labels.get(h.from_status, h.from_status),
            "to": labels.get(h.to_status, h.to_status),
            "reason": h.reason,
        }
        for h in state_history(model, pk).order_by("-id")
    ]


# --- regions (public: the application form uses it too) -------------------------------------


def region_options(request: HttpRequest) -> HttpResponse:
    """<option>s of the regions under `?parent=` (or under the value of the one select that
    asked, as htmx sends it: ``?province=310000``). ``clear=<id>`` also empties that select
    (the district list when the province changes)."""
    params = request.GET.copy()
    clear = params.pop("clear", [""])[0]
    parent = params.get("parent")
    if parent is None:
        parent = next((v for v in params.values() if v), "")
    regions = list(selectors.region_children(parent[:12])) if parent else []
    return render(
        request,
        "party/region_options.html",
        {"regions": regions, "clear": clear if clear.replace("_", "").isalnum() else ""},
    )


# --- customers ----------------------------------------------------------------------------------

CUSTOMER_SORTS = {
    "code": ("code",),
    "name": ("name", "code"),
    "kind": ("kind", "code"),
    "status": ("status", "code"),
    "org": ("org__name", "code"),
    "sales_region": ("sales_region__name", "code"),
    "created_at": ("created_at", "pk"),
}


def _customers_filtered(
    request: HttpRequest, actor: Actor
) -> tuple[f.CustomerFilterForm, QuerySet[Any]]:
    form = f.CustomerFilterForm(request.GET or None, actor=actor)
    if form.is_bound:
        form.is_valid()  # invalid fields are shown on the page and left out of the filter
    filters = form.filters()
    # list_customers filters the province with region_id__startswith, which Django refuses on
    # a foreign key (FieldError); filter on the region's code here until the selector is fixed.
    province = filters.pop("province_code")
    qs = selectors.list_customers(actor, **filters).select_related("region__parent__parent")
    if province:
        qs = qs.filter(region__code__startswith=province[:2])
    return form, qs


PARTY_AREA = (
    "party.customer.view|party.application.view|party.application.approve|"
    "party.organization.view|party.region.view|party.classification.view|party.supplier.view"
)


@needs(*PARTY_AREA.split("|"))
def customer_list(request: HttpRequest, actor: Actor) -> HttpResponse:
    """The entry page of 客户与组织; users who may not see customers land on the first
    party page they may open."""
    if not actor.can("party.customer.view"):
        return redirect(_sections(actor)[0][2])
    form, qs = _customers_filtered(request, actor)
    sort = resolve_sort(request, CUSTOMER_SORTS, default="code")
    listing = paginate(request, qs.order_by(*sort.order_by), sort=sort)
    return render(
        request,
        "party/customer_list.html",
        _page(
            actor,
            "customers",
            filter_form=form,
            listing=listing,
            export_url=reverse("party:customer-export")
            if actor.can("party.customer.export")
            else None,
            can_create=actor.can("party.customer.create"),
            **saved_filters(request, "party.customers", form),
        ),
    )


def _place(region: Any) -> str:
    names: list[str] = []
    while region is not None:
        names.insert(0, region.name)
        region = region.parent
    return " ".join(n for n in names if n != "市辖区")


@needs("party.customer.view")
def customer_export(request: HttpRequest, actor: Actor) -> HttpResponse:
    if not actor.can("party.customer.export"):
        raise Http404
    _form, qs = _customers_filtered(request, actor)
    sort = resolve_sort(request, CUSTOMER_SORTS, default="code")
    rows = (
        (
            c.code,
            c.name,
            c.short_name,
            c.get_kind_display(),
            c.get_status_display(),
            c.org.name,
            c.customer_class.name if c.customer_class_id else "",
            c.level.name if c.level_id else "",
            c.sales_region.name if c.sales_region_id else "",
            _place(c.region),
            f"{c.upper.code} {c.upper.name}" if c.upper_id else "",
            ", ".join(c.tags or []),
            c.tax_number,
            c.created_at,
        )
        for c in qs.order_by(*sort.order_by).iterator(chunk_size=2000)
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return xlsx_response(
        filename=f"{_('Customers')}-{stamp}.xlsx",
        sheet_title=_("Customers"),
        headers=[
            _("Customer code"),
            _("Customer name"),
            _("Short name"),
            _("Customer type"),
            _("Status"),
            _("Organisation"),
            _("Customer class"),
            _("Customer level"),
            _("Sales region"),
            _("Location"),
            _("Upper-level customer"),
            _("Tags"),
            _("Tax number"),
            _("Created at"),
        ],
        rows=rows,
    )


def _get_customer(actor: Actor, pk: int) -> Any:
    try:
        return selectors.get_customer(actor, pk)
    except NotFound:
        raise Http404 from None


def _customer_data(form: f.CustomerForm, *, account_manager_id: int | None = None) -> Any:
    d = form.cleaned_data
    return customers.CustomerData(
        name=d["name"],
        kind=d["kind"],
        org_id=int(d["org"]),
        short_name=d.get("short_name") or "",
        class_id=_int(d.get("customer_class")),
        level_id=_int(d.get("level")),
        sales_region_id=_int(d.get("sales_region")),
        region_code=form.cascade_code(),
        account_manager_id=account_manager_id,
        upper_id=d.get("upper"),
        tags=d.get("tags") or [],
        invoice_title=d.get("invoice_title") or "",
        tax_number=d.get("tax_number") or "",
    )


@needs("party.customer.create")
def customer_create(request: HttpRequest, actor: Actor) -> HttpResponse:
    form = f.CustomerForm(request.POST or None, actor=actor)
    if request.method == "POST" and form.is_valid():
        try:
            customer = customers.create_customer(
                actor=actor, code=form.cleaned_data["code"], data=_customer_data(form)
            )
        except DomainError as err:
            f.add_domain_error(form, err)
        else:
            messages.success(request, _("Customer %(code)s created.") % {"code": customer.code})
            return redirect("party:customer-detail", customer.pk)
    return render(
        request,
        "party/customer_form.html",
        _page(
            actor,
            "customers",
            form=form,
            customer=None,
            upper_suggestions=f.upper_suggestions(actor),
            breadcrumbs=[(gettext_lazy("Customers"), reverse("party:customers")), (_("New"), None)],
        ),
    )


@needs("party.customer.edit")
def customer_edit(request: HttpRequest, actor: Actor, pk: int) -> HttpResponse:
    customer = _get_customer(actor, pk)
    form = f.CustomerForm(
        request.POST or None,
        actor=actor,
        editing=True,
        initial=f.customer_initial(customer),
    )
    if request.method == "POST" and form.is_valid():
        try:
            customers.update_customer(
                actor=actor,
                customer_id=customer.pk,
                data=_customer_data(form, account_manager_id=customer.account_manager_id),
            )
        except DomainError as err:
            f.add_domain_error(form, err)
        else:
            messages.success(request, _("Customer %(code)s saved.") % {"code": customer.code})
            return redirect("party:customer-detail", customer.pk)
    return render(
        request,
        "party/customer_form.html",
        _page(
            actor,
            "customers",
            form=form,
            customer=customer,
            upper_suggestions=f.upper_suggestions(actor),
            breadcrumbs=[
                (gettext_lazy("Customers"), reverse("party:customers")),
                (customer.name, reverse("party:customer-detail", args=[customer.pk])),
                (_("Edit"), None),
            ],
        ),
    )


def _customer_post(
    request: HttpRequest, actor: Actor, customer: Any, bound: dict[str, Any]
) -> HttpResponse | None:
    """Handle one of the detail page's forms; a redirect on success, None to re-render."""
    op = request.POST.get("op", "")
    url = reverse("party:customer-detail", args=[customer.pk])
    if op == "status":
        allowed = CUSTOMER_FLOW.allowed_actions(customer.status)
        form = f.StatusActionForm(request.POST, actions=allowed)
        if not form.is_valid():
            messages.error(request, _("This action is not allowed in the current status."))
            return redirect(url)
        action, reason = form.cleaned_data["action"], form.cleaned_data["reason"].strip()
        if action in REASON_REQUIRED and not reason:
            messages.error(request, _("Give a reason for this action."))
            return redirect(url)
        try:
            changed = customers.change_customer_status(
                actor=actor, customer_id=customer.pk, action=action, reason=reason
            )
        except DomainError as err:
            messages.error(request, str(err.message))
        else:
            messages.success(
                request,
                _("Status changed to %(status)s.") % {"status": changed.get_status_display()},
            )
        return redirect(url)
    if op in ("remove", "default"):
        kind = request.POST.get("kind", "")
        tab = {"contact": "contacts", "address": "addresses", "bank_account": "bank"}.get(kind, "")
        try:
            item_id = int(request.POST.get("item", ""))
            if op == "remove":
                customers.remove_customer_detail(
                    actor=actor, customer_id=customer.pk, kind=kind, item_id=item_id
                )
            else:
                customers.set_default_detail(
                    actor=actor, customer_id=customer.pk, kind=kind, item_id=item_id
                )
        except ValueError:
            raise Http404 from None
        except DomainError as err:
            messages.error(request, str(err.message))
        else:
            messages.success(request, _("Saved."))
        return redirect(f"{url}#{tab}")
    handlers: dict[str, tuple[type, str, Callable[[Any], Any]]] = {
        "contact": (
            f.ContactForm,
            "contacts",
            lambda d: customers.add_contact(actor=actor, customer_id=customer.pk, **d),
        ),
        "address": (
            f.AddressForm,
            "addresses",
            lambda d: customers.add_address(
                actor=actor,
                customer_id=customer.pk,
                district_code=d["district"],
                street=d["street"],
                receiver=d["receiver"],
                phone=d["phone"],
                is_default=d["is_default"],
            ),
        ),
        "bank": (
            f.BankAccountForm,
            "bank",
            lambda d: customers.add_bank_account(actor=actor, customer_id=customer.pk, **d),
        ),
    }
    if op not in handlers:
        return redirect(url)
    form_class, tab, call = handlers[op]
    form = form_class(request.POST)
    bound[op], bound["open_tab"] = form, tab
    if form.is_valid():
        try:
            call(form.cleaned_data)
        except DomainError as err:
            f.add_domain_error(form, err)
        else:
            messages.success(request, _("Saved."))
            return redirect(f"{url}#{tab}")
    return None


@needs("party.customer.view")
def customer_detail(request: HttpRequest, actor: Actor, pk: int) -> HttpResponse:
    customer = _get_customer(actor, pk)
    bound: dict[str, Any] = {}
    if request.method == "POST":
        response = _customer_post(request, actor, customer, bound)
        if response is not None:
            return response
    can_edit = actor.can("party.customer.edit")
    status_labels = dict(CustomerStatus.choices)
    actions = [
        (a, CUSTOMER_ACTIONS.get(a, a), a in REASON_REQUIRED)
        for a in CUSTOMER_FLOW.allowed_actions(customer.status)
    ]
    return render(
        request,
        "party/customer_detail.html",
        _page(
            actor,
            "customers",
            customer=customer,
            place=_place(customer.region),
            contacts=customer.contacts.order_by("-is_primary", "pk"),
            addresses=customer.addresses.select_related("province", "city", "district").order_by(
                "-is_default", "pk"
            ),
            bank_accounts=customer.bank_accounts.order_by("pk"),
            lower_customers=selectors.scoped_customers(actor)
            .filter(upper_id=customer.pk)
            .select_related("org", "customer_class")
            .order_by("code"),
            status_rows=_status_rows(type(customer), customer.pk, status_labels),
            status_actions=actions if actor.can("party.customer.approve") else [],
            can_edit=can_edit,
            contact_form=bound.get("contact") or f.ContactForm(),
            address_form=bound.get("address") or f.AddressForm(),
            bank_form=bound.get("bank") or f.BankAccountForm(),
            open_tab=bound.get("open_tab"),
            tabs=[
                ("basic", gettext_lazy("Basic information")),
                ("contacts", gettext_lazy("Contacts")),
                ("addresses", gettext_lazy("Addresses")),
                ("bank", gettext_lazy("Bank accounts")),
                ("lower", gettext_lazy("Lower-level customers")),
                ("status", gettext_lazy("Status history")),
            ],
            history=audit.history_rows("party.customer", customer.pk),
            breadcrumbs=[
                (gettext_lazy("Customers"), reverse("party:customers")),
                (customer.name, None),
            ],
        ),
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
        try:
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
        except DomainError as err:
            f.add_domain_error(form, err, fields=f.APPLICATION_FIELDS)
        else:
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
        try:
            applications.resubmit_application(
                actor=Actor.channel("web:apply", request_id=getattr(request, "request_id", "")),
                status_token=status_token,
                business_scope=d["business_scope"],
                tax_number=d.get("tax_number") or "",
                address=d.get("address") or "",
            )
        except DomainError as err:
            f.add_domain_error(form, err)
        else:
            messages.success(request, _("Thank you. Your application is back with the reviewer."))
            return redirect("party:apply-status", status_token=status_token)
    return render(
        request,
        "party/apply_status.html",
        {"app": app, "number": application_number(app), "form": form},
    )


# --- dealer onboarding: review ------------------------------------------------------------------

APPLICATION_SORTS = {
    "created_at": ("created_at", "pk"),
    "company_name": ("company_name", "pk"),
    "status": ("status", "pk"),
}


@needs("party.application.view", "party.application.approve")
def application_list(request: HttpRequest, actor: Actor) -> HttpResponse:
    form = f.ApplicationFilterForm(request.GET or None)
    qs = selectors.scoped_applications(actor).select_related(
        "region__parent__parent", "org", "customer"
    )
    if form.is_bound and form.is_valid():
        if form.cleaned_data.get("status"):
            qs = qs.filter(status=form.cleaned_data["status"])
        if search := (form.cleaned_data.get("search") or "").strip():
            qs = qs.filter(
                Q(company_name__icontains=search)
                | Q(contact_name__icontains=search)
                | Q(phone__icontains=search)
            )
    sort = resolve_sort(request, APPLICATION_SORTS, default="-created_at")
    listing = paginate(request, qs.order_by(*sort.order_by), sort=sort)
    for app in listing.page.object_list:
        app.number, app.place = application_number(app), _place(app.region)
    can_invite = actor.can("party.application.approve")
    return render(
        request,
        "party/application_list.html",
        _page(
            actor,
            "applications",
            filter_form=form,
            listing=listing,
            **saved_filters(request, "party.applications", form),
            invite_form=f.InvitationForm(actor=actor) if can_invite else None,
            invitation=request.session.pop("party.invitation", None),
            apply_url=request.build_absolute_uri(reverse("party:apply")),
        ),
    )


@needs("party.application.approve")
def application_invite(request: HttpRequest, actor: Actor) -> HttpResponse:
    if request.method != "POST":
        return redirect("party:applications")
    form = f.InvitationForm(request.POST, actor=actor)
    if not form.is_valid():
        messages.error(request, _("Choose the organisation the dealer will belong to."))
        return redirect("party:applications")
    try:
        invitation = applications.create_invitation(
            actor=actor, org_id=int(form.cleaned_data["org"]), note=form.cleaned_data["note"]
        )
    except DomainError as err:
        messages.error(request, str(err.message))
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
        try:
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
        except DomainError as err:
            f.add_domain_error(form, err)
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
        try:
            if op == "reject":
                applications.reject_application(actor=actor, application_id=app.pk, reason=note)
            else:
                applications.request_more_info(actor=actor, application_id=app.pk, note=note)
        except DomainError as err:
            f.add_domain_error(form, err, fields={"reason": "note"})
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
        app = selectors.get_application(actor, pk)
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
            history=audit.history_rows("party.dealerapplication", app.pk),
            breadcrumbs=[
                (gettext_lazy("Dealer applications"), reverse("party:applications")),
                (number, None),
            ],
        ),
    )


# --- organisations ------------------------------------------------------------------------------


@needs("party.organization.view")
def organization_tree(request: HttpRequest, actor: Actor) -> HttpResponse:
    orgs = list(selectors.scoped_organizations(actor))
    ids = {o.pk for o in orgs}
    counts = dict(
        selectors.scoped_customers(actor)
        .order_by()
        .values("org")
        .annotate(n=Count("id"))
        .values_list("org", "n")
    )
    children: dict[int | None, list[Any]] = {}
    for o in orgs:
        children.setdefault(o.parent_id if o.parent_id in ids else None, []).append(o)
    rows: list[dict[str, Any]] = []

    def walk(parent: int | None, depth: int) -> None:
        for o in sorted(children.get(parent, []), key=lambda o: o.code):
            rows.append(
                {
                    "org": o,
                    "depth": depth,
                    "indent": depth * 24,
                    "kind_label": f.org_kind_label(o.kind),
                    "customers": counts.get(o.pk, 0),
                    "has_children": bool(children.get(o.pk)),
                }
            )
            walk(o.pk, depth + 1)

    walk(None, 0)
    create_form = move_form = None
    if actor.can("party.organization.create"):
        create_form = f.OrganizationForm(
            request.POST if request.POST.get("form") == "create" else None, actor=actor
        )
    if actor.can("party.organization.edit"):
        move_form = f.MoveOrganizationForm(
            request.POST if request.POST.get("form") == "move" else None, actor=actor
        )
    if request.method == "POST":
        done = _org_post(request, actor, create_form, move_form)
        if done:
            return redirect("party:organizations")
    return render(
        request,
        "party/organization_tree.html",
        _page(actor, "organizations", rows=rows, create_form=create_form, move_form=move_form),
    )


def _org_post(request: HttpRequest, actor: Actor, create_form: Any, move_form: Any) -> bool:
    """Create or move an organisation; True when done (errors stay on the bound form)."""
    form = create_form if request.POST.get("form") == "create" else move_form
    if form is None:
        raise Http404
    if not form.is_valid():
        return False
    d = form.cleaned_data
    try:
        if form is create_form:
            org = organizations.create_organization(
                actor=actor,
                code=d["code"],
                name=d["name"],
                kind=d["kind"],
                parent_id=int(d["parent"]),
            )
            messages.success(request, _("Organisation %(code)s created.") % {"code": org.code})
        else:
            org = organizations.move_organization(
                actor=actor, org_id=int(d["org"]), new_parent_id=int(d["parent"])
            )
            messages.success(request, _("Organisation %(code)s moved.") % {"code": org.code})
    except DomainError as err:
        f.add_domain_error(
            form, err, fields={"cyclic_hierarchy": "parent", "duplicate_code": "code"}
        )
        return False
    return True


@needs("party.region.view")
def sales_regions(request: HttpRequest, actor: Actor) -> HttpResponse:
    """Sales regions (大区/片区) as a tree, with the provinces each covers; create form."""
    form = None
    if actor.can("party.region.create"):
        form = f.SalesRegionForm(request.POST or None, actor=actor)
        if request.method == "POST" and form.is_valid():
            d = form.cleaned_data
            try:
                sr = regions.create_sales_region(
                    actor=actor,
                    org_id=int(d["org"]),
                    code=d["code"],
                    name=d["name"],
                    kind=d["kind"],
                    parent_id=int(d["parent"]) if d.get("parent") else None,
                    region_codes=list(d.get("provinces") or []),
                )
            except DomainError as err:
                f.add_domain_error(form, err, fields={"duplicate_code": "code"})
            else:
                messages.success(request, _("Sales region %(code)s created.") % {"code": sr.code})
                return redirect("party:sales-regions")
    elif request.method == "POST":
        raise Http404
    items = list(selectors.list_sales_regions(actor).prefetch_related("regions"))
    by_parent: dict[int | None, list[Any]] = {}
    ids = {r.pk for r in items}
    for r in items:
        by_parent.setdefault(r.parent_id if r.parent_id in ids else None, []).append(r)
    rows: list[dict[str, Any]] = []

    def walk(parent: int | None, depth: int) -> None:
        for r in by_parent.get(parent, []):
            rows.append(
                {"region": r, "indent": depth * 24, "provinces": [x.name for x in r.regions.all()]}
            )
            walk(r.pk, depth + 1)

    walk(None, 0)
    return render(
        request, "party/sales_regions.html", _page(actor, "sales-regions", rows=rows, form=form)
    )


@needs("party.classification.view", "party.customer.view")
def classification(request: HttpRequest, actor: Actor) -> HttpResponse:
    """Customer classes (客户分类) and levels (客户级别)."""
    can_edit = actor.can("party.classification.edit")
    which = request.POST.get("form")
    class_form = f.ClassForm(request.POST if which == "class" else None, prefix="class")
    level_form = f.LevelForm(request.POST if which == "level" else None, prefix="level")
    if request.method == "POST":
        if not can_edit or which not in ("class", "level"):
            raise Http404
        form = class_form if which == "class" else level_form
        if form.is_valid():
            d = form.cleaned_data
            try:
                if which == "class":
                    classifier.create_customer_class(actor=actor, code=d["code"], name=d["name"])
                else:
                    classifier.create_customer_level(
                        actor=actor, code=d["code"], name=d["name"], rank=d["rank"]
                    )
            except DomainError as err:
                f.add_domain_error(form, err, fields={"duplicate_code": "code"})
            else:
                messages.success(request, _("Saved."))
                return redirect("party:classification")
    return render(
        request,
        "party/classification.html",
        _page(
            actor,
            "classification",
            classes=selectors.list_classes(),
            levels=selectors.list_levels(),
            class_form=class_form if can_edit else None,
            level_form=level_form if can_edit else None,
        ),
    )


# --- suppliers ----------------------------------------------------------------------------------

SUPPLIER_SORTS = {
    "code": ("code",),
    "name": ("name", "code"),
    "org": ("org__name", "code"),
    "created_at": ("created_at", "pk"),
}


def _suppliers_filtered(
    request: HttpRequest, actor: Actor
) -> tuple[f.SupplierFilterForm, QuerySet[Any]]:
    form = f.SupplierFilterForm(request.GET or None, actor=actor)
    qs = selectors.scoped_suppliers(actor).select_related("org")
    if form.is_bound:
        form.is_valid()
        d = getattr(form, "cleaned_data", {})
        if search := (d.get("search") or "").strip():
            qs = qs.filter(Q(code__icontains=search) | Q(name__icontains=search))
        if org_id := _int(d.get("org")):
            qs = qs.filter(org_id=org_id)
        if d.get("active") in ("0", "1"):
            qs = qs.filter(is_active=d["active"] == "1")
    return form, qs


@needs("party.supplier.view")
def supplier_list(request: HttpRequest, actor: Actor) -> HttpResponse:
    form, qs = _suppliers_filtered(request, actor)
    sort = resolve_sort(request, SUPPLIER_SORTS, default="code")
    listing = paginate(request, qs.order_by(*sort.order_by), sort=sort)
    return render(
        request,
        "party/supplier_list.html",
        _page(
            actor,
            "suppliers",
            filter_form=form,
            listing=listing,
            export_url=reverse("party:supplier-export")
            if actor.can("party.supplier.export")
            else None,
            can_create=actor.can("party.supplier.create"),
            can_edit=actor.can("party.supplier.edit"),
            **saved_filters(request, "party.suppliers", form),
        ),
    )


@needs("party.supplier.export")
def supplier_export(request: HttpRequest, actor: Actor) -> HttpResponse:
    if not actor.can("party.supplier.view"):
        raise Http404
    _form, qs = _suppliers_filtered(request, actor)
    sort = resolve_sort(request, SUPPLIER_SORTS, default="code")
    rows = (
        (
            s.code,
            s.name,
            s.org.name,
            s.contact_name,
            s.phone,
            s.tax_number,
            _("Active") if s.is_active else _("Inactive"),
            s.created_at,
        )
        for s in qs.order_by(*sort.order_by).iterator(chunk_size=2000)
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return xlsx_response(
        filename=f"{_('Suppliers')}-{stamp}.xlsx",
        sheet_title=_("Suppliers"),
        headers=[
            _("Supplier code"),
            _("Supplier name"),
            _("Organisation"),
            _("Contact person"),
            _("Phone"),
            _("Tax number"),
            _("Status"),
            _("Created at"),
        ],
        rows=rows,
    )


@needs("party.supplier.create")
def supplier_create(request: HttpRequest, actor: Actor) -> HttpResponse:
    form = f.SupplierForm(request.POST or None, actor=actor)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            supplier = suppliers.create_supplier(
                actor=actor,
                org_id=int(d["org"]),
                code=d["code"],
                name=d["name"],
                contact_name=d.get("contact_name") or "",
                phone=d.get("phone") or "",
                tax_number=d.get("tax_number") or "",
            )
        except DomainError as err:
            f.add_domain_error(form, err)
        else:
            messages.success(request, _("Supplier %(code)s created.") % {"code": supplier.code})
            return redirect("party:suppliers")
    return render(
        request,
        "party/supplier_form.html",
        _page(
            actor,
            "suppliers",
            form=form,
            breadcrumbs=[(gettext_lazy("Suppliers"), reverse("party:suppliers")), (_("New"), None)],
        ),
    )


@needs("party.supplier.edit")
def supplier_edit(request: HttpRequest, actor: Actor, pk: int) -> HttpResponse:
    supplier = selectors.scoped_suppliers(actor).filter(pk=pk).first()
    if supplier is None:
        raise Http404
    initial = {
        "org": str(supplier.org_id),
        "code": supplier.code,
        "name": supplier.name,
        "contact_name": supplier.contact_name,
        "phone": supplier.phone,
        "tax_number": supplier.tax_number,
        "is_active": supplier.is_active,
    }
    form = f.SupplierForm(request.POST or None, actor=actor, initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            suppliers.update_supplier(
                actor=actor,
                supplier_id=supplier.pk,
                name=d["name"],
                contact_name=d.get("contact_name") or "",
                phone=d.get("phone") or "",
                tax_number=d.get("tax_number") or "",
                is_active=d.get("is_active", True),
            )
        except DomainError as err:
            f.add_domain_error(form, err)
        else:
            messages.success(request, _("Saved."))
            return redirect("party:suppliers")
    return render(
        request,
        "party/supplier_form.html",
        _page(
            actor,
            "suppliers",
            form=form,
            supplier=supplier,
            history=audit.history_rows("party.supplier", supplier.pk),
            breadcrumbs=[
                (gettext_lazy("Suppliers"), reverse("party:suppliers")),
                (supplier.name, None),
            ],
        ),
    )
