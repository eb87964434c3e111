"""Excel imports: a registry of importers and the `ImportJob` that runs one uploaded file.

Apps register importers in their ``importers.py`` (autodiscovered by the kernel)::

    register_importer("catalog.products", ProductImporter())

An `Importer` declares its sheet (`spec`), the permission it needs, `validate_rows` (domain
checks in bulk: duplicates within the file, unknown references looked up with one query per
reference type and chunk) and `apply` (upsert matching on code; unchanged rows are not
written). The engine does the rest:

``start_import`` (in the request)
    checks the permission, the size and the file as a whole (`excel.check_xlsx`: not an xlsx,
    a legacy .xls, password-protected, a damaged or malformed part, wrong sheet, missing
    columns, too many cells or rows, merged cells), answering at once with a stable code,
    then stores the job and the file (in the database, see below) and enqueues
    `run_import_job` after commit. The job carries `warnings` (columns that are ignored)
    for the upload's answer.
``run_import`` (in the worker)
    claims the job with a compare-and-set transition (pending → validating: two workers never
    run one job), reads the file once, parsing and validating it in chunks
    (`Importer.chunk_rows`; each validated chunk is kept in a temporary file,
    `import_store.RunStore`, so memory holds one chunk whatever the file), writes the error
    file, and then either fails the job (all-or-nothing with bad rows: nothing is written)
    or applies the valid rows, chunk by chunk, in ONE transaction together with the audit
    summary and the transition to done. A crash or an exception rolls the whole apply
    back: never half-imported.

Progress: `processed` counts the rows done in the current phase. While validating, the
engine runs outside any transaction, so each progress update (at most every
`PROGRESS_EVERY` seconds) commits at once and other connections see it. The apply runs in
one transaction; its progress cannot be committed from inside it, so on PostgreSQL it is
written through a second, autocommit connection (`import_store.SideProgress`); on SQLite (one writer
at a time) the job shows the importing phase without a count until it commits.

Files are stored in the database (`ImportJobFile`), not under MEDIA_ROOT: the job and its
file are created in one transaction (no orphan files, no job without a file), every web and
worker process sees them without a shared file system, and uploads are capped at
`max_file_bytes()` (50 MB by default).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext_lazy as _
from django_tasks import task

from . import audit, clock
from .actors import Actor
from .errors import DomainError, InvalidInput, InvalidTransition, NotFound
from .excel import (
    DEFAULT_MAX_ROWS,
    ExcelFileError,
    Row,
    RowError,
    SheetSpec,
    check_xlsx,
    iter_row_batches,
    warnings_for,
)
from .import_jobs import _actor_to_json
from .import_store import RunStore, SideProgress, young_collections
from .models import ImportJob, ImportJobFile, ImportMode, ImportStatus
from .states import Transition, TransitionTable, apply_transition

log = logging.getLogger("omni.imports")

DEFAULT_MAX_FILE_BYTES = 50 * 1024 * 1024
PROGRESS_EVERY = 0.5  # seconds between two committed progress updates
ERROR_SAMPLE_SIZE = 100
STALE_AFTER = dt.timedelta(minutes=15)  # a running job not heard of for this long is requeued
MAX_ATTEMPTS = 3
UPLOAD, ERRORS = "upload", "errors"

IMPORT_FLOW = TransitionTable(
    ImportStatus,
    {
        "start": Transition({"pending"}, "validating"),
        "import": Transition({"validating"}, "importing"),
        "finish": Transition({"importing"}, "done"),
        "fail": Transition({"pending", "validating", "importing"}, "failed"),
        "requeue": Transition({"validating", "importing"}, "pending"),
    },
)

Progress = Callable[[int], None]  # rows processed so far in the current phase


@dataclass
class ApplyCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    details: dict[str, int] = field(default_factory=dict)  # e.g. {"barcodes_created": 12}

    def add(self, other: ApplyCounts) -> None:
        self.created += other.created
        self.updated += other.updated
        self.unchanged += other.unchanged
        for key, n in other.details.items():
            self.details[key] = self.details.get(key, 0) + n


class Importer:
    """Subclass per importable thing. `key` is set by `register_importer`."""

    key: str = ""
    label: Any = ""
    spec: SheetSpec
    permission: str = ""
    max_rows: int | None = None  # default: settings.OMNI_IMPORT_MAX_ROWS or 200,000

    def validate_rows(
        self, rows: Sequence[Row], *, actor: Actor, progress: Progress
    ) -> list[RowError]:
        """Domain checks on rows that parsed; bulk lookups only. Must not write."""
        return []

    def apply(self, rows: Sequence[Row], *, actor: Actor, progress: Progress) -> ApplyCounts:
        """Upsert the valid rows, matching on code; runs inside the engine's transaction."""
        raise NotImplementedError

    # In chunks. By default an importer sees every row at once: one chunk, `validate_rows`
    # then `apply`. An importer that sets `chunk_rows` gets the rows in chunks of that size
    # (the worker then holds one chunk at a time, whatever the file) and keeps what its
    # cross-row rules need (duplicates within the file…) compactly in a session object,
    # from `start_session`, that lives from the first chunk validated to the last applied.
    chunk_rows: int | None = None

    def start_session(self, *, actor: Actor) -> Any:
        return None

    def validate_chunk(
        self, rows: Sequence[Row], *, actor: Actor, progress: Progress, session: Any
    ) -> list[RowError]:
        """Like `validate_rows`; errors may name rows of earlier chunks."""
        return self.validate_rows(rows, actor=actor, progress=progress)

    def finish_validation(self, *, actor: Actor, session: Any) -> list[RowError]:
        """Errors known only once every row has been seen."""
        return []

    def apply_chunk(
        self, rows: Sequence[Row], *, actor: Actor, progress: Progress, session: Any
    ) -> ApplyCounts:
        """Like `apply`, one chunk of valid rows; every chunk runs in the one transaction."""
        return self.apply(rows, actor=actor, progress=progress)


