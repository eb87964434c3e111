"""kernel.imports: jobs, modes, re-import, the real worker and racing workers.

A small importer of test widgets (kernel test app) stands in for the domain importers."""

import io
import threading
from collections.abc import Sequence

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from openpyxl import Workbook, load_workbook

from omni.kernel import excel, imports
from omni.kernel.actors import Actor
from omni.kernel.errors import NotFound, PermissionDenied
from omni.kernel.excel import Column, ExcelFileError, Row, RowError, SheetSpec
from omni.kernel.models import AuditEntry, ImportJob, ImportMode, ImportStatus, StateHistory
from omni.kernel.scope import DataScope
from omni.kernel.states import state_history
from omni.kernel.testing import race
from omni.kernel.tests.testapp.models import Widget

PERMISSION = "test.widget.import"


class WidgetImporter(imports.Importer):
    label = "部件"
    permission = PERMISSION
    spec = SheetSpec(
        "部件",
        (
            Column("name", "名称", required=True, max_length=50, example="W1"),
            Column("counter", "计数", parse=excel.integer(min_value=0), example=3),
            Column("org", "组织", parse=excel.integer(), example=1),
        ),
    )
    fail_apply = False
    after_progress = None  # a test hook: called inside the apply transaction

    def validate_rows(self, rows: Sequence[Row], *, actor, progress) -> list[RowError]:
        errors, seen = [], {}
        for i, row in enumerate(rows, 1):
            name = row.values["name"]
            if name in seen:
                errors.append(RowError(row.number, "名称", f"与第 {seen[name]} 行重复"))
            seen.setdefault(name, row.number)
            if name == "坏":
                errors.append(RowError(row.number, "", "这个部件不能导入"))
            progress(i)
        return errors

    def apply(self, rows, *, actor, progress) -> imports.ApplyCounts:
        counts = imports.ApplyCounts()
        existing = {
            w.name: w for w in Widget.objects.filter(name__in=[r.values["name"] for r in rows])
        }
        new, changed = [], []
        for row in rows:
            counter = row.values["counter"] or 0
            org = row.values["org"] or 1
            w = existing.get(row.values["name"])
            if w is None:
                new.append(Widget(name=row.values["name"], counter=counter, org_id=org))
            elif (w.counter, w.org_id) != (counter, org):
                w.counter, w.org_id = counter, org
                changed.append(w)
            else:
                counts.unchanged += 1
        Widget.objects.bulk_create(new)
        progress(len(new))
        if self.after_progress:
            self.after_progress()
        if self.fail_apply:
            raise RuntimeError("boom in the middle of the apply")
        Widget.objects.bulk_update(changed, ["counter", "org_id"])
        counts.created, counts.updated = len(new), len(changed)
        return counts


IMPORTER = imports.register_importer("test.widgets", WidgetImporter())


def widget_file(rows, sheet="部件", extra_header=None) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    ws.append(["名称", "计数", "组织", *([extra_header] if extra_header else [])])
    for r in rows:
        ws.append(list(r))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@pytest.fixture
def actor() -> Actor:
    return Actor.system("importer-test")


def start(actor, data, mode=ImportMode.ALL_OR_NOTHING, filename="部件.xlsx") -> ImportJob:
    return imports.start_import(
        actor=actor, importer_key="test.widgets", file_bytes=data, filename=filename, mode=mode
    )


def run(job) -> ImportJob:
    imports.run_import(job.pk)
    job.refresh_from_db()
    return job


GOOD = [("a", 1, 1), ("b", 2, 1), ("c", 3, 2)]
MIXED = [("a", 1, 1), ("b", -1, 1), ("a", 5, 1), ("坏", 1, 1), ("d", 4, 1)]


