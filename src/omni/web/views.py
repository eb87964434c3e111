from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db.models import Count, QuerySet
from django.db.models.functions import TruncDate
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from omni.kernel import audit
from omni.kernel.health import check_health
from omni.kernel.models import AuditEntry

from .excel import xlsx_response
from .forms import AuditFilterForm
from .listing import paginate, resolve_sort
from .templatetags.omni_ui import actor_kind

View = Callable[..., HttpResponse]


def staff_required(view: View) -> View:
    """Logged-in staff only; anyone else logged in gets 404 (the page does not exist for them)."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_staff:
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped


# --- shell ---------------------------------------------------------------------------------


class LoginView(auth_views.LoginView):
    template_name = "web/login.html"
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
    if request.user.is_staff:
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


def _audit_filtered(request: HttpRequest) -> tuple[AuditFilterForm, QuerySet[AuditEntry]]:
    types = (
        AuditEntry.objects.order_by("object_type").values_list("object_type", flat=True).distinct()
    )
    form = AuditFilterForm(request.GET or None, object_types=list(types))
    qs = audit.list_entries()
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


@staff_required
def audit_list(request: HttpRequest) -> HttpResponse:
    form, qs = _audit_filtered(request)
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
        },
    )


@staff_required
def audit_export(request: HttpRequest) -> HttpResponse:
    _form, qs = _audit_filtered(request)
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


@staff_required
def audit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    entry = get_object_or_404(AuditEntry, pk=pk)
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
