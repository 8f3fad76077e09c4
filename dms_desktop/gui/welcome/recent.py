"""File > Open workspace… and File > Recent workspaces (the last eight, in the preferences).

A workspace is named by its folder, used the way ``DMS_HOME`` is: its ``config.toml`` says
where the metadata database is, else it is ``workspace.db`` in that folder. The entry without
a folder ("") is the workspace DMS Desktop starts with by default. Switching logs out and
goes through the login of the other workspace (``Session`` sees ``window.switch_to``).
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QAbstractButton, QFileDialog, QMenu, QMessageBox

from dms_desktop import APP_NAME
from dms_desktop.core.errors import ConfigError
from dms_desktop.core.settings import Settings, load_settings
from dms_desktop.gui import prefs
from dms_desktop.gui.errors import show_error
from dms_desktop.gui.welcome.config import CONFIG_NAME, LOCATION_KEYS, WORKSPACE_FILE
from dms_desktop.gui.workers import run_in_background

if TYPE_CHECKING:
    from dms_desktop.gui.main_window import MainWindow

log = logging.getLogger(__name__)
MAX_RECENT = 8


@dataclass(frozen=True)
class RecentWorkspace:
    home: str  # the folder; "" for the default workspace
    label: str  # where its metadata is, as the status bar says it

    def title(self) -> str:
        return self.home or f"Default workspace ({self.label})"


def workspace_home(settings: Settings) -> str:
    """The folder of a DMS_HOME-style workspace, "" for the default locations."""
    return str(settings.data_dir) if settings.data_dir == settings.config_dir else ""


def load_recent() -> list[RecentWorkspace]:
    try:
        rows = json.loads(prefs.get_str(prefs.RECENT_WORKSPACES, "[]"))
        return [RecentWorkspace(str(r["home"]), str(r["label"])) for r in rows][:MAX_RECENT]
    except (ValueError, TypeError, KeyError):
        return []


def remember(settings: Settings) -> list[RecentWorkspace]:
    """Put the open workspace first in the list (called when a main window opens)."""
    entry = RecentWorkspace(workspace_home(settings), settings.describe())
    items = [entry, *(r for r in load_recent() if r.home != entry.home)][:MAX_RECENT]
    prefs.set_value(prefs.RECENT_WORKSPACES, json.dumps([asdict(r) for r in items]))
    return items


def home_for_path(path: Path) -> Path:
    """The workspace folder of what the user picked: a folder, its config.toml or workspace.db."""
    if path.is_dir():
        return path
    if path.name in (CONFIG_NAME, WORKSPACE_FILE):
        return path.parent
    raise ConfigError(
        f"{path} is not a workspace: choose its folder, its {CONFIG_NAME} or its {WORKSPACE_FILE}."
    )


def settings_for_home(home: str) -> Settings:
    """The settings of the workspace in ``home`` ("" = start-up's own); reads files: a worker."""
    if not home:
        return load_settings()
    folder = home_for_path(Path(home).expanduser())
    env = {k: v for k, v in os.environ.items() if k not in (*LOCATION_KEYS, "DMS_HOME")}
    env["DMS_HOME"] = str(folder)
    return load_settings(env, env_file=folder / ".env")


def is_workspace_folder(folder: Path) -> bool:
    return (folder / CONFIG_NAME).is_file() or (folder / WORKSPACE_FILE).is_file()


class WorkspaceSwitcher:
    """The File menu's workspace actions for one main window."""

    def __init__(self, window: MainWindow, file_menu: QMenu) -> None:
        self.window = window
        self.dialog: QFileDialog | None = None
        self.box: QMessageBox | None = None
        remember(window.ws.settings)
        self.open_action = file_menu.addAction("&Open workspace…")
        self.open_action.setToolTip("Open another workspace: its folder or its config.toml")
        self.open_action.triggered.connect(self.choose)
        self.open_file_action = file_menu.addAction("Open workspace &file…")
        self.open_file_action.setToolTip(
            f"Open the workspace of a {CONFIG_NAME} or {WORKSPACE_FILE}"
        )
        self.open_file_action.triggered.connect(self.choose_file)
        self.recent_menu = file_menu.addMenu("&Recent workspaces")
        self.recent_menu.setToolTipsVisible(True)
        self.recent_menu.aboutToShow.connect(self.fill_recent)
        self.fill_recent()

    def fill_recent(self) -> None:
        menu = self.recent_menu
        menu.clear()
        current = workspace_home(self.window.ws.settings)
        for entry in load_recent():
            action = menu.addAction(entry.title())
            action.setToolTip(entry.label)
            action.setCheckable(True)
            action.setChecked(entry.home == current)
            if entry.home == current:
                action.setEnabled(False)
            else:
                action.triggered.connect(lambda _c=False, h=entry.home: self.switch_to(h))
        if menu.isEmpty():
            empty = menu.addAction("(none yet)")
            empty.setEnabled(False)

    def choose(self) -> QFileDialog:
        start = workspace_home(self.window.ws.settings) or str(self.window.ws.settings.data_dir)
        dialog = QFileDialog(self.window, "Open workspace: choose its folder", start)
        dialog.setFileMode(QFileDialog.FileMode.Directory)
        dialog.fileSelected.connect(self.open_path)
        self.dialog = dialog
        dialog.open()
        return dialog

    def choose_file(self) -> QFileDialog:
        start = workspace_home(self.window.ws.settings) or str(self.window.ws.settings.data_dir)
        dialog = QFileDialog(self.window, "Open workspace: choose its file", start)
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.setNameFilters(
            [f"Workspace files ({CONFIG_NAME} {WORKSPACE_FILE})", "All files (*)"]
        )
        dialog.fileSelected.connect(self.open_path)
        self.dialog = dialog
        dialog.open()
        return dialog

    def open_path(self, path: str) -> None:
        run_in_background(_inspect, path, on_done=self._inspected, on_error=self._failed)

    def _inspected(self, found: tuple[str, bool]) -> None:
        home, exists = found
        if exists:
            self.switch_to(home)
            return
        box = QMessageBox(
            QMessageBox.Icon.Question,
            APP_NAME,
            f"There is no workspace in {home} yet. Create a new, empty workspace there? "
            "You will then create its first administrator.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            self.window,
        )

        def clicked(button: QAbstractButton) -> None:
            if box.standardButton(button) == QMessageBox.StandardButton.Yes:
                self.switch_to(home)

        box.buttonClicked.connect(clicked)
        self.box = box
        box.open()

    def switch_to(self, home: str) -> None:
        run_in_background(settings_for_home, home, on_done=self._switch, on_error=self._failed)

    def _switch(self, settings: Settings) -> None:
        log.info("Switching to the workspace %s", settings.describe())
        self.window.switch_to = settings  # type: ignore[attr-defined]  # read by the Session
        self.window.log_out()

    def _failed(self, exc: BaseException) -> None:
        self.box = show_error(self.window, exc)


def _inspect(path: str) -> tuple[str, bool]:
    folder = home_for_path(Path(path).expanduser())
    return str(folder), is_workspace_folder(folder)