@pytest.mark.django_db
class TestJobs:
    def test_good_file_is_imported_with_counts_history_and_one_audit_entry(
        self, actor, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks() as callbacks:
            job = start(actor, widget_file(GOOD))
        assert job.status == ImportStatus.PENDING and len(callbacks) == 1  # enqueued on commit
        job = run(job)
        assert job.status == ImportStatus.DONE
        assert (job.total_rows, job.valid_rows, job.error_rows) == (3, 3, 0)
        assert (job.created_count, job.updated_count, job.unchanged_count) == (3, 0, 0)
        assert job.processed == 3 and job.finished_at and not job.has_error_file
        assert dict(Widget.objects.values_list("name", "counter")) == {"a": 1, "b": 2, "c": 3}
        steps = [(h.from_status, h.to_status) for h in state_history(ImportJob, job.pk)]
        assert steps == [
            ("pending", "validating"),
            ("validating", "importing"),
            ("importing", "done"),
        ]
        (entry,) = AuditEntry.objects.filter(object_type="kernel.importjob")
        assert entry.after["created"] == 3 and entry.after["importer"] == "test.widgets"

    def test_reimporting_the_same_file_changes_nothing(self, actor):
        run(start(actor, widget_file(GOOD)))
        before = list(Widget.objects.order_by("pk").values())
        audits = AuditEntry.objects.count()
        job = run(start(actor, widget_file(GOOD)))
        assert (job.created_count, job.updated_count, job.unchanged_count) == (0, 0, 3)
        assert list(Widget.objects.order_by("pk").values()) == before  # not even updated_at
        assert AuditEntry.objects.count() == audits  # nothing changed, nothing audited

    def test_changed_rows_are_updated(self, actor):
        run(start(actor, widget_file(GOOD)))
        job = run(start(actor, widget_file([("a", 1, 1), ("b", 20, 1), ("e", 1, 1)])))
        assert (job.created_count, job.updated_count, job.unchanged_count) == (1, 1, 1)
        assert Widget.objects.get(name="b").counter == 20

    def test_all_or_nothing_writes_nothing_and_reports_every_bad_row(self, actor):
        job = run(start(actor, widget_file(MIXED)))
        assert job.status == ImportStatus.FAILED and job.failure_code == "rows_invalid"
        assert not Widget.objects.exists()
        assert (job.total_rows, job.valid_rows, job.error_rows) == (5, 2, 3)
        assert job.error_sample == [
            {"row": 3, "column": "计数", "reason": "不能小于 0"},
            {"row": 4, "column": "名称", "reason": "与第 2 行重复"},
            {"row": 5, "column": "", "reason": "这个部件不能导入"},
        ]
        ws = load_workbook(io.BytesIO(imports.job_file(job)))["部件"]
        rows = [[c.value for c in r] for r in ws.iter_rows()]
        assert rows == [
            ["名称", "计数", "组织", "行号", "错误列", "错误原因"],
            ["b", -1, 1, 3, "计数", "计数：不能小于 0"],
            ["a", 5, 1, 4, "名称", "名称：与第 2 行重复"],
            ["坏", 1, 1, 5, None, "这个部件不能导入"],
        ]

    def test_valid_only_imports_the_good_rows_and_reports_the_others(self, actor):
        job = run(start(actor, widget_file(MIXED), mode=ImportMode.VALID_ONLY))
        assert job.status == ImportStatus.DONE
        assert (job.created_count, job.error_rows) == (2, 3)
        assert sorted(Widget.objects.values_list("name", flat=True)) == ["a", "d"]
        assert job.has_error_file and imports.job_file(job)

    def test_an_exception_in_apply_rolls_everything_back(self, actor, monkeypatch):
        monkeypatch.setattr(IMPORTER, "fail_apply", True)
        job = run(start(actor, widget_file(GOOD)))
        assert job.status == ImportStatus.FAILED and job.failure_code == "internal_error"
        assert not Widget.objects.exists()  # the widgets created before the crash are gone
        assert not AuditEntry.objects.filter(object_type="kernel.importjob").exists()

    def test_a_job_runs_once(self, actor):
        job = start(actor, widget_file(GOOD))
        assert imports.run_import(job.pk) == ImportStatus.DONE
        assert imports.run_import(job.pk) == "skipped"
        assert Widget.objects.count() == 3

    def test_file_level_problems_answer_at_once_and_store_nothing(self, actor):
        with pytest.raises(ExcelFileError) as info:
            start(actor, b"not an excel file")
        assert info.value.code == "not_xlsx"
        with pytest.raises(ExcelFileError) as info:
            start(actor, widget_file(GOOD, sheet="Sheet1"))
        assert info.value.code == "sheet_not_found"
        with override_settings(OMNI_IMPORT_MAX_ROWS=2), pytest.raises(ExcelFileError) as info:
            start(actor, widget_file(GOOD))
        assert info.value.code == "too_many_rows"
        with (
            override_settings(OMNI_IMPORT_MAX_FILE_BYTES=100),
            pytest.raises(ExcelFileError) as info,
        ):
            start(actor, widget_file(GOOD))
        assert (info.value.code, info.value.status) == ("file_too_large", 413)
        assert not ImportJob.objects.exists()

    def test_permission_mode_and_importer_are_checked(self):
        nobody = Actor.for_user(type("U", (), {"pk": 5, "get_username": lambda s: "u"})())
        with pytest.raises(PermissionDenied):
            start(nobody, widget_file(GOOD))
        with pytest.raises(NotFound):
            imports.start_import(
                actor=Actor.system(), importer_key="nope", file_bytes=b"", filename="x", mode="x"
            )
        with pytest.raises(Exception) as info:
            start(Actor.system(), widget_file(GOOD), mode="sometimes")
        assert info.value.code == "invalid_mode"

    def test_jobs_are_visible_to_their_creator(self, actor):
        mine = Actor(actor.kind, 7, "me", permissions=frozenset({PERMISSION}))
        other = Actor(actor.kind, 8, "other", permissions=frozenset({PERMISSION}))
        job = start(mine, widget_file(GOOD))
        assert imports.get_job(actor=mine, job_id=job.pk) == job
        with pytest.raises(NotFound):
            imports.get_job(actor=other, job_id=job.pk)
        assert list(imports.list_jobs(actor=other)) == []
        # a holder of the importer's permission whose data scope is everything sees it
        boss = Actor(
            actor.kind, 9, "boss", permissions=frozenset({PERMISSION}), scope=DataScope.all()
        )
        assert imports.get_job(actor=boss, job_id=job.pk) == job
        # without the permission, an everything scope shows only one's own jobs
        nosy = Actor(actor.kind, 10, "nosy", scope=DataScope.all())
        with pytest.raises(NotFound):
            imports.get_job(actor=nosy, job_id=job.pk)

    def test_the_job_runs_with_the_uploaders_identity(self):
        mine = Actor(
            Actor.system().kind, 7, "me", request_id="req-1", permissions=frozenset({PERMISSION})
        )
        job = run(start(mine, widget_file(GOOD)))
        entry = AuditEntry.objects.get(object_type="kernel.importjob")
        assert (entry.actor_id, entry.actor_name, entry.request_id) == (7, "me", "req-1")
        assert imports.job_actor(job) == mine

    def test_progress_is_committed_while_validating(self, actor, monkeypatch):
        seen = []
        monkeypatch.setattr(imports, "PROGRESS_EVERY", 0)
        original = imports._write_progress

        def spy(job_id, processed):
            original(job_id, processed)
            seen.append((ImportJob.objects.get(pk=job_id).status, processed))

        monkeypatch.setattr(imports, "_write_progress", spy)
        run(start(actor, widget_file(GOOD)))
        assert seen[:3] == [("validating", 1), ("validating", 2), ("validating", 3)]

    def test_stale_running_jobs_are_requeued_then_given_up(self, actor):
        job = start(actor, widget_file(GOOD))
        from django.utils import timezone

        long_ago = timezone.now() - imports.STALE_AFTER * 2
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportStatus.IMPORTING, updated_at=long_ago, attempts=1
        )
        assert imports.requeue_stale_jobs() == 1
        assert ImportJob.objects.get(pk=job.pk).status == ImportStatus.PENDING
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportStatus.IMPORTING, updated_at=long_ago, attempts=imports.MAX_ATTEMPTS
        )
        imports.requeue_stale_jobs()
        job.refresh_from_db()
        assert (job.status, job.failure_code) == (ImportStatus.FAILED, "worker_lost")

    def test_importers_are_listed_by_permission(self):
        assert IMPORTER in imports.list_importers(Actor.system())
        assert IMPORTER not in imports.list_importers(Actor.channel("x"))


