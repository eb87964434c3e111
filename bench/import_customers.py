"""import-customers: customers imported from an .xlsx file, rows per second end to end.

Figure: a generated workbook of `rows` customer rows (one level-1 distributor in ten, the
other nine level-2 dealers or stores buying from it in the same organisation: the supplier
graph is checked for every row; each row with a class, a level, a sales region, a region,
two tags and a valid tax number) goes through the code path of an import job,
synchronously: `start_import` (size and file checks, the job and its file stored) then
`run_import` (claim, parse, `validate_customers` over the bulk snapshot, one apply
transaction through `apply_customers_in_tx`: new customers inserted in layers, uppers first,
the audit summary, the job done). rows / elapsed seconds. Also reported: the same file
again (every row unchanged, nothing written), the time of each phase and the peak memory of
the process during the job (as import-products).
Raw limit, same run, same database: `raw_rows` rows of the file's width (13 columns)
inserted into a scratch table with one `executemany` in one transaction (and COPY on
PostgreSQL, which is how `insert_rows` writes there). Everything created is deleted after.
"""

from __future__ import annotations

import io
import time
from typing import Any

from django.apps import apps
from django.db import connection, transaction
from openpyxl import Workbook

from omni.kernel import imports
from omni.kernel.actors import Actor
from omni.kernel.models import AuditEntry, ImportJob, ImportMode, ImportStatus, StateHistory
from omni.party.importers import CUSTOMER_SPEC
from omni.party.models import Customer, CustomerClass, CustomerLevel
from omni.party.validation import uscc_check_char
from omni.tenancy.models import Region, SalesRegion

from ._harness import machine
from .import_products import _org_model, _PeakRss, _Timed

PREFIX = "BNCU"
GROUP = 10  # one distributor, then nine customers buying from it
KINDS = ("二级经销商", "终端门店", "终端门店")
REGION = "310115"


def _tax(i: int) -> str:
    body = f"91310115{i:09d}"
    return body + uscc_check_char(body)


def _values(i: int, region: str | None) -> list[Any]:
    distributor = i % GROUP == 0
    return [
        f"{PREFIX}{i:08d}",
        f"基准客户{i}有限公司",
        f"基准{i}",
        "一级经销商" if distributor else KINDS[i % len(KINDS)],
        f"{PREFIX}ORG",
        f"{PREFIX}CL",
        f"{PREFIX}LV",
        f"{PREFIX}SR",
        region,
        None if distributor else f"{PREFIX}{i - i % GROUP:08d}",
        "基准,华东",
        f"基准客户{i}有限公司",
        _tax(i),
    ]


def _workbook(rows: int, region: str | None) -> bytes:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(CUSTOMER_SPEC.sheet_name)
    ws.append(CUSTOMER_SPEC.headers)
    for i in range(rows):
        ws.append(_values(i, region))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _setup() -> dict[str, Any]:
    Org = _org_model()
    org = Org.objects.create(code=f"{PREFIX}ORG", name="基准客户组织", kind="group", path="")
    Org.objects.filter(pk=org.pk).update(path=f"/{org.pk}/")
    CustomerClass.objects.create(code=f"{PREFIX}CL", name="基准分类")
    CustomerLevel.objects.create(code=f"{PREFIX}LV", name="基准级别")
    SalesRegion.objects.create(org=org, code=f"{PREFIX}SR", name="基准区域", kind="area")
    return {"region": REGION if Region.objects.filter(code=REGION).exists() else None}


def _cleanup(job_ids: list[Any]) -> None:
    customers = Customer.objects.filter(code__startswith=PREFIX)
    customers.update(upper=None)  # `upper` protects the suppliers
    customers.delete()
    SalesRegion.objects.filter(code=f"{PREFIX}SR").delete()
    CustomerClass.objects.filter(code=f"{PREFIX}CL").delete()
    CustomerLevel.objects.filter(code=f"{PREFIX}LV").delete()
    _org_model().objects.filter(code=f"{PREFIX}ORG").delete()
    ids = [str(j) for j in job_ids]
    StateHistory.objects.filter(object_type="kernel.importjob", object_id__in=ids).delete()
    AuditEntry.objects.filter(object_type="kernel.importjob", object_id__in=ids).delete()
    ImportJob.objects.filter(pk__in=job_ids).delete()
    tasks = apps.get_model("django_tasks_database", "DBTaskResult").objects
    for job_id in ids:  # the queued task of each job (it already ran here, synchronously)
        tasks.filter(task_path__endswith="run_import_job", args_kwargs__args__0=job_id).delete()


