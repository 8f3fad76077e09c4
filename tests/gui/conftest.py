"""GUI test fixtures: temporary QSettings, a real SQLite workspace, users, the main window.

QSettings is redirected (IniFormat, user scope) into the test's tmp dir before any widget
reads it, so tests never touch the real user config; the root conftest's ``dms_home``
isolates settings, data and logs the same way.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QCoreApplication, QEvent, QSettings  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from dms_desktop.core.security.auth import AuthService  # noqa: E402
from dms_desktop.core.security.permissions import CurrentUser  # noqa: E402
from dms_desktop.core.security.users import UserService  # noqa: E402
from dms_desktop.core.settings import Settings, load_settings  # noqa: E402
from dms_desktop.core.workspace import Workspace, open_workspace  # noqa: E402
from dms_desktop.gui import prefs  # noqa: E402
from dms_desktop.gui.main_window import MainWindow  # noqa: E402
from dms_desktop.gui.theme import apply_theme, current_theme  # noqa: E402
from dms_desktop.gui.workers import wait_for_background_tasks  # noqa: E402

ADMIN = "admin"
ADMIN_PASSWORD = "correct horse battery"
VIEWER = "viewer"
VIEWER_PASSWORD = "read only, never write"

# The offscreen platform warns whenever a fixed-size window is shown; it means nothing here.
OFFSCREEN_NOISE = r"This plugin does not support propagateSizeHints\(\)"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.qt_log_ignore(OFFSCREEN_NOISE))


@pytest.fixture(autouse=True)
def temp_qsettings(tmp_path: Path, qapp: QApplication) -> Iterator[Path]:
    """Preferences in tmp, the light theme, and no background work left behind."""
    folder = tmp_path / "qsettings"
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder))
    prefs.set_application_identity()
    if current_theme(qapp) != "light" or not qapp.styleSheet():
        apply_theme(qapp, "light")  # re-polishes every widget: only when needed
    yield folder
    wait_for_background_tasks()
    QCoreApplication.processEvents()
    # Closed widgets were only deleteLater()'d: delete them now so they do not pile up.
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


@pytest.fixture
def settings(dms_home: Path) -> Settings:
    return load_settings({"DMS_HOME": str(dms_home)})


@pytest.fixture
def ws(settings: Settings) -> Iterator[Workspace]:
    """An empty, migrated SQLite workspace (no user yet)."""
    workspace = open_workspace(settings)
    yield workspace
    wait_for_background_tasks()
    QCoreApplication.processEvents()
    workspace.close()


@pytest.fixture
def admin(ws: Workspace) -> CurrentUser:
    return AuthService(ws).create_first_admin(ADMIN, ADMIN_PASSWORD)


@pytest.fixture
def viewer(ws: Workspace, admin: CurrentUser) -> CurrentUser:
    UserService(ws, admin).add_user(VIEWER, "Viewer", VIEWER_PASSWORD)
    return AuthService(ws).login(VIEWER, VIEWER_PASSWORD)


@pytest.fixture
def main_window(qtbot, ws: Workspace, admin: CurrentUser) -> MainWindow:  # type: ignore[no-untyped-def]
    window = MainWindow(ws, admin)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window
