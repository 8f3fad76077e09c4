"""The main window's menus: File, Edit, View, Jobs, Reports, Tools, Help."""

from __future__ import annotations

from contextlib import suppress
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QUrl
from PySide6.QtGui import QAction, QActionGroup, QDesktopServices, QKeySequence
from PySide6.QtWidgets import QApplication, QMenu, QMessageBox

from dms_desktop import APP_NAME
from dms_desktop.gui import prefs
from dms_desktop.gui.about import AboutDialog
from dms_desktop.gui.edit_actions import EditActions
from dms_desktop.gui.errors import current_log_path
from dms_desktop.gui.export_focused import FocusedExport
from dms_desktop.gui.help.window import HelpWindow
from dms_desktop.gui.jobs.work import can_run as can_run_jobs
from dms_desktop.gui.reports.menu import ReportsMenu
from dms_desktop.gui.resources import icon, resources_dir
from dms_desktop.gui.theme import THEMES
from dms_desktop.gui.welcome.recent import WorkspaceSwitcher
from dms_desktop.gui.welcome.tour import attach_tour

if TYPE_CHECKING:
    from dms_desktop.gui.main_window import MainWindow

# Ctrl+1 .. Ctrl+9, Ctrl+0 for the first ten modules; Admin, the eleventh, gets Ctrl+Shift+A.
MODULE_SHORTCUTS = [f"Ctrl+{n}" for n in (1, 2, 3, 4, 5, 6, 7, 8, 9, 0)] + ["Ctrl+Shift+A"]
RUN_JOB_TIP = "Choose a job and queue a run now"
NEW_JOB_TIP = "Create a job from one or more mappings"
NOT_ALLOWED = "Your role does not allow this"


def readme_path() -> Path:
    return resources_dir().parent / "README.md"


