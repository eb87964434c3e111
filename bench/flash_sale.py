"""flash-sale: successful flash-sale reservations per second with many concurrent buyers
(issue 16).

Figures, same run, same database, the same `clients` threads (own connections):
  raw hot row: committed ``UPDATE bench_pool SET remaining = remaining - 1 WHERE id = 1 AND
      remaining >= 1`` (the conditional update a naive pool does on one row), as a
      transaction block (BEGIN, UPDATE, COMMIT: the aims' baseline) and as one
      autocommitted statement (the stricter baseline, one round trip);
  (a) one pool row: `reserve_flash` on a sale with buckets=1 (claim row per customer +
      the reservation row + guarded update of the pool row, one transaction: on
      PostgreSQL one call of `inventory_flash_reserve`, autocommitted);
  (b) bucketed pool: the same with `buckets` rows.
Each buyer is one of `customers` customers (limit high enough not to refuse them), so the
rate is what the pool sustains. Then a sell-out run: `clients` threads race for a pool of
`sellout` units (limit 1 per customer) until it is empty; oversold units (reserved beyond
the pool) must be 0. p99 is the 99th percentile of one call's latency in each run. Aim:
(a) >= 80 % of the raw hot row, (b) >= 3x the raw hot row. `path=python` runs the Python
path (what SQLite does, and PostgreSQL did before the function) for comparison.

HTTP (`http=1`, the default): a real server (`omni serve`, gunicorn with `http_workers`
processes of `http_threads` threads, as deployed: access log on, a database connection
per request) on this database, and `clients` threads each with its own keep-alive
connection posting ``POST /api/v1/flash-sales/{id}/reserve`` (bearer token of a staff
user naming a random customer) to a bucketed sale: reservations (201) per second and p99.
The server always takes its database's own path (`path` applies to this process only).
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
import os
import random
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from django.db import connection, connections, transaction

from omni.catalog.models import Unit
from omni.catalog.services.products import create_product
from omni.inventory.models import FlashBucket, FlashReservation, Warehouse
from omni.inventory.services import flash
from omni.inventory.services.flash import create_flash_sale, reserve_flash
from omni.inventory.services.stock import StockLine, receive
from omni.kernel import clock
from omni.kernel.actors import Actor
from omni.kernel.errors import DomainError
from omni.party.models import Customer
from omni.tenancy.models import Organization

from ._harness import machine

SYSTEM = Actor.system("bench")
PREFIX = "BENCH-FLASH-"


def _org() -> Organization:
    org, _ = Organization.objects.get_or_create(
        code=f"{PREFIX}ORG", defaults={"name": "秒杀压测组织", "kind": "sales_org", "path": "/"}
    )
    if org.path == "/":
        Organization.objects.filter(pk=org.pk).update(path=f"/{org.pk}/")
        org.refresh_from_db()
    return org


def _setup(org: Organization, n_customers: int) -> tuple[int, int, list[int]]:
    warehouse, _ = Warehouse.objects.get_or_create(
        code=f"{PREFIX}WH", defaults={"org": org, "name": "秒杀压测仓", "kind": "central"}
    )
    unit, _ = Unit.objects.get_or_create(code="bench-box", defaults={"name": "盒"})
    from omni.catalog.models import Sku

    sku = Sku.objects.filter(code=f"{PREFIX}SKU").first()
    if sku is None:
        product = create_product(
            actor=SYSTEM,
            org_id=org.pk,
            code=f"{PREFIX}P",
            name="压测礼盒",
            base_unit_id=unit.pk,
            sku_codes=[f"{PREFIX}SKU"],
        )
        sku = product.skus.get()
    have = Customer.objects.filter(code__startswith=f"{PREFIX}C").count()
    Customer.objects.bulk_create(
        [
            Customer(
                org=org,
                code=f"{PREFIX}C{i:06d}",
                name=f"秒杀客户{i}",
                kind="store",
                status="active",
            )
            for i in range(have, n_customers)
        ],
        batch_size=2000,
    )
    customers = list(
        Customer.objects.filter(code__startswith=f"{PREFIX}C")
        .order_by("code")
        .values_list("pk", flat=True)[:n_customers]
    )
    return warehouse.pk, sku.pk, customers


def _sale(warehouse: int, sku: int, quantity: int, limit: int, buckets: int) -> int:
    receive(actor=SYSTEM, warehouse_id=warehouse, lines=[StockLine(sku, quantity)])
    now = clock.now()
    return create_flash_sale(
        actor=SYSTEM,
        name=f"压测秒杀 {buckets} 桶",
        warehouse_id=warehouse,
        sku_id=sku,
        quantity=quantity,
        per_customer_limit=limit,
        starts_at=now - dt.timedelta(minutes=1),
        ends_at=now + dt.timedelta(hours=1),
        buckets=buckets,
    ).pk


def _run(op, clients: int, seconds: float | None) -> dict:
    """`op(i)` from `clients` threads for `seconds` (None: until every thread's op says
    stop by returning False); successes per second and the p99 latency of one call."""
    latencies: list[list[float]] = [[] for _ in range(clients)]
    wins = [0] * clients
    errors: list[BaseException] = []
    start = threading.Barrier(clients + 1)
    stop = threading.Event()

    def loop(i: int) -> None:
        try:
            connection.ensure_connection()
            start.wait()
            while not stop.is_set():
                t0 = time.perf_counter()
                outcome = op(i)
                latencies[i].append(time.perf_counter() - t0)
                if outcome is None:
                    return
                wins[i] += outcome
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=loop, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    start.wait()
    t0 = time.perf_counter()
    if seconds is None:
        for t in threads:
            t.join()
    else:
        time.sleep(seconds)  # the measuring window, not synchronisation
        stop.set()
        for t in threads:
            t.join()
    elapsed = time.perf_counter() - t0
    if errors:
        raise errors[0]
    every = sorted(x for part in latencies for x in part)
    p99 = every[int(len(every) * 0.99) - 1] * 1000 if every else 0.0
    return {
        "successes": sum(wins),
        "calls": len(every),
        "seconds": round(elapsed, 3),
        "per_second": round(sum(wins) / elapsed, 1),
        "p99_ms": round(p99, 2),
    }


def _raw_table() -> None:
    with connection.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS bench_pool")
        cur.execute("CREATE TABLE bench_pool (id integer PRIMARY KEY, remaining bigint NOT NULL)")
        cur.execute("INSERT INTO bench_pool (id, remaining) VALUES (1, 1000000000)")


def _raw(_i: int) -> int:
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(
            "UPDATE bench_pool SET remaining = remaining - 1 WHERE id = 1 AND remaining >= 1"
        )
        return cur.rowcount


def _raw_autocommit(_i: int) -> int:
    with connection.cursor() as cur:
        cur.execute(
            "UPDATE bench_pool SET remaining = remaining - 1 WHERE id = 1 AND remaining >= 1"
        )
        return cur.rowcount


def _buyer(sale: int, customers: list[int]):
    def op(_i: int) -> int:
        try:
            reserve_flash(actor=SYSTEM, sale_id=sale, customer_id=random.choice(customers))
            return 1
        except DomainError as exc:
            if exc.code == "sold_out":
                return None  # type: ignore[return-value]
            if exc.code == "limit_reached":
                return 0
            raise

    return op


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _token() -> str:
    from omni.access.models import User
    from omni.access.services.tokens import issue_token

    name, password = "bench-flash", "bench-flash-pass-123"
    if not User.objects.filter(username=name).exists():
        User.objects.create_superuser(name, password=password, display_name="秒杀压测")
    return issue_token(username=name, password=password).token


def _server(workers: int, threads: int) -> tuple[subprocess.Popen, int]:
    port = _free_port()
    proc = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("omni")),
            "serve",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
        ],
        env=os.environ.copy(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"omni serve exited with {proc.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/api/v1/health")
            conn.getresponse().read()
            conn.close()
            return proc, port
        except OSError:
            time.sleep(0.2)  # polling the server's start, not synchronisation
    proc.kill()
    raise RuntimeError("omni serve did not start")


def _http_buyer(port: int, token: str, sale: int, customers: list[int], clients: int):
    local = threading.local()
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def op(_i: int) -> int | None:
        conn = getattr(local, "conn", None)
        if conn is None:
            conn = local.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        body = json.dumps({"customer_id": random.choice(customers), "quantity": 1})
        try:
            conn.request("POST", f"/api/v1/flash-sales/{sale}/reserve", body, headers)
            res = conn.getresponse()
            data = res.read()
        except (http.client.HTTPException, OSError):
            conn.close()  # the server closed a kept-alive connection: open another
            local.conn = None
            return 0
        if res.status == 201:
            return 1
        code = json.loads(data).get("code") if data else None
        if code == "sold_out":
            return None
        raise RuntimeError(f"reserve answered {res.status}: {data[:200]!r}")

    return op


def _http(
    warehouse: int,
    sku: int,
    buyers: list[int],
    clients: int,
    seconds: float,
    buckets: int,
    workers: int,
    threads: int,
) -> dict:
    sale = _sale(warehouse, sku, 10_000_000, 10_000_000, buckets)
    token = _token()
    proc, port = _server(workers, threads)
    try:
        result = _run(_http_buyer(port, token, sale, buyers, clients), clients, seconds)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
    return {
        "workers": workers,
        "threads": threads,
        "reservations_per_second": result["per_second"],
        "p99_ms": result["p99_ms"],
        "calls": result["calls"],
    }


def run(
    clients: str | int = 64,
    seconds: str | float = 8,
    buckets: str | int = 16,
    customers: str | int = 5000,
    sellout: str | int = 2000,
    path: str = "default",
    http: str | int = 1,
    http_workers: str | int = 2,
    http_threads: str | int = 16,
) -> dict:
    if path == "python":  # the Python path on any database (before/after comparisons)
        flash._use_function = lambda: False
    clients, seconds, buckets = int(clients), float(seconds), int(buckets)
    n_customers, sellout = int(customers), int(sellout)
    org = _org()
    warehouse, sku, buyers = _setup(org, n_customers)
    big = 10_000_000
    one = _sale(warehouse, sku, big, big, 1)
    many = _sale(warehouse, sku, big, big, buckets)
    _raw_table()
    try:
        raw = _run(_raw, clients, seconds)
        raw_auto = _run(_raw_autocommit, clients, seconds)
    finally:
        with connection.cursor() as cur:
            cur.execute("DROP TABLE IF EXISTS bench_pool")
    single = _run(_buyer(one, buyers), clients, seconds)
    bucketed = _run(_buyer(many, buyers), clients, seconds)
    out = _sale(warehouse, sku, sellout, 1, buckets)
    race = _run(_buyer(out, buyers), clients, None)
    reserved = sum(FlashReservation.objects.filter(sale_id=out).values_list("quantity", flat=True))
    left = sum(FlashBucket.objects.filter(sale_id=out).values_list("remaining", flat=True))
    over_http = (
        _http(
            warehouse, sku, buyers, clients, seconds, buckets, int(http_workers), int(http_threads)
        )
        if int(http)
        else None
    )
    return {
        "benchmark": "flash-sale",
        "machine": machine(),
        "clients": clients,
        "seconds": seconds,
        "buckets": buckets,
        "path": "function" if flash._use_function() else "python",
        "raw_hot_row_per_second": raw["per_second"],
        "raw_hot_row_p99_ms": raw["p99_ms"],
        "raw_hot_row_autocommit_per_second": raw_auto["per_second"],
        "raw_hot_row_autocommit_p99_ms": raw_auto["p99_ms"],
        "one_row_reservations_per_second": single["per_second"],
        "one_row_p99_ms": single["p99_ms"],
        "bucketed_reservations_per_second": bucketed["per_second"],
        "bucketed_p99_ms": bucketed["p99_ms"],
        "one_row_ratio": round(single["per_second"] / raw["per_second"], 3),
        "bucketed_ratio": round(bucketed["per_second"] / raw["per_second"], 3),
        "one_row_ratio_autocommit": round(single["per_second"] / raw_auto["per_second"], 3),
        "bucketed_ratio_autocommit": round(bucketed["per_second"] / raw_auto["per_second"], 3),
        "sellout": {
            "pool": sellout,
            "reserved": reserved,
            "left": left,
            "oversold": max(reserved - sellout, 0),
            "per_second": race["per_second"],
            "p99_ms": race["p99_ms"],
        },
        "http": over_http,
    }
