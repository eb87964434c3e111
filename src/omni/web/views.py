from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.db.models import Count, QuerySet
from django.db.models.functions import TruncDate
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from omni.kernel import audit, clock
from omni.kernel.actors import Actor
from omni.kernel.health import check_health
from omni.kernel.models import AuditEntry
from omni.tenancy.selectors import list_scope_org_ids

from . import audit_display, portal
from .forms import AuditFilterForm, ThrottledLoginForm
from .nav import is_portal
from .permissions import needs, signed_in
from .tables import Column, ListPage, Table, detail_link, filtered_by, join, tags
from .templatetags.omni_ui import actor_kind

View = Callable[..., HttpResponse]


# --- shell ---------------------------------------------------------------------------------


class LoginView(auth_views.LoginView):
    template_name = "web/login.html"
    authentication_form = ThrottledLoginForm
    redirect_authenticated_user = True

    def form_invalid(self, form: Any) -> HttpResponse:
        response = super().form_invalid(form)
        if any(e.code == "too_many_requests" for e in form.non_field_errors().as_data()):
            response.status_code = 429  # the one throttle's status, as in the API
        return response


class LogoutView(auth_views.LogoutView):
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = super().post(request, *args, **kwargs)
        messages.info(request, _("You have logged out."))
        return response


AUDIT_CHART_DAYS = 14


def _audit_per_day(days: int) -> list[tuple[dt.date, int]]:
    """Audit entries per local calendar day, oldest first, days without entries as 0."""
    today = timezone.localtime(clock.wall_now()).date()  # audit rows are stamped in wall time
    first = today - dt.timedelta(days=days - 1)
    since = timezone.make_aware(dt.datetime.combine(first, dt.time.min))
    counts = dict(
        AuditEntry.objects.filter(at__gte=since)
        .annotate(day=TruncDate("at"))
        .order_by()
        .values("day")
        .annotate(n=Count("id"))
        .values_list("day", "n")
    )
    return [(d, counts.get(d, 0)) for d in (first + dt.timedelta(i) for i in range(days))]


@signed_in
def home(request: HttpRequest, actor: Actor) -> HttpResponse:
    if is_portal(actor):  # dealers and stores: their own home, never the staff console
        return portal.portal_home(request, actor)
    context: dict[str, Any] = {"active": "home", "health": check_health()}
    if actor.can("system.audit.view") and actor.scope.everything:
        per_day = _audit_per_day(AUDIT_CHART_DAYS)
        context["audit_chart"] = {
            "days": [d.strftime("%m-%d") for d, _n in per_day],
            "counts": [n for _d, n in per_day],
            "total": sum(n for _d, n in per_day),
        }
    return render(request, "web/home.html", context)


@signed_in
def health(request: HttpRequest, actor: Actor) -> HttpResponse:
    if is_portal(actor):
        raise Http404
    return render(request, "web/health.html", {"active": "health", "health": check_health()})


# --- system: audit log ---------------------------------------------------------------------


def _audit_words(entries: list[AuditEntry]) -> list[AuditEntry]:
    return audit_display.describe_entries(entries)


def _words(key: str) -> Any:
    return lambda e: e.words[key]


AUDIT = Table(
    "system.audit",
    title=gettext_lazy("Audit log"),
    default_sort="-at",
    prepare=_audit_words,
    columns=[
        Column("at", gettext_lazy("Time"), "at", sort=("at", "id"), format="seconds", css="nowrap"),
        Column(
            "actor",
            gettext_lazy("Actor"),
            "actor_name",
            sort=("actor_name", "id"),
            html=lambda e: join(e.actor_name, tags([actor_kind(e.actor_kind)])),
        ),
        Column(
            "actor_kind", gettext_lazy("Actor kind"), lambda e: actor_kind(e.actor_kind), page=False
        ),
        Column(
            "action",
            gettext_lazy("Action"),
            _words("action"),
            sort=("action", "id"),
            title=lambda e: e.action,
        ),
        Column(
            "object_type",
            gettext_lazy("Object"),
            _words("object_type"),
            sort=("object_type", "object_id", "id"),
            html=lambda e: join(
                e.words["object_type"],
                e.words["object_name"]
                or format_html('<span class="muted">#{}</span>', e.object_id),
            ),
            export=False,
        ),
        Column("object_kind", gettext_lazy("Object type"), _words("object_type"), page=False),
        Column("object_id", gettext_lazy("Object ID"), "object_id", page=False),
        Column("object_name", gettext_lazy("Object"), _words("object_name"), page=False),
        Column(
            "fields",
            gettext_lazy("Changed fields"),
            lambda e: "、".join(str(f) for f in e.words["fields"]),
            css="muted",
        ),
        Column("request_id", gettext_lazy("Request ID"), "request_id", page=False),
        Column(
            "details",
            "",
            lambda e: gettext_lazy("Details"),
            link=detail_link("web:audit-detail"),
            css="col-narrow",
            export=False,
        ),
    ],
)


def _scoped_entries(actor: Actor) -> QuerySet[AuditEntry]:
    """Entries of the organisations in the actor's data scope (everything for admins)."""
    return audit.list_entries(org_ids=list_scope_org_ids(actor))


def _audit_form(data: Any, *, actor: Actor) -> AuditFilterForm:
    """The filter bar, offering the object types of the entries the actor may see."""
    qs = _scoped_entries(actor)
    types = qs.order_by("object_type").values_list("object_type", flat=True).distinct()
    return AuditFilterForm(data, object_types=list(types))


def _audit_rows(actor: Actor, form: AuditFilterForm) -> QuerySet[AuditEntry]:
    qs = _scoped_entries(actor)
    if form.is_bound:
        data = form.cleaned_data
        if data.get("object_type"):
            qs = qs.filter(object_type=data["object_type"])
        if data.get("action"):
            qs = qs.filter(action__icontains=data["action"])
        if data.get("actor"):
            qs = qs.filter(actor_name__icontains=data["actor"])
        if data.get("date_from"):
            start = dt.datetime.combine(data["date_from"], dt.time.min)
            qs = qs.filter(at__gte=timezone.make_aware(start))
        if data.get("date_to"):
            end = dt.datetime.combine(data["date_to"] + dt.timedelta(days=1), dt.time.min)
            qs = qs.filter(at__lt=timezone.make_aware(end))
    return qs


AUDIT_LIST = ListPage(
    AUDIT,
    "web/system/audit_list.html",
    filtered_by(_audit_form, _audit_rows),
    page=lambda actor, **context: {"active": "audit", **context},
    # the export button only for those who may export (never a button to a refusal)
    export=("system.audit.export", "web:audit-export"),
)
audit_list = needs("system.audit.view")(AUDIT_LIST.view)
audit_export = needs("system.audit.export")(AUDIT_LIST.export_view)


@needs("system.audit.view")
def audit_detail(request: HttpRequest, actor: Actor, pk: int) -> HttpResponse:
    entry = get_object_or_404(_scoped_entries(actor), pk=pk)
    audit_display.describe_entries([entry])
    return render(
        request,
        "web/system/audit_detail.html",
        {
            "active": "audit",
            "entry": entry,
            "words": entry.words,  # type: ignore[attr-defined]
            "tabs": [("summary", gettext_lazy("Summary")), ("data", gettext_lazy("Raw data"))],
            "history": audit_display.history_rows(entry.object_type, entry.object_id),
            "breadcrumbs": [(f"#{entry.pk}", None)],
        },
    )
