"""The scheduler service: APScheduler as the clock, the database as the coordinator.

One process runs: a clock (APScheduler, in-memory store, one trigger per schedule, re-synced
from DMS_JOBSCH every few seconds), ``workers`` threads that claim requests, run them through
the engine under a lease renewed by heartbeat, and enqueue dependents on success; a reaper;
and a heartbeat row in DMS_SCHSVC so ``dms scheduler status`` can see it. Any number of
services may share one metadata database.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import SQLAlchemyError

from dms_desktop import __version__
from dms_desktop.core import clock as clock_mod
from dms_desktop.core.engine.run import run_mapping
from dms_desktop.core.jobs import queue
from dms_desktop.core.metadata.engine import write_tx
from dms_desktop.core.metadata.tables import dms_jobdtl, dms_jobsch, dms_schsvc
from dms_desktop.core.scheduler import firing
from dms_desktop.core.security.permissions import service_user
from dms_desktop.core.tasks import TaskState
from dms_desktop.core.workspace import Workspace

log = logging.getLogger(__name__)


@dataclass
class ServiceOptions:
    workers: int = 4
    lease_s: int = queue.DEFAULT_LEASE_S
    poll_s: float = 1.0
    sync_s: float = 5.0
    grace_s: int = firing.DEFAULT_GRACE_S
    use_clock: bool = True  # APScheduler triggers; tests drive tick() themselves
    name: str = field(default_factory=lambda: f"svc-{uuid.uuid4().hex[:8]}")


class LeasedState(TaskState):
    """A TaskState whose final check before COMMIT re-verifies the lease in the database,
    so a worker that was stopped past its lease never commits a load someone else retried."""

    def __init__(self, verify: Callable[[], bool]) -> None:
        super().__init__()
        self._verify = verify

    def before_commit(self) -> None:
        self.check()
        if not self._verify():
            self.cancel()
            self.check()


class SchedulerService:
    def __init__(
        self,
        ws: Workspace,
        options: ServiceOptions | None = None,
        clock: clock_mod.Clock | None = None,
    ) -> None:
        self.ws = ws
        self.options = options or ServiceOptions()
        self.clock = clock or clock_mod.utcnow
        self.user = service_user()
        self._stop = threading.Event()
        self._paused = threading.Event()
        self._wake = threading.Event()
        self._threads: list[threading.Thread] = []
        self._running: dict[int, LeasedState] = {}
        self._lock = threading.Lock()
        self._scheduler: Any = None
        self._stamps: dict[int, Any] = {}
        self.completed = 0
        self.failures: list[tuple[datetime, str]] = []
        self.on_failure: Callable[[str], None] | None = None

    # --- lifecycle -----------------------------------------------------------------------

    def start(self) -> None:
        self._beat("RUNNING")
        for n in range(self.options.workers):
            self._spawn(self._worker_loop, f"dms-worker-{n + 1}")
        self._spawn(self._housekeeping_loop, "dms-housekeeping")
        if self.options.use_clock:
            self._start_clock()
        log.info("Scheduler %s started with %d workers", self.options.name, self.options.workers)

    def _spawn(self, target: Callable[[], None], name: str) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def stop(self, timeout: float = 30.0) -> None:
        """Graceful: no new claims; running loads finish within ``timeout`` or are cancelled
        (their target rolls back) and their requests released for another service."""
        self._stop.set()
        self._wake.set()
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        with self._lock:
            for state in self._running.values():
                state.cancel()
        for thread in self._threads:
            thread.join(10)
        self._beat("STOPPED")

    def pause(self, paused: bool = True) -> None:
        (self._paused.set if paused else self._paused.clear)()
        self._beat("PAUSED" if paused else "RUNNING")

    @property
    def paused(self) -> bool:
        return self._paused.is_set()

    def wake(self) -> None:
        """Something was queued locally (run now): look at the queue at once."""
        self._wake.set()

    # --- the clock -----------------------------------------------------------------------

    def tick(self, now: datetime | None = None) -> int:
        """Queue due firings (idempotent across services)."""
        queued = firing.enqueue_due(
            self.ws, now or self.clock(), self.options.grace_s, by=self.options.name
        )
        if queued:
            self._wake.set()
        return queued

    def _start_clock(self) -> None:
        from apscheduler.schedulers.background import BackgroundScheduler

        self._scheduler = BackgroundScheduler(
            timezone="UTC",
            job_defaults={
                "coalesce": True,
                "max_instances": 1,
                "misfire_grace_time": self.options.grace_s,
            },
        )
        self._scheduler.start()
        self.sync_triggers()

    def sync_triggers(self) -> None:
        """One APScheduler job per enabled schedule; changed rows replace their trigger."""
        if self._scheduler is None:
            return
        from dms_desktop.core.scheduler.trigger import RuleTrigger

        rows = firing.schedules(self.ws)
        seen = set()
        for row in rows:
            jobschid = int(row["jobschid"])  # type: ignore[call-overload]
            seen.add(jobschid)
            stamp = (row["recupdt"], row["reccrdt"])
            if self._stamps.get(jobschid) == stamp:
                continue
            trigger = RuleTrigger.from_row(row, self.ws.settings.timezone)
            if trigger is None:
                continue
            self._scheduler.add_job(self.tick, trigger, id=f"sch-{jobschid}", replace_existing=True)
            self._stamps[jobschid] = stamp
        for jobschid in set(self._stamps) - seen:
            self._stamps.pop(jobschid)
            job = self._scheduler.get_job(f"sch-{jobschid}")
            if job is not None:
                job.remove()

    # --- housekeeping --------------------------------------------------------------------

    def _housekeeping_loop(self) -> None:
        backoff = 1.0
        while not self._stop.wait(self.options.sync_s):
            try:
                self._beat("PAUSED" if self.paused else "RUNNING")
                queue.reap(self.ws)
                if not self.paused:
                    self.tick()
                    self.sync_triggers()
                backoff = 1.0
            except SQLAlchemyError as exc:
                log.warning(
                    "Scheduler housekeeping: database unavailable (%s); retry in %.0f s",
                    exc.__class__.__name__,
                    backoff,
                )
                self._stop.wait(backoff)
                backoff = min(60.0, backoff * 2)
            except Exception:  # noqa: BLE001 - the service must outlive a bug in one pass
                log.exception("Scheduler housekeeping failed")

    def _beat(self, status: str) -> None:
        now = self.clock()
        row = {
            "host": queue.worker_name().split(":")[0],
            "pid": os.getpid(),
            "status": status,
            "workers": self.options.workers,
            "heartbeat": now,
            "version": __version__,
        }
        with write_tx(self.ws.engine) as conn:
            done = conn.execute(
                update(dms_schsvc).where(dms_schsvc.c.svcid == self.options.name).values(row)
            ).rowcount
            if not done:
                conn.execute(
                    dms_schsvc.insert().values(svcid=self.options.name, started=now, **row)
                )

    # --- workers -------------------------------------------------------------------------

    def _worker_loop(self) -> None:
        backoff = 1.0
        worker = f"{self.options.name}:{threading.current_thread().name}"
        while not self._stop.is_set():
            if self.paused:
                self._stop.wait(self.options.poll_s)
                continue
            try:
                claim = queue.claim(self.ws, worker, self.options.lease_s)
                backoff = 1.0
            except SQLAlchemyError as exc:
                log.warning(
                    "Claim failed, database unavailable (%s); retry in %.0f s",
                    exc.__class__.__name__,
                    backoff,
                )
                self._stop.wait(backoff)
                backoff = min(60.0, backoff * 2)
                continue
            if claim is None:
                self._wake.wait(self.options.poll_s)
                self._wake.clear()
                continue
            self.execute(claim, worker)

    def drain(self, worker: str | None = None) -> int:
        """``--once``: run queued requests (and the dependents they queue) until none is
        left for this process; several processes may drain one queue together."""
        worker = worker or f"{self.options.name}:once"
        done = 0
        queue.reap(self.ws)
        while (claim := queue.claim(self.ws, worker, self.options.lease_s)) is not None:
            self.execute(claim, worker)
            done += 1
        return done

    def execute(self, claim: queue.Claim, worker: str) -> bool:
        """Run a claimed request under its lease; returns True on success."""
        lease = self.options.lease_s
        state = LeasedState(lambda: queue.heartbeat(self.ws, claim.prcreqid, worker, lease))
        with self._lock:
            self._running[claim.prcreqid] = state
        beating = threading.Event()
        beater = threading.Thread(
            target=self._heartbeat,
            name=f"dms-lease-{claim.prcreqid}",
            args=(claim, worker, state, beating),
            daemon=True,
        )
        ok, message, prclogid = False, "", None
        try:
            if not queue.start(self.ws, claim.prcreqid, worker):
                return False
            beater.start()
            ok, message, prclogid = self._run_job(claim, worker, state)
        except Exception as exc:  # noqa: BLE001 - recorded on the request, service lives on
            log.exception("Request %s failed unexpectedly", claim.prcreqid)
            message = f"Unexpected error: {exc.__class__.__name__} (see the log)"
        finally:
            beating.set()
            if beater.is_alive():
                beater.join()
            with self._lock:
                self._running.pop(claim.prcreqid, None)
        if state.cancelled and self._stop.is_set() and not ok:
            queue.release(self.ws, claim.prcreqid, worker)  # graceful stop: give it back
            return False
        if queue.finish(self.ws, claim.prcreqid, worker, ok, message, prclogid):
            self.completed += 1
            if ok:
                self._enqueue_children(claim)
            else:
                self.failures.append((self.clock(), message))
                if self.on_failure is not None:
                    self.on_failure(message)
        return ok

    def _heartbeat(
        self, claim: queue.Claim, worker: str, state: TaskState, done: threading.Event
    ) -> None:
        period = max(0.5, self.options.lease_s / 3)
        while not done.wait(period):
            try:
                alive = queue.heartbeat(self.ws, claim.prcreqid, worker, self.options.lease_s)
            except SQLAlchemyError:
                continue  # transient: the lease has slack for a missed beat or two
            if not alive:
                log.warning("Request %s: lease lost, aborting the load", claim.prcreqid)
                state.cancel()
                return

    def _run_job(
        self, claim: queue.Claim, worker: str, state: TaskState
    ) -> tuple[bool, str, int | None]:
        with self.ws.engine.connect() as conn:
            steps = (
                conn.execute(
                    select(dms_jobdtl.c.mapref)
                    .where(dms_jobdtl.c.jobid == claim.jobid, dms_jobdtl.c.curflg == "Y")
                    .order_by(dms_jobdtl.c.stepseq)
                )
                .scalars()
                .all()
            )
        if not steps:
            return False, "The job has no mapping to run.", None
        messages, prclogid = [], None
        for mapref in steps:
            result = run_mapping(
                self.ws,
                self.user,
                mapref,
                state,
                trigger=claim.reqtyp,
                jobid=claim.jobid,
                prcreqid=claim.prcreqid,
                worker=worker,
            )
            prclogid = result.prclogid
            messages.append(f"{mapref}: {result.status}: {result.message}")
            if not result.ok:
                return False, "; ".join(messages), prclogid
        return True, "; ".join(messages), prclogid

    def _enqueue_children(self, claim: queue.Claim) -> None:
        """Success of a parent queues its dependents for the same run date."""
        if claim.jobschid is None:
            return
        with write_tx(self.ws.engine) as conn:
            children = conn.execute(
                select(dms_jobsch.c.jobid, dms_jobsch.c.jobschid).where(
                    dms_jobsch.c.dpnd_jobschid == claim.jobschid,
                    dms_jobsch.c.curflg == "Y",
                    dms_jobsch.c.enableflg == "Y",
                )
            ).all()
            for jobid, jobschid in children:
                queue.enqueue(
                    conn,
                    jobid,
                    jobschid,
                    claim.scheduled_for,
                    reqtyp="DEPENDENCY",
                    requested_by=self.options.name,
                    parent=claim.prcreqid,
                )
        if children:
            self._wake.set()


def services(ws: Workspace, now: datetime | None = None, alive_s: int = 30) -> list[dict[str, Any]]:
    """Scheduler services seen on this database; ``alive`` when they beat recently."""
    now = now or clock_mod.utcnow()
    with ws.engine.connect() as conn:
        rows = conn.execute(select(dms_schsvc).order_by(dms_schsvc.c.heartbeat.desc()))
        return [
            {
                **dict(r),
                "alive": r.status != "STOPPED" and now - r.heartbeat < timedelta(seconds=alive_s),
            }
            for r in rows
        ]
