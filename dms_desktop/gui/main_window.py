"""The main window: module navigation, the stack of module pages, menus and status bar.

Modules the user's roles may not view are hidden (navigation item and View action); the core
checks permissions again on every call, so hiding is a convenience, not the protection.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QCloseEvent, QGuiApplication
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from dms_desktop import APP_NAME
from dms_desktop.core.security.permissions import MODULES, CurrentUser
from dms_desktop.core.workspace import Workspace
from dms_desktop.gui import prefs
from dms_desktop.gui.idle_lock import IdleLock
from dms_desktop.gui.main_menus import MainMenus
from dms_desktop.gui.pages import PageContext, PageSpec, load_page_spec
from dms_desktop.gui.resources import app_icon, icon
from dms_desktop.gui.scheduler_host import SchedulerHost
from dms_desktop.gui.theme import apply_theme, current_theme
from dms_desktop.gui.widgets import ElidedLabel

NAV_WIDTH = 212
DEFAULT_SIZE = QSize(1280, 800)
SCHEDULER_NOT_RUNNING = "Scheduler: not running"


def user_text(user: CurrentUser) -> str:
    return f"{user.username} ({', '.join(user.roles) or 'no role'})"


class MainWindow(QMainWindow):
    sig_logout = Signal()  # File > Log out: the session controller shows the login again
    sig_closed = Signal()  # the window closed for good (Quit, or the close button)

    def __init__(self, ws: Workspace, user: CurrentUser, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self.ws = ws
        self.user = user
        self.logging_out = False
        self.context = PageContext(ws, user, navigate=self.show_module)
        self.specs: list[PageSpec] = [load_page_spec(module) for module in MODULES]
        self.pages: dict[str, QWidget] = {}
        self.setWindowIcon(app_icon())
        self.resize(DEFAULT_SIZE)

        central = QWidget(self)
        row = QHBoxLayout(central)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(0)
        row.addWidget(self._build_nav())
        self.stack = QStackedWidget(central)
        self.stack.setObjectName("pageStack")
        for _spec in self.specs:  # real pages are built when first shown
            self.stack.addWidget(QWidget(self.stack))
        row.addWidget(self.stack, 1)
        self.setCentralWidget(central)

        self.scheduler = SchedulerHost(ws, parent=self)  # the embedded scheduler
        self.menus = MainMenus(self)
        self._build_status_bar()
        self._apply_permissions()
        self.nav.currentRowChanged.connect(self._on_nav_row)
        self._restore_state()
        self.scheduler.start_if_enabled()
        self.logout_reason = ""  # why the session ended, for the login dialog
        self.idle_lock = IdleLock(self)  # locks after SESSION.IDLE_TIMEOUT_MIN idle minutes
        self.idle_lock.sig_session_ended.connect(self.end_session)
        self.idle_lock.start()

    # -- construction --------------------------------------------------------------------------
    def _build_nav(self) -> QWidget:
        panel = QFrame(self)
        panel.setObjectName("navPanel")
        panel.setFixedWidth(NAV_WIDTH)
        column = QVBoxLayout(panel)
        column.setContentsMargins(0, 0, 0, 8)
        column.setSpacing(0)
        header = QHBoxLayout()
        header.setContentsMargins(16, 14, 16, 10)
        header.setSpacing(10)
        badge = QLabel(panel)
        badge.setPixmap(app_icon().pixmap(QSize(26, 26), self.devicePixelRatioF()))
        title = QLabel(APP_NAME, panel)
        title.setObjectName("navHeader")
        header.addWidget(badge)
        header.addWidget(title, 1)
        column.addLayout(header)
        self.nav = QListWidget(panel)
        self.nav.setObjectName("navList")
        self.nav.setIconSize(QSize(20, 20))
        self.nav.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.nav.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        for spec in self.specs:
            item = QListWidgetItem(icon(spec.icon), spec.title)
            item.setData(Qt.ItemDataRole.UserRole, spec.module)
            item.setToolTip(spec.summary)
            item.setSizeHint(QSize(NAV_WIDTH - 16, 36))
            self.nav.addItem(item)
        column.addWidget(self.nav, 1)
        return panel

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        bar.setSizeGripEnabled(True)
        self.database_label = ElidedLabel(self.ws.settings.describe(), bar)
        self.database_label.setObjectName("statusField")
        self.database_label.setMaximumWidth(460)
        self.user_label = QLabel(user_text(self.user), bar)
        self.user_label.setObjectName("statusField")
        self.user_label.setToolTip("Logged-in user and roles")
        self.scheduler_label = QLabel(SCHEDULER_NOT_RUNNING, bar)
        self.scheduler_label.setObjectName("statusField")
        self.scheduler_label.setToolTip(self.scheduler.describe()[1])
        self.scheduler.sig_status.connect(self._show_scheduler_status)
        for label in (self.database_label, self.user_label, self.scheduler_label):
            bar.addPermanentWidget(label)

    def _apply_permissions(self) -> None:
        for row, spec in enumerate(self.specs):
            allowed = self.user.can(spec.module, "view")
            self.nav.item(row).setHidden(not allowed)
            self.menus.module_actions[spec.module].setVisible(allowed)

    # -- navigation ----------------------------------------------------------------------------
    def visible_modules(self) -> list[str]:
        return [spec.module for spec in self.specs if self.user.can(spec.module, "view")]

    def current_module(self) -> str | None:
        row = self.nav.currentRow()
        return self.specs[row].module if 0 <= row < len(self.specs) else None

    def show_module(self, module: str) -> bool:
        """Switch to ``module``; False (and no change) when it is unknown or not allowed."""
        if module not in MODULES or not self.user.can(module, "view"):
            return False
        self.nav.setCurrentRow(MODULES.index(module))
        return True

    def page(self, module: str) -> QWidget:
        """The page of ``module``, built on first use."""
        if module not in self.pages:
            row = MODULES.index(module)
            placeholder = self.stack.widget(row)
            widget = self.specs[row].create(self.context)
            self.stack.insertWidget(row, widget)
            if placeholder is not None:
                self.stack.removeWidget(placeholder)
                placeholder.deleteLater()
            self.pages[module] = widget
            queued = getattr(widget, "sig_run_queued", None)
            if queued is not None:  # a run was queued: the embedded scheduler starts it now
                queued.connect(self.scheduler.wake)
        return self.pages[module]

    def open_run_dialog(self) -> QWidget | None:
        """Jobs > Run now…: the Jobs page's dialog that queues a job."""
        if not self.show_module("jobs"):
            return None
        return self.page("jobs").open_run_dialog()  # type: ignore[attr-defined, no-any-return]

    def new_job(self) -> QWidget | None:
        """Jobs > New job…"""
        if not self.show_module("jobs"):
            return None
        return self.page("jobs").new_job()  # type: ignore[attr-defined, no-any-return]

    def _show_scheduler_status(self, text: str, tooltip: str) -> None:
        self.scheduler_label.setText(text)
        self.scheduler_label.setToolTip(tooltip)

    def _on_nav_row(self, row: int) -> None:
        if not 0 <= row < len(self.specs):
            return
        spec = self.specs[row]
        self.stack.setCurrentWidget(self.page(spec.module))
        self.menus.module_actions[spec.module].setChecked(True)
        self.setWindowTitle(f"{spec.title} - {APP_NAME}")

    # -- theme ---------------------------------------------------------------------------------
    def set_theme(self, theme: str) -> None:
        app = QApplication.instance()
        assert isinstance(app, QApplication)
        applied = apply_theme(app, theme)
        prefs.set_value(prefs.THEME, applied)
        self.menus.theme_actions[applied].setChecked(True)

    def theme(self) -> str:
        app = QApplication.instance()
        assert isinstance(app, QApplication)
        return current_theme(app)

    # -- state ---------------------------------------------------------------------------------
    def _restore_state(self) -> None:
        store = prefs.prefs()
        geometry = store.value(prefs.GEOMETRY)
        if geometry is None or not self.restoreGeometry(geometry):
            screen = QGuiApplication.primaryScreen()
            if screen is not None:  # first start: the default size, within the screen, centred
                available = screen.availableGeometry()
                self.resize(DEFAULT_SIZE.boundedTo(available.size() * 0.92))
                frame = self.frameGeometry()
                frame.moveCenter(available.center())
                self.move(frame.topLeft())
        state = store.value(prefs.WINDOW_STATE)
        if state is not None:
            self.restoreState(state)
        self.menus.theme_actions[self.theme()].setChecked(True)
        visible = self.visible_modules()
        last = prefs.get_str(prefs.LAST_MODULE, "home")
        if visible:
            self.show_module(last if last in visible else visible[0])

    def save_state(self) -> None:
        store = prefs.prefs()
        store.setValue(prefs.GEOMETRY, self.saveGeometry())
        store.setValue(prefs.WINDOW_STATE, self.saveState())
        module = self.current_module()
        if module:
            store.setValue(prefs.LAST_MODULE, module)
        store.sync()

    # -- leaving -------------------------------------------------------------------------------
    def end_session(self, reason: str) -> None:
        """The account may no longer act (disabled, reset, removed): back to the login."""
        self.logout_reason = reason
        self.log_out()

    def log_out(self) -> None:
        self.logging_out = True
        self.sig_logout.emit()
        self.close()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        self.save_state()
        self.scheduler.shutdown()  # stops in a worker: the window closes at once
        for page in self.pages.values():  # pages stop their background work
            slot = getattr(page, "cancel_tasks", None)
            if callable(slot):
                slot()
        super().closeEvent(event)
        if not self.logging_out:
            self.sig_closed.emit()
