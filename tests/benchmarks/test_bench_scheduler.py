"""Scheduler overhead benchmark on a PostgreSQL metadata database (`make bench`).

1,000 runs of a small mapping (20 rows, SQLite source → its own SQLite target, 20 jobs) with 4
workers, side by side in one run (four alternating rounds of 250, so the machine's drift weighs
on both alike):

(a) *direct*: 4 plain threads call ``run_mapping`` 250 times each (each thread owns 5 jobs, as
    the scheduler's one-run-per-job rule would have it) — the engine's cost alone;
(b) *scheduled*: the same 1,000 loads queued as run-now requests and worked by a
    ``SchedulerService`` with 4 workers (default options: 1 s poll, 60 s lease).

The scheduler's own share is measured two ways: the wall-time ratio (b)/(a), and by timing each
piece of bookkeeping on the worker threads (claim, start, the lease check before COMMIT, finish
with dependents) against the time inside ``run_mapping`` — the engine's run logs (DMS_PRCLOG,
DMS_JOBLOG) are timed too, inside it. Claim-to-start latency is read from the database:
``DMS_PRCREQ.claimed_at`` → ``DMS_PRCLOG.strtdt``; finish latency ``DMS_PRCLOG.enddt`` →
``DMS_PRCREQ.finished_at``.

Goals, asserted loosely as the machines are noisy: every request done once; bookkeeping under
a third of the workers' busy time; claim-to-start p95 under half a second.
"""

from __future__ import annotations

import statistics
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from dms_desktop.core.clock import utcnow
from dms_desktop.core.engine import run as run_module
from dms_desktop.core.engine.runlog import RunLog
from dms_desktop.core.jobs import queue
from dms_desktop.core.jobs.service import JobService
from dms_desktop.core.metadata.tables import dms_prclog, dms_prcreq
from dms_desktop.core.scheduler import lease as lease_module
from dms_desktop.core.scheduler import service as service_module
from dms_desktop.core.scheduler.service import SchedulerService, ServiceOptions
from dms_desktop.core.security.permissions import CurrentUser, service_user
from dms_desktop.core.tasks import TaskState
from dms_desktop.core.workspace import Workspace
from tests.core.test_scheduler_reliability import tiny_mappings

pytestmark = [pytest.mark.bench, pytest.mark.pg]

RUNS, WORKERS, JOBS, ROUNDS = 1000, 4, 20, 4


class Stopwatch:
    """Seconds and calls per label, summed over threads; ``wrap`` times a function."""

    def __init__(self) -> None:
        self.active = False  # only the scheduled rounds count
        self.seconds: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self._lock = threading.Lock()

    def add(self, label: str, seconds: float) -> None:
        if not self.active:
            return
        with self._lock:
            self.seconds[label] += seconds
            self.calls[label] += 1

    def wrap(self, label: str, fn: Callable[..., Any], split: bool = False) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            began = time.perf_counter()
            result = fn(*args, **kwargs)
            # ``split``: an empty claim is the idle poll, not bookkeeping of a run
            self.add(
                f"{label} (empty)" if split and result is None else label,
                time.perf_counter() - began,
            )
            return result

        return timed


@contextmanager
def instrumented(monkeypatch: pytest.MonkeyPatch) -> Iterator[Stopwatch]:
    watch = Stopwatch()
    on_worker = threading.local()
    monkeypatch.setattr(queue, "claim", watch.wrap("claim", queue.claim, split=True))
    monkeypatch.setattr(queue, "start", watch.wrap("start", queue.start))
    monkeypatch.setattr(queue, "finish", watch.wrap("finish (+ dependents)", queue.finish))
    monkeypatch.setattr(
        service_module, "run_mapping", watch.wrap("run_mapping", run_module.run_mapping)
    )
    heartbeat = queue.heartbeat

    def beat(*args: Any, **kwargs: Any) -> bool:  # the worker's check vs the beating thread
        label = (
            "lease check before COMMIT"
            if getattr(on_worker, "committing", False)
            else "heartbeat (own thread)"
        )
        began = time.perf_counter()
        try:
            return heartbeat(*args, **kwargs)
        finally:
            watch.add(label, time.perf_counter() - began)

    monkeypatch.setattr(queue, "heartbeat", beat)
    before_commit = lease_module.LeasedState.before_commit

    def committing(self: lease_module.LeasedState) -> None:
        on_worker.committing = True
        try:
            before_commit(self)
        finally:
            on_worker.committing = False

    monkeypatch.setattr(lease_module.LeasedState, "before_commit", committing)
    for name in ("start", "step", "finish"):
        original = getattr(RunLog, name)
        if name == "start":
            monkeypatch.setattr(
                RunLog, name, classmethod(watch.wrap("  run logs", original.__func__))
            )
        else:
            monkeypatch.setattr(RunLog, name, watch.wrap("  run logs", original))
    yield watch


