"""The rows of a running import job, kept on disk between validation and apply.

An import reads its file once, in batches (`excel.iter_row_batches`). Each batch, once
validated, is pickled to a temporary file together with its row errors, so that the worker
holds one batch at a time, whatever the file; in memory stay only a bitmap of bad row
numbers, the errors found for rows of earlier batches (`late`, few: rules that need the
whole file) and counts. The apply reads the batches back (their valid rows), and so does
the error file, written row by row.

`SideProgress` commits the apply's progress through a second connection (PostgreSQL).
"""

from __future__ import annotations

import contextlib
import gc
import heapq
import logging
import pickle
import tempfile
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import IO, Any

from django.db import DEFAULT_DB_ALIAS, connections

from . import clock
from .excel import Row, RowError, RowValues, SheetSpec
from .models import ImportJob
from .xlsx_writer import error_rows_bytes

log = logging.getLogger("omni.imports")

# (row number, parsed values, raw cells) and (row, column, reason): what a batch spills
_RowTuple = tuple[int, tuple[Any, ...], tuple[Any, ...]]
_ErrorTuple = tuple[int, str, str]


@contextlib.contextmanager
def young_collections() -> Iterator[Callable[[], Any]]:
    """While a job runs, the cyclic garbage collector runs only when the engine asks, for
    the young generations, after each chunk (what the chunk left in cycles). Left to
    itself it would also walk every long-lived object of the process (Django's, the run's
    compact state) every few thousand rows: a third of the reading time."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield lambda: gc.collect(1)
    finally:
        if enabled:
            gc.enable()


class RunStore:
    """Batches of rows and their errors, spilled to a temporary file. Use as a context
    manager (the file is deleted on exit)."""

    def __init__(self, spec: SheetSpec) -> None:
        self.spec = spec
        self.keys = {c.key: i for i, c in enumerate(spec.columns)}
        self.file: IO[bytes] | None = None
        self.batches = 0
        self.total_rows = 0
        self.error_count = 0
        self.bad = bytearray()  # bad[row number] == 1: the row has an error
        self.error_rows = 0  # distinct rows with an error
        self.late: list[_ErrorTuple] = []  # errors of rows of an earlier batch
        self._last_row = 0
        self.tidy: Callable[[], Any] = lambda: None  # the engine's collection between chunks

    def __enter__(self) -> RunStore:
        self.file = tempfile.TemporaryFile(prefix="omni-import-")
        return self

    def __exit__(self, *exc: object) -> None:
        if self.file is not None:
            self.file.close()
            self.file = None

    # --- writing ---------------------------------------------------------------------------

    def _mark(self, number: int) -> None:
        if number >= len(self.bad):
            self.bad.extend(bytes(number + 1 - len(self.bad) + 4096))
        if not self.bad[number]:
            self.bad[number] = 1
            self.error_rows += 1

    def add(self, rows: Sequence[Row], errors: Iterable[RowError]) -> None:
        """A validated batch: its rows and every error found so far for them (or for rows of
        earlier batches: kept apart, they are few)."""
        assert self.file is not None
        first = rows[0].number if rows else self._last_row + 1
        own: list[_ErrorTuple] = []
        for e in errors:
            self._mark(e.row)
            self.error_count += 1
            (own if e.row >= first else self.late).append((e.row, e.column, e.reason))
        own.sort(key=lambda t: t[0])  # stable: parse errors stay before domain errors
        keys = self.keys
        pickle.dump(
            (
                [
                    (
                        r.number,
                        r.values._values
                        if isinstance(r.values, RowValues)
                        else tuple(r.values.get(k) for k in keys),
                        r.raw,
                    )
                    for r in rows
                ],
                own,
            ),
            self.file,
            protocol=pickle.HIGHEST_PROTOCOL,
        )
        self.batches += 1
        self.total_rows += len(rows)
        if rows:
            self._last_row = rows[-1].number

    def add_late(self, errors: Iterable[RowError]) -> None:
        """Errors found after the last batch (rules over the whole file)."""
        for e in errors:
            self._mark(e.row)
            self.error_count += 1
            self.late.append((e.row, e.column, e.reason))

    # --- reading ---------------------------------------------------------------------------

    def is_bad(self, number: int) -> bool:
        return number < len(self.bad) and self.bad[number] == 1

    def _read(self) -> Iterator[tuple[list[_RowTuple], list[_ErrorTuple]]]:
        assert self.file is not None
        self.file.seek(0)
        for _ in range(self.batches):
            yield pickle.load(self.file)  # noqa: S301 (our own file, written just before)
        self.file.seek(0, 2)

    @property
    def valid_rows(self) -> int:
        return self.total_rows - self.error_rows

    def valid_batches(self) -> Iterator[list[Row]]:
        """The rows without an error, batch by batch (batches with none are skipped)."""
        keys = self.keys
        for rows, _errors in self._read():
            valid = [
                Row(number, RowValues(keys, values), raw)
                for number, values, raw in rows
                if not self.is_bad(number)
            ]
            if valid:
                yield valid

    def errors(self) -> Iterator[RowError]:
        """Every error, by row (a row's errors in the order they were found)."""
        late = sorted(self.late, key=lambda t: t[0])
        streams = (own for _rows, own in self._read())
        merged = heapq.merge(_flatten(streams), late, key=lambda t: t[0])
        for row, column, reason in merged:
            yield RowError(row, column, reason)

    def sample(self, size: int) -> list[dict[str, Any]]:
        """The first `size` errors by row (reading only as many batches as it takes)."""
        out: list[dict[str, Any]] = []
        if not self.error_count:
            return out
        for e in self.errors():
            if len(out) >= size:
                break
            out.append(e.as_dict())
        return out

    def error_file(self) -> bytes | None:
        """The rejected rows with their reasons (`xlsx_writer.error_rows_bytes`), written
        row by row; None when every row is valid."""
        if not self.error_count:
            return None
        return error_rows_bytes(self.spec, self._bad_rows())

    def _bad_rows(self) -> Iterator[tuple[int, Sequence[Any], list[RowError]]]:
        late = iter(sorted(self.late, key=lambda t: t[0]))
        pending = next(late, None)
        for rows, own in self._read():
            by_row: dict[int, list[RowError]] = {}
            for row, column, reason in own:
                by_row.setdefault(row, []).append(RowError(row, column, reason))
            last = rows[-1][0] if rows else 0
            while pending is not None and pending[0] <= last:
                by_row.setdefault(pending[0], []).append(RowError(*pending))
                pending = next(late, None)
            for number, _values, raw in rows:
                if number in by_row:
                    yield number, raw, by_row[number]


def _flatten(streams: Iterable[list[_ErrorTuple]]) -> Iterator[_ErrorTuple]:
    for errors in streams:
        yield from errors


class SideProgress:
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
                    [processed, clock.wall_now(), job_id],
                )
        except Exception:
            log.warning("could not record import progress for %s", job_id, exc_info=True)

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
