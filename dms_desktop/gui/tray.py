"""``dms-scheduler --tray``: the scheduler service with a system-tray icon.

The icon's colour says the state (green running, amber paused, red failing, grey starting or
stopped); its menu opens DMS Desktop, pauses and resumes, queues a job, lists the recent
failures and quits. A failed run shows a notification: the service reports it from a worker
thread and ``SchedulerHost`` brings it to the GUI thread. Without a system tray (a server,
the offscreen platform) the service runs headless until Ctrl+C or SIGTERM; tests drive the
menu object directly.
"""

from __future__ import annotations

import getpass
import logging
import os
import re
import shutil
import signal
import sys
from collections.abc import Callable

from PySide6.QtCore import QObject, QPointF, QProcess, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QColor, QIcon, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QApplication, QMenu, QSystemTrayIcon

from dms_desktop.core.security.permissions import service_user
from dms_desktop.core.workspace import Workspace
from dms_desktop.gui.jobs.display import local_text, zone_of
from dms_desktop.gui.jobs.run_dialog import RunJobDialog
from dms_desktop.gui.monitor.queries import RunRow, load_runs
from dms_desktop.gui.scheduler_host import FAILING, PAUSED, RUNNING, SchedulerHost
from dms_desktop.gui.workers import TaskSlot, wait_for_background_tasks

log = logging.getLogger(__name__)

RECENT_FAILURES = 5
STEP_FAILED = re.compile(r"^([A-Za-z][\w.-]*): FAILED: ")
STATE_COLOURS = {RUNNING: "#1a7f37", PAUSED: "#bf8700", FAILING: "#cf222e"}
IDLE_COLOUR = "#6e7781"
NO_TRAY = (
    "No system tray is available here: the scheduler runs headless; Ctrl+C or SIGTERM stops it."
)


def state_icon(state: str, size: int = 64) -> QIcon:
    """A round badge in the state's colour: clock hands, pause bars, or a "!" when failing."""
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    colour = QColor(STATE_COLOURS.get(state, IDLE_COLOUR))
    centre = QPointF(size / 2, size / 2)
    radius = size * 0.44
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(colour)
    painter.drawEllipse(centre, radius, radius)
    white = QColor("#ffffff")
    pen = QPen(white, size * 0.08)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    painter.setPen(pen)
    if state == PAUSED:
        for dx in (-0.1, 0.1):
            x = size / 2 + dx * size
            painter.drawLine(QPointF(x, size * 0.32), QPointF(x, size * 0.68))
    elif state == FAILING:
        painter.drawLine(QPointF(size / 2, size * 0.26), QPointF(size / 2, size * 0.58))
        painter.drawPoint(QPointF(size / 2, size * 0.73))
    else:
        painter.drawLine(centre, QPointF(size / 2, size * 0.27))
        painter.drawLine(centre, QPointF(size * 0.68, size * 0.6))
    painter.end()
    icon = QIcon(pixmap)
    icon.addPixmap(pixmap, QIcon.Mode.Disabled)  # the menu's status line keeps its colour
    return icon


def open_desktop() -> bool:
    """Start ``dms-desktop`` detached (from PATH, else this interpreter's package); in the
    PyInstaller bundle, the ``dms-desktop`` beside this program."""
    frozen_dir = os.path.dirname(sys.executable) if getattr(sys, "frozen", False) else None
    program = shutil.which("dms-desktop", path=frozen_dir)
    if program:
        started, _pid = QProcess.startDetached(program, [])
    else:
        started, _pid = QProcess.startDetached(sys.executable, ["-m", "dms_desktop"])
    if not started:
        log.warning("Could not start DMS Desktop")
    return bool(started)


def failed_runs(ws: Workspace) -> list[RunRow]:
    return load_runs(ws, "failed", limit=RECENT_FAILURES)