def _percentiles(values: list[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(values, n=20)
    return statistics.median(values), cuts[18]


@pytest.mark.parametrize("backend", ["postgresql"])
def test_scheduler_overhead_and_claim_to_start_latency(
    workspace: Workspace,
    admin: CurrentUser,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    refs = tiny_mappings(workspace, admin, tmp_path, [f"BENCH_{n}" for n in range(JOBS)])
    jobs = JobService(workspace, admin)
    created = [jobs.create(f"bench{n:02d}", [ref]) for n, ref in enumerate(refs)]
    runner = service_user()
    for ref in refs:  # warm up: validation recorded, engines cached, tables created
        assert run_module.run_mapping(workspace, runner, ref).ok

    # Rounds alternate (a) and (b) so the machine's drift weighs on both alike.
    def direct(worker: int, runs: int) -> None:
        mine = refs[worker::WORKERS]  # the 5 jobs this thread owns
        for n in range(runs):
            result = run_module.run_mapping(workspace, runner, mine[n % len(mine)], TaskState())
            assert result.ok, result.message

    def scheduled(runs: int, first: int) -> float:
        """Queue ``runs`` requests, then time the service from start to an empty queue."""
        now = utcnow()
        with workspace.engine.begin() as conn:  # the run-now requests of this round
            for n in range(first, first + runs):
                job = created[n % JOBS]
                assert queue.enqueue(
                    conn,
                    job.jobid,
                    job.jobschid,
                    now + timedelta(microseconds=n),
                    reqtyp="MANUAL",
                    requested_by="bench",
                )
        service = SchedulerService(workspace, ServiceOptions(workers=WORKERS, use_clock=False))
        watch.active = True
        began = time.perf_counter()
        service.start()
        try:
            while queue.depth(workspace):
                time.sleep(0.02)
            return time.perf_counter() - began
        finally:
            watch.active = False
            service.stop()

    direct_wall = scheduled_wall = 0.0
    per_round = RUNS // ROUNDS
    with instrumented(monkeypatch) as watch:
        for round_ in range(ROUNDS):
            began = time.perf_counter()
            threads = [
                threading.Thread(target=direct, args=(w, per_round // WORKERS))
                for w in range(WORKERS)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            direct_wall += time.perf_counter() - began
            scheduled_wall += scheduled(per_round, round_ * per_round)

    with workspace.engine.connect() as conn:
        rows = conn.execute(
            select(
                dms_prcreq.c.status,
                dms_prcreq.c.claimed_at,
                dms_prcreq.c.finished_at,
                dms_prclog.c.strtdt,
                dms_prclog.c.enddt,
            )
            .join(dms_prclog, dms_prclog.c.prclogid == dms_prcreq.c.prclogid)
            .where(dms_prcreq.c.requested_by == "bench")
        ).all()
        runs_logged = conn.execute(
            select(func.count()).select_from(dms_prclog).where(dms_prclog.c.prcreqid.is_not(None))
        ).scalar_one()
    assert len(rows) == RUNS and {r.status for r in rows} == {"DONE"} and runs_logged == RUNS
    claim_to_start = [(r.strtdt - r.claimed_at).total_seconds() * 1000 for r in rows]
    end_to_finish = [(r.finished_at - r.enddt).total_seconds() * 1000 for r in rows]

    busy = WORKERS * scheduled_wall
    t, n = watch.seconds, watch.calls
    lease_check = "lease check before COMMIT"  # inside run_mapping, the scheduler's
    engine_only = t["run_mapping"] - t["  run logs"] - t[lease_check]
    bookkeeping = ("claim", "start", lease_check, "finish (+ dependents)")
    own = sum(t[k] for k in bookkeeping)
    idle = busy - t["run_mapping"] - t["claim"] - t["start"] - t["finish (+ dependents)"]
    rows_ = [
        ("engine work (run_mapping less below)", n["run_mapping"], engine_only),
        ("engine run logs (PRCLOG, JOBLOG)", n["  run logs"], t["  run logs"]),
        *[(k, n[k], t[k]) for k in bookkeeping],
        ("empty claims, waits, other", n["claim (empty)"], idle),
    ]
    print()
    print(f"Scheduler benchmark: {RUNS:,} runs of a 20-row mapping, {WORKERS} workers, PostgreSQL")
    print(f"{'':38}{'calls':>7}{'total s':>9}{'ms/run':>8}{'share':>8}")
    for label, calls, seconds in rows_:
        print(
            f"{label:38}{calls:7d}{seconds:9.2f}{seconds / RUNS * 1000:8.1f}{seconds / busy:8.1%}"
        )
    print(f"{'worker time (4 x wall)':38}{'':7}{busy:9.2f}{busy / RUNS * 1000:8.1f}{1:8.1%}")
    beats = n["heartbeat (own thread)"]
    print(f"heartbeats on the lease threads (off the workers' path): {beats}")
    logs = t["  run logs"]
    print(
        f"scheduler bookkeeping {own / busy:.1%} of worker time "
        f"({own / (own + engine_only + logs):.1%} of busy time; with the run logs "
        f"{(own + logs) / (own + engine_only + logs):.1%})"
    )
    print(
        f"wall: scheduled {scheduled_wall:.1f} s vs direct run_mapping {direct_wall:.1f} s "
        f"= {scheduled_wall / direct_wall:.2f}x"
    )
    p50, p95 = _percentiles(claim_to_start)
    f50, f95 = _percentiles(end_to_finish)
    print(f"claim -> start (claimed_at -> DMS_PRCLOG.strtdt): p50 {p50:.1f} ms, p95 {p95:.1f} ms")
    print(f"run end -> request finished (enddt -> finished_at): p50 {f50:.1f} ms, p95 {f95:.1f} ms")

    assert own / (own + engine_only + logs) < 1 / 3
    assert p95 < 500
