"""Fixtures for the ops tests: a private Redis database for the tests that need a broker."""

from __future__ import annotations

import os
import uuid

import pytest

REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
CLAIM_KEY = "omni:test-run"


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "redis: needs Redis at 127.0.0.1:6379 (skipped without it, fails under CI=true)",
    )


@pytest.fixture
def redis_url():
    """redis://127.0.0.1:6379/N where N is an empty database this test run has claimed.

    Redis has 16 numbered databases; a run claims the first empty one (1-15, never 0) with
    SET NX, so concurrent test runs (SQLite and PostgreSQL passes, other checkouts) never
    share queues. The database is emptied again afterwards."""
    import redis

    probe = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, socket_connect_timeout=2)
    try:
        probe.ping()
    except redis.RedisError as exc:
        message = f"Redis is not reachable at {REDIS_HOST}:{REDIS_PORT}: {exc}"
        if os.environ.get("CI") == "true":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    finally:
        probe.close()
    token = f"{os.getpid()}-{uuid.uuid4().hex}"
    for db in range(1, 16):
        conn = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=db)
        if conn.dbsize() == 0 and conn.set(CLAIM_KEY, token, nx=True, ex=3600):
            break
        conn.close()
    else:
        pytest.fail("no empty Redis database (1-15) is free for this test run", pytrace=False)
    try:
        yield f"redis://{REDIS_HOST}:{REDIS_PORT}/{db}"
    finally:
        if conn.get(CLAIM_KEY) == token.encode():
            conn.flushdb()
        conn.close()
