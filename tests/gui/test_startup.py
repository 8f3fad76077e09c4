"""Start-up as ``main()`` runs it: demo workspace, login, main window, quit; and failures."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from dms_desktop.core.demo.seed import DEMO_PASSWORD, DEMO_USER
from dms_desktop.core.settings import Settings
from dms_desktop.gui import app as gui_app
from dms_desktop.gui.login.dialog import LoginDialog
from dms_desktop.gui.main_window import MainWindow
from dms_desktop.gui.session import Session


def _top_level(kind: type) -> list:  # type: ignore[type-arg]
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, kind) and w.isVisible()]


@pytest.fixture
def restore_process_hooks(qapp, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """main() installs an excepthook, a log file handler and app-wide flags: undo them."""
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in root.handlers[:]:
        if handler not in handlers:
            root.removeHandler(handler)
            handler.close()
    root.setLevel(level)
    qapp.setQuitOnLastWindowClosed(True)


def test_main_with_demo_workspace_logs_in_and_quits(
    qtbot,
    dms_home: Path,
    restore_process_hooks,  # type: ignore[no-untyped-def]
) -> None:
    seen: dict[str, object] = {}

    def step() -> None:
        """Polled inside main()'s event loop; never blocks (no nested waits)."""
        try:
            windows = _top_level(MainWindow)
            dialogs = _top_level(LoginDialog)
            if windows:
                window = windows[0]
                seen["status_user"] = window.user_label.text()
                seen["modules"] = window.visible_modules()
                poll.stop()
                window.menus.quit.trigger()
            elif dialogs and "prefilled" not in seen:
                dialog = dialogs[0]
                seen["prefilled"] = dialog.ui.usernameEdit.text()
                seen["hint"] = dialog.message()
                qtbot.keyClicks(dialog.ui.passwordEdit, DEMO_PASSWORD)
                dialog.ui.loginButton.click()
        except BaseException as exc:  # noqa: BLE001 - report in the test, end the loop
            seen["error"] = exc
            poll.stop()
            QApplication.instance().exit(99)

    poll = QTimer()
    poll.setInterval(20)
    poll.timeout.connect(step)
    poll.start()
    guard = QTimer()
    guard.setSingleShot(True)
    guard.timeout.connect(lambda: QApplication.instance().exit(98))  # never hang the suite
    guard.start(120000)  # the demo runs its jobs twice: ~25 s, more on a loaded machine
    try:
        code = gui_app.main(["dms-desktop", "--demo"])
    finally:
        poll.stop()
        guard.stop()
    assert "error" not in seen, seen.get("error")
    assert code == 0
    assert seen["prefilled"] == DEMO_USER
    assert DEMO_PASSWORD in str(seen["hint"])
    assert seen["status_user"] == f"{DEMO_USER} (Admin)"
    assert "admin" in seen["modules"]  # type: ignore[operator]
    log_text = (dms_home / "logs" / "dwtool.log").read_text(encoding="utf-8")
    assert "User demo logged in (Admin)" in log_text


def test_unreadable_workspace_shows_its_message_and_ends(
    qtbot,
    settings: Settings,  # type: ignore[no-untyped-def]
) -> None:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    settings.default_workspace.write_bytes(b"this is not a database, just text" * 10)
    session = Session(settings)
    session.start()
    qtbot.waitUntil(lambda: bool(_top_level(QMessageBox)), timeout=5000)
    box = _top_level(QMessageBox)[0]
    assert "is not a SQLite database" in box.text()
    assert "Traceback" not in box.text()
    assert session.splash is None and session.dialog is None
    with qtbot.waitSignal(session.sig_finished, timeout=5000) as finished:
        box.accept()
    assert finished.args == [1]
    session.shutdown()


def test_parse_args_lets_qt_options_through() -> None:
    args = gui_app.parse_args(["dms-desktop", "--demo", "-style", "fusion"])
    assert args.demo is True
