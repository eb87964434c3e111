"""ledger: postings per second, guarded, with concurrent writers (issue 14).

Figures (each op = one committed `post_entry`: entry row, guarded UPDATE of the customer's
balance row with the overdraft guard on, UPDATE of a bucket of the organisation's bank
account, two posting rows and an audit row):
  (a) hot: 16 writers debiting ONE customer account;
  (b) spread: 16 writers debiting 10,000 customer accounts picked at random.
Raw limits, same run, same database, same threads and connections:
  raw hot UPDATE: committed ``UPDATE bench_hot SET v = v + 1 WHERE id = 1``;
  raw INSERT: committed single-row ``INSERT INTO bench_rows``;
each as a transaction block (BEGIN, statement, COMMIT: the aims' baseline) and, since on
PostgreSQL one entry is one `ledger_post(...)` statement committed on its own
(autocommit), also as one autocommitted statement: the stricter baseline (`*_autocommit`).
Commit durability is the same everywhere (no session setting is changed).
Aim (issue 14): hot >= 50 % of raw hot UPDATE, spread >= 25 % of raw INSERT.
Balance read: `selectors.get_balance` on an account with 1,000 postings and on one with
1,000,000 postings (PostgreSQL: filled with generate_series), mean of 500 reads each.
"""

from __future__ import annotations

import random
import time
from decimal import Decimal

from django.db import connection, transaction

from omni.kernel.actors import Actor
from omni.ledger import selectors
from omni.ledger.models import Account, AccountType, Balance, JournalEntry, Posting
from omni.ledger.services.accounts import counter_account
from omni.ledger.services.posting import post_entry
from omni.party.models import Customer
from omni.tenancy.models import Organization

from ._harness import hammer, machine

SYSTEM = Actor.system("bench")
PREFIX = "BENCH-LEDGER-"


def _org() -> Organization:
    org, _ = Organization.objects.get_or_create(
        code=f"{PREFIX}ORG", defaults={"name": "压测销售组织", "kind": "sales_org", "path": "/"}
    )
    if org.path == "/":
        Organization.objects.filter(pk=org.pk).update(path=f"/{org.pk}/")
        org.refresh_from_db()
    return org


def _customers(org: Organization, n: int) -> list[int]:
    have = Customer.objects.filter(code__startswith=f"{PREFIX}C").count()
    if have < n:
        Customer.objects.bulk_create(
            [
                Customer(
                    org=org,
                    code=f"{PREFIX}C{i:06d}",
                    name=f"压测客户{i}",
                    kind="dealer",
                    status="active",
                )
                for i in range(have, n)
            ],
            batch_size=2000,
        )
    return list(
        Customer.objects.filter(code__startswith=f"{PREFIX}C")
        .order_by("code")
        .values_list("pk", flat=True)[:n]
    )


def _accounts(org: Organization, customer_ids: list[int]) -> list[int]:
    cash = AccountType.objects.get(code="cash")
    existing = set(
        Account.objects.filter(customer_id__in=customer_ids, type=cash).values_list(
            "customer_id", flat=True
        )
    )
    new = [
        Account(org=org, customer_id=c, type=cash, currency="CNY")
        for c in customer_ids
        if c not in existing
    ]
    Account.objects.bulk_create(new, batch_size=2000)
    ids = list(
        Account.objects.filter(customer_id__in=customer_ids, type=cash)
        .order_by("customer_id")
        .values_list("pk", flat=True)
    )
    have = set(Balance.objects.filter(account_id__in=ids).values_list("account_id", flat=True))
    Balance.objects.bulk_create(
        [Balance(account_id=a, bucket=0) for a in ids if a not in have], batch_size=2000
    )
    return ids


def _fund(accounts: list[int], bank: int, each: str) -> None:
    """One entry per 1,000 accounts: every account gets `each`, the bank gives the sum."""
    for i in range(0, len(accounts), 1000):
        part = accounts[i : i + 1000]
        post_entry(
            actor=SYSTEM,
            kind="top_up",
            lines=[(a, Decimal(each)) for a in part] + [(bank, -Decimal(each) * len(part))],
            source_type="bench",
        )


def _raw_tables() -> None:
    with connection.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS bench_hot")
        cur.execute("DROP TABLE IF EXISTS bench_rows")
        cur.execute("CREATE TABLE bench_hot (id integer PRIMARY KEY, v bigint NOT NULL)")
        cur.execute("INSERT INTO bench_hot (id, v) VALUES (1, 0)")
        cur.execute("CREATE TABLE bench_rows (a bigint NOT NULL, b bigint NOT NULL)")


def _raw_update() -> None:
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("UPDATE bench_hot SET v = v + 1 WHERE id = 1")


def _raw_insert() -> None:
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("INSERT INTO bench_rows (a, b) VALUES (%s, %s)", [random.randrange(10**6), 1])


def _raw_update_autocommit() -> None:
    with connection.cursor() as cur:
        cur.execute("UPDATE bench_hot SET v = v + 1 WHERE id = 1")


def _raw_insert_autocommit() -> None:
    with connection.cursor() as cur:
        cur.execute("INSERT INTO bench_rows (a, b) VALUES (%s, %s)", [random.randrange(10**6), 1])


def _debit(account: int, bank: int) -> None:
    post_entry(
        actor=SYSTEM,
        kind="capture",
        lines=[(account, Decimal("-0.01")), (bank, Decimal("0.01"))],
        source_type="bench",
    )


