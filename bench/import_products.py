"""import-products: products/SKUs imported from an .xlsx file, rows per second end to end.

Figure: a generated workbook of `rows` SKU rows (3 SKUs per product, each with a spec, an
EAN-13 barcode and a case size; brands, categories and units created first) goes through
the code path of an import job, synchronously: `start_import` (size and file checks, the job
and its file stored) then `run_import` (claim, stream and parse, validate, apply in one
transaction: products, SKUs, barcodes and case conversions bulk-inserted, the audit
summary, the job done). rows / elapsed seconds. Also reported: parse-only rows per second
(`excel.read_xlsx`, measured after the import), the time of each phase (the importer's
chunks summed) and the peak memory of the process during the upload check and the job
(resident set sampled every 5 ms, and its increase over the level at the start: what one
import costs a worker).
Raw limit, same run, same database: 100,000 rows of comparable width (the file's 11 columns)
inserted into a scratch table with one `executemany` in one transaction (dropped after).
Everything the benchmark created is deleted afterwards.
"""

from __future__ import annotations

import gc
import io
import os
import resource
import threading
import time
from typing import Any

from django.apps import apps
from django.db import connection, transaction
from openpyxl import Workbook

from omni.catalog.calculations import make_ean13
from omni.catalog.importers import SPEC
from omni.catalog.models import Barcode, Brand, Category, Product, Sku, Unit, UnitConversion
from omni.kernel import excel, imports
from omni.kernel.actors import Actor
from omni.kernel.models import AuditEntry, ImportJob, ImportMode, ImportStatus, StateHistory

from ._harness import machine

PREFIX = "BNCH"
SKUS_PER_PRODUCT = 3
BRANDS = 20
CATEGORIES = 50


def _workbook(rows: int) -> bytes:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(SPEC.sheet_name)
    ws.append(SPEC.headers)
    for i in range(rows):
        p = i // SKUS_PER_PRODUCT
        ws.append(
            [
                f"{PREFIX}P{p:07d}",
                f"基准商品{p}",
                f"{PREFIX}B{p % BRANDS:02d}",
                f"{PREFIX}C{p % CATEGORIES:02d}",
                "瓶",
                f"{PREFIX}S{i:08d}",
                f"规格:{500 * (1 + i % SKUS_PER_PRODUCT)}ml;口味:无糖",
                make_ean13(f"29{i:010d}"),
                12 + i % SKUS_PER_PRODUCT * 12,
                "上架",
                None,
            ]
        )
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _org_model() -> Any:
    """Organisations live in tenancy (party before issue 12)."""
    for app in ("tenancy", "party"):
        try:
            return apps.get_model(app, "Organization")
        except LookupError:
            continue
    raise LookupError("Organization")


def _setup() -> dict[str, Any]:
    Org = _org_model()
    org = Org.objects.create(code=f"{PREFIX}ORG", name="基准组织", kind="group", path="")
    Org.objects.filter(pk=org.pk).update(path=f"/{org.pk}/")
    Brand.objects.bulk_create(
        Brand(org=org, code=f"{PREFIX}B{i:02d}", name=f"基准品牌{i}") for i in range(BRANDS)
    )
    Category.objects.bulk_create(
        Category(org=org, code=f"{PREFIX}C{i:02d}", name=f"基准分类{i}") for i in range(CATEGORIES)
    )
    created_units = []
    if not Unit.objects.filter(name="瓶").exists():
        created_units.append(Unit.objects.create(code=f"{PREFIX}BTL", name="瓶").pk)
    if (
        not Unit.objects.filter(code__in=["case", "箱"]).exists()
        and not Unit.objects.filter(name="箱").exists()
    ):
        created_units.append(Unit.objects.create(code="case", name="箱").pk)
    return {"org_id": org.pk, "units": created_units}