class TrayController(QObject):
    """The service, its tray icon (when there is a tray) and the menu."""

    sig_quit = Signal()
    sig_failures_loaded = Signal()

    def __init__(self, ws: Workspace, workers: int | None = None) -> None:
        super().__init__()
        self.ws = ws
        self.zone = zone_of(ws.settings.timezone)
        self.user = service_user(f"{getpass.getuser()} (tray)")
        self.host = SchedulerHost(ws, workers, label="service", parent=self)
        self.launcher: Callable[[], bool] = open_desktop
        self.notifications: list[tuple[str, str]] = []
        self.failures: list[RunRow] = []
        self.dialog: RunJobDialog | None = None
        self._failures_task = TaskSlot()

        self.menu = QMenu()
        self.menu.setObjectName("trayMenu")
        self.status_action = self.menu.addAction("Scheduler: starting…")
        self.status_action.setEnabled(False)
        self.menu.addSeparator()
        self.open_action = self.menu.addAction("Open DMS Desktop")
        self.open_action.triggered.connect(lambda: self.launcher())
        self.pause_action = self.menu.addAction("Pause")
        self.pause_action.triggered.connect(self.toggle_pause)
        self.run_action = self.menu.addAction("Run job…")
        self.run_action.triggered.connect(self.run_job)
        self.failures_menu = self.menu.addMenu("Recent failures")
        self.failures_menu.setObjectName("recentFailuresMenu")
        self.menu.addSeparator()
        self.quit_action: QAction = self.menu.addAction("Quit")
        self.quit_action.triggered.connect(self.sig_quit.emit)
        self.menu.aboutToShow.connect(self.load_failures)

        self.icon: QSystemTrayIcon | None = None
        if QSystemTrayIcon.isSystemTrayAvailable():
            self.icon = QSystemTrayIcon(state_icon("starting"), self)
            self.icon.setContextMenu(self.menu)
            self.icon.show()
        else:
            log.warning(NO_TRAY)
        self.host.sig_state_changed.connect(lambda _s: self._show_state())
        self.host.sig_status.connect(lambda _t, _tip: self._show_state())
        self.host.sig_failure.connect(self._notify)
        self._show_failures()
        self._show_state()

    # -- the service ---------------------------------------------------------------------------
    def start(self) -> None:
        self.host.start()
        self.load_failures()

    def shutdown(self) -> None:
        """Stop the service (in the pool) and take the icon away; the caller waits."""
        self._failures_task.cancel()
        self.host.shutdown()
        if self.icon is not None:
            self.icon.hide()

    def toggle_pause(self) -> None:
        self.host.pause(not self.host.paused)

    def run_job(self) -> RunJobDialog:
        dialog = RunJobDialog(self.ws, self.user)
        dialog.sig_queued.connect(lambda _id, _name: self.host.wake())
        self.dialog = dialog
        dialog.show()
        return dialog

    # -- showing -------------------------------------------------------------------------------
    def _show_state(self) -> None:
        state = self.host.state
        text, tip = self.host.describe()
        self.status_action.setText(text)
        self.status_action.setIcon(state_icon(state, 32))
        self.pause_action.setText("Resume" if state == PAUSED else "Pause")
        self.pause_action.setEnabled(state in (RUNNING, PAUSED, FAILING))
        if self.icon is not None:
            self.icon.setIcon(state_icon(state))
            self.icon.setToolTip(f"DMS Desktop\n{text}\n{tip}")

    def _notify(self, message: str) -> None:
        title = "DMS Desktop: a run failed"
        self.notifications.append((title, message))
        log.warning("Run failed: %s", message)
        if self.icon is not None:
            self.icon.showMessage(title, message[:300], QSystemTrayIcon.MessageIcon.Warning, 10_000)
        self.load_failures()

    def load_failures(self) -> None:
        self._failures_task.start(failed_runs, self.ws, on_done=self._failures_loaded)

    def _failures_loaded(self, rows: list[RunRow]) -> None:
        self.failures = rows
        self._show_failures()
        self.sig_failures_loaded.emit()

    def _show_failures(self) -> None:
        self.failures_menu.clear()
        if not self.failures:
            none = self.failures_menu.addAction("No failures")
            none.setEnabled(False)
            return
        for run in self.failures:
            when = local_text(run.ended or run.requested, self.zone, seconds=False)
            message = " ".join((run.message or "failed").split())
            step = STEP_FAILED.match(message)  # "MAPPING: FAILED: why" from the service
            if step:
                message = f"{step.group(1)}: {message[step.end() :]}"
            text = f"{when}  {run.job} · {message}"
            action = self.failures_menu.addAction(text if len(text) < 90 else text[:88] + "…")
            action.setToolTip(run.message or "")
            action.triggered.connect(lambda _c=False: self.launcher())

    def failure_texts(self) -> list[str]:
        return [a.text() for a in self.failures_menu.actions()]


def run_tray(ws: Workspace, workers: int) -> int:
    """The event loop of ``dms-scheduler --tray``; returns the exit code."""
    from dms_desktop.gui.app import create_application

    app = create_application([sys.argv[0]])
    app.setQuitOnLastWindowClosed(False)
    tray = TrayController(ws, workers)
    if tray.icon is None:
        print(f"dms-scheduler: {NO_TRAY}", file=sys.stderr)
    tray.sig_quit.connect(app.quit)
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: QApplication.quit())
    keepalive = QTimer()  # lets Python run its signal handlers while Qt waits
    keepalive.start(250)
    keepalive.timeout.connect(lambda: None)
    tray.start()
    print(
        f"dms-scheduler: running with {workers} workers on {ws.settings.describe()}",
        file=sys.stderr,
    )
    code = app.exec()
    log.info("Stopping: finishing or releasing running work")
    tray.shutdown()
    wait_for_background_tasks(60_000)
    ws.close()
    return int(code)
