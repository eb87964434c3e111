"""Import pages: the job history, an upload page per importer, and the job page whose
progress bar polls `job_status` (htmx) until the job is done; the job page is a plain URL,
so the user can leave and come back."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from omni.kernel import excel, imports
from omni.kernel.actors import Actor
from omni.kernel.errors import DomainError, NotFound
from omni.kernel.models import ImportJob, ImportStatus
from omni.web.permissions import actor_for

from ..tables import Column, Table
from .forms import UploadForm


def _sees_others(actor: Actor) -> bool:
    """Whether the list may hold other people's jobs: holders of an importer's permission
    see that importer's jobs in their data scope (`imports.list_jobs`)."""
    return bool(imports.list_importers(actor))


def _importer(actor: Actor, key: str) -> imports.Importer:
    """An importer the actor may use; any other key is a 404 (never a 403)."""
    try:
        importer = imports.get_importer(key)
    except NotFound:
        raise Http404 from None
    if not actor.can(importer.permission):
        raise Http404
    return importer


def _job(request: HttpRequest, job_id: uuid.UUID) -> ImportJob:
    actor = actor_for(request)
    try:
        return imports.get_job(actor=actor, job_id=job_id)
    except NotFound:
        raise Http404 from None


def _xlsx(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=excel.XLSX_CONTENT_TYPE)
    response.headers["Content-Disposition"] = content_disposition_header(True, filename)
    return response


def _label(key: str) -> str:
    try:
        return str(imports.get_importer(key).label)
    except NotFound:
        return key


def _with_labels(jobs: list[Any]) -> None:
    for job in jobs:
        job.importer_label = _label(job.importer_key)


def _job_url(job: Any) -> str:
    return reverse("imports:job", args=[job.id])


def _count(key: str, label: Any) -> Column:
    return Column(key, label, key, css="num")


JOBS = Table(
    "imports.jobs",
    title=gettext_lazy("All import jobs"),
    default_sort="-created_at",
    prepare=_with_labels,
    row_attrs=lambda job: {"data-test": "job-row"},
    columns=[
        Column(
            "created_at",
            gettext_lazy("Uploaded at"),
            "created_at",
            sort=("created_at", "id"),
            format="seconds",
            link=_job_url,
            css="nowrap",
        ),
        Column("importer", gettext_lazy("Import type"), "importer_label"),
        Column("filename", gettext_lazy("File"), "filename", link=_job_url),
        Column(
            "status",
            gettext_lazy("Status"),
            "get_status_display",
            html=lambda j: format_html(
                '<span class="status status-{}">{}</span>', j.status, j.get_status_display()
            ),
        ),
        _count("total_rows", gettext_lazy("Rows")),
        _count("created_count", gettext_lazy("Created")),
        _count("updated_count", gettext_lazy("Updated")),
        _count("error_rows", gettext_lazy("Errors")),
        Column("created_by", gettext_lazy("Uploaded by"), "created_by_name"),
    ],
)


@login_required
def job_list(request: HttpRequest) -> HttpResponse:
    actor = actor_for(request)
    see_all = _sees_others(actor)
    return render(
        request,
        "imports/job_list.html",
        {
            "active": "imports",
            **JOBS.page(
                request, imports.list_jobs(actor=actor), hide=() if see_all else ("created_by",)
            ),
            "importers": imports.list_importers(actor),
            "see_all": see_all,
            "empty_title": _("No imports yet"),
        },
    )


@login_required
def template(request: HttpRequest, key: str) -> HttpResponse:
    importer = _importer(actor_for(request), key)
    return _xlsx(excel.template_bytes(importer.spec), f"{importer.label}导入模板.xlsx")


@login_required
def upload(request: HttpRequest, key: str) -> HttpResponse:
    actor = actor_for(request)
    importer = _importer(actor, key)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        uploaded = form.cleaned_data["file"]
        try:
            if uploaded.size > imports.max_file_bytes():
                raise imports.file_too_large()
            job = imports.start_import(
                actor=actor,
                importer_key=importer.key,
                file_bytes=uploaded.read(),
                filename=uploaded.name or "import.xlsx",
                mode=form.cleaned_data["mode"],
            )
        except DomainError as exc:
            form.add_error("file", str(exc.message))
        else:
            for warning in getattr(job, "warnings", []):
                messages.warning(request, warning)
            return redirect("imports:job", job_id=job.id)
    return render(
        request,
        "imports/upload.html",
        {
            "active": "imports",
            "importer": importer,
            "columns": importer.spec.columns,
            "max_rows": imports.max_rows_for(importer),
            "max_mb": imports.max_file_bytes() // (1024 * 1024),
            "form": form,
            "breadcrumbs": [(_("Excel imports"), reverse("imports:jobs")), (importer.label, None)],
        },
        status=400 if form.errors else 200,
    )


def _status_context(job: ImportJob) -> dict[str, Any]:
    running = imports.is_running(job)
    percent = imports.percent(job)
    if job.status == ImportStatus.PENDING:
        label = _("Queued, waiting for a worker…")
    elif job.status == ImportStatus.VALIDATING:
        label = _("Checking rows %(done)s / %(total)s") % {
            "done": f"{job.processed:,}",
            "total": f"{job.total_rows:,}",
        }
    elif job.status == ImportStatus.IMPORTING:
        label = (
            _("Importing %(done)s / %(total)s")
            % {"done": f"{job.processed:,}", "total": f"{job.valid_rows:,}"}
            if job.processed
            else _("Writing %(total)s rows…") % {"total": f"{job.valid_rows:,}"}
        )
    elif job.status == ImportStatus.DONE:
        label = _("Imported: %(created)s created, %(updated)s updated, %(unchanged)s unchanged") % {
            "created": f"{job.created_count:,}",
            "updated": f"{job.updated_count:,}",
            "unchanged": f"{job.unchanged_count:,}",
        }
    else:
        label = _("Nothing was imported")
    detail = ""
    if job.status == ImportStatus.FAILED:
        detail = job.failure_message
    elif job.error_rows:
        detail = _("%(n)s rows have errors") % {"n": f"{job.error_rows:,}"}
    return {
        "job": job,
        "running": running,
        "progress": {
            "url": reverse("imports:status", kwargs={"job_id": job.id}),
            "percent": percent if percent is not None else 0,
            "label": label,
            "done": job.status == ImportStatus.DONE,
            "failed": job.status == ImportStatus.FAILED,
            "detail": detail,
        },
        "error_file_url": (
            reverse("imports:errors", kwargs={"job_id": job.id}) if job.has_error_file else None
        ),
    }


@login_required
def job_detail(request: HttpRequest, job_id: uuid.UUID) -> HttpResponse:
    job = _job(request, job_id)
    label = _label(job.importer_key)
    return render(
        request,
        "imports/job.html",
        {
            "active": "imports",
            "importer_label": label,
            "upload_url": reverse("imports:upload", kwargs={"key": job.importer_key}),
            "breadcrumbs": [(_("Excel imports"), reverse("imports:jobs")), (job.filename, None)],
            **_status_context(job),
        },
    )


@login_required
def job_status(request: HttpRequest, job_id: uuid.UUID) -> HttpResponse:
    """The polled fragment: progress bar, then the counts and errors once finished."""
    return render(request, "imports/_job_status.html", _status_context(_job(request, job_id)))


@login_required
def job_errors(request: HttpRequest, job_id: uuid.UUID) -> HttpResponse:
    job = _job(request, job_id)
    data = imports.job_file(job, imports.ERRORS)
    if data is None:
        raise Http404
    return _xlsx(data, imports.error_file_name(job))