class MainMenus:
    """Builds the menu bar of ``window`` and keeps the actions tests and pages refer to."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        bar = window.menuBar()
        self.about_dialog: AboutDialog | None = None
        self.info_box: QMessageBox | None = None

        file_menu = self._menu(bar.addMenu("&File"))
        self.workspaces = WorkspaceSwitcher(window, file_menu)  # Open, Recent workspaces
        file_menu.addSeparator()
        self.export_focused = file_menu.addAction("&Export…")
        self.export_focused.setShortcut(QKeySequence("Ctrl+Shift+E"))
        self.focused_export = FocusedExport(window, self.export_focused)
        file_menu.aboutToShow.connect(self.focused_export.update_action)
        file_menu.addSeparator()
        self.change_password = file_menu.addAction("Change &password…")
        self.change_password.triggered.connect(self._change_password)
        file_menu.addSeparator()
        self.log_out = file_menu.addAction(icon("logout"), "&Log out")
        self.log_out.setShortcut(QKeySequence("Ctrl+Shift+L"))
        self.log_out.triggered.connect(window.log_out)
        self.quit = file_menu.addAction("&Quit")
        self.quit.setShortcut(QKeySequence(QKeySequence.StandardKey.Quit))
        self.quit.triggered.connect(window.close)

        edit_menu = self._menu(bar.addMenu("&Edit"))
        self.edit = EditActions(window)
        self.edit.attach(edit_menu)

        view_menu = self._menu(bar.addMenu("&View"))
        self.module_actions: dict[str, QAction] = {}
        modules = QActionGroup(window)
        for spec, shortcut in zip(window.specs, MODULE_SHORTCUTS, strict=True):
            action = view_menu.addAction(icon(spec.icon), spec.title)
            action.setCheckable(True)
            action.setShortcut(QKeySequence(shortcut))
            action.setToolTip(spec.summary)
            action.triggered.connect(lambda _checked=False, m=spec.module: window.show_module(m))
            modules.addAction(action)
            self.module_actions[spec.module] = action
        view_menu.addSeparator()
        theme_menu = self._menu(view_menu.addMenu("&Theme"))
        themes = QActionGroup(window)
        self.theme_actions: dict[str, QAction] = {}
        for theme in THEMES:
            action = theme_menu.addAction(theme.capitalize())
            action.setCheckable(True)
            action.triggered.connect(lambda _checked=False, t=theme: window.set_theme(t))
            themes.addAction(action)
            self.theme_actions[theme] = action
        self.full_screen = view_menu.addAction("&Full screen")
        self.full_screen.setCheckable(True)
        self.full_screen.setShortcut(QKeySequence(QKeySequence.StandardKey.FullScreen))
        self.full_screen.toggled.connect(self._toggle_full_screen)

        jobs_menu = self._menu(bar.addMenu("&Jobs"))
        can_run = can_run_jobs(window.user)
        self.run_now = jobs_menu.addAction("&Run now…")
        self.run_now.setEnabled(can_run)
        self.run_now.triggered.connect(self._run_now)
        self._run_source: QAction | None = None  # the current page's own Run now, if any
        window.stack.currentChanged.connect(self._follow_page)
        self.new_job = jobs_menu.addAction("&New job…")
        can_create = window.user.can("jobs", "create")
        self.new_job.setEnabled(can_create)
        self.new_job.setToolTip(NEW_JOB_TIP if can_create else NOT_ALLOWED)
        self.new_job.triggered.connect(window.new_job)

        reports_menu = self._menu(bar.addMenu("&Reports"))
        self.reports = ReportsMenu(window, reports_menu)

        tools_menu = self._menu(bar.addMenu("&Tools"))
        self.open_log_folder = tools_menu.addAction("Open &log folder")
        self.open_log_folder.triggered.connect(self._open_log_folder)
        self.settings_location = tools_menu.addAction("&Settings location…")
        self.settings_location.triggered.connect(self._show_settings_location)
        tools_menu.addSeparator()
        self.embedded_scheduler = tools_menu.addAction("Run s&cheduler in this window")
        self.embedded_scheduler.setCheckable(True)
        self.embedded_scheduler.setChecked(window.scheduler.enabled_by_pref())
        self.embedded_scheduler.setToolTip(
            "Fire schedules and run queued jobs inside DMS Desktop while it is open "
            "(on by default for the embedded SQLite workspace)"
        )
        self.embedded_scheduler.toggled.connect(window.scheduler.set_enabled)

        help_menu = self._menu(bar.addMenu("&Help"))
        self.help_window: HelpWindow | None = None
        self.user_guide = help_menu.addAction("&User guide")
        keys = [QKeySequence("F1"), QKeySequence(QKeySequence.StandardKey.HelpContents)]
        self.user_guide.setShortcuts(list(dict.fromkeys(k for k in keys if not k.isEmpty())))
        self.user_guide.setToolTip("The user guide, at the section of the page shown (F1)")
        self.user_guide.triggered.connect(self.open_context_help)
        self.documentation = self.user_guide  # the name earlier code used
        help_menu.addSeparator()
        self.about = help_menu.addAction(f"&About {APP_NAME}")
        self.about.triggered.connect(self.show_about)
        self.about_qt = help_menu.addAction("About &Qt")
        self.about_qt.triggered.connect(QApplication.aboutQt)
        self.tour = attach_tour(window, self.open_guide)  # after a first start only

    @staticmethod
    def _menu(menu: QMenu) -> QMenu:
        menu.setToolTipsVisible(True)  # disabled actions explain themselves
        return menu

    @staticmethod
    def _later(menu: QMenu, text: str, why: str) -> QAction:
        action = menu.addAction(text)
        action.setEnabled(False)
        action.setToolTip(why)
        action.setStatusTip(why)
        return action

    # -- Run now: runs what the current page offers (the Mapper's open mapping) through the
    # page's ``run_now_action`` when that one is enabled; otherwise it asks for a job.
    def _follow_page(self, _index: int = 0) -> None:
        if self._run_source is not None:
            with suppress(RuntimeError, TypeError):  # the page is gone
                self._run_source.changed.disconnect(self._sync_run_now)
        page = self.window.stack.currentWidget()
        source = getattr(page, "run_now_action", None)
        self._run_source = source if isinstance(source, QAction) else None
        if self._run_source is not None:
            self._run_source.changed.connect(self._sync_run_now)
        self._sync_run_now()

    def _sync_run_now(self) -> None:
        source = self._run_source
        contextual = source is not None and source.isEnabled()
        allowed = can_run_jobs(self.window.user)
        tip = source.toolTip() if contextual and source is not None else RUN_JOB_TIP
        self.run_now.setEnabled(allowed or contextual)
        self.run_now.setToolTip(tip if allowed or contextual else NOT_ALLOWED)
        self.run_now.setStatusTip(self.run_now.toolTip())

    def _run_now(self) -> None:
        if self._run_source is not None and self._run_source.isEnabled():
            self._run_source.trigger()
        else:
            self.window.open_run_dialog()

    # -- handlers ------------------------------------------------------------------------------
    def _toggle_full_screen(self, on: bool) -> None:
        if on:
            self.window.showFullScreen()
        else:
            self.window.showNormal()

    def show_about(self) -> AboutDialog:
        self.about_dialog = AboutDialog(self.window.ws.settings.describe(), self.window)
        self.about_dialog.open()
        return self.about_dialog

    def _change_password(self) -> None:
        from dms_desktop.gui.login.change_password import ChangePasswordDialog

        dialog = ChangePasswordDialog(self.window.ws, self.window.user.username, parent=self.window)
        dialog.accepted.connect(
            lambda: self.window.statusBar().showMessage("Password changed.", 5000)
        )
        dialog.open()

    def _open_log_folder(self) -> None:
        folder = self.window.ws.settings.log_dir
        log_path = current_log_path()
        if log_path is not None:
            folder = log_path.parent
        folder.mkdir(parents=True, exist_ok=True)
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))

    def _show_settings_location(self) -> None:
        settings = self.window.ws.settings
        rows = [
            ("Window and view preferences", prefs.prefs().fileName()),
            ("Configuration (config.toml, .env)", str(settings.config_dir)),
            ("Data folder", str(settings.data_dir)),
            ("Log folder", str(settings.log_dir)),
            ("Metadata database", settings.describe()),
        ]
        text = "".join(f"<p><b>{escape(name)}</b><br>{escape(value)}</p>" for name, value in rows)
        self.info_box = QMessageBox(
            QMessageBox.Icon.Information,
            "Settings location",
            text,
            QMessageBox.StandardButton.Ok,
            self.window,
        )
        self.info_box.open()

    # -- the user guide ------------------------------------------------------------------------
    def open_guide(self, page: str = "", section: str = "") -> HelpWindow:
        if self.help_window is None:
            self.help_window = HelpWindow(self.window)
        if page:
            self.help_window.show_topic(page, section)
        self.help_window.show()
        self.help_window.raise_()
        self.help_window.activateWindow()
        return self.help_window

    def open_context_help(self) -> HelpWindow:
        """F1: the guide at the section of the module shown."""
        window = self.open_guide()
        window.show_module(self.window.current_module())
        return window
