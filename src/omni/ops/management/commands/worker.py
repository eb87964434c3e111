"""`omni worker`: run background tasks, relay due outbox events, report a heartbeat."""

from __future__ import annotations

import logging
import os
import socket
import threading

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections, connections
from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Worker

from omni.kernel import health, imports, outbox

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
        started = timezone.now()
        stop = threading.Event()

        def housekeeping() -> None:
            while not stop.is_set():
                try:
                    close_old_connections()
                    health.beat(worker_id, started)
                    outbox.relay_due_events()
                    imports.requeue_stale_jobs()
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
        self.stdout.write(f"omni worker {worker_id} started")
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
        try:
            worker.run()
        finally:
            stop.set()
