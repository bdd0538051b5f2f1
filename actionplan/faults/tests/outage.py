"""A database outage under a bounded load, measured: the fault test and bench/outage.py run this.

Clients request a mix of API reads, pages in both languages and /healthz, each pausing between
requests (a bounded load); the PostgreSQL cluster is stopped, left down for a few seconds and
started again, while the same server processes keep running. Every answer is kept with when it
was sent and received, so that those inside the outage can be checked for their shape. A
public read fetched before may be answered from its last good copy (200, `X-Served-Stale: 1`)
when the cache is Redis; such answers are counted apart (`OutageRun.stale`).
"""

from __future__ import annotations

import os
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

from .live import Answer, PostgresCluster, Server, request

# What the clients ask for, in turn: the API's error shape and the pages' both matter.
URLS = (
    "/api/v1/themes",
    "/api/v1/actions?limit=5",
    "/themes/",
    "/en/themes/",
    "/healthz",
    "/api/v1/search?q=%E6%B0%B4%E7%B4%A0",
)


@dataclass(frozen=True)
class Sample:
    path: str
    sent: float
    received: float
    answer: Answer | None  # None: no HTTP answer at all (connection refused or reset)


@dataclass
class OutageRun:
    samples: list[Sample] = field(default_factory=list)
    stop_began: float = 0.0
    stopped: float = 0.0
    start_began: float = 0.0
    started: float = 0.0
    recovered: float | None = None
    load_before: tuple[float, float, float] = (0.0, 0.0, 0.0)
    load_after: tuple[float, float, float] = (0.0, 0.0, 0.0)
    # Answers to the probes: URLs asked once while the database was down.
    probes: dict[str, Answer | None] = field(default_factory=dict)

    @property
    def statuses(self) -> Counter[int]:
        return Counter(s.answer.status if s.answer else 0 for s in self.samples)

    @property
    def stale(self) -> int:
        """Answers served from a last good copy (200 with X-Served-Stale) instead of a 503."""
        return sum(1 for s in self.samples if s.answer is not None and is_stale(s.answer))

    def during_outage(self) -> list[Sample]:
        """Answers to requests sent after the database was down and received before it was
        started again: every one of them had to do without it."""
        return [s for s in self.samples if s.sent > self.stopped and s.received < self.start_began]

    @property
    def recovery_seconds(self) -> float | None:
        return None if self.recovered is None else self.recovered - self.started


def is_stale(answer: Answer) -> bool:
    return answer.status == 200 and answer.headers.get("X-Served-Stale") == "1"


def run_outage(
    server: Server,
    cluster: PostgresCluster,
    *,
    clients: int = 4,
    pause: float = 0.05,
    warm_up: float = 2.0,
    down: float = 5.0,
    recovery_limit: float = 60.0,
    probes: tuple[str, ...] = (),
) -> OutageRun:
    run = OutageRun(load_before=os.getloadavg())
    done = threading.Event()
    lock = threading.Lock()

    def client(number: int) -> None:
        turn = number
        while not done.is_set():
            path = URLS[turn % len(URLS)]
            turn += 1
            sent = time.monotonic()
            try:
                answer: Answer | None = request(server.base + path, timeout=30)
            except OSError:
                answer = None
            sample = Sample(path, sent, time.monotonic(), answer)
            with lock:
                run.samples.append(sample)
                if (
                    run.started
                    and run.recovered is None
                    and sent > run.started
                    and answer is not None
                    and answer.status == 200
                    and not is_stale(answer)
                    and path != "/healthz"
                ):
                    run.recovered = sample.received
            time.sleep(pause)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    try:
        time.sleep(warm_up)
        run.stop_began = time.monotonic()
        cluster.stop()
        run.stopped = time.monotonic()
        for path in probes:
            try:
                run.probes[path] = request(server.base + path, timeout=30)
            except OSError:
                run.probes[path] = None
        time.sleep(max(0.0, down - (time.monotonic() - run.stopped)))
        run.start_began = time.monotonic()
        cluster.start()
        run.started = time.monotonic()
        deadline = run.started + recovery_limit
        while run.recovered is None and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(1.0)  # a little load after the recovery, to see it last
    finally:
        done.set()
        for thread in threads:
            thread.join(timeout=60)
    run.load_after = os.getloadavg()
    return run
