"""Background work without blocking the GUI thread (the Orange3 pattern).

The work is a plain Python function; if it has a ``state`` parameter it receives a Qt-free
``TaskState`` (``report(fraction, text)``, ``cancelled``). ``run_in_background`` runs it on the
global QThreadPool and delivers the result, the exception or the (throttled) progress on the
GUI thread through the ``Task``'s signals. A cancelled task delivers nothing.
"""

from __future__ import annotations

import inspect
import logging
import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

from dms_desktop.core.tasks import TaskState

log = logging.getLogger(__name__)

PROGRESS_INTERVAL_S = 0.05
_running: set[Task] = set()  # keeps each Task (a QObject) alive until its result is delivered


def _wants_state(fn: Callable[..., Any]) -> bool:
    try:
        return "state" in inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False


class Task(QObject):
    """Handle of one background call; lives on the GUI thread, so its slots run there."""

    sig_done = Signal(object)
    sig_error = Signal(object)
    sig_progress = Signal(float, str)
    # Emitted from the worker thread; queued to the slots below, which re-emit on the GUI thread.
    _sig_result = Signal(bool, object)
    _sig_report = Signal(float, str)

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name
        self.state = TaskState(self._report)
        self.finished = False
        self._last_report = 0.0
        self._sig_result.connect(self._deliver)
        self._sig_report.connect(self._deliver_progress)

    def cancel(self) -> None:
        """Ask the work to stop (it sees ``state.cancelled``) and drop whatever it returns."""
        self.state.cancel()

    @property
    def cancelled(self) -> bool:
        return self.state.cancelled

    def _report(self, fraction: float, text: str) -> None:  # worker thread
        now = time.monotonic()
        if fraction >= 1.0 or now - self._last_report >= PROGRESS_INTERVAL_S:
            self._last_report = now
            self._sig_report.emit(fraction, text)

    @Slot(float, str)
    def _deliver_progress(self, fraction: float, text: str) -> None:  # GUI thread
        if not self.state.cancelled:
            self.sig_progress.emit(fraction, text)

    @Slot(bool, object)
    def _deliver(self, ok: bool, value: object) -> None:  # GUI thread
        self.finished = True
        _running.discard(self)
        if self.state.cancelled:
            log.debug("task %s finished after cancel; result dropped", self.name)
            return
        (self.sig_done if ok else self.sig_error).emit(value)


class _Runnable(QRunnable):
    def __init__(self, task: Task, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
        super().__init__()
        self._task, self._fn, self._args = task, fn, args

    def run(self) -> None:
        task = self._task
        try:
            if _wants_state(self._fn):
                result = self._fn(*self._args, state=task.state)
            else:
                result = self._fn(*self._args)
        except BaseException as exc:  # noqa: BLE001 - everything goes back to the GUI thread
            ok, value = False, exc
        else:
            ok, value = True, result
        try:
            task._sig_result.emit(ok, value)
        except RuntimeError:  # the task's owner (a closed window) is gone: nobody to tell
            log.debug("task %s finished after its owner was deleted", task.name)


def run_in_background(
    fn: Callable[..., Any],
    *args: Any,
    on_done: Callable[[Any], None] | None = None,
    on_error: Callable[[BaseException], None] | None = None,
    progress: Callable[[float, str], None] | None = None,
) -> Task:
    """Run ``fn(*args)`` on the thread pool; callbacks run on the GUI thread.

    Without ``on_error`` a failure is logged with its traceback.
    """
    task = Task(getattr(fn, "__qualname__", repr(fn)))
    if on_done is not None:
        task.sig_done.connect(on_done)
    if on_error is not None:
        task.sig_error.connect(on_error)
    else:
        task.sig_error.connect(
            lambda exc: log.error("background task %s failed", task.name, exc_info=exc)
        )
    if progress is not None:
        task.sig_progress.connect(progress)
    _running.add(task)
    QThreadPool.globalInstance().start(_Runnable(task, fn, args))
    return task


class TaskSlot:
    """At most one task at a time for an owner: starting one cancels the previous."""

    def __init__(self) -> None:
        self.task: Task | None = None

    def start(self, fn: Callable[..., Any], *args: Any, **callbacks: Any) -> Task:
        self.cancel()
        self.task = run_in_background(fn, *args, **callbacks)
        return self.task

    def cancel(self) -> None:
        if self.task is not None and not self.task.finished:
            self.task.cancel()
        self.task = None

    @property
    def busy(self) -> bool:
        return self.task is not None and not self.task.finished


def wait_for_background_tasks(timeout_ms: int = 10_000) -> bool:
    """Block until the pool is idle (shutdown and tests); True if it emptied in time."""
    return QThreadPool.globalInstance().waitForDone(timeout_ms)
