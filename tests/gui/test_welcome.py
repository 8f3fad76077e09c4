"""First start: the welcome window (demo, empty workspace, shared PostgreSQL), the first
administrator, the tour of Home, and File > Open / Recent workspaces."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL

from dms_desktop.core.demo.seed import DEMO_USER
from dms_desktop.core.security.auth import AuthService
from dms_desktop.core.security.secrets import keyring_available
from dms_desktop.core.settings import Settings, load_settings
from dms_desktop.core.workspace import open_workspace
from dms_desktop.gui import prefs
from dms_desktop.gui.login.dialog import LoginDialog
from dms_desktop.gui.login.first_run import FirstRunDialog
from dms_desktop.gui.main_window import MainWindow
from dms_desktop.gui.session import Session
from dms_desktop.gui.welcome import recent
from dms_desktop.gui.welcome.config import needs_welcome, read_config
from dms_desktop.gui.welcome.flow import WelcomeFlow
from dms_desktop.gui.welcome.wizard import WelcomeResult, WelcomeWindow
from dms_desktop.gui.workers import wait_for_background_tasks

PASSWORD = "a first long passphrase 2026"


def _top_level(kind: type) -> list:  # type: ignore[type-arg]
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, kind) and w.isVisible()]


@pytest.fixture
def welcome(qtbot, settings: Settings) -> WelcomeWindow:  # type: ignore[no-untyped-def]
    window = WelcomeWindow(settings)
    qtbot.addWidget(window)
    window.show()
    return window


def _create_admin(qtbot, window: WelcomeWindow) -> WelcomeResult:  # type: ignore[no-untyped-def]
    page = window.admin
    qtbot.waitUntil(lambda: window.current() is page, timeout=15000)
    qtbot.keyClicks(page.password_edit, "short")
    assert "✗" in page.policy_label.text()  # the policy follows the typing
    qtbot.keyClicks(page.confirm_edit, "other")
    qtbot.mouseClick(window.next_button, Qt.MouseButton.LeftButton)
    assert "do not match" in page.message.text()
    page.password_edit.setText(PASSWORD)
    page.confirm_edit.setText(PASSWORD)
    assert "✗" not in page.policy_label.text()
    with qtbot.waitSignal(window.sig_done, timeout=15000) as done:
        qtbot.mouseClick(window.next_button, Qt.MouseButton.LeftButton)
    result: WelcomeResult = done.args[0]
    assert result.user is not None and result.user.username == "admin"
    assert result.user.roles == ("Admin",)
    return result


def test_first_start_is_detected_from_the_settings(settings: Settings) -> None:
    assert needs_welcome(settings)  # nothing configured, no workspace
    config = settings.config_dir / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text('LOG_LEVEL = "INFO"\n', encoding="utf-8")
    assert not needs_welcome(load_settings({"DMS_HOME": str(settings.data_dir)}))
    config.unlink()
    open_workspace(settings).close()
    assert not needs_welcome(settings)
    assert not needs_welcome(
        load_settings({"DMS_HOME": "/nowhere", "DMS_METADATA_URL": "postgresql://x@h/d"})
    )


def test_empty_workspace_then_first_admin_then_home_with_tour(
    qtbot, settings: Settings, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    flow = WelcomeFlow(settings)
    flow.start()
    window = flow.window
    assert window is not None and window.isVisible()
    window.choice.empty_button.click()
    folder = tmp_path / "my workspace"
    window.folder.folder_edit.setText(str(folder))
    qtbot.mouseClick(window.next_button, Qt.MouseButton.LeftButton)
    assert window.folder.busy.isVisible() or window.current() is window.admin
    with qtbot.waitSignal(flow.sig_main_window, timeout=20000) as shown:
        _create_admin(qtbot, window)
    main: MainWindow = shown.args[0]
    assert (folder / "workspace.db").is_file()
    assert str(folder / "workspace.db") in main.database_label.fullText()
    assert main.user.username == "admin"
    # the choice is remembered: the next start goes to this workspace, not the welcome page
    config = read_config(settings.config_dir / "config.toml")
    assert config["DB_TYPE"] == "SQLITE" and config["DB_NAME"] == str(folder / "workspace.db")
    again = load_settings({"DMS_HOME": str(settings.config_dir)})
    assert not needs_welcome(again) and str(folder) in again.describe()
    # Home shows the next steps until they are closed
    tour = main.menus.tour
    assert tour is not None and tour.isVisible()
    assert set(tour.step_buttons) >= {"connections", "mapper", "jobs"}
    tour.step_buttons["connections"].click()
    assert main.current_module() == "connections" and not tour.isVisible()
    main.show_module("home")
    assert tour.isVisible()
    tour.close_button.click()
    assert not prefs.get_bool(prefs.TOUR_PENDING)
    with qtbot.waitSignal(flow.sig_finished, timeout=5000):
        main.close()
    flow.shutdown()


@pytest.mark.pg
def test_shared_postgresql_creates_the_schema_and_the_first_admin(
    qtbot, welcome: WelcomeWindow, settings: Settings, pg_database: URL
) -> None:  # type: ignore[no-untyped-def]
    schema = f"w_{uuid.uuid4().hex[:10]}"
    welcome.choice.shared_button.click()
    page = welcome.server
    assert page.port_spin.value() == 5432
    page.host_edit.setText(pg_database.host or "127.0.0.1")
    page.port_spin.setValue(pg_database.port or 5432)
    page.database_edit.setText(pg_database.database or "")
    page.user_edit.setText(pg_database.username or "postgres")
    page.password_edit.setText(pg_database.password or "trust-ignores-this-1")
    page.schema_edit.setText(schema)
    qtbot.mouseClick(page.test_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not welcome.busy and page.message.isVisible(), timeout=15000)
    assert "no DMS schema yet" in page.message.text(), page.message.text()
    assert welcome.next_button.text() == "Create the schema and continue"
    if not keyring_available():  # said before anything is saved
        assert "password is used now but not saved" in page.message.text()
    qtbot.mouseClick(welcome.next_button, Qt.MouseButton.LeftButton)
    result = _create_admin(qtbot, welcome)
    assert result.ws is not None
    result.ws.close()
    config = read_config(settings.config_dir / "config.toml")
    assert config["DB_TYPE"] == "POSTGRESQL" and config["DMS_SCHEMA"] == schema
    assert config["DB_NAME"] == pg_database.database
    assert "DB_PASSWORD" not in config and "DMS_METADATA_URL" not in config
    config_text = (settings.config_dir / "config.toml").read_text(encoding="utf-8")
    assert page.password_edit.text() not in config_text  # never a password in the file
    # the next start reads it and finds the workspace with its administrator
    saved = load_settings({"DMS_HOME": str(settings.config_dir)})
    assert not needs_welcome(saved)
    ws = open_workspace(saved)
    try:
        assert AuthService(ws).has_users()
    finally:
        ws.close()

    # the same database again: the workspace is found, Continue goes to the login
    second = WelcomeWindow(settings)
    qtbot.addWidget(second)
    second.choice.shared_button.click()
    for edit, value in ((second.server.host_edit, page.host_edit.text()),
                        (second.server.database_edit, page.database_edit.text()),
                        (second.server.user_edit, page.user_edit.text()),
                        (second.server.schema_edit, schema)):  # fmt: skip
        edit.setText(value)
    second.server.port_spin.setValue(page.port_spin.value())
    with qtbot.waitSignal(second.sig_done, timeout=20000) as done:
        qtbot.mouseClick(second.next_button, Qt.MouseButton.LeftButton)  # tests, then goes on
    assert done.args[0].user is None and done.args[0].ws is None  # the login comes next
    assert second.probe is not None and "A DMS workspace is there" in second.probe.summary()
    engine = create_engine(pg_database, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    engine.dispose()


def test_unknown_host_and_refused_port_say_so(qtbot, welcome: WelcomeWindow) -> None:  # type: ignore[no-untyped-def]
    welcome.choice.shared_button.click()
    page = welcome.server
    qtbot.mouseClick(page.test_button, Qt.MouseButton.LeftButton)
    assert page.message.text() == "Enter the host, the database, the user."
    page.host_edit.setText("no-such-host.invalid")
    page.database_edit.setText("dms")
    page.user_edit.setText("dms")
    qtbot.mouseClick(page.test_button, Qt.MouseButton.LeftButton)
    assert not page.host_edit.isEnabled() and page.busy.isVisible()  # working, not frozen
    qtbot.waitUntil(lambda: not welcome.busy, timeout=20000)
    message = page.message.text()
    assert "Unknown host: check the host name" in message, message
    assert "no-such-host.invalid:5432" in message and "Traceback" not in message
    assert page.host_edit.isEnabled() and welcome.current() is page
    page.host_edit.setText("127.0.0.1")
    page.port_spin.setValue(1)
    qtbot.mouseClick(page.test_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not welcome.busy, timeout=20000)
    assert "Connection refused" in page.message.text()
    assert not (welcome.base.config_dir / "config.toml").exists()  # nothing saved


def test_oracle_asks_for_a_service_name_on_its_port(welcome: WelcomeWindow) -> None:
    welcome.choice.shared_button.click()
    page = welcome.server
    page.type_combo.setCurrentIndex(page.type_combo.findData("ORACLE"))
    assert page.database_label.text() == "Service name" and page.port_spin.value() == 1521


def test_demo_is_created_in_the_background_then_the_login_has_the_demo_user(
    qtbot, settings: Settings
) -> None:  # type: ignore[no-untyped-def]
    flow = WelcomeFlow(settings)
    flow.start()
    window = flow.window
    assert window is not None
    window.choice.demo_button.click()
    page = window.demo_page
    assert window.current() is page and page.progress.isVisible()
    assert window.busy and "0:0" in page.status.text()
    QApplication.processEvents()  # the window answers while the demo is built
    stages: set[str] = set()
    # the seed reports its stages with their share of the work; the loads take most of it
    qtbot.waitUntil(
        lambda: stages.add(page.status.text().split("…")[0]) or 30 <= page.progress.value() < 100,
        timeout=120_000,
    )
    assert page.progress.maximum() == 100
    assert "Running the jobs: staging, dimensions, fact" in stages
    qtbot.waitUntil(lambda: bool(_top_level(LoginDialog)), timeout=180_000)
    dialog = _top_level(LoginDialog)[0]
    assert dialog.ui.usernameEdit.text() == DEMO_USER
    assert flow.session is not None
    with qtbot.waitSignal(flow.sig_finished, timeout=5000):
        dialog.reject()
    flow.shutdown()


def test_open_workspace_switches_through_the_login_and_is_remembered(
    qtbot, settings: Settings, ws, admin, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    session = Session(settings)
    session.resume(ws, admin)
    window = session.window
    assert window is not None
    switcher = window.menus.workspaces
    assert [r.home for r in recent.load_recent()] == [str(settings.data_dir)]
    switcher.fill_recent()
    assert [a.text() for a in switcher.recent_menu.actions()] == [str(settings.data_dir)]
    other = tmp_path / "other"
    other.mkdir()
    switcher.open_path(str(other))  # a folder without a workspace: asks first
    qtbot.waitUntil(lambda: switcher.box is not None and switcher.box.isVisible(), timeout=5000)
    assert "no workspace in" in switcher.box.text()
    switcher.box.button(switcher.box.StandardButton.Yes).click()
    qtbot.waitUntil(lambda: isinstance(session.dialog, FirstRunDialog), timeout=15000)
    assert session.window is None  # logged out of the first workspace
    assert str(other / "workspace.db") in session.settings.describe()
    # back to the first workspace through its config file (File > Open workspace file…)
    first_run = session.dialog
    session.dialog = None
    first_run.deleteLater()
    session._show_main(AuthService(session.ws).create_first_admin("admin2", PASSWORD))
    assert session.window is not None
    (settings.config_dir / "config.toml").write_text('LOG_LEVEL = "INFO"\n', encoding="utf-8")
    session.window.menus.workspaces.open_path(str(settings.config_dir / "config.toml"))
    qtbot.waitUntil(lambda: isinstance(session.dialog, LoginDialog), timeout=15000)
    assert str(settings.data_dir / "workspace.db") in session.settings.describe()
    titles = [r.home for r in recent.load_recent()]
    assert titles == [str(other), str(settings.data_dir)]  # most recent first
    with qtbot.waitSignal(session.sig_finished, timeout=5000):
        session.dialog.reject()
    session.shutdown()
    wait_for_background_tasks()
    assert recent.home_for_path(other / "config.toml") == other
    with pytest.raises(Exception, match="not a workspace"):
        recent.home_for_path(tmp_path / "notes.txt")


def test_main_on_a_first_start_shows_the_welcome_page(
    qtbot, dms_home: Path, qapp, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    import logging
    import sys

    from PySide6.QtCore import QTimer

    from dms_desktop.gui import app as gui_app

    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    seen: list[str] = []

    def step() -> None:
        windows = _top_level(WelcomeWindow)
        if windows:
            seen.append(windows[0].choice.demo_button.text())
            poll.stop()
            windows[0].close()  # closing the welcome page quits

    poll = QTimer()
    poll.setInterval(20)
    poll.timeout.connect(step)
    poll.start()
    guard = QTimer()
    guard.setSingleShot(True)
    guard.timeout.connect(lambda: QApplication.instance().exit(98))
    guard.start(20000)
    try:
        code = gui_app.main(["dms-desktop"])
    finally:
        poll.stop()
        guard.stop()
        for handler in root.handlers[:]:
            if handler not in handlers:
                root.removeHandler(handler)
                handler.close()
        root.setLevel(level)
        qapp.setQuitOnLastWindowClosed(True)
    assert code == 0
    assert seen == ["Open the demo workspace"]
    assert not (dms_home / "workspace.db").exists()  # nothing created by looking