@pytest.mark.django_db(transaction=True)
def test_the_job_runs_in_the_real_worker():
    job = start(Actor.system("t"), widget_file(GOOD))  # commits: the task is enqueued
    assert ImportJob.objects.get(pk=job.pk).status == ImportStatus.PENDING
    call_command("worker", batch=True, interval=0)
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE and job.created_count == 3
    assert Widget.objects.count() == 3


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_workers_racing_for_one_job_run_it_once():
    job = start(Actor.system("t"), widget_file(GOOD * 1 + [(f"w{i}", i, 1) for i in range(500)]))
    result = race(lambda: imports.run_import(job.pk), 2)
    assert not result.errors
    assert sorted(result.results) == ["done", "skipped"]
    assert Widget.objects.count() == 503
    assert StateHistory.objects.filter(object_id=str(job.pk), to_status="validating").count() == 1
    assert connection.vendor == "postgresql"


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_progress_inside_the_apply_transaction_is_visible_to_other_connections(monkeypatch):
    """On PostgreSQL the apply's progress goes through a second, autocommit connection."""
    job = start(Actor.system("t"), widget_file([(f"w{i}", i, 1) for i in range(50)]))
    seen = {}

    def look_from_elsewhere():
        def read():
            seen["processed"] = ImportJob.objects.get(pk=job.pk).processed
            seen["widgets"] = Widget.objects.count()
            connection.close()

        t = threading.Thread(target=read)
        t.start()
        t.join()

    monkeypatch.setattr(IMPORTER, "after_progress", look_from_elsewhere)
    assert imports.run_import(job.pk) == ImportStatus.DONE
    # another connection saw the count while the widgets themselves were not committed yet
    assert seen == {"processed": 50, "widgets": 0}
