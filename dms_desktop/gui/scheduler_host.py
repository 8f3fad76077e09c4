"""The scheduler inside a Qt process: the GUI's embedded service, and the tray's.

Wraps the Qt-free ``SchedulerService``: start, stop and pause write heartbeat rows, so they
run in workers (serialised by ``_Lifecycle``); failures, reported from worker threads, reach
the GUI thread through a signal; a timer turns the service's counters into one state. When
the embedded service is off, the timer asks the database (in a worker) whether a
``dms-scheduler`` service is alive elsewhere, so the status bar can say who runs the queue.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from datetime import datetime, timedelta
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal
from sqlalchemy import select

from dms_desktop.core import clock
from dms_desktop.core.metadata.tables import dms_schsvc
from dms_desktop.core.scheduler.service import SchedulerService, ServiceOptions, services
from dms_desktop.core.workspace import Workspace
from dms_desktop.gui import prefs
from dms_desktop.gui.errors import user_message
from dms_desktop.gui.jobs.display import local_text, zone_of
from dms_desktop.gui.workers import TaskSlot, run_in_background

log = logging.getLogger(__name__)

OFF, STARTING, RUNNING, PAUSED, FAILING, STOPPING = (
    "off",
    "starting",
    "running",
    "paused",
    "failing",
    "stopping",
)
NOT_RUNNING = "Scheduler: not running"
POLL_MS = 3000
STOP_TIMEOUT_S = 5.0  # running loads get this long to finish, then roll back and requeue


EMBEDDED_SQLITE_KEY = "scheduler/embedded_sqlite"
EMBEDDED_SHARED_KEY = "scheduler/embedded_shared"


def embedded_pref_key(ws: Workspace) -> str:
    """Remembered per kind of database: the embedded SQLite workspace or a shared one."""
    return EMBEDDED_SQLITE_KEY if ws.settings.backend == "sqlite" else EMBEDDED_SHARED_KEY


def embedded_by_default(ws: Workspace) -> bool:
    """On for the single-user SQLite workspace; off for a shared database, where a
    ``dms-scheduler`` service normally runs the queue."""
    return ws.settings.backend == "sqlite"


def alive_services(ws: Workspace, alive_s: int = 30) -> list[dict[str, Any]]:
    """The scheduler services seen on this database (DMS_SCHSVC), each with ``alive``.

    The core's ``services()`` is the source; while it fails on a result row (it builds a
    dict from a Row), the same rows are read here as mappings."""
    try:
        return services(ws, alive_s=alive_s)
    except (TypeError, ValueError):
        now = clock.utcnow()
        with ws.engine.connect() as conn:
            rows = conn.execute(select(dms_schsvc).order_by(dms_schsvc.c.heartbeat.desc()))
            return [
                {
                    **row,
                    "alive": row["status"] != "STOPPED"
                    and now - row["heartbeat"] < timedelta(seconds=alive_s),
                }
                for row in rows.mappings()
            ]


def _truthy(value: Any) -> bool:
    return value is True or str(value).lower() in ("true", "1", "yes")


class _Lifecycle:
    """Start and stop of one service from pool threads, in the order they make sense: a stop
    that wins the race against its start makes the start a no-op."""

    def __init__(self, service: SchedulerService) -> None:
        self.service = service
        self._lock = threading.Lock()
        self._started = False
        self._stopped = False

    def start(self) -> bool:
        with self._lock:
            if self._stopped:
                return False
            self.service.start()
            self._started = True
            return True

    def stop(self, timeout: float) -> None:
        with self._lock:
            self._stopped = True
            if self._started:
                self.service.stop(timeout)


class SchedulerHost(QObject):
    """One SchedulerService run in this process; ``label`` is how the status names it."""

    sig_state_changed = Signal(str)  # one of OFF, STARTING, RUNNING, PAUSED, FAILING, STOPPING
    sig_status = Signal(str, str)  # status text, tooltip
    sig_failure = Signal(str)  # a run of this service failed: its message (GUI thread)
    _sig_failure_from_worker = Signal(str)

    def __init__(
        self,
        ws: Workspace,
        workers: int | None = None,
        label: str = "embedded",
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.ws = ws
        self.workers = max(1, workers or ws.settings.scheduler_max_workers)
        self.label = label
        self.option_overrides: dict[str, Any] = {}  # tests: faster polls
        self.service: SchedulerService | None = None
        self._lifecycle: _Lifecycle | None = None
        self.state = OFF
        self.status_text = NOT_RUNNING
        self.others: list[dict[str, Any]] = []  # services alive elsewhere on this database
        self.last_failure: tuple[datetime, str] | None = None
        self._successes_at_failure = 0
        self._live = False  # the service's start() has returned
        self._poll = TaskSlot()
        self._closed = False
        self._poll_warned = False
        self._zone = zone_of(ws.settings.timezone)
        self._sig_failure_from_worker.connect(self._on_failure)
        self._timer = QTimer(self)
        self._timer.setInterval(POLL_MS)
        self._timer.timeout.connect(self.refresh)
        self._timer.start()

    # -- preference ----------------------------------------------------------------------------
    def enabled_by_pref(self) -> bool:
        value = prefs.prefs().value(embedded_pref_key(self.ws))
        return embedded_by_default(self.ws) if value is None else _truthy(value)

    def set_enabled(self, on: bool) -> None:
        """The Tools toggle: remember the choice and start or stop the service."""
        prefs.set_value(embedded_pref_key(self.ws), bool(on))
        if on:
            self.start()
        else:
            self.stop()

    def start_if_enabled(self) -> None:
        if self.enabled_by_pref():
            self.start()
        else:
            self.refresh()

    # -- lifecycle -----------------------------------------------------------------------------
    @property
    def active(self) -> bool:
        return self.service is not None

    def options(self) -> ServiceOptions:
        name = f"{self.label}-{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        return ServiceOptions(workers=self.workers, name=name[:64], **self.option_overrides)

    def start(self) -> None:
        if self.service is not None or self._closed:
            return
        service = SchedulerService(self.ws, self.options())
        service.on_failure = self._sig_failure_from_worker.emit  # called on a worker thread
        lifecycle = _Lifecycle(service)
        self.service, self._lifecycle = service, lifecycle
        self._live = False
        self.last_failure = None
        self._set_state(STARTING)
        run_in_background(
            lifecycle.start,
            on_done=lambda _ok: self._started(service),
            on_error=lambda exc: self._start_failed(service, exc),
        )

    def _started(self, service: SchedulerService) -> None:
        if service is self.service:
            self._live = True
            log.info("Scheduler (%s) started with %d workers", self.label, self.workers)
            self.refresh()

    def _start_failed(self, service: SchedulerService, exc: BaseException) -> None:
        if service is not self.service:
            return
        text, _known = user_message(exc)
        self.service = self._lifecycle = None
        self.last_failure = (clock.utcnow(), f"The scheduler could not start: {text}")
        self._set_state(OFF)

    def stop(self) -> None:
        """Stop in a worker; running loads finish or roll back and go back to the queue."""
        service, lifecycle = self.service, self._lifecycle
        if service is None or lifecycle is None:
            return
        service.on_failure = None
        self.service = self._lifecycle = None
        self._set_state(STOPPING)
        run_in_background(
            lifecycle.stop,
            STOP_TIMEOUT_S,
            on_done=lambda _r: self._stopped(),
            on_error=lambda exc: self._stopped(exc),
        )

    def _stopped(self, exc: BaseException | None = None) -> None:
        if exc is not None:
            log.warning("Scheduler (%s) did not stop cleanly: %s", self.label, exc)
        if self.service is None and not self._closed:
            self._set_state(OFF)

    def shutdown(self) -> None:
        """Window closing or logging out: stop polling, stop the service without waiting
        (the pool finishes the stop; the session waits for the pool before closing the
        database) and emit nothing more."""
        self._closed = True
        self._timer.stop()
        self._poll.cancel()
        service, lifecycle = self.service, self._lifecycle
        self.service = self._lifecycle = None
        if service is not None and lifecycle is not None:
            service.on_failure = None
            run_in_background(lifecycle.stop, STOP_TIMEOUT_S)

    def pause(self, paused: bool = True) -> None:
        service = self.service
        if service is None:
            return
        # pause() also writes the heartbeat row: in a worker; the state follows when done.
        run_in_background(service.pause, paused, on_done=lambda _r: self.refresh())

    @property
    def paused(self) -> bool:
        return self.service is not None and self.service.paused

    def wake(self, *_args: object) -> None:
        """A run was queued here: look at the queue now rather than at the next poll."""
        if self.service is not None:
            self.service.wake()

    # -- failures ------------------------------------------------------------------------------
    def _successes(self) -> int:
        service = self.service
        return 0 if service is None else service.completed - len(service.failures)

    def _on_failure(self, message: str) -> None:
        if self._closed:
            return
        self.last_failure = (clock.utcnow(), message)
        self._successes_at_failure = self._successes()
        self.sig_failure.emit(message)
        self.refresh()

    def recent_failures(self, count: int = 5) -> list[tuple[datetime, str]]:
        """This service's last failures, newest first."""
        service = self.service
        return list(reversed(service.failures[-count:])) if service is not None else []

    # -- state ---------------------------------------------------------------------------------
    def _compute_state(self) -> str:
        service = self.service
        if service is None:
            return STOPPING if self.state == STOPPING else OFF
        if not self._live:
            return STARTING
        if service.paused:
            return PAUSED
        if self.last_failure is not None and self._successes() <= self._successes_at_failure:
            return FAILING
        return RUNNING

    def refresh(self) -> None:
        """Recompute the state; when off, ask the database who else runs the queue."""
        if self._closed:
            return
        self._set_state(self._compute_state())
        if self.service is None and self.state == OFF and not self._poll.busy:
            self._poll.start(
                alive_services, self.ws, on_done=self._got_services, on_error=self._poll_failed
            )

    def _poll_failed(self, exc: BaseException) -> None:
        if not self._poll_warned:  # once: the poll repeats every few seconds
            self._poll_warned = True
            log.warning("Could not read the scheduler services: %s", user_message(exc)[0])

    def _got_services(self, rows: list[dict[str, Any]]) -> None:
        own = self.service.options.name if self.service is not None else None
        self.others = [r for r in rows if r.get("alive") and r.get("svcid") != own]
        self._emit_status()

    def _set_state(self, state: str) -> None:
        changed = state != self.state
        self.state = state
        if changed:
            self.sig_state_changed.emit(state)
        self._emit_status()

    def _emit_status(self) -> None:
        text, tip = self.describe()
        self.status_text = text
        self.sig_status.emit(text, tip)

    def describe(self) -> tuple[str, str]:
        """(status text, tooltip) for the current state."""
        where = f"in this window ({self.label})"
        if self.state == RUNNING:
            return (
                f"Scheduler: running ({self.label}, {self.workers} workers)",
                f"The scheduler runs {where}: schedules fire and queued runs start here.",
            )
        if self.state == PAUSED:
            return f"Scheduler: paused ({self.label})", "No new run starts until Resume."
        if self.state == FAILING and self.last_failure is not None:
            when, message = self.last_failure
            return (
                f"Scheduler: failing (last failure {local_text(when, self._zone, False)[11:]})",
                f"Last failure: {message}",
            )
        if self.state == STARTING:
            return "Scheduler: starting…", f"Starting the scheduler {where}."
        if self.state == STOPPING:
            return "Scheduler: stopping…", "Running loads finish or go back to the queue."
        failed = f"\n{self.last_failure[1]}" if self.last_failure else ""
        if self.others:
            first = self.others[0]
            return (
                f"Scheduler: off here; service alive on {first.get('host')}",
                "\n".join(
                    f"{r.get('svcid')} on {r.get('host')} (pid {r.get('pid')}, "
                    f"{r.get('workers')} workers, {str(r.get('status', '')).lower()})"
                    for r in self.others
                ),
            )
        return (
            NOT_RUNNING,
            "Off in this window (Tools ▸ Run scheduler in this window) and no dms-scheduler "
            "service is alive on this database: queued runs wait." + failed,
        )