def _cleanup(made: dict[str, Any], job_ids: list[Any]) -> None:
    skus = Sku.objects.filter(code__startswith=f"{PREFIX}S")
    Barcode.objects.filter(sku__in=skus).delete()
    UnitConversion.objects.filter(sku__in=skus).delete()
    skus.delete()
    Product.objects.filter(code__startswith=f"{PREFIX}P").delete()
    Brand.objects.filter(code__startswith=f"{PREFIX}B").delete()
    Category.objects.filter(code__startswith=f"{PREFIX}C").delete()
    Unit.objects.filter(pk__in=made.get("units", [])).delete()
    _org_model().objects.filter(code=f"{PREFIX}ORG").delete()
    ids = [str(j) for j in job_ids]
    StateHistory.objects.filter(object_type="kernel.importjob", object_id__in=ids).delete()
    AuditEntry.objects.filter(object_type="kernel.importjob", object_id__in=ids).delete()
    ImportJob.objects.filter(pk__in=job_ids).delete()
    tasks = apps.get_model("django_tasks_database", "DBTaskResult").objects
    for job_id in ids:  # the queued task of each job (it already ran here, synchronously)
        tasks.filter(task_path__endswith="run_import_job", args_kwargs__args__0=job_id).delete()


def _raw_insert_rate(rows: int) -> dict[str, dict[str, float]]:
    """executemany of `rows` 11-column rows into a scratch table, in one transaction (and,
    on PostgreSQL, the same rows with COPY, which is how the importer writes there)."""
    data = [
        (
            i,
            f"{PREFIX}P{i // 3:07d}",
            f"基准商品{i // 3}",
            f"{PREFIX}B{i % BRANDS:02d}",
            f"{PREFIX}C{i % CATEGORIES:02d}",
            "瓶",
            f"{PREFIX}S{i:08d}",
            "规格:500ml;口味:无糖",
            f"29{i:011d}",
            24,
            "active",
        )
        for i in range(rows)
    ]
    with connection.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS bench_import_raw")
        cur.execute(
            "CREATE TABLE bench_import_raw (id bigint PRIMARY KEY, product_code varchar(32), "
            "product_name varchar(120), brand varchar(32), category varchar(32), "
            "unit varchar(20), sku_code varchar(40), spec varchar(255), barcode varchar(32), "
            "case_qty integer, status varchar(16))"
        )
    out = {}
    try:
        t0 = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cur:
            cur.executemany(
                "INSERT INTO bench_import_raw VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                data,
            )
        elapsed = time.perf_counter() - t0
        out["executemany_insert"] = {
            "rows_per_second": round(rows / elapsed, 1),
            "seconds": round(elapsed, 3),
        }
        if connection.vendor == "postgresql":
            # the importer writes with COPY on PostgreSQL (kernel.imports.insert_rows)
            with connection.cursor() as cur:
                cur.execute("TRUNCATE bench_import_raw")
            t0 = time.perf_counter()
            with (
                transaction.atomic(),
                connection.cursor() as cur,
                cur.cursor.copy("COPY bench_import_raw FROM STDIN") as copy,
            ):
                for row in data:
                    copy.write_row(row)
            elapsed = time.perf_counter() - t0
            out["copy"] = {
                "rows_per_second": round(rows / elapsed, 1),
                "seconds": round(elapsed, 3),
            }
    finally:
        with connection.cursor() as cur:
            cur.execute("DROP TABLE IF EXISTS bench_import_raw")
    return out


class _PeakRss:
    """The process's resident memory sampled every few milliseconds while the block runs:
    the peak (and the peak above the level at entry) of the process doing the import, as
    the worker would. `resource` gives the lifetime maximum (ru_maxrss) as a cross-check."""

    def __init__(self, every: float = 0.005) -> None:
        self.every, self.peak, self.start = every, 0, 0
        self._stop = threading.Event()

    @staticmethod
    def rss() -> int:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.rss())
            time.sleep(self.every)

    def __enter__(self) -> _PeakRss:
        gc.collect()
        self.start = self.peak = self.rss()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.rss())

    def figures(self) -> dict[str, float]:
        mb = 1024 * 1024
        return {
            "peak_rss_mb": round(self.peak / mb, 1),
            "rss_at_start_mb": round(self.start / mb, 1),
            "peak_rss_increase_mb": round((self.peak - self.start) / mb, 1),
            "process_max_rss_mb": round(
                resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1
            ),
        }


_PHASES = {"validate_chunk": "validate_rows", "apply_chunk": "apply"}


