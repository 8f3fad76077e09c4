"""The tray of ``dms-scheduler --tray``: the menu drives the service (pause, resume, run a job,
recent failures, quit); a failing run notifies; without a tray it runs headless."""

from __future__ import annotations

import signal

from PySide6.QtCore import QTimer
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication, QSystemTrayIcon

from dms_desktop.core.jobs.service import JobService
from dms_desktop.core.security.permissions import CurrentUser
from dms_desktop.core.workspace import Workspace
from dms_desktop.gui.scheduler_host import FAILING, PAUSED, RUNNING
from dms_desktop.gui.tray import STATE_COLOURS, TrayController, run_tray, state_icon
from tests.scheduler_fixtures import break_mapping


def test_menu_pauses_resumes_runs_a_job_and_lists_failures(
    qtbot,
    ws: Workspace,
    admin: CurrentUser,
    loads: list[str],
    no_scheduler_threads_left: None,  # type: ignore[no-untyped-def]
) -> None:
    tray = TrayController(ws, workers=1)
    tray.host.option_overrides = {"use_clock": False, "poll_s": 0.2}
    launched: list[bool] = []
    tray.launcher = lambda: launched.append(True) or True
    assert tray.icon is None  # offscreen: no system tray, the service runs headless
    assert [a.text() for a in tray.menu.actions() if a.text()] == [
        "Scheduler: not running",
        "Open DMS Desktop",
        "Pause",
        "Run job…",
        "Recent failures",
        "Quit",
    ]
    try:
        tray.start()
        qtbot.waitUntil(lambda: tray.host.state == RUNNING, timeout=10_000)
        assert tray.status_action.text() == "Scheduler: running (service, 1 workers)"
        with qtbot.waitSignal(tray.sig_failures_loaded, timeout=5000):
            tray.menu.aboutToShow.emit()
        assert tray.failure_texts() == ["No failures"]

        tray.pause_action.trigger()
        qtbot.waitUntil(lambda: tray.host.state == PAUSED, timeout=5000)
        assert tray.host.paused and tray.pause_action.text() == "Resume"
        assert tray.status_action.text() == "Scheduler: paused (service)"
        tray.pause_action.trigger()
        qtbot.waitUntil(lambda: tray.host.state == RUNNING, timeout=5000)
        assert not tray.host.paused and tray.pause_action.text() == "Pause"

        break_mapping(ws, admin, "LOAD_A")
        JobService(ws, admin).create("BROKEN", ["LOAD_A"])
        dialog = tray.run_job()
        qtbot.waitUntil(lambda: dialog.jobs_list.count() == 1, timeout=5000)
        with qtbot.waitSignal(tray.sig_failures_loaded, timeout=20_000):
            dialog.run()  # queued, the service woken: it fails, the tray is told
        assert tray.notifications and "no_such_column" in tray.notifications[0][1]
        assert tray.host.state == FAILING
        assert tray.status_action.text().startswith("Scheduler: failing (last failure ")
        texts = tray.failure_texts()
        assert len(texts) == 1 and "BROKEN · LOAD_A: Mapping LOAD_A is not valid" in texts[0]
        assert "no_such_column" in tray.failures_menu.actions()[0].toolTip()  # in full
        assert [h["status"] for h in JobService(ws, admin).history("BROKEN")] == ["FAILED"]

        tray.open_action.trigger()
        tray.failures_menu.actions()[0].trigger()
        assert launched == [True, True]
        with qtbot.waitSignal(tray.sig_quit, timeout=5000):
            tray.quit_action.trigger()
    finally:
        tray.shutdown()


def test_state_icons_say_the_state_by_colour(qapp) -> None:  # type: ignore[no-untyped-def]
    for state, colour in STATE_COLOURS.items():
        image = state_icon(state).pixmap(64, 64).toImage()
        assert image.pixelColor(14, 32) == QColor(colour), state  # the ring, left of centre
    idle = state_icon("off").pixmap(64, 64).toImage().pixelColor(14, 32).name()
    assert idle not in STATE_COLOURS.values()


def test_without_a_tray_the_service_runs_headless_until_quit(
    qtbot,
    ws: Workspace,
    loads: list[str],
    no_scheduler_threads_left: None,  # type: ignore[no-untyped-def]
) -> None:
    assert not QSystemTrayIcon.isSystemTrayAvailable()
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        QTimer.singleShot(1500, QApplication.quit)
        assert run_tray(ws, 1) == 0
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
