"""The embedded scheduler: on by default for the SQLite workspace, stopped when the window
closes; when off, the status bar says whether a service runs the queue elsewhere."""

from __future__ import annotations

import socket

from dms_desktop.core.scheduler.service import SchedulerService, ServiceOptions
from dms_desktop.core.security.permissions import CurrentUser
from dms_desktop.core.workspace import Workspace
from dms_desktop.gui import prefs
from dms_desktop.gui.main_window import MainWindow
from dms_desktop.gui.scheduler_host import (
    EMBEDDED_SQLITE_KEY,
    NOT_RUNNING,
    OFF,
    RUNNING,
    SchedulerHost,
)
from tests.gui.conftest import scheduler_threads


def test_on_by_default_for_sqlite_and_stopped_when_the_window_closes(
    qtbot,
    ws: Workspace,
    admin: CurrentUser,
    no_scheduler_threads_left: None,  # type: ignore[no-untyped-def]
) -> None:
    prefs.prefs().remove(EMBEDDED_SQLITE_KEY)  # a first start: no choice remembered
    window = MainWindow(ws, admin)
    qtbot.addWidget(window)
    window.show()
    assert window.menus.embedded_scheduler.isChecked()
    qtbot.waitUntil(lambda: window.scheduler.state == RUNNING, timeout=10_000)
    workers = ws.settings.scheduler_max_workers
    assert window.scheduler_label.text() == f"Scheduler: running (embedded, {workers} workers)"
    assert scheduler_threads()
    window.close()  # stops in a worker: the close itself does not wait
    assert window.scheduler.service is None
    assert prefs.prefs().value(EMBEDDED_SQLITE_KEY) is None  # the default was not written


def test_when_off_the_status_names_a_service_alive_elsewhere(
    qtbot,
    ws: Workspace,
    admin: CurrentUser,  # type: ignore[no-untyped-def]
) -> None:
    host = SchedulerHost(ws)
    try:
        with qtbot.waitSignal(host.sig_status, timeout=5000) as status:
            host.refresh()
        assert status.args[0] == NOT_RUNNING and "queued runs wait" in status.args[1]
        other = SchedulerService(ws, ServiceOptions(workers=2, use_clock=False, name="server-1"))
        other.pause(False)  # writes its heartbeat row, as a running service does
        host.refresh()  # the state now, then what the database says, from a worker
        expected = f"Scheduler: off here; service alive on {socket.gethostname()}"
        qtbot.waitUntil(lambda: host.status_text == expected, timeout=5000)
        assert host.state == OFF
        text, tooltip = host.describe()
        assert "server-1" in tooltip and "2 workers" in tooltip
    finally:
        host.shutdown()
