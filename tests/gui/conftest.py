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
from dms_desktop.gui.scheduler_host import EMBEDDED_SQLITE_KEY  # noqa: E402
from dms_desktop.gui.theme import apply_theme, current_theme  # noqa: E402
from dms_desktop.gui.workers import wait_for_background_tasks  # noqa: E402

ADMIN = "admin"
ADMIN_PASSWORD = "correct horse battery"
VIEWER = "viewer"
VIEWER_PASSWORD = "read only, never write"

# The offscreen platform warns whenever a fixed-size window is shown; it means nothing here.
OFFSCREEN_NOISE = r"This plugin does not support propagateSizeHints\(\)"
# Nor can it raise a popup (the SQL editor's word list): harmless too.
OFFSCREEN_POPUP_NOISE = r"This plugin does not support raise\(\)"
# Nor give a popup the keyboard (a completer's list in a line edit, the mapper's logic cells).
OFFSCREEN_GRAB_NOISE = r"This plugin does not support grabbing the keyboard"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(
                pytest.mark.qt_log_ignore(
                    OFFSCREEN_NOISE, OFFSCREEN_POPUP_NOISE, OFFSCREEN_GRAB_NOISE
                )
            )


@pytest.fixture(autouse=True)
def temp_qsettings(tmp_path: Path, qapp: QApplication) -> Iterator[Path]:
    """Preferences in tmp, the light theme, and no background work left behind."""
    folder = tmp_path / "qsettings"
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder))
    prefs.set_application_identity()
    # The embedded scheduler starts with a SQLite workspace by default: its tests turn it on.
    prefs.set_value(EMBEDDED_SQLITE_KEY, False)
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


# -- connections and the SQL workbench ---------------------------------------------------------


@pytest.fixture(scope="session")
def source_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small SQLite source database: a table of customers and one of awkward values."""
    import sqlite3

    path = tmp_path_factory.mktemp("source") / "source.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL, city TEXT)")
        db.executemany(
            "INSERT INTO customers VALUES (?, ?, ?)",
            [
                (i, f"Customer {i:03d}", None if i % 7 == 0 else f"City {i % 5}")
                for i in range(1, 121)
            ],
        )
        db.execute("CREATE TABLE odd (id INTEGER PRIMARY KEY, note TEXT, blob BLOB, born TEXT)")
        db.execute(
            "INSERT INTO odd VALUES (1, NULL, ?, '0099-01-01'), (2, ?, NULL, '10000-01-01')",
            (bytes(range(40)), "x" * 10_000_000),
        )
    return path


@pytest.fixture
def source_db(source_template: Path, tmp_path: Path) -> Path:
    """A copy of the template each test may change."""
    import shutil

    return Path(shutil.copy(source_template, tmp_path / "source.db"))


@pytest.fixture
def source_connection(ws: Workspace, admin: CurrentUser, source_db: Path):  # type: ignore[no-untyped-def]
    from dms_desktop.core.connections.model import ConnectionDef
    from dms_desktop.core.connections.service import ConnectionService

    return ConnectionService(ws, admin).create(
        ConnectionDef(name="SRC", dbtype="SQLITE", database=str(source_db), description="Tests")
    )


@pytest.fixture
def pg_connection(ws: Workspace, admin: CurrentUser, pg_database):  # type: ignore[no-untyped-def]
    from dms_desktop.core.connections.model import ConnectionDef
    from dms_desktop.core.connections.service import ConnectionService

    return ConnectionService(ws, admin).create(
        ConnectionDef(
            name="PG",
            dbtype="POSTGRESQL",
            host=pg_database.host,
            port=pg_database.port,
            database=pg_database.database,
            user=pg_database.username,
        )
    )


# -- the mapper --------------------------------------------------------------------------------


@pytest.fixture
def mapper_env(ws: Workspace, admin: CurrentUser, tmp_path: Path):  # type: ignore[no-untyped-def]
    """A small demo ERP source, an empty SQLite warehouse and the demo's managed SQL."""
    from tests.core.mapping_support import mapper_env as build

    return build(ws, admin, tmp_path / "mapper")


# -- jobs, the scheduler, the calendar, the monitor and the tray -------------------------------

SCHEDULER_THREADS = ("dms-worker", "dms-housekeeping", "dms-lease", "APScheduler")


def scheduler_threads() -> list[str]:
    import threading

    return [t.name for t in threading.enumerate() if t.name.startswith(SCHEDULER_THREADS)]


@pytest.fixture
def loads(ws: Workspace, admin: CurrentUser, tmp_path: Path) -> list[str]:
    """Two real staging mappings (LOAD_A, LOAD_B) of 20 rows each, quick to run."""
    from tests.scheduler_fixtures import staging_mappings

    folder = tmp_path / "loads"
    folder.mkdir()
    return staging_mappings(ws, admin, folder, ["LOAD_A", "LOAD_B"])


@pytest.fixture
def no_scheduler_threads_left(qtbot) -> Iterator[None]:  # type: ignore[no-untyped-def]
    """Fails a test that leaves scheduler threads behind (after the stops it started)."""
    yield
    wait_for_background_tasks(30_000)
    qtbot.waitUntil(lambda: not scheduler_threads(), timeout=15_000)
