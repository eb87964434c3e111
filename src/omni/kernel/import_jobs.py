"""Reading import jobs: which jobs an actor may see (`list_jobs`, `get_job`), their files,
their progress, and the actor a job runs as. Re-exported by `kernel.imports`."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import asdict
from typing import Any

from django.db.models import Q, QuerySet

from .actors import Actor, ActorKind
from .errors import NotFound
from .models import ImportJob, ImportJobFile, ImportStatus
from .scope import DataScope

ERRORS = "errors"  # the kind of a job's error file (`kernel.imports.ERRORS`)


# Organisation ids in an actor's data scope (None = every organisation). Registered by
# `omni.tenancy` (the one scope rule) when the app registry is ready: the kernel sits below it.
def _no_org_ids(actor: Actor) -> Iterable[int] | None:
    return []


_scope_org_ids: Callable[[Actor], Iterable[int] | None] = _no_org_ids


def set_scope_org_ids(resolver: Callable[[Actor], Iterable[int] | None]) -> None:
    global _scope_org_ids
    _scope_org_ids = resolver


def list_jobs(*, actor: Actor) -> QuerySet[ImportJob]:
    """Jobs the actor may see, newest first: their own, and the jobs of every importer
    whose permission they hold, started in an organisation of their data scope (the one
    scope rule, `tenancy.scope`). Roles and scopes decide, never Django's `is_staff`."""
    from .imports import _importers  # the registry (imports re-exports this module)

    visible = Q(created_by_id=actor.id) if actor.id is not None else Q(pk__in=[])
    keys = sorted(
        k for k, imp in _importers.items() if imp.permission and actor.can(imp.permission)
    )
    if keys:
        org_ids = _scope_org_ids(actor)
        in_scope = Q(importer_key__in=keys)
        if org_ids is not None:
            in_scope &= Q(org_id__in=sorted(org_ids))
        visible |= in_scope
    return ImportJob.objects.filter(visible).order_by("-created_at")


def get_job(*, actor: Actor, job_id: uuid.UUID | str) -> ImportJob:
    """One job the actor may see (`list_jobs`); anything else is NotFound."""
    try:
        job_id = uuid.UUID(str(job_id))
    except ValueError:
        raise NotFound() from None
    job = list_jobs(actor=actor).filter(pk=job_id).first()
    if job is None:
        raise NotFound()
    return job


def job_file(job: ImportJob, kind: str = ERRORS) -> bytes | None:
    data = (
        ImportJobFile.objects.filter(job_id=job.pk, kind=kind)
        .values_list("data", flat=True)
        .first()
    )
    return bytes(data) if data is not None else None


def error_file_name(job: ImportJob) -> str:
    stem = job.filename.rsplit(".", 1)[0] or "import"
    return f"{stem}-错误.xlsx"


def is_running(job: ImportJob) -> bool:
    return job.status in (ImportStatus.PENDING, ImportStatus.VALIDATING, ImportStatus.IMPORTING)


def percent(job: ImportJob) -> int | None:
    """0-100 for the progress bar; None while the figure is unknown (queued, or applying on
    SQLite where progress inside the apply transaction is not visible)."""
    if job.status == ImportStatus.DONE:
        return 100
    if job.status == ImportStatus.VALIDATING and job.total_rows:
        return min(99, job.processed * 50 // job.total_rows)
    if job.status == ImportStatus.IMPORTING:
        if job.valid_rows and job.processed:
            return min(99, 50 + job.processed * 50 // job.valid_rows)
        return 50
    return None


# --- the actor a job runs as ---------------------------------------------------------------------


def _actor_to_json(actor: Actor) -> dict[str, Any]:
    scope = actor.scope
    return {
        "kind": str(actor.kind),
        "id": actor.id,
        "name": actor.name,
        "org_id": actor.org_id,
        "request_id": actor.request_id,
        "superuser": actor.superuser,
        "permissions": sorted(actor.permissions),
        "scope": {
            k: sorted(v) if isinstance(v, frozenset) else v for k, v in asdict(scope).items()
        },
    }


def _actor_from_json(data: dict[str, Any]) -> Actor:
    scope = data.get("scope") or {}
    return Actor(
        ActorKind(data["kind"]),
        data.get("id"),
        data.get("name", ""),
        data.get("request_id", ""),
        data.get("org_id"),
        permissions=frozenset(data.get("permissions", ())),
        scope=DataScope(
            **{k: frozenset(v) if isinstance(v, list) else v for k, v in scope.items()}
        ),
        superuser=bool(data.get("superuser")),
    )


def job_actor(job: ImportJob) -> Actor:
    """The uploader as they were at upload time: the job acts with the rights they had."""
    return _actor_from_json(job.actor)
