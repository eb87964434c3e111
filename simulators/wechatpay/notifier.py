"""Background delivery of notifications (回调通知) with WeChat Pay's retry schedule.

A delivery is retried until the merchant answers 2xx, after 15s/15s/30s/3m/10m/20m/30m/30m/
30m/60m/3h/3h/3h/6h/6h (16 attempts, 24h4m in all), each wait multiplied by `retry_scale`.
One scheduler thread keeps a heap of due jobs; a small pool sends, so duplicates go out
concurrently. Every attempt is signed afresh (new timestamp and nonce) over the same body.
"""

from __future__ import annotations

import heapq
import itertools
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import requests

from . import crypto

RETRY_SCHEDULE_S: tuple[float, ...] = (
    15, 15, 30, 180, 600, 1200, 1800, 1800, 1800, 3600, 10800, 10800, 10800, 21600, 21600,
)  # fmt: skip


@dataclass
class Delivery:
    url: str
    body: bytes
    sign: Callable[[bytes], dict[str, str]]
    meta: dict[str, Any]
    max_attempts: int = len(RETRY_SCHEDULE_S) + 1
    attempt: int = 0
    followers: list[Delivery] = field(default_factory=list)
    first_done: bool = False


class Notifier:
    def __init__(self, *, retry_scale: float, timeout: float) -> None:
        self.retry_scale = retry_scale
        self.timeout = timeout
        self.log: list[dict[str, Any]] = []
        self._log_cond = threading.Condition()
        self._heap: list[tuple[float, int, Callable[[], None]]] = []
        self._seq = itertools.count()
        self._cond = threading.Condition()
        self._stopped = False
        self._local = threading.local()
        self._pool = ThreadPoolExecutor(max_workers=16, thread_name_prefix="wxsim-send")
        self._thread = threading.Thread(target=self._run, name="wxsim-notifier", daemon=True)
        self._thread.start()

    # -- scheduling --------------------------------------------------------------------

    def schedule(self, delay_s: float, job: Callable[[], None]) -> None:
        with self._cond:
            if self._stopped:
                return
            heapq.heappush(self._heap, (time.monotonic() + delay_s, next(self._seq), job))
            self._cond.notify()

    def start(self, delivery: Delivery, delay_s: float = 0.0) -> None:
        self.schedule(delay_s, lambda: self._attempt(delivery))

    def stop(self) -> None:
        with self._cond:
            self._stopped = True
            self._heap.clear()
            self._cond.notify_all()
        self._thread.join(timeout=5)
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._stopped:
                    now = time.monotonic()
                    if self._heap and self._heap[0][0] <= now:
                        break
                    self._cond.wait(self._heap[0][0] - now if self._heap else None)
                if self._stopped:
                    return
                _, _, job = heapq.heappop(self._heap)
            try:
                self._pool.submit(job)
            except RuntimeError:  # pool shut down
                return

    # -- sending -----------------------------------------------------------------------

    def _session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            session.trust_env = False  # talk to the merchant directly, never via a proxy
            self._local.session = session
        return session

    def _attempt(self, delivery: Delivery) -> None:
        delivery.attempt += 1
        status: int | None = None
        error: str | None = None
        try:
            headers = delivery.sign(delivery.body)
            response = self._session().post(
                delivery.url,
                data=delivery.body,
                headers=headers,
                timeout=self.timeout,
                allow_redirects=False,
            )
            status = response.status_code
        except requests.RequestException as exc:
            error = f"{type(exc).__name__}: {exc}"
        ok = status is not None and 200 <= status < 300
        retry_in: float | None = None
        if not ok and delivery.attempt < delivery.max_attempts:
            index = delivery.attempt - 1
            if index < len(RETRY_SCHEDULE_S):
                retry_in = RETRY_SCHEDULE_S[index] * self.retry_scale
        entry = dict(delivery.meta)
        entry.update(
            attempt=delivery.attempt,
            status=status,
            error=error,
            acknowledged=ok,
            sent_at=crypto.rfc3339(),
            monotonic=time.monotonic(),
            next_retry_s=retry_in,
        )
        with self._log_cond:
            entry["seq"] = len(self.log) + 1
            self.log.append(entry)
            self._log_cond.notify_all()
        if retry_in is not None:
            self.start(delivery, retry_in)
        if not delivery.first_done:
            delivery.first_done = True
            for follower in delivery.followers:
                self.start(follower)

    def entries(
        self, *, match: dict[str, str] | None = None, min_count: int = 0, timeout: float = 0
    ) -> list[dict[str, Any]]:
        """Log entries whose fields equal `match`; waits (long poll) up to `timeout` seconds
        for at least `min_count` of them."""

        def matching() -> list[dict[str, Any]]:
            items = self.log
            if match:
                items = [e for e in items if all(str(e.get(k)) == v for k, v in match.items())]
            return [dict(e) for e in items]

        with self._log_cond:
            if min_count:
                self._log_cond.wait_for(lambda: len(matching()) >= min_count, timeout)
            return matching()
