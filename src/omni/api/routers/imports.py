"""Excel imports: templates, uploads (202 + a job), job progress and error files.

A job is visible to its creator and to staff; anybody else gets 404. Uploads are checked as
files at once (400 with a stable code such as ``not_xlsx``, ``sheet_not_found``,
``missing_columns``, ``formulas_not_allowed``, ``merged_cells_not_allowed``,
``too_many_rows``; 413 ``file_too_large``); rows are checked by the worker and reported on
the job and in its error file.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from omni.kernel import excel, imports
from omni.kernel.errors import DomainError, NotFound
from omni.kernel.models import ImportJob, ImportMode, ImportStatus

from ..auth import request_actor
from ..pagination import Page, PageIn, paginate
from ..schemas import ERRORS

router = Router()

# Headers and form fields of a multipart request on top of the file itself.
_MULTIPART_SLACK = 64 * 1024


class ColumnOut(Schema):
    key: str
    header: str
    required: bool
    max_length: int | None
    choices: list[str]
    note: str
    example: Any


class ImporterOut(Schema):
    key: str
    label: str
    permission: str
    sheet_name: str
    max_rows: int
    template_url: str
    columns: list[ColumnOut]


class RowErrorOut(Schema):
    row: int
    column: str
    reason: str


class JobOut(Schema):
    id: uuid.UUID
    importer: str
    filename: str
    mode: str
    status: str
    status_label: str
    total_rows: int
    valid_rows: int
    error_rows: int
    created: int
    updated: int
    unchanged: int
    processed: int
    percent: int | None
    failure_code: str
    failure_message: str
    errors: list[RowErrorOut]
    error_file_url: str | None
    created_by: str
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    warnings: list[str] = Field(
        default_factory=list, description="at upload only: columns that are ignored"
    )


def _importer_out(importer: imports.Importer) -> dict[str, Any]:
    return {
        "key": importer.key,
        "label": str(importer.label),
        "permission": importer.permission,
        "sheet_name": importer.spec.sheet_name,
        "max_rows": imports.max_rows_for(importer),
        "template_url": reverse("api:import_template", kwargs={"key": importer.key}),
        "columns": [
            {
                "key": c.key,
                "header": c.header_zh,
                "required": c.required,
                "max_length": c.max_length,
                "choices": list(c.choices),
                "note": c.note,
                "example": c.example,
            }
            for c in importer.spec.columns
        ],
    }


def _job_out(job: ImportJob) -> dict[str, Any]:
    return {
        "id": job.id,
        "importer": job.importer_key,
        "filename": job.filename,
        "mode": job.mode,
        "status": job.status,
        "status_label": str(ImportStatus(job.status).label),
        "total_rows": job.total_rows,
        "valid_rows": job.valid_rows,
        "error_rows": job.error_rows,
        "created": job.created_count,
        "updated": job.updated_count,
        "unchanged": job.unchanged_count,
        "processed": job.processed,
        "percent": imports.percent(job),
        "failure_code": job.failure_code,
        "failure_message": job.failure_message,
        "errors": job.error_sample,
        "error_file_url": (
            reverse("api:import_job_errors", kwargs={"job_id": job.id})
            if job.has_error_file
            else None
        ),
        "created_by": job.created_by_name,
        "created_at": job.created_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
        "warnings": getattr(job, "warnings", []),
    }


def _xlsx(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=excel.XLSX_CONTENT_TYPE)
    response.headers["Content-Disposition"] = content_disposition_header(True, filename)
    return response


@router.get(
    "/importers", response={200: list[ImporterOut], **ERRORS}, summary="What can be imported"
)
def list_importers(request: HttpRequest):
    """The importers the caller may use, with their columns (Chinese headers)."""
    return [_importer_out(i) for i in imports.list_importers(request_actor(request))]


@router.get(
    "/templates/{key}",
    response={200: None, **ERRORS},
    url_name="import_template",
    summary="Download an import template (.xlsx)",
)
def template(request: HttpRequest, key: str):
    importer = imports.get_importer(key, actor=request_actor(request))
    return _xlsx(excel.template_bytes(importer.spec), f"{importer.label}导入模板.xlsx")


@router.get(
    "/jobs",
    response={200: Page[JobOut], **ERRORS},
    summary="Import jobs: my own, and those of importers I may use, in my data scope",
)
def list_jobs(request: HttpRequest, page: Query[PageIn]):
    qs = imports.list_jobs(actor=request_actor(request))
    return paginate(qs, page, item=_job_out)


@router.get(
    "/jobs/{job_id}", response={200: JobOut, **ERRORS}, summary="One import job and its progress"
)
def get_job(request: HttpRequest, job_id: str):
    return _job_out(_job(request, job_id))


@router.get(
    "/jobs/{job_id}/errors",
    response={200: None, **ERRORS},
    url_name="import_job_errors",
    summary="The error file of a job (.xlsx, the template layout plus 行号/错误列/错误原因)",
)
def job_errors(request: HttpRequest, job_id: str):
    job = _job(request, job_id)
    data = imports.job_file(job, imports.ERRORS)
    if data is None:
        raise NotFound("no_error_file", _("This import has no error file."))
    return _xlsx(data, imports.error_file_name(job))


def _job(request: HttpRequest, job_id: str) -> ImportJob:
    return imports.get_job(actor=request_actor(request), job_id=job_id)


_UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {"type": "string", "format": "binary"},
                        "mode": {
                            "type": "string",
                            "enum": list(ImportMode.values),
                            "default": ImportMode.ALL_OR_NOTHING,
                        },
                    },
                }
            }
        },
    }
}


@router.post(
    "/{key}",
    response={202: JobOut, **ERRORS},
    summary="Upload a file to import (multipart: file, mode)",
    openapi_extra=_UPLOAD_BODY,
)
def upload(request: HttpRequest, key: str):
    """Checks the file as a whole now and answers 202 with the job; the rows are validated
    and imported in the background. Poll `GET /imports/jobs/{id}` for progress."""
    actor = request_actor(request)
    imports.get_importer(key, actor=actor)  # the permission before the file is read
    # Refuse an oversized body by its declared length, before it is read.
    declared = int(request.META.get("CONTENT_LENGTH") or 0)
    if declared > imports.max_file_bytes() + _MULTIPART_SLACK:
        raise imports.file_too_large()
    uploaded = request.FILES.get("file")
    if uploaded is None:
        raise DomainError(
            "file_required", _("Choose an .xlsx file to upload."), {"field": "file"}, status=400
        )
    if uploaded.size is not None and uploaded.size > imports.max_file_bytes():
        raise imports.file_too_large()
    mode = request.POST.get("mode") or ImportMode.ALL_OR_NOTHING
    job = imports.start_import(
        actor=actor,
        importer_key=key,
        file_bytes=uploaded.read(),
        filename=uploaded.name or "import.xlsx",
        mode=mode,
    )
    return Status(202, _job_out(job))