def _fill_postings(account: int, counter: int, n: int) -> None:
    """`n` postings on `account` (n/2 entries of +1 and -1 against `counter`... as pairs:
    account +0.01 / counter -0.01), written set-based, balances kept equal to the sums."""
    org_id = Account.objects.get(pk=account).org_id
    e, p = JournalEntry._meta.db_table, Posting._meta.db_table
    with transaction.atomic(), connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute(
                f"INSERT INTO {e} (org_id, kind, memo, source_type, source_id, business_date, "
                "actor_kind, actor_name, request_id, created_at) SELECT %s, 'bench', '', "
                "'bench', g::text, CURRENT_DATE, 'system', 'bench', '', now() "
                "FROM generate_series(1, %s) g RETURNING id",
                [org_id, n],
            )
            ids = [r[0] for r in cur.fetchall()]
            cur.execute(
                f"INSERT INTO {p} (entry_id, account_id, currency, amount, business_date) "
                "SELECT x, %s, 'CNY', 1, CURRENT_DATE FROM unnest(%s::bigint[]) x "
                "UNION ALL SELECT x, %s, 'CNY', -1, CURRENT_DATE FROM unnest(%s::bigint[]) x",
                [account, ids, counter, ids],
            )
        else:
            for start in range(0, n, 5000):
                for k in range(start, min(n, start + 5000)):
                    cur.execute(
                        f"INSERT INTO {e} (org_id, kind, memo, source_type, source_id, "
                        "business_date, actor_kind, actor_name, request_id, created_at) "
                        "VALUES (%s, 'bench', '', 'bench', %s, date('now'), 'system', 'bench', "
                        "'', datetime('now'))",
                        [org_id, str(k)],
                    )
                    entry = cur.lastrowid
                    cur.executemany(
                        f"INSERT INTO {p} (entry_id, account_id, currency, amount, "
                        "business_date) VALUES (%s, %s, 'CNY', %s, date('now'))",
                        [(entry, account, 1), (entry, counter, -1)],
                    )
        cur.execute(
            f"UPDATE {Balance._meta.db_table} SET balance = balance + %s "
            "WHERE account_id = %s AND bucket = 0",
            [n, account],
        )
        cur.execute(
            f"UPDATE {Balance._meta.db_table} SET balance = balance - %s "
            "WHERE account_id = %s AND bucket = 0",
            [n, counter],
        )


def _read_time(account: int, reads: int = 500) -> float:
    selectors.get_balance(SYSTEM, account)
    t0 = time.perf_counter()
    for _ in range(reads):
        selectors.get_balance(SYSTEM, account)
    return (time.perf_counter() - t0) / reads * 1000


def run(
    writers: str | int = 16,
    seconds: str | float = 8,
    accounts: str | int = 10_000,
    big: str | int = 1_000_000,
) -> dict:
    writers, seconds, n_accounts, big = int(writers), float(seconds), int(accounts), int(big)
    org = _org()
    bank = counter_account(org.pk, "bank")
    adjust = counter_account(org.pk, "adjustment")
    ids = _accounts(org, _customers(org, n_accounts + 2))
    hot, small, large, spread = ids[0], ids[1], ids[2], ids[3 : n_accounts + 3]
    _fund([hot], bank, "100000000")
    _fund(spread, bank, "10000")
    _raw_tables()
    try:
        raw_update = hammer(_raw_update, writers, seconds)
        raw_insert = hammer(_raw_insert, writers, seconds)
        raw_update_auto = hammer(_raw_update_autocommit, writers, seconds)
        raw_insert_auto = hammer(_raw_insert_autocommit, writers, seconds)
        hot_run = hammer(lambda: _debit(hot, bank), writers, seconds)
        spread_run = hammer(lambda: _debit(random.choice(spread), bank), writers, seconds)
    finally:
        with connection.cursor() as cur:
            cur.execute("DROP TABLE IF EXISTS bench_hot")
            cur.execute("DROP TABLE IF EXISTS bench_rows")
    have_small = Posting.objects.filter(account_id=small).count()
    if have_small < 1000:
        _fill_postings(small, adjust, 1000 - have_small)
    have_large = Posting.objects.filter(account_id=large).count()
    if have_large < big:
        _fill_postings(large, adjust, big - have_large)
    read_small, read_large = _read_time(small), _read_time(large)
    return {
        "benchmark": "ledger",
        "machine": machine(),
        "writers": writers,
        "seconds": seconds,
        "raw_hot_update_per_second": raw_update["per_second"],
        "raw_insert_per_second": raw_insert["per_second"],
        "raw_hot_update_autocommit_per_second": raw_update_auto["per_second"],
        "raw_insert_autocommit_per_second": raw_insert_auto["per_second"],
        "hot_postings_per_second": hot_run["per_second"],
        "spread_postings_per_second": spread_run["per_second"],
        "spread_accounts": len(spread),
        "hot_ratio": round(hot_run["per_second"] / raw_update["per_second"], 3),
        "spread_ratio": round(spread_run["per_second"] / raw_insert["per_second"], 3),
        "hot_ratio_autocommit": round(hot_run["per_second"] / raw_update_auto["per_second"], 3),
        "spread_ratio_autocommit": round(
            spread_run["per_second"] / raw_insert_auto["per_second"], 3
        ),
        "balance_read_ms": {
            f"{Posting.objects.filter(account_id=small).count()} postings": round(read_small, 3),
            f"{Posting.objects.filter(account_id=large).count()} postings": round(read_large, 3),
        },
    }
