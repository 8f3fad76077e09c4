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
from dms_desktop.core.admin.config import setting
from dms_desktop.core.engine.run import run_mapping
from dms_desktop.core.jobs import queue
from dms_desktop.core.metadata.engine import write_tx
from dms_desktop.core.metadata.tables import dms_job, dms_jobdtl, dms_schsvc
from dms_desktop.core.scheduler import firing
from dms_desktop.core.scheduler.lease import Lease, LeasedState, persist
from dms_desktop.core.scheduler.notify import notify_failure
from dms_desktop.core.scheduler.steps import run_report_step, run_upload_step
from dms_desktop.core.security.permissions import service_user
from dms_desktop.core.tasks import TaskState
from dms_desktop.core.workspace import Workspace

log = logging.getLogger(__name__)
FINISH_PATIENCE_S = 60  # a run's outcome is worth waiting for: else the reaper reruns it
__all__ = ["LeasedState", "SchedulerService", "ServiceOptions", "services"]


@dataclass
class ServiceOptions:
    workers: int = 4
    lease_s: int = queue.DEFAULT_LEASE_S
    poll_s: float = 1.0
    sync_s: float = 5.0
    grace_s: int | None = None  # None: SCHEDULER.GRACE_SECONDS (System configuration)
    use_clock: bool = True  # APScheduler triggers; tests drive tick() themselves
    name: str = field(default_factory=lambda: f"svc-{uuid.uuid4().hex[:8]}")


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

    def grace_s(self) -> int:
        """The missed-firing grace window: the option, else the workspace's setting (read at
        every tick, so an administrator's change applies without a restart)."""
        if self.options.grace_s is not None:
            return self.options.grace_s
        return int(setting(self.ws, "SCHEDULER.GRACE_SECONDS"))

    def tick(self, now: datetime | None = None) -> int:
        """Queue due firings (idempotent across services)."""
        queued = firing.enqueue_due(
            self.ws, now or self.clock(), self.grace_s(), by=self.options.name
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
                "misfire_grace_time": self.grace_s(),
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
                self._reap()
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

    def _reap(self) -> None:
        """Expired leases retried or failed; a request failed for good is mailed."""
        for prcreqid, outcome in queue.reap(self.ws):
            if outcome == queue.FAILED:
                notify_failure(self.ws, prcreqid)

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
            try:
                self.execute(claim, worker)
            except Exception:  # noqa: BLE001 - a worker thread outlives any one request
                log.exception("Request %s: bookkeeping failed", claim.prcreqid)
                self._stop.wait(backoff)
                backoff = min(60.0, backoff * 2)

    def drain(self, worker: str | None = None, workers: int = 1) -> int:
        """``--once``: run queued requests (and the dependents they queue) until none is
        left for this process, with ``workers`` threads; several processes may drain one
        queue together. Returns how many requests were run."""
        worker = worker or f"{self.options.name}:once"
        self._reap()
        if workers <= 1:
            return self._drain(worker)
        done: list[int] = []
        errors: list[BaseException] = []

        def run(name: str) -> None:
            try:
                done.append(self._drain(name))
            except BaseException as exc:  # noqa: BLE001 - re-raised below, in the caller
                errors.append(exc)

        threads = [
            threading.Thread(target=run, args=(f"{worker}-{n + 1}",), name=f"dms-once-{n + 1}")
            for n in range(workers)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if errors:
            raise errors[0]
        return sum(done)

    def _drain(self, worker: str) -> int:
        done = 0
        while (claim := queue.claim(self.ws, worker, self.options.lease_s)) is not None:
            self.execute(claim, worker)
            done += 1
        return done

    def execute(self, claim: queue.Claim, worker: str) -> bool:
        """Run a claimed request under its lease; returns True on success."""
        lease = Lease(self.ws, claim, worker, self.options.lease_s)
        state = lease.state
        with self._lock:
            self._running[claim.prcreqid] = state
        ok, message, prclogid = False, "", None
        patience = self.options.lease_s
        try:
            started = persist(
                lambda: queue.start(self.ws, claim.prcreqid, worker),
                f"Request {claim.prcreqid}: start",
                patience,
            )
            if not started:
                return False
            lease.start()
            ok, message, prclogid = self._run_job(claim, worker, state)
        except Exception as exc:  # noqa: BLE001 - recorded on the request, service lives on
            log.exception("Request %s failed unexpectedly", claim.prcreqid)
            message = f"Unexpected error: {exc.__class__.__name__} (see the log)"
        finally:
            lease.stop()
            with self._lock:
                self._running.pop(claim.prcreqid, None)
        if state.cancelled and self._stop.is_set() and not ok:
            persist(  # graceful stop: give it back
                lambda: queue.release(self.ws, claim.prcreqid, worker),
                f"Request {claim.prcreqid}: release",
                patience,
            )
            return False
        children: list[int] = []
        finished = persist(
            lambda: queue.finish(
                self.ws,
                claim.prcreqid,
                worker,
                ok,
                message,
                prclogid,
                then=(
                    lambda conn: children.extend(
                        firing.enqueue_dependents(conn, claim, self.options.name)
                    )
                )
                if ok
                else None,
                retry=not state.cancelled,  # a cancelled run is not retried
            ),
            f"Request {claim.prcreqid}: finish",
            max(FINISH_PATIENCE_S, patience),
        )
        if finished:
            self.completed += 1
            if children or finished == "RETRY":
                self._wake.set()
            if finished == queue.FAILED:
                self.failures.append((self.clock(), message))
                notify_failure(self.ws, claim.prcreqid)
                if self.on_failure is not None:
                    self.on_failure(message)
        return ok

    def _run_job(
        self, claim: queue.Claim, worker: str, state: TaskState
    ) -> tuple[bool, str, int | None]:
        with self.ws.engine.connect() as conn:
            job = conn.execute(
                select(dms_job.c.rptnm, dms_job.c.flupldref, dms_job.c.flnm).where(
                    dms_job.c.jobid == claim.jobid
                )
            ).first()
            steps = (
                conn.execute(
                    select(dms_jobdtl.c.mapref)
                    .where(dms_jobdtl.c.jobid == claim.jobid, dms_jobdtl.c.curflg == "Y")
                    .order_by(dms_jobdtl.c.stepseq)
                )
                .scalars()
                .all()
            )
        if job is not None and (job.rptnm or job.flupldref):
            if job.rptnm:
                done = run_report_step(self.ws, self.user, job.rptnm, claim, worker, state)
            else:
                done = run_upload_step(
                    self.ws, self.user, job.flupldref, job.flnm, claim, worker, state
                )
            return done.ok, done.message, done.prclogid
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


def services(ws: Workspace, now: datetime | None = None, alive_s: int = 30) -> list[dict[str, Any]]:
    """Scheduler services seen on this database; ``alive`` when they beat recently."""
    now = now or clock_mod.utcnow()
    with ws.engine.connect() as conn:
        rows = conn.execute(select(dms_schsvc).order_by(dms_schsvc.c.heartbeat.desc())).mappings()
        return [
            {
                **dict(r),
                "alive": r["status"] != "STOPPED"
                and now - r["heartbeat"] < timedelta(seconds=alive_s),
            }
            for r in rows
        ]
