"""Progress and cancellation for long work, without Qt (the Orange3 pattern).

A worker is a plain function that takes a ``TaskState`` as its first argument, calls
``state.report(fraction, text)`` now and then and returns early when ``state.cancelled``.
The GUI adapter (``dms_desktop.gui.workers``) turns reports into Qt signals; the CLI and the
scheduler can pass a ``TaskState`` with a plain callback, or none at all.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

ProgressCallback = Callable[[float, str], None]


class TaskCancelled(Exception):
    """Raised by ``TaskState.check()`` when the task was cancelled."""


class TaskState:
    """Thread-safe progress/cancel state shared by a worker and whoever started it."""

    def __init__(self, on_progress: ProgressCallback | None = None) -> None:
        self._lock = threading.Lock()
        self._cancelled = threading.Event()
        self._on_progress = on_progress
        self._fraction = 0.0
        self._text = ""

    def report(self, fraction: float, text: str = "") -> None:
        """Record progress and pass it to the callback, if any.

        ``fraction`` runs from 0.0 to 1.0 (clamped); a negative value means "amount unknown"
        (e.g. rows streamed from a query without a count) and is passed on as -1.0, for a
        busy indicator with ``text`` beside it.
        """
        fraction = -1.0 if fraction < 0 else min(1.0, float(fraction))
        with self._lock:
            self._fraction = fraction
            self._text = text
            callback = self._on_progress
        if callback is not None:
            callback(fraction, text)

    def set_callback(self, on_progress: ProgressCallback | None) -> None:
        with self._lock:
            self._on_progress = on_progress

    def cancel(self) -> None:
        self._cancelled.set()

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()

    def check(self) -> None:
        """Raise ``TaskCancelled`` if the task was cancelled: a one-line exit for loops."""
        if self._cancelled.is_set():
            raise TaskCancelled()

    @property
    def fraction(self) -> float:
        with self._lock:
            return self._fraction

    @property
    def text(self) -> str:
        with self._lock:
            return self._text
