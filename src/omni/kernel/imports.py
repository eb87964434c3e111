"""Excel imports: a registry of importers and the `ImportJob` that runs one uploaded file.

Apps register importers in their ``importers.py`` (autodiscovered by the kernel)::

    register_importer("catalog.products", ProductImporter())

An `Importer` declares its sheet (`spec`), the permission it needs, `validate_rows` (domain
checks in bulk: duplicates within the file, unknown references looked up with one query per
reference type and chunk) and `apply` (upsert matching on code; unchanged rows are not
written). The engine does the rest:

``start_import`` (in the request)
    checks the permission, the size and the file as a whole (`excel.check_xlsx`: not an xlsx,
    wrong sheet, missing columns, too many rows, formulas, merged cells), answering at once
    with a stable code, then stores the job and the file (in the database, see below) and
    enqueues `run_import_job` after commit.
``run_import`` (in the worker)
    claims the job with a compare-and-set transition (pending → validating: two workers never
    run one job), parses every row, validates, writes the error file, and then either fails
    the job (all-or-nothing with bad rows: nothing is written) or applies the valid rows in
    ONE transaction together with the audit summary and the transition to done. A crash or
    an exception rolls the whole apply back: never half-imported.

Progress: `processed` counts the rows done in the current phase. While validating, the
engine runs outside any transaction, so each progress update (at most every
`PROGRESS_EVERY` seconds) commits at once and other connections see it. The apply runs in
one transaction; its progress cannot be committed from inside it, so on PostgreSQL it is
written through a second, autocommit connection (`_SideProgress`); on SQLite (one writer
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
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from functools import partial
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import F, Model, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_tasks import task

from . import audit
from .actors import Actor, ActorKind
from .errors import DomainError, InvalidInput, InvalidTransition, NotFound
from .excel import (
    DEFAULT_MAX_ROWS,
    ExcelFileError,
    Row,
    RowError,
    SheetSpec,
    check_xlsx,
    error_file_bytes,
    read_xlsx,
)
from .models import ImportJob, ImportJobFile, ImportMode, ImportStatus
from .scope import DataScope
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


_importers: dict[str, Importer] = {}


def register_importer(key: str, importer: Importer) -> Importer:
    importer.key = key
    _importers[key] = importer
    return importer


def get_importer(key: str) -> Importer:
    try:
        return _importers[key]
    except KeyError:
        raise NotFound("importer_not_found", _("There is no such import."), {"key": key}) from None


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


# --- bulk writing for importers ----------------------------------------------------------------

_ADAPTED_TYPES = {
    "JSONField",
    "DecimalField",
    "DateTimeField",
    "DateField",
    "TimeField",
    "UUIDField",
}


def insert_rows(
    model: type[Model], fields: Sequence[str], rows: Iterable[Sequence[Any]], *, chunk: int = 5000
) -> int:
    """INSERT new rows with one `executemany` per chunk (COPY on PostgreSQL): the fast path
    of an importer's apply (no model instances, no per-field compiling as in bulk_create).

    `rows` hold the values of `fields` (names or attnames such as "org_id") in that order;
    JSON, decimal and date/time values are adapted for the database here, other values go
    to the driver as they are. Every other concrete column gets its default (computed once
    for the call: not for columns whose default must differ per row) and auto_now /
    auto_now_add columns the current time. No signals, no save(). Runs inside the caller's
    transaction; returns the number of rows. Ids are not returned: look the rows up by their
    codes afterwards (`rows_by_keys`)."""
    conn = connections[DEFAULT_DB_ALIAS]
    by_name = {f.name: f for f in model._meta.concrete_fields}
    by_name.update({f.attname: f for f in model._meta.concrete_fields})
    given = [by_name[name] for name in fields]
    now = timezone.now()
    plan: list[tuple[bool, Any]] = []  # (from the row?, row index + adapter | constant)
    columns: list[str] = []
    for f in model._meta.concrete_fields:
        if f.primary_key and f not in given:
            continue
        columns.append(conn.ops.quote_name(f.column))
        if f in given:
            adapt = (
                partial(f.get_db_prep_save, connection=conn)
                if f.get_internal_type() in _ADAPTED_TYPES
                else None
            )
            plan.append((True, (given.index(f), adapt)))
        elif getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            plan.append((False, f.get_db_prep_save(now, connection=conn)))
        else:
            plan.append((False, f.get_db_prep_save(f.get_default(), connection=conn)))
    sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608 (names from the model)
        conn.ops.quote_name(model._meta.db_table),
        ", ".join(columns),
        ", ".join(["%s"] * len(columns)),
    )

    def full(row: Sequence[Any]) -> tuple[Any, ...]:
        out = []
        for from_row, how in plan:
            if from_row:
                index, adapt = how
                value = row[index]
                out.append(adapt(value) if adapt is not None and value is not None else value)
            else:
                out.append(how)
        return tuple(out)

    n = 0
    batch: list[tuple[Any, ...]] = []
    with conn.cursor() as cur:
        if conn.vendor == "postgresql":
            # COPY: an order of magnitude faster than executemany on PostgreSQL
            copy_sql = "COPY {} ({}) FROM STDIN".format(
                conn.ops.quote_name(model._meta.db_table), ", ".join(columns)
            )
            with cur.cursor.copy(copy_sql) as copy:
                for row in rows:
                    copy.write_row(full(row))
                    n += 1
            return n
        for row in rows:
            batch.append(full(row))
            if len(batch) >= chunk:
                cur.executemany(sql, batch)
                n += len(batch)
                batch = []
        if batch:
            cur.executemany(sql, batch)
            n += len(batch)
    return n


def rows_by_keys(
    model: type[Model],
    key: str,
    keys: Sequence[Any],
    fields: Sequence[str],
    *,
    chunk: int = 5000,
) -> Iterable[tuple[Any, ...]]:
    """The `fields` of the rows whose `key` column is one of `keys`: one SELECT … IN per
    chunk, without the ORM's per-value preparation of long IN lists (the other fast path of
    an importer: looking up 100,000 codes). Keys are passed to the driver as they are (text,
    integers); JSON columns are decoded, other values come as the driver returns them, so
    ask for text, integers, ids and JSON."""
    conn = connections[DEFAULT_DB_ALIAS]
    meta = model._meta
    columns = [meta.get_field(f) for f in fields]
    decode = [
        partial(f.from_db_value, expression=None, connection=conn)
        if f.get_internal_type() == "JSONField"
        else None
        for f in columns
    ]
    select = ", ".join(conn.ops.quote_name(f.column) for f in columns)
    table = conn.ops.quote_name(meta.db_table)
    where = conn.ops.quote_name(meta.get_field(key).column)
    postgres = conn.vendor == "postgresql"
    with conn.cursor() as cur:
        for i in range(0, len(keys), chunk):
            part = list(keys[i : i + chunk])
            if postgres:  # one array parameter: a short statement the driver need not parse
                sql = f"SELECT {select} FROM {table} WHERE {where} = ANY(%s)"  # noqa: S608
                params: list[Any] = [part]
            else:
                marks = ", ".join(["%s"] * len(part))
                sql = f"SELECT {select} FROM {table} WHERE {where} IN ({marks})"  # noqa: S608
                params = part
            cur.execute(sql, params)
            for row in cur.fetchall():
                yield tuple(
                    d(v) if d is not None and v is not None else v
                    for d, v in zip(decode, row, strict=True)
                )


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
    check_xlsx(file_bytes, importer.spec, max_rows=max_rows_for(importer))
    return _create_job(actor, importer, file_bytes, filename, mode)


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
    ImportJob.objects.filter(pk=job_id).update(processed=processed, updated_at=timezone.now())


class _SideProgress:
    """Progress during the apply transaction, committed through a second connection.

    Only on PostgreSQL: SQLite has one writer, which is the apply transaction itself. The
    job row is not touched by the apply transaction until its last statement, so the side
    connection never waits for it (and a short lock_timeout guards that promise)."""

    def __init__(self) -> None:
        self.conn: Any = None
        main = connections[DEFAULT_DB_ALIAS]
        # Inside an outer transaction (a caller's, a test's) the job row is not committed:
        # nobody could see the progress, and the side connection would wait on its lock.
        if main.vendor == "postgresql" and not main.in_atomic_block:
            self.conn = type(main)(dict(main.settings_dict), DEFAULT_DB_ALIAS)

    def __call__(self, job_id: uuid.UUID, processed: int) -> None:
        if self.conn is None:
            return
        try:
            with self.conn.cursor() as cur:
                if not getattr(self, "_ready", False):
                    cur.execute("SET lock_timeout = '2s'")
                    self._ready = True
                cur.execute(
                    f"UPDATE {ImportJob._meta.db_table} SET processed = %s, updated_at = %s "  # noqa: S608
                    "WHERE id = %s",
                    [processed, timezone.now(), job_id],
                )
        except Exception:
            log.warning("could not record import progress for %s", job_id, exc_info=True)

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()


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
                extra_updates={"started_at": timezone.now(), "processed": 0},
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
    data = bytes(ImportJobFile.objects.get(job_id=job.pk, kind=UPLOAD).data)
    try:
        parsed = read_xlsx(data, importer.spec, max_rows=max_rows_for(importer))
    except ExcelFileError as exc:
        _fail(job.pk, actor, exc.code, str(exc.message))
        return ImportStatus.FAILED
    total = len(parsed.rows)
    ImportJob.objects.filter(pk=job.pk).update(
        total_rows=total, processed=0, updated_at=timezone.now()
    )
    progress = _Progress(job.pk, _write_progress)
    parse_bad = {e.row for e in parsed.errors}
    candidates = parsed.rows_without(parse_bad)
    domain_errors = importer.validate_rows(candidates, actor=actor, progress=progress)
    errors = sorted([*parsed.errors, *domain_errors], key=lambda e: e.row)
    bad = {e.row for e in errors}
    valid = [r for r in candidates if r.number not in bad]
    progress(total, force=True)
    error_file = (
        error_file_bytes(
            importer.spec, errors, {r.number: r.raw for r in parsed.rows if r.number in bad}
        )
        if errors
        else None
    )
    summary = {
        "total_rows": total,
        "valid_rows": len(valid),
        "error_rows": len(bad),
        "error_sample": [e.as_dict() for e in errors[:ERROR_SAMPLE_SIZE]],
        "has_error_file": error_file is not None,
    }
    if errors and job.mode == ImportMode.ALL_OR_NOTHING:
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
                        _("%(n)s rows are not valid; nothing was imported.") % {"n": len(bad)}
                    ),
                    "finished_at": timezone.now(),
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
    side = _SideProgress()
    try:
        with transaction.atomic(durable=True):
            counts = importer.apply(valid, actor=actor, progress=_Progress(job.pk, side))
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
                        "error_rows": len(bad),
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
                    "processed": len(valid),
                    "finished_at": timezone.now(),
                },
            )
    finally:
        side.close()
    return ImportStatus.DONE


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
                    "finished_at": timezone.now(),
                },
            )
    except InvalidTransition:
        log.warning("import job %s: could not mark it failed (already finished)", job_id)


def requeue_stale_jobs(*, older_than: dt.timedelta = STALE_AFTER) -> int:
    """Jobs whose worker died (running, not heard of for `older_than`) go back to the queue,
    at most MAX_ATTEMPTS times; pending jobs whose enqueue was lost are enqueued again.
    Their apply transaction was rolled back by the database, so a rerun starts clean.
    Meant for the worker's housekeeping loop."""
    cutoff = timezone.now() - older_than
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
                    ).update(updated_at=timezone.now()):
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
                            "finished_at": timezone.now(),
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


# --- reading jobs ---------------------------------------------------------------------------------


def list_jobs(*, actor: Actor, see_all: bool = False) -> QuerySet[ImportJob]:
    """The actor's own jobs, newest first; `see_all` (staff) shows everybody's."""
    qs = ImportJob.objects.order_by("-created_at")
    if not see_all:
        if actor.id is None:
            return qs.none()
        qs = qs.filter(created_by_id=actor.id)
    return qs


def get_job(*, actor: Actor, job_id: uuid.UUID | str, see_all: bool = False) -> ImportJob:
    """One job of the actor's (any job for staff); anything else is NotFound."""
    try:
        job_id = uuid.UUID(str(job_id))
    except ValueError:
        raise NotFound() from None
    job = list_jobs(actor=actor, see_all=see_all).filter(pk=job_id).first()
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
