"""The welcome window of a first start: demo, empty workspace or shared metadata database.

Every step that touches a disk or a database runs in the background (``TaskSlot``); the
window stays responsive and says what it is doing. It ends with ``sig_done(WelcomeResult)``
or ``sig_cancelled`` (closed).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from dms_desktop import APP_NAME
from dms_desktop.core.demo.seed import create_demo_workspace
from dms_desktop.core.security.permissions import CurrentUser
from dms_desktop.core.security.policy import load_policy
from dms_desktop.core.settings import Settings
from dms_desktop.core.workspace import Workspace
from dms_desktop.gui.admin.policy_view import PolicyFeedback
from dms_desktop.gui.errors import user_message
from dms_desktop.gui.login.base import host_name
from dms_desktop.gui.resources import app_icon
from dms_desktop.gui.welcome import config, work
from dms_desktop.gui.welcome.pages import AdminPage, ChoicePage, DemoPage, FolderPage, ServerPage
from dms_desktop.gui.widgets import DialogBanner, set_message
from dms_desktop.gui.workers import TaskSlot, run_in_background

log = logging.getLogger(__name__)
WINDOW_SIZE = QSize(620, 580)
NO_KEYRING = (
    "Note: there is no OS keyring here, so the password is used now but not saved; give it "
    "with DB_PASSWORD or ~/.pgpass for the next start."
)


@dataclass
class WelcomeResult:
    """Where the session goes next: the settings, and a logged-in user when one was created."""

    settings: Settings
    ws: Workspace | None = None
    user: CurrentUser | None = None
    demo: bool = False


class WelcomeWindow(QWidget):
    sig_done = Signal(object)  # WelcomeResult
    sig_cancelled = Signal()

    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("welcomeWindow")
        self.setWindowTitle(f"Welcome - {APP_NAME}")
        self.setWindowIcon(app_icon())
        self.resize(WINDOW_SIZE)
        self.base = settings
        self.settings = settings  # the choice being made
        self.ws: Workspace | None = None  # created, waiting for its first administrator
        self.probe: work.Probe | None = None
        self.probed_values: tuple[Any, ...] | None = None
        self.finished = False
        self._task = TaskSlot()
        self._started = 0.0
        self._stage = ""

        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        self.banner = DialogBanner(
            f"Welcome to {APP_NAME}", "Set up where your loads are defined", parent=self
        )
        outer.addWidget(self.banner)
        body = QWidget(self)
        body.setObjectName("page")
        column = QVBoxLayout(body)
        column.setContentsMargins(28, 20, 28, 18)
        column.setSpacing(14)
        self.stack = QStackedWidget(body)
        self.choice = ChoicePage(self.stack)
        self.demo_page = DemoPage(self.stack)
        self.folder = FolderPage(self.stack)
        self.server = ServerPage(self.stack)
        self.admin = AdminPage(self.stack)
        for page in (self.choice, self.demo_page, self.folder, self.server, self.admin):
            self.stack.addWidget(page)
        column.addWidget(self.stack, 1)
        buttons = QHBoxLayout()
        self.back_button = QPushButton("Back", body)
        self.next_button = QPushButton("Continue", body)
        self.next_button.setProperty("primary", True)
        self.next_button.setDefault(True)
        buttons.addWidget(self.back_button)
        buttons.addStretch(1)
        buttons.addWidget(self.next_button)
        column.addLayout(buttons)
        outer.addWidget(body, 1)

        self.policy = PolicyFeedback(
            self.admin.policy_label, self.admin.password_edit, self.admin.username_edit.text,
            None, self.admin.confirm_edit,
        )  # fmt: skip
        self._elapsed = QTimer(self)
        self._elapsed.setInterval(1000)
        self._elapsed.timeout.connect(self._tick)

        self.choice.demo_button.clicked.connect(self.start_demo)
        self.choice.empty_button.clicked.connect(lambda: self._go(self.folder))
        self.choice.shared_button.clicked.connect(lambda: self._go(self.server))
        self.folder.browse_button.clicked.connect(self._browse)
        self.folder.folder_edit.setText(str(settings.data_dir))
        self.server.test_button.clicked.connect(self.test_connection)
        self.back_button.clicked.connect(self.go_back)
        self.next_button.clicked.connect(self.go_next)
        self._go(self.choice)

    # -- navigation ----------------------------------------------------------------------------
    def current(self) -> QWidget | None:
        return self.stack.currentWidget()

    def _go(self, page: QWidget) -> None:
        self.stack.setCurrentWidget(page)
        # the demo page offers Back only when creating the demo failed
        self.back_button.setVisible(page not in (self.choice, self.admin, self.demo_page))
        self.next_button.setVisible(page not in (self.choice, self.demo_page))
        self.next_button.setEnabled(True)
        labels = {
            self.folder: "Create workspace",
            self.server: self._server_action(),
            self.admin: "Create administrator",
        }
        self.next_button.setText(labels.get(page, "Continue"))
        subtitles = {
            self.choice: "Set up where your loads are defined",
            self.demo_page: "The demo workspace",
            self.folder: "An empty workspace on this computer",
            self.server: "A shared PostgreSQL or Oracle metadata database",
            self.admin: self.settings.describe(),
        }
        self.banner.subtitle.setText(subtitles.get(page, ""))
        if page is self.admin:
            self.admin.password_edit.setFocus()
        elif page is self.server:
            self.server.host_edit.setFocus()

    def go_back(self) -> None:
        if self.busy:
            return
        self._go(self.choice)

    def go_next(self) -> None:
        if self.busy:
            return
        page = self.current()
        if page is self.folder:
            self.create_empty()
        elif page is self.server:
            self.use_server()
        elif page is self.admin:
            self.create_admin()

    @property
    def busy(self) -> bool:
        return self._task.busy

    def _set_busy(self, busy: bool, page: QWidget) -> None:
        self.back_button.setEnabled(not busy)
        self.next_button.setEnabled(not busy)
        bar = getattr(page, "busy", None)
        if bar is not None:
            bar.setVisible(busy)
        for widget in getattr(page, "inputs", list)():
            widget.setEnabled(not busy)
        if page is self.folder:
            self.folder.folder_edit.setEnabled(not busy)
            self.folder.browse_button.setEnabled(not busy)

    def _run(self, page: QWidget, fn: Any, *args: Any, on_done: Any) -> None:
        set_message(page.message, "")  # type: ignore[attr-defined]
        self._set_busy(True, page)

        def done(result: Any) -> None:
            self._set_busy(False, page)
            on_done(result)

        def failed(exc: BaseException) -> None:
            self._set_busy(False, page)
            text, _known = user_message(exc)
            set_message(page.message, text)  # type: ignore[attr-defined]

        self._task.start(fn, *args, on_done=done, on_error=failed)

    # -- (a) the demo --------------------------------------------------------------------------
    def start_demo(self) -> None:
        self._go(self.demo_page)
        self.settings = self.base
        self._started = time.monotonic()
        self._stage = "Opening the workspace"
        self._tick()
        self._elapsed.start()
        self._task.start(
            create_demo_workspace,
            self.base,
            on_done=self._demo_created,
            on_error=self._demo_failed,
            progress=self._demo_progress,
        )

    def _demo_progress(self, fraction: float, text: str) -> None:
        """The seed's stage and share of the work (the loads take most of it)."""
        if fraction >= 0:
            self.demo_page.progress.setRange(0, 100)
            self.demo_page.progress.setValue(int(fraction * 100))
        self._stage = text or self._stage
        self._tick()

    def _tick(self) -> None:
        seconds = int(time.monotonic() - self._started)
        self.demo_page.status.setText(f"{self._stage}… {seconds // 60}:{seconds % 60:02d}")

    def _demo_created(self, ws: Workspace) -> None:
        self._elapsed.stop()
        ws.close()  # the session opens it again, for the login
        self.demo_page.status.setText("The demo workspace is ready.")
        self._finish(WelcomeResult(self.base, demo=True))

    def _demo_failed(self, exc: BaseException) -> None:
        self._elapsed.stop()
        self.demo_page.progress.setRange(0, 1)
        text, _known = user_message(exc)
        set_message(self.demo_page.message, f"The demo workspace could not be created: {text}")
        self.demo_page.status.setText("")
        self.back_button.setVisible(True)

    # -- (b) an empty workspace ----------------------------------------------------------------
    def _browse(self) -> None:
        dialog = QFileDialog(self, "Folder of the new workspace", self.folder.folder_edit.text())
        dialog.setFileMode(QFileDialog.FileMode.Directory)
        dialog.setOption(QFileDialog.Option.ShowDirsOnly, True)
        dialog.fileSelected.connect(self.folder.folder_edit.setText)
        dialog.open()
        self._file_dialog = dialog

    def create_empty(self) -> None:
        text = self.folder.folder_edit.text().strip()
        if not text:
            set_message(self.folder.message, "Choose a folder for the workspace.")
            return
        folder = Path(text).expanduser()
        self.settings = config.sqlite_settings(self.base, folder)
        self._run(
            self.folder,
            _create_folder_workspace,
            self.base,
            self.settings,
            folder,
            on_done=self._workspace_ready,
        )

    # -- (c) a shared metadata database --------------------------------------------------------
    def server_choice(self) -> config.ServerChoice:
        page = self.server
        return config.ServerChoice(
            db_type=page.db_type(),
            host=page.host_edit.text().strip(),
            port=page.port_spin.value(),
            database=page.database_edit.text().strip(),
            user=page.user_edit.text().strip(),
            password=page.password_edit.text(),
            schema=page.schema_edit.text().strip(),
        )

    def _server_values(self) -> tuple[Any, ...]:
        choice = self.server_choice()
        return (*config.ServerChoice.config_values(choice).items(), choice.password)

    def _server_action(self) -> str:
        probe = self.probe if self.probed_values == self._server_values() else None
        if probe is not None and not probe.has_schema:
            return "Create the schema and continue"
        return "Continue"

    def _checked_server_settings(self) -> Settings | None:
        choice = self.server_choice()
        missing = [
            name
            for name, value in (
                ("the host", choice.host),
                (
                    "the service name" if choice.db_type == "ORACLE" else "the database",
                    choice.database,
                ),
                ("the user", choice.user),
            )  # fmt: skip
            if not value
        ]
        if missing:
            set_message(self.server.message, f"Enter {', '.join(missing)}.")
            return None
        try:
            return config.server_settings(self.base, choice)
        except Exception as exc:  # noqa: BLE001 - ConfigError names the field
            set_message(self.server.message, user_message(exc)[0])
            return None

    def test_connection(self, *, then_continue: bool = False) -> None:
        settings = self._checked_server_settings()
        if settings is None:
            return
        values = self._server_values()

        def tested(probe: work.Probe) -> None:
            self.probe, self.probed_values = probe, values
            self.next_button.setText(self._server_action())
            bad = probe.foreign_tables and not probe.has_schema
            text = probe.summary()
            if values[-1] and not probe.keyring:
                text += f" {NO_KEYRING}"
            set_message(self.server.message, text, "error" if bad else "info")
            if then_continue and not bad:
                self.use_server()

        self._run(self.server, work.probe_metadata, settings, on_done=tested)

    def use_server(self) -> None:
        if self.probed_values != self._server_values() or self.probe is None:
            self.test_connection(then_continue=True)
            return
        if self.probe.foreign_tables and not self.probe.has_schema:
            return
        settings = self._checked_server_settings()
        if settings is None:
            return
        self.settings = settings
        self._run(
            self.server,
            _prepare_server_workspace,
            self.base,
            settings,
            self.server_choice(),
            on_done=self._workspace_ready,
        )

    # -- the first administrator ---------------------------------------------------------------
    def _workspace_ready(self, result: tuple[Workspace, bool, str]) -> None:
        ws, has_users, note = result
        if has_users:
            ws.close()
            self._finish(WelcomeResult(self.settings))
            return
        self.ws = ws
        run_in_background(load_policy, ws, on_done=self.policy.set_policy, on_error=_ignore)
        self.admin.intro.setText(
            f"{note} Choose the name and password of the first administrator: they manage "
            "users, roles and settings, and can do everything else."
        )
        self._go(self.admin)

    def create_admin(self) -> None:
        page = self.admin
        username = page.username_edit.text().strip()
        password, confirm = page.password_edit.text(), page.confirm_edit.text()
        if not username or not password:
            set_message(page.message, "Enter a user name and a password.")
            return
        if password != confirm:
            set_message(page.message, "The passwords do not match.")
            page.confirm_edit.clear()
            page.confirm_edit.setFocus()
            return
        assert self.ws is not None
        self._run(
            page,
            work.create_admin,
            self.ws,
            username,
            password,
            host_name(),
            on_done=lambda user: self._finish(WelcomeResult(self.settings, self.ws, user)),
        )

    # -- the end -------------------------------------------------------------------------------
    def _finish(self, result: WelcomeResult) -> None:
        self.finished = True
        self.ws = None  # the session owns it now
        self.sig_done.emit(result)
        self.close()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        if not self.finished and self.busy and self.current() is self.demo_page:
            event.ignore()  # the demo is half-made: let it finish (it takes seconds)
            self.demo_page.status.setText("Still creating the demo workspace: one moment…")
            return
        super().closeEvent(event)
        if not self.finished:
            self.finished = True
            self._task.cancel()
            if self.ws is not None:
                self.ws.close()
                self.ws = None
            self.sig_cancelled.emit()


def _ignore(_exc: BaseException) -> None:
    """The default policy stays shown; the core checks the real one on save."""


def _create_folder_workspace(
    base: Settings, settings: Settings, folder: Path
) -> tuple[Workspace, bool, str]:
    ws, has_users = work.create_folder_workspace(settings, folder)
    path = config.save_sqlite_choice(base, folder)
    return (
        ws,
        has_users,
        f"The workspace {folder / config.WORKSPACE_FILE} is ready ({path} remembers it).",
    )


def _prepare_server_workspace(
    base: Settings, settings: Settings, choice: config.ServerChoice
) -> tuple[Workspace, bool, str]:
    ws, has_users = work.prepare_workspace(settings)
    try:
        note = config.save_server_choice(base, choice)
    except BaseException:
        ws.close()
        raise
    return ws, has_users, f"The DMS schema is ready on {settings.describe()}. {note}"
