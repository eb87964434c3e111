from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db.models import Count, QuerySet
from django.db.models.functions import TruncDate
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from omni.kernel import audit
from omni.kernel.actors import Actor
from omni.kernel.health import check_health
from omni.kernel.models import AuditEntry
from omni.party.selectors import scoped_org_ids

from .excel import xlsx_response
from .forms import AuditFilterForm, ThrottledLoginForm
from .listing import paginate, resolve_sort, saved_filters
from .permissions import actor_for, needs
from .templatetags.omni_ui import actor_kind

View = Callable[..., HttpResponse]


# --- shell ---------------------------------------------------------------------------------


class LoginView(auth_views.LoginView):
    template_name = "web/login.html"
    authentication_form = ThrottledLoginForm
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = super().post(request, *args, **kwargs)
        messages.info(request, _("You have logged out."))
        return response


AUDIT_CHART_DAYS = 14


def _audit_per_day(days: int) -> list[tuple[dt.date, int]]:
    """Audit entries per local calendar day, oldest first, days without entries as 0."""
    today = timezone.localdate()
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


@login_required
def home(request: HttpRequest) -> HttpResponse:
    context: dict[str, Any] = {"active": "home", "health": check_health()}
    actor = actor_for(request)
    if actor.can("system.audit.view") and actor.scope.everything:
        per_day = _audit_per_day(AUDIT_CHART_DAYS)
        context["audit_chart"] = {
            "days": [d.strftime("%m-%d") for d, _n in per_day],
            "counts": [n for _d, n in per_day],
            "total": sum(n for _d, n in per_day),
        }
    return render(request, "web/home.html", context)


@login_required
def health(request: HttpRequest) -> HttpResponse:
    return render(request, "web/health.html", {"active": "health", "health": check_health()})


# --- system: audit log ---------------------------------------------------------------------

AUDIT_SORTS = {
    "at": ("at", "id"),
    "actor": ("actor_name", "id"),
    "action": ("action", "id"),
    "object_type": ("object_type", "object_id", "id"),
}


def _scoped_entries(actor: Actor) -> QuerySet[AuditEntry]:
    """Entries of the organisations in the actor's data scope (everything for admins)."""
    return audit.list_entries(org_ids=scoped_org_ids(actor))


def _audit_filtered(
    request: HttpRequest, actor: Actor
) -> tuple[AuditFilterForm, QuerySet[AuditEntry]]:
    qs = _scoped_entries(actor)
    types = qs.order_by("object_type").values_list("object_type", flat=True).distinct()
    form = AuditFilterForm(request.GET or None, object_types=list(types))
    if form.is_bound:
        form.is_valid()  # invalid fields are reported on the page and left out of the filter
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
    return form, qs


@needs("system.audit.view")
def audit_list(request: HttpRequest, actor: Actor) -> HttpResponse:
    form, qs = _audit_filtered(request, actor)
    sort = resolve_sort(request, AUDIT_SORTS, default="-at")
    listing = paginate(request, qs.order_by(*sort.order_by), sort=sort)
    return render(
        request,
        "web/system/audit_list.html",
        {
            "active": "audit",
            "filter_form": form,
            "listing": listing,
            "export_url": reverse("web:audit-export"),
            **saved_filters(request, "system.audit", form),
        },
    )


@needs("system.audit.export")
def audit_export(request: HttpRequest, actor: Actor) -> HttpResponse:
    _form, qs = _audit_filtered(request, actor)
    sort = resolve_sort(request, AUDIT_SORTS, default="-at")
    rows = (
        (
            e.at,
            e.actor_name,
            str(actor_kind(e.actor_kind)),
            e.action,
            e.object_type,
            e.object_id,
            ", ".join(audit.changed_fields(e.before, e.after)),
            e.request_id,
        )
        for e in qs.order_by(*sort.order_by).iterator(chunk_size=2000)
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return xlsx_response(
        filename=f"{_('Audit log')}-{stamp}.xlsx",
        sheet_title=_("Audit log"),
        headers=[
            _("Time"),
            _("Actor"),
            _("Actor kind"),
            _("Action"),
            _("Object type"),
            _("Object ID"),
            _("Changed fields"),
            _("Request ID"),
        ],
        rows=rows,
    )


@needs("system.audit.view")
def audit_detail(request: HttpRequest, actor: Actor, pk: int) -> HttpResponse:
    entry = get_object_or_404(_scoped_entries(actor), pk=pk)
    before, after = entry.before or {}, entry.after or {}
    changes = [
        {"field": f, "before": before.get(f), "after": after.get(f)}
        for f in audit.changed_fields(entry.before, entry.after)
    ]
    return render(
        request,
        "web/system/audit_detail.html",
        {
            "active": "audit",
            "entry": entry,
            "changes": changes,
            "tabs": [("summary", gettext_lazy("Summary")), ("data", gettext_lazy("Raw data"))],
            "history": audit.history_rows(entry.object_type, entry.object_id),
            "breadcrumbs": [(f"#{entry.pk}", None)],
        },
    )
