"""kernel.imports in chunks: an importer with `chunk_rows` sees the file a few rows at a
time, keeps its cross-row knowledge in a session, may name rows of earlier chunks, and the
job's sample, error file and apply are the same as if it had seen every row at once."""

import io

import pytest
from openpyxl import load_workbook

from omni.kernel import excel, imports
from omni.kernel.actors import Actor
from omni.kernel.excel import Column, RowError, SheetSpec
from omni.kernel.models import ImportMode, ImportStatus
from omni.kernel.tests.testapp.models import Widget

from .test_imports import PERMISSION, widget_file


class _Session:
    def __init__(self) -> None:
        self.first: dict[str, int] = {}  # name → its first row number
        self.uses: dict[str, int] = {}
        self.validated: list[list[int]] = []
        self.applied: list[list[int]] = []


class ChunkedWidgetImporter(imports.Importer):
    """Two rows at a time. A name repeated is an error on the later row; a name used three
    times is also an error on its first row (a rule that needs later chunks); the last row
    is refused when the counters add up to more than 100 (a rule over the whole file)."""

    label = "部件（分批）"
    permission = PERMISSION
    chunk_rows = 2
    spec = SheetSpec(
        "部件",
        (
            Column("name", "名称", required=True, max_length=50),
            Column("counter", "计数", parse=excel.integer(min_value=0)),
            Column("org", "组织", parse=excel.integer()),
        ),
    )

    def start_session(self, *, actor):
        return _Session()

    def validate_chunk(self, rows, *, actor, progress, session) -> list[RowError]:
        session.validated.append([r.number for r in rows])
        errors = []
        for row in rows:
            name = row.values["name"]
            first = session.first.setdefault(name, row.number)
            session.uses[name] = session.uses.get(name, 0) + 1
            if first != row.number:
                errors.append(RowError(row.number, "名称", f"与第 {first} 行重复"))
            if session.uses[name] == 3:
                errors.append(RowError(first, "名称", "用了三次"))
            session.total = getattr(session, "total", 0) + (row.values["counter"] or 0)
            session.last = row.number
        return errors

    def finish_validation(self, *, actor, session) -> list[RowError]:
        if getattr(session, "total", 0) > 100:
            return [RowError(session.last, "计数", "合计超过 100")]
        return []

    def apply_chunk(self, rows, *, actor, progress, session) -> imports.ApplyCounts:
        session.applied.append([r.number for r in rows])
        Widget.objects.bulk_create(
            Widget(name=r.values["name"], counter=r.values["counter"] or 0, org_id=1) for r in rows
        )
        progress(len(rows))
        return imports.ApplyCounts(created=len(rows), details={"chunks": 1})


IMPORTER = imports.register_importer("test.widgets_chunked", ChunkedWidgetImporter())

# rows 2..8 of the sheet
ROWS = [("a", 1, 1), ("b", 1, 1), ("a", 1, 1), ("c", 1, 1), ("a", 1, 1), ("d", -1, 1), ("e", 1, 1)]


@pytest.fixture
def actor() -> Actor:
    return Actor.system("importer-test")


@pytest.fixture
def sessions(monkeypatch) -> list[_Session]:
    made: list[_Session] = []

    def start_session(*, actor):
        made.append(_Session())
        return made[-1]

    monkeypatch.setattr(IMPORTER, "start_session", start_session)
    return made


def run(actor, rows, mode):
    job = imports.start_import(
        actor=actor,
        importer_key="test.widgets_chunked",
        file_bytes=widget_file(rows),
        filename="部件.xlsx",
        mode=mode,
    )
    imports.run_import(job.pk)
    job.refresh_from_db()
    return job


@pytest.mark.django_db
def test_errors_on_rows_of_earlier_chunks_are_reported_in_row_order(actor, sessions):
    job = run(actor, ROWS, ImportMode.ALL_OR_NOTHING)

    assert job.status == ImportStatus.FAILED and not Widget.objects.exists()
    (session,) = sessions
    assert session.validated == [[2, 3], [4, 5], [6], [8]]  # row 7 has a bad cell
    assert (job.total_rows, job.error_rows, job.valid_rows) == (7, 4, 3)
    assert job.error_sample == [
        {"row": 2, "column": "名称", "reason": "用了三次"},  # found with row 6
        {"row": 4, "column": "名称", "reason": "与第 2 行重复"},
        {"row": 6, "column": "名称", "reason": "与第 2 行重复"},
        {"row": 7, "column": "计数", "reason": "不能小于 0"},
    ]
    ws = load_workbook(io.BytesIO(imports.job_file(job)))["部件"]
    assert [[c.value for c in r] for r in ws.iter_rows(min_row=2)] == [
        ["a", 1, 1, 2, "名称", "名称：用了三次"],
        ["a", 1, 1, 4, "名称", "名称：与第 2 行重复"],
        ["a", 1, 1, 6, "名称", "名称：与第 2 行重复"],
        ["d", -1, 1, 7, "计数", "计数：不能小于 0"],
    ]


@pytest.mark.django_db
def test_valid_only_applies_the_valid_rows_chunk_by_chunk_in_one_job(actor, sessions):
    job = run(actor, ROWS, ImportMode.VALID_ONLY)

    assert job.status == ImportStatus.DONE
    (session,) = sessions  # one session from the first chunk validated to the last applied
    assert session.applied == [[3], [5], [8]]  # rows 2, 4, 6 and 7 refused
    assert sorted(Widget.objects.values_list("name", flat=True)) == ["b", "c", "e"]
    assert (job.created_count, job.processed) == (3, 3)


@pytest.mark.django_db
def test_an_error_found_after_the_last_chunk_refuses_its_row(actor, sessions):
    rows = [("a", 60, 1), ("b", 30, 1), ("c", 20, 1)]
    job = run(actor, rows, ImportMode.VALID_ONLY)

    assert job.error_sample == [{"row": 4, "column": "计数", "reason": "合计超过 100"}]
    assert sorted(Widget.objects.values_list("name", flat=True)) == ["a", "b"]
