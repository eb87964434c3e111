"""Shared benchmark plumbing: run a callable from N threads for a fixed time."""

from __future__ import annotations

import platform
import threading
import time
from collections.abc import Callable

from django.db import connection, connections


def machine() -> dict:
    import os

    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "database": connection.vendor,
        "database_version": _db_version(),
    }


def _db_version() -> str:
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("SHOW server_version")
        else:
            cur.execute("SELECT sqlite_version()")
        return cur.fetchone()[0]


def hammer(op: Callable[[], None], writers: int, seconds: float) -> dict:
    """Call `op` in a loop from `writers` threads (own connections) for `seconds`."""
    counts = [0] * writers
    errors: list[BaseException] = []
    start = threading.Barrier(writers + 1)
    stop = threading.Event()

    def loop(i: int) -> None:
        try:
            connection.ensure_connection()
            start.wait()
            while not stop.is_set():
                op()
                counts[i] += 1
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=loop, args=(i,)) for i in range(writers)]
    for t in threads:
        t.start()
    start.wait()
    t0 = time.perf_counter()
    time.sleep(seconds)  # the measuring window, not synchronisation
    stop.set()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    if errors:
        raise errors[0]
    total = sum(counts)
    return {
        "operations": total,
        "seconds": round(elapsed, 3),
        "per_second": round(total / elapsed, 1),
    }