def _raw_insert_rate(rows: int) -> dict[str, dict[str, float]]:
    """executemany of `rows` 13-column rows into a scratch table in one transaction (and
    COPY on PostgreSQL)."""
    data = [tuple([i, *_values(i, REGION)[:12]]) for i in range(rows)]
    columns = ", ".join(f"c{n} varchar(120)" for n in range(12))
    with connection.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS bench_customers_raw")
        cur.execute(f"CREATE TABLE bench_customers_raw (id bigint PRIMARY KEY, {columns})")
    out = {}
    try:
        t0 = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cur:
            marks = ", ".join(["%s"] * 13)
            cur.executemany(f"INSERT INTO bench_customers_raw VALUES ({marks})", data)
        elapsed = time.perf_counter() - t0
        out["executemany_insert"] = {
            "rows_per_second": round(rows / elapsed, 1),
            "seconds": round(elapsed, 3),
        }
        if connection.vendor == "postgresql":
            with connection.cursor() as cur:
                cur.execute("TRUNCATE bench_customers_raw")
            t0 = time.perf_counter()
            with (
                transaction.atomic(),
                connection.cursor() as cur,
                cur.cursor.copy("COPY bench_customers_raw FROM STDIN") as copy,
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
            cur.execute("DROP TABLE IF EXISTS bench_customers_raw")
    return out


def _import(actor: Actor, data: bytes, job_ids: list[Any]) -> tuple[ImportJob, str]:
    job = imports.start_import(
        actor=actor,
        importer_key="party.customers",
        file_bytes=data,
        filename="bench.xlsx",
        mode=ImportMode.ALL_OR_NOTHING,
    )
    job_ids.append(job.pk)
    status = imports.run_import(job.pk)
    job.refresh_from_db()
    return job, status


def run(rows: str | int = 5_000, raw_rows: str | int = 100_000) -> dict:
    rows, raw_rows = int(rows), int(raw_rows)
    actor = Actor.system("bench")
    importer = imports.get_importer("party.customers")
    job_ids: list[Any] = []
    try:
        made = _setup()
        data = _workbook(rows, made["region"])
        with _Timed(importer) as phases, _PeakRss() as memory:
            t0 = time.perf_counter()
            job, status = _import(actor, data, job_ids)
            elapsed = time.perf_counter() - t0
        if status != ImportStatus.DONE or job.created_count != rows:
            raise RuntimeError(
                f"import did not complete: {status} {job.failure_code} {job.error_sample[:3]}"
            )
        t0 = time.perf_counter()
        again, _status = _import(actor, data, job_ids)  # every row unchanged
        reimport = time.perf_counter() - t0
        raw = _raw_insert_rate(raw_rows)
    finally:
        _cleanup(job_ids)
    figure = rows / elapsed
    return {
        "benchmark": "import-customers",
        "rows": rows,
        "file_bytes": len(data),
        "figure": {
            "rows_per_second": round(figure, 1),
            "seconds": round(elapsed, 3),
            "memory": memory.figures(),
            "phases_seconds": {
                "validate_rows": phases.get("validate_rows"),
                "apply": phases.get("apply"),
                "rest": round(elapsed - phases.get("validate_rows", 0) - phases.get("apply", 0), 3),
            },
            "reimport_unchanged_rows_per_second": round(rows / reimport, 1),
            "reimport_counts": {
                "created": again.created_count,
                "updated": again.updated_count,
                "unchanged": again.unchanged_count,
            },
        },
        "raw_limit": raw,
        "ratio": round(figure / raw["executemany_insert"]["rows_per_second"], 4),
        **(
            {"ratio_to_copy": round(figure / raw["copy"]["rows_per_second"], 4)}
            if "copy" in raw
            else {}
        ),
        "machine": machine(),
    }