_importers: dict[str, Importer] = {}


def register_importer(key: str, importer: Importer) -> Importer:
    importer.key = key
    _importers[key] = importer
    return importer


def get_importer(key: str, *, actor: Actor | None = None) -> Importer:
    """The importer `key`; with an actor, one they may use (its permission, else 403)."""
    try:
        importer = _importers[key]
    except KeyError:
        raise NotFound("importer_not_found", _("There is no such import."), {"key": key}) from None
    if actor is not None:
        actor.require(importer.permission)
    return importer


def list_importers(actor: Actor | None = None) -> list[Importer]:
    """Every registered importer, or those `actor` may use."""
    return [
        _importers[k]
        for k in sorted(_importers)
        if actor is None or actor.can(_importers[k].permission)
    ]


def max_file_bytes() -> int:
    return int(getattr(settings, "OMNI_IMPORT_MAX_FILE_BYTES", DEFAULT_MAX_FILE_BYTES))


def max_rows_for(importer: Importer) -> int:
    if importer.max_rows is not None:
        return importer.max_rows
    return int(getattr(settings, "OMNI_IMPORT_MAX_ROWS", DEFAULT_MAX_ROWS))


def file_too_large() -> ExcelFileError:
    limit = max_file_bytes()
    return ExcelFileError(
        "file_too_large",
        _("The file is larger than %(mb)s MB.") % {"mb": limit // (1024 * 1024)},
        {"limit_bytes": limit},
        status=413,
    )


# --- starting a job -------------------------------------------------------------------------------


def start_import(
    *, actor: Actor, importer_key: str, file_bytes: bytes, filename: str, mode: str
) -> ImportJob:
    """Check the file as a whole now (raising `ExcelFileError` with a stable code), then
    store the job and enqueue it. Rows are validated and applied by the worker."""
    importer = get_importer(importer_key)
    actor.require(importer.permission)
    if mode not in ImportMode.values:
        raise InvalidInput(
            "invalid_mode",
            _("Choose how to import: all or nothing, or only the valid rows."),
            {"mode": mode, "allowed": list(ImportMode.values)},
        )
    if len(file_bytes) > max_file_bytes():
        raise file_too_large()
    check = check_xlsx(file_bytes, importer.spec, max_rows=max_rows_for(importer))
    job = _create_job(actor, importer, file_bytes, filename, mode)
    # not stored: shown once, at upload (unknown columns are ignored, never silently)
    job.warnings = warnings_for(check)  # type: ignore[attr-defined]
    return job


@transaction.atomic(durable=True)
def _create_job(
    actor: Actor, importer: Importer, file_bytes: bytes, filename: str, mode: str
) -> ImportJob:
    job = ImportJob.objects.create(
        org_id=actor.org_id,
        importer_key=importer.key,
        filename=(filename or "import.xlsx")[-255:],
        file_size=len(file_bytes),
        file_sha256=hashlib.sha256(file_bytes).hexdigest(),
        mode=mode,
        created_by_kind=str(actor.kind),
        created_by_id=actor.id,
        created_by_name=actor.name,
        actor=_actor_to_json(actor),
        request_id=actor.request_id,
    )
    ImportJobFile.objects.create(job=job, kind=UPLOAD, data=file_bytes)
    transaction.on_commit(partial(_enqueue, str(job.id)))
    return job


def _enqueue(job_id: str) -> None:
    try:
        run_import_job.enqueue(job_id)
    except Exception:  # requeue_stale_jobs() picks it up; never fail the upload request
        log.exception("could not enqueue import job %s", job_id)


@task()
def run_import_job(job_id: str) -> str:
    return run_import(uuid.UUID(job_id))


# --- running a job --------------------------------------------------------------------------------


class _Progress:
    """Commits `processed` at most every PROGRESS_EVERY seconds (and at the end of a phase)."""

    def __init__(self, job_id: uuid.UUID, write: Callable[[uuid.UUID, int], None]) -> None:
        self.job_id, self.write = job_id, write
        self.last = 0.0

    def __call__(self, processed: int, *, force: bool = False) -> None:
        now = time.monotonic()
        if force or now - self.last >= PROGRESS_EVERY:
            self.last = now
            self.write(self.job_id, processed)


def _write_progress(job_id: uuid.UUID, processed: int) -> None:
    ImportJob.objects.filter(pk=job_id).update(processed=processed, updated_at=clock.wall_now())


def run_import(job_id: uuid.UUID) -> str:
    """Run one job to its end; returns its final status ("skipped" when another worker has
    it). Safe to call twice: only the caller whose compare-and-set claims the job runs it."""
    job = ImportJob.objects.filter(pk=job_id).only("id", "actor", "status").first()
    if job is None:
        return "missing"
    actor = job_actor(job)
    try:
        with transaction.atomic():
            apply_transition(
                ImportJob,
                job_id,
                IMPORT_FLOW,
                "start",
                actor=actor,
                extra_updates={"started_at": clock.wall_now(), "processed": 0},
            )
            ImportJob.objects.filter(pk=job_id).update(attempts=F("attempts") + 1)
    except InvalidTransition:
        return "skipped"
    job = ImportJob.objects.get(pk=job_id)
    try:
        return _run(job, actor)
    except Exception as exc:
        log.exception("import job %s failed", job_id)
        code = exc.code if isinstance(exc, DomainError) else "internal_error"
        message = (
            str(exc.message)
            if isinstance(exc, DomainError)
            else str(_("The import failed unexpectedly; nothing was imported."))
        )
        _fail(job_id, actor, code, message)
        return ImportStatus.FAILED


def _run(job: ImportJob, actor: Actor) -> str:
    importer = get_importer(job.importer_key)
    with RunStore(importer.spec) as store, young_collections() as tidy:
        store.tidy = tidy
        try:
            session = _validate(job, actor, importer, store)
        except ExcelFileError as exc:
            _fail(job.pk, actor, exc.code, str(exc.message))
            return ImportStatus.FAILED
        return _finish(job, actor, importer, store, session)


def _validate(job: ImportJob, actor: Actor, importer: Importer, store: RunStore) -> Any:
    """Read the file once, in chunks: parse, validate, and keep each chunk in `store`."""
    data = bytes(ImportJobFile.objects.get(job_id=job.pk, kind=UPLOAD).data)
    max_rows = max_rows_for(importer)
    check = check_xlsx(data, importer.spec, max_rows=max_rows)
    ImportJob.objects.filter(pk=job.pk).update(  # an upper bound until every row is read
        total_rows=max(check.valued_rows - 1, 0), processed=0, updated_at=clock.wall_now()
    )
    progress = _Progress(job.pk, _write_progress)
    session = importer.start_session(actor=actor)
    size = importer.chunk_rows or max_rows + 1
    for batch in iter_row_batches(data, importer.spec, max_rows=max_rows, check=check, size=size):
        parse_bad = {e.row for e in batch.errors}
        done = store.total_rows
        domain_errors = importer.validate_chunk(
            [r for r in batch.rows if r.number not in parse_bad],
            actor=actor,
            progress=lambda n, done=done: progress(done + n),
            session=session,
        )
        store.add(batch.rows, [*batch.errors, *domain_errors])
        del batch, domain_errors
        store.tidy()
    store.add_late(importer.finish_validation(actor=actor, session=session))
    progress(store.total_rows, force=True)
    return session


def _finish(job: ImportJob, actor: Actor, importer: Importer, store: RunStore, session: Any) -> str:
    error_file = store.error_file()
    summary = {
        "total_rows": store.total_rows,
        "valid_rows": store.valid_rows,
        "error_rows": store.error_rows,
        "error_sample": store.sample(ERROR_SAMPLE_SIZE),
        "has_error_file": error_file is not None,
    }
    if store.error_count and job.mode == ImportMode.ALL_OR_NOTHING:
        with transaction.atomic():
            _store_file(job.pk, ERRORS, error_file)
            apply_transition(
                ImportJob,
                job.pk,
                IMPORT_FLOW,
                "fail",
                actor=actor,
                reason="rows_invalid",
                extra_updates={
                    **summary,
                    "failure_code": "rows_invalid",
                    "failure_message": str(
                        _("%(n)s rows are not valid; nothing was imported.")
                        % {"n": store.error_rows}
                    ),
                    "finished_at": clock.wall_now(),
                },
            )
        return ImportStatus.FAILED

    with transaction.atomic():
        apply_transition(
            ImportJob,
            job.pk,
            IMPORT_FLOW,
            "import",
            actor=actor,
            extra_updates={**summary, "processed": 0},
        )
    side = SideProgress()
    try:
        with transaction.atomic(durable=True):
            counts = _apply(job, actor, importer, store, session, _Progress(job.pk, side))
            if counts.created or counts.updated:
                audit.record(
                    actor=actor,
                    action="import.applied",
                    object_type="kernel.importjob",
                    object_id=job.pk,
                    after={
                        "importer": importer.key,
                        "filename": job.filename,
                        "file_sha256": job.file_sha256,
                        "mode": job.mode,
                        "created": counts.created,
                        "updated": counts.updated,
                        "unchanged": counts.unchanged,
                        "error_rows": store.error_rows,
                        **counts.details,
                    },
                    org_id=job.org_id,
                )
            if error_file is not None:
                _store_file(job.pk, ERRORS, error_file)
            apply_transition(
                ImportJob,
                job.pk,
                IMPORT_FLOW,
                "finish",
                actor=actor,
                extra_updates={
                    "created_count": counts.created,
                    "updated_count": counts.updated,
                    "unchanged_count": counts.unchanged,
                    "processed": store.valid_rows,
                    "finished_at": clock.wall_now(),
                },
            )
    finally:
        side.close()
    return ImportStatus.DONE


def _apply(
    job: ImportJob,
    actor: Actor,
    importer: Importer,
    store: RunStore,
    session: Any,
    progress: _Progress,
) -> ApplyCounts:
    """The valid rows, chunk by chunk, inside the caller's transaction."""
    counts = ApplyCounts()
    done = 0
    for rows in store.valid_batches():
        counts.add(
            importer.apply_chunk(
                rows,
                actor=actor,
                progress=lambda n, done=done: progress(done + n),
                session=session,
            )
        )
        done += len(rows)
        del rows
        store.tidy()
    if not done:  # nothing valid: the importer still sees its (empty) apply
        counts.add(importer.apply_chunk([], actor=actor, progress=progress, session=session))
    return counts


def _store_file(job_id: uuid.UUID, kind: str, data: bytes | None) -> None:
    if data is not None:
        ImportJobFile.objects.update_or_create(job_id=job_id, kind=kind, defaults={"data": data})


def _fail(job_id: uuid.UUID, actor: Actor, code: str, message: str) -> None:
    try:
        with transaction.atomic():
            apply_transition(
                ImportJob,
                job_id,
                IMPORT_FLOW,
                "fail",
                actor=actor,
                reason=code,
                extra_updates={
                    "failure_code": code[:64],
                    "failure_message": message,
                    "finished_at": clock.wall_now(),
                },
            )
    except InvalidTransition:
        log.warning("import job %s: could not mark it failed (already finished)", job_id)


def requeue_stale_jobs(*, older_than: dt.timedelta = STALE_AFTER) -> int:
    """Jobs whose worker died (running, not heard of for `older_than`) go back to the queue,
    at most MAX_ATTEMPTS times; pending jobs whose enqueue was lost are enqueued again.
    Their apply transaction was rolled back by the database, so a rerun starts clean.
    Meant for the worker's housekeeping loop."""
    cutoff = clock.wall_now() - older_than
    system = Actor.system("import-sweeper")
    sent = 0
    stale = ImportJob.objects.filter(
        status__in=[ImportStatus.VALIDATING, ImportStatus.IMPORTING, ImportStatus.PENDING],
        updated_at__lt=cutoff,
    ).values_list("id", "status", "attempts")
    for job_id, status, attempts in stale:
        try:
            with transaction.atomic():
                if status == ImportStatus.PENDING:
                    # lease: a compare-and-set on the timestamp so two sweepers enqueue once
                    if not ImportJob.objects.filter(
                        pk=job_id, status=status, updated_at__lt=cutoff
                    ).update(updated_at=clock.wall_now()):
                        continue
                elif attempts >= MAX_ATTEMPTS:
                    apply_transition(
                        ImportJob,
                        job_id,
                        IMPORT_FLOW,
                        "fail",
                        actor=system,
                        reason="worker_lost",
                        extra_updates={
                            "failure_code": "worker_lost",
                            "failure_message": str(
                                _("The import stopped several times; nothing was imported.")
                            ),
                            "finished_at": clock.wall_now(),
                        },
                    )
                    continue
                else:
                    apply_transition(
                        ImportJob, job_id, IMPORT_FLOW, "requeue", actor=system, reason="stale"
                    )
                transaction.on_commit(partial(_enqueue, str(job_id)))
                sent += 1
        except InvalidTransition:
            continue
    return sent


# Bulk SQL lives in `bulk`, reading jobs in `import_jobs`; re-exported here so that callers
# use one module.
from .bulk import insert_rows, rows_by_keys  # noqa: E402
from .import_jobs import (  # noqa: E402
    error_file_name,
    get_job,
    is_running,
    job_actor,
    job_file,
    list_jobs,
    percent,
    set_scope_org_ids,
)

__all__ = [
    "error_file_name",
    "get_job",
    "insert_rows",
    "is_running",
    "job_actor",
    "job_file",
    "list_jobs",
    "percent",
    "rows_by_keys",
    "set_scope_org_ids",
]