class _Timed:
    """Times the importer's phases by wrapping its chunk methods for the run (bench only):
    the seconds of every chunk's validation, and of every chunk's apply, summed."""

    def __init__(self, importer: imports.Importer) -> None:
        self.importer, self.times = importer, {}

    def __enter__(self) -> dict[str, float]:
        for name, phase in _PHASES.items():
            original = getattr(self.importer, name)

            def timed(*args, _original=original, _phase=phase, **kwargs):
                t0 = time.perf_counter()
                try:
                    return _original(*args, **kwargs)
                finally:
                    spent = time.perf_counter() - t0
                    self.times[_phase] = round(self.times.get(_phase, 0) + spent, 3)

            setattr(self.importer, name, timed)
        return self.times

    def __exit__(self, *exc: object) -> None:
        for name in _PHASES:
            self.importer.__dict__.pop(name, None)


def run(rows: str | int = 100_000, raw_rows: str | int = 100_000) -> dict:
    rows, raw_rows = int(rows), int(raw_rows)
    actor = Actor.system("bench")
    importer = imports.get_importer("catalog.products")
    made: dict[str, Any] = {}
    job_ids: list[Any] = []
    try:
        made = _setup()
        t0 = time.perf_counter()
        data = _workbook(rows)
        generate = time.perf_counter() - t0

        with _Timed(importer) as phases, _PeakRss() as memory:
            t0 = time.perf_counter()
            job = imports.start_import(
                actor=actor,
                importer_key="catalog.products",
                file_bytes=data,
                filename="bench.xlsx",
                mode=ImportMode.ALL_OR_NOTHING,
            )
            job_ids.append(job.pk)
            checked = time.perf_counter() - t0
            status = imports.run_import(job.pk)
            elapsed = time.perf_counter() - t0
        job.refresh_from_db()
        if status != ImportStatus.DONE or job.created_count != rows:
            raise RuntimeError(
                f"import did not complete: {status} {job.failure_code} {job.error_sample[:3]}"
            )

        # the same file again: everything matches, nothing is written
        t0 = time.perf_counter()
        again = imports.start_import(
            actor=actor,
            importer_key="catalog.products",
            file_bytes=data,
            filename="bench.xlsx",
            mode=ImportMode.ALL_OR_NOTHING,
        )
        job_ids.append(again.pk)
        imports.run_import(again.pk)
        reimport = time.perf_counter() - t0
        again.refresh_from_db()

        # parse only, after the import (it holds every row: not what a worker does)
        t0 = time.perf_counter()
        parsed = excel.read_xlsx(data, SPEC, max_rows=max(rows, excel.DEFAULT_MAX_ROWS))
        parse = time.perf_counter() - t0
        assert not parsed.errors, parsed.errors[:5]
        del parsed

        raw = _raw_insert_rate(raw_rows)
    finally:
        _cleanup(made, job_ids)
    figure = rows / elapsed
    return {
        "benchmark": "import-products",
        "rows": rows,
        "file_bytes": len(data),
        "figure": {
            "rows_per_second": round(figure, 1),
            "seconds": round(elapsed, 3),
            "memory": memory.figures(),
            "parse_only_rows_per_second": round(rows / parse, 1),
            "phases_seconds": {
                "upload_checks_and_store": round(checked, 3),
                "validate_rows": phases.get("validate_rows"),
                "apply": phases.get("apply"),
                "parse_and_rest": round(
                    elapsed - checked - phases.get("validate_rows", 0) - phases.get("apply", 0),
                    3,
                ),
            },
            "reimport_unchanged_rows_per_second": round(rows / reimport, 1),
            "reimport_counts": {
                "created": again.created_count,
                "updated": again.updated_count,
                "unchanged": again.unchanged_count,
            },
            "generate_file_seconds": round(generate, 3),
        },
        "raw_limit": raw,
        "ratio": round(figure / raw["executemany_insert"]["rows_per_second"], 3),
        **(
            {"ratio_to_copy": round(figure / raw["copy"]["rows_per_second"], 3)}
            if "copy" in raw
            else {}
        ),
        "machine": machine(),
    }
