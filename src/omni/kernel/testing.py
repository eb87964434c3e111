"""Test helpers shared by every app: real races, query budgets.

`race(fn, n)` runs callables truly at the same time: each in its own thread with its own
database connection, all released together by a barrier. Use it in
``@pytest.mark.django_db(transaction=True)`` tests, so each thread's work is really
committed and the threads really contend for locks (on PostgreSQL: row locks; on SQLite:
the single write lock, with busy_timeout).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.db import connection, connections
from django.test.utils import CaptureQueriesContext


@dataclass
class RaceResult:
    results: list[Any]
    errors: list[BaseException]

    @property
    def ok(self) -> list[Any]:
        return [r for r in self.results if not isinstance(r, BaseException)]


def race(
    callables: Sequence[Callable[[], Any]] | Callable[[], Any],
    n: int | None = None,
    *,
    timeout: float = 120.0,
) -> RaceResult:
    """Run the callables concurrently; return each one's result or exception, in order."""
    if callable(callables):
        if n is None:
            raise ValueError("race(fn, n): say how many copies of fn to run")
        fns: list[Callable[[], Any]] = [callables] * n
    else:
        fns = list(callables)
    barrier = threading.Barrier(len(fns))
    results: list[Any] = [None] * len(fns)

    def run(i: int, fn: Callable[[], Any]) -> None:
        try:
            # Open this thread's connection before the start line, so connecting is not
            # part of the race and every thread starts its transaction at the same moment.
            connection.ensure_connection()
            barrier.wait(timeout=timeout)
            results[i] = fn()
        except BaseException as exc:
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, fn), daemon=True) for i, fn in enumerate(fns)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
        if t.is_alive():
            raise TimeoutError("a racing thread did not finish in time")
    errors = [r for r in results if isinstance(r, BaseException)]
    return RaceResult(results, errors)


@contextmanager
def assert_max_queries(limit: int, using: str = "default") -> Iterator[CaptureQueriesContext]:
    """Fail if the block runs more than `limit` SQL queries (guards against N+1)."""
    conn = connections[using]
    with CaptureQueriesContext(conn) as ctx:
        yield ctx
    executed = len(ctx.captured_queries)
    if executed > limit:
        listing = "\n".join(
            f"  {i + 1}. {q['sql'][:300]}" for i, q in enumerate(ctx.captured_queries)
        )
        raise AssertionError(f"{executed} queries ran, budget is {limit}:\n{listing}")


def database_url() -> str:
    """The test database, spelled so that a subprocess's settings open the same one (a
    file on SQLite, the test database on PostgreSQL: use it from `transaction=True` tests,
    so what the test writes is committed and the subprocess sees it)."""
    from urllib.parse import quote

    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    auth = quote(s["USER"] or "", safe="")
    if s["PASSWORD"]:
        auth += ":" + quote(s["PASSWORD"], safe="")
    host = f"{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}"
    return f"postgres://{auth}@{host}/{s['NAME']}"
