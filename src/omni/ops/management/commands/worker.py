"""`omni worker`: run background tasks, relay due outbox events, report a heartbeat."""

from __future__ import annotations

import logging
import os
import socket
import threading

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections, connections
from django_tasks_db.management.commands.db_worker import Worker

from omni.kernel import clock, health, imports, outbox

log = logging.getLogger("omni.worker")


class Command(BaseCommand):
    help = "Run the task worker (outbox delivery and background jobs) with a heartbeat."

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=0.5, help="poll interval in seconds")
        parser.add_argument(
            "--batch", action="store_true", help="exit when no task is left (for tests and scripts)"
        )

    def handle(self, *args, interval: float, batch: bool, **options):
        worker_id = f"{socket.gethostname()}-{os.getpid()}"
        started = clock.wall_now()
        stop = threading.Event()

        last_reconcile = [0.0]

        def housekeeping() -> None:
            while not stop.is_set():
                try:
                    close_old_connections()
                    health.beat(worker_id, started)
                    outbox.relay_due_events()
                    imports.requeue_stale_jobs()
                    _reconcile_payments(last_reconcile)
                except Exception:
                    log.exception("worker housekeeping failed; retrying")
                stop.wait(settings.OMNI_WORKER_HEARTBEAT_SECONDS)
            connections.close_all()

        thread = threading.Thread(target=housekeeping, name="omni-housekeeping", daemon=True)
        if batch:
            health.beat(worker_id, started)
            outbox.relay_due_events()
            imports.requeue_stale_jobs()
        else:
            thread.start()
        broker = "redis" if settings.OMNI_TASKS_URL else "database"
        self.stdout.write(f"omni worker {worker_id} started ({broker})")
        try:
            if settings.OMNI_TASKS_URL:
                run_rq_worker(worker_id, batch=batch, verbosity=options.get("verbosity", 1))
            else:
                run_db_worker(worker_id, interval=interval, batch=batch)
        finally:
            stop.set()


def _reconcile_payments(last: list[float]) -> None:
    """Every OMNI_PAYMENT_RECONCILE_SECONDS: the active query (查单) for top-ups whose
    notification has not come, the pending refunds asked again, temporary credit past
    its date expired and withdrawn, stock reservations past their time released, low-stock
    notices sent to warehouse keepers, and credit alerts sent to account managers.
    Idempotent: several workers doing it at once settle each payment once."""
    import time

    every = float(getattr(settings, "OMNI_PAYMENT_RECONCILE_SECONDS", 60))
    if time.monotonic() - last[0] < every:
        return
    last[0] = time.monotonic()
    from omni.credit.services.alerts import send_credit_alerts
    from omni.credit.services.temporary import expire_due
    from omni.inventory.services.flash import expire_flash_reservations
    from omni.inventory.services.replenishment import send_low_stock_alerts
    from omni.inventory.services.reservations import expire_reservations
    from omni.payment.services.online import reconcile_top_ups
    from omni.payment.services.refunds import retry_pending_refunds

    found = reconcile_top_ups()
    retried = retry_pending_refunds()
    if found or retried:
        log.info("payments reconciled: top-ups %s, refunds %s", found, retried)
    expired = expire_due()
    if expired["expired"] or expired["withdrawn_fen"]:
        log.info("temporary credit: %s", expired)
    released = expire_reservations() + expire_flash_reservations()
    if released:
        log.info("stock reservations expired and released: %s", released)
    low = send_low_stock_alerts()
    if low:
        log.info("low-stock notices sent: %s", low)
    alerts = send_credit_alerts()
    if any(alerts.values()):
        log.info("credit alerts sent: %s", alerts)


def run_db_worker(worker_id: str, *, interval: float, batch: bool) -> None:
    """django-tasks' database worker: polls the task table (the embedded default)."""
    worker = Worker(
        queue_names=["*"],
        interval=interval,
        batch=batch,
        backend_name="default",
        startup_delay=not batch,
        max_tasks=None,
        worker_id=worker_id,
        excluded_queue_names=[],
    )
    if not batch:
        worker.configure_signals()
    worker.run()


def run_rq_worker(worker_id: str, *, batch: bool, verbosity: int) -> None:
    """An rq worker on the Redis queues of the `default` task backend (OMNI_TASKS_URL).

    Jobs run in this process, one at a time (rq's SimpleWorker, like the database worker):
    Django is set up once and the housekeeping thread lives beside it. Redis hands each job
    to one worker (an atomic pop), so any number of workers may listen on one queue; rq's
    scheduler (deferred tasks) runs in whichever worker holds its lock. A warm shutdown on
    SIGTERM / SIGINT finishes the job in hand."""
    from django_rq.workers import get_worker
    from django_tasks import task_backends
    from django_tasks_rq import Job
    from redis.exceptions import ConnectionError as RedisConnectionError
    from rq.worker import SimpleWorker

    class OmniRQWorker(SimpleWorker):
        def execute_job(self, job, queue):
            # no request cycle here: drop broken or expired connections around every job
            close_old_connections()
            try:
                super().execute_job(job, queue)
            finally:
                close_old_connections()

    queues = sorted(task_backends["default"].queues)
    try:
        worker = get_worker(*queues, job_class=Job, worker_class=OmniRQWorker, name=worker_id)
        connections.close_all()  # the jobs open their own
        worker.work(
            burst=batch,
            with_scheduler=True,
            logging_level="INFO" if verbosity >= 2 else "WARNING",
        )
    except RedisConnectionError as exc:
        raise CommandError(f"cannot reach Redis at OMNI_TASKS_URL: {exc}") from exc
