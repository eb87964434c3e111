"""Outbox events and import jobs through Redis (OMNI_TASKS_URL) with two real `omni worker`
processes at once: everything is processed exactly once and both workers take part.

The workers are subprocesses on this test's own database (a file on SQLite, the test
database on PostgreSQL: hence `transaction=True`, so what the test writes is committed)
and on a Redis database claimed for this run (`redis_url`)."""

from __future__ import annotations

import datetime as dt
import io
import os
import signal
import socket
import subprocess
import sys
import time

import pytest
from django.db import transaction
from django.utils import timezone
from openpyxl import Workbook

from omni.kernel import imports, outbox
from omni.kernel.models import (
    ImportJob,
    ImportMode,
    ImportStatus,
    OutboxEvent,
    OutboxStatus,
    ProcessedEvent,
    StateHistory,
    WorkerHeartbeat,
)
from omni.kernel.testing import database_url
from omni.kernel.tests.testapp.models import Widget
from omni.party.importers import CUSTOMER_SPEC
from omni.party.models import Customer
from omni.party.tests.factories import SYSTEM, make_world

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]

EVENTS = 40
ROWS_PER_JOB = 25
DEADLINE = 120.0  # seconds: generous for two cold workers on a busy two-core machine


def customers_file(prefix: str) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = CUSTOMER_SPEC.sheet_name
    ws.append(CUSTOMER_SPEC.headers)
    base = {"客户类型": "一级经销商", "所属组织编码": "E-SO", "所在地区编码": "310115"}
    for i in range(ROWS_PER_JOB):
        row = {**base, "客户编码": f"{prefix}-{i:03d}", "客户名称": f"Redis 客户 {prefix}{i}"}
        ws.append([row.get(h) for h in CUSTOMER_SPEC.headers])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def start_job(prefix: str) -> ImportJob:
    return imports.start_import(
        actor=SYSTEM,
        importer_key="party.customers",
        file_bytes=customers_file(prefix),
        filename=f"{prefix}.xlsx",
        mode=ImportMode.ALL_OR_NOTHING,
    )


def wait_for(what: str, check, procs) -> None:
    """Poll `check` until it holds; fail at the deadline or when a worker has died."""
    deadline = time.monotonic() + DEADLINE
    while not check():
        dead = [p for p in procs if p.poll() is not None]
        if dead:
            pytest.fail(f"a worker exited ({dead[0].returncode}) while waiting for {what}")
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.1)


def test_two_redis_workers_process_outbox_events_and_imports_exactly_once(
    redis_url, settings, tmp_path
):
    import redis
    from rq import Worker
    from rq.job import Job
    from rq.registry import FailedJobRegistry, FinishedJobRegistry

    make_world()
    widgets = [Widget.objects.create(name=f"rq-{i}") for i in range(EVENTS + 1)]

    # Work whose enqueue was lost (the process died after commit): only the workers' sweepers
    # can find it. An event due now, and an import job stored without a task.
    lost_event = OutboxEvent.objects.create(
        event_type="widget.touched",
        payload={"widget_id": widgets[-1].pk},
        next_attempt_at=timezone.now() - dt.timedelta(seconds=1),
    )
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    lost_job = start_job("RQ-LOST")
    ImportJob.objects.filter(pk=lost_job.pk).update(
        updated_at=timezone.now() - imports.STALE_AFTER - dt.timedelta(minutes=1)
    )

    # From here on this process enqueues to Redis, as a web process with OMNI_TASKS_URL does.
    settings.OMNI_TASKS_URL = redis_url
    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    settings.RQ_QUEUES = {"default": {"URL": redis_url}}
    broker = redis.Redis.from_url(redis_url)

    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "OMNI_TASKS_URL": redis_url,
        "OMNI_TESTING": "1",  # the test app's models and outbox handlers
        "PYTHONUNBUFFERED": "1",
    }
    procs, logs = [], []
    for n in range(2):
        log = open(tmp_path / f"worker-{n}.log", "w+")  # noqa: SIM115 (closed below)
        logs.append(log)
        procs.append(
            subprocess.Popen(
                [sys.executable, "-m", "omni.cli", "worker"],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        )
    names = {f"{socket.gethostname()}-{p.pid}" for p in procs}
    try:
        # both listening before any new work arrives, so Redis has two workers to hand it to
        wait_for(
            "two idle workers",
            lambda: (
                {w.name for w in Worker.all(connection=broker) if w.get_state() == "idle"} >= names
            ),
            procs,
        )
        with transaction.atomic():
            event_ids = [
                outbox.publish("widget.touched", {"widget_id": w.pk}, org_id=w.org_id)
                for w in widgets[:EVENTS]
            ]
        jobs = [start_job(f"RQ-{n}") for n in range(2)] + [lost_job]

        def finished() -> bool:
            pending = OutboxEvent.objects.exclude(status=OutboxStatus.DELIVERED).exists()
            running = ImportJob.objects.exclude(
                status__in=[ImportStatus.DONE, ImportStatus.FAILED]
            ).exists()
            return not pending and not running

        wait_for("every event and job to finish", finished, procs)
        wait_for(
            "a heartbeat from each worker",
            lambda: set(WorkerHeartbeat.objects.values_list("worker_id", flat=True)) >= names,
            procs,
        )
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)  # rq's warm shutdown
        for p in procs:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        output = []
        for log in logs:
            log.seek(0)
            output.append(log.read())
            log.close()
    print("\n".join(output))  # shown by pytest when the test fails
    assert [p.returncode for p in procs] == [0, 0], output

    # every event, the lost one too, delivered once: one ProcessedEvent, one counter step
    all_events = [*event_ids, lost_event.pk]
    assert OutboxEvent.objects.filter(pk__in=all_events, status=OutboxStatus.DELIVERED).count() == (
        EVENTS + 1
    )
    assert ProcessedEvent.objects.filter(event_id__in=all_events).count() == EVENTS + 1
    assert sorted(
        Widget.objects.filter(name__startswith="rq-").values_list("counter", flat=True)
    ) == [1] * (EVENTS + 1)

    # every import job, the lost one too, ran once and imported all its rows
    for job in jobs:
        job.refresh_from_db()
        assert (job.status, job.created_count, job.attempts) == (
            ImportStatus.DONE,
            ROWS_PER_JOB,
            1,
        ), job.error_sample
        assert (
            StateHistory.objects.filter(object_id=str(job.pk), to_status="validating").count() == 1
        )
    assert Customer.objects.filter(code__startswith="RQ-").count() == 3 * ROWS_PER_JOB

    # the work went through Redis, nothing failed there, and both workers took part
    registry = FinishedJobRegistry("default", connection=broker)
    done = [j for j in Job.fetch_many(registry.get_job_ids(), connection=broker) if j]
    assert FailedJobRegistry("default", connection=broker).count == 0
    delivered = {j.args[0] for j in done if j.func_name == "omni.kernel.outbox.deliver_event"}
    assert delivered == {str(e) for e in all_events}
    ran = {j.args[0] for j in done if j.func_name == "omni.kernel.imports.run_import_job"}
    assert ran == {str(j.pk) for j in jobs}
    ran_by = [(r.worker_name, j.func_name) for j in done for r in j.results()]
    assert {name for name, _ in ran_by} == names, f"jobs per worker: {ran_by}"
