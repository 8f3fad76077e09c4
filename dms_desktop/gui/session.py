"""From start to quit: open the workspace, first run or login, the main window, log out.

Every step that touches the database runs off the GUI thread; the dialogs are opened
non-blocking (``open()``), so the whole sequence runs inside one event loop and tests can
drive it with qtbot.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QDialog, QMessageBox

from dms_desktop.core.demo.seed import DEMO_PASSWORD, create_demo_workspace
from dms_desktop.core.security.auth import AuthService
from dms_desktop.core.security.permissions import CurrentUser
from dms_desktop.core.settings import Settings
from dms_desktop.core.workspace import Workspace, open_workspace
from dms_desktop.gui import prefs
from dms_desktop.gui.errors import show_error
from dms_desktop.gui.login.dialog import LoginDialog
from dms_desktop.gui.login.first_run import FirstRunDialog
from dms_desktop.gui.main_window import MainWindow
from dms_desktop.gui.splash import StartupSplash
from dms_desktop.gui.workers import run_in_background, wait_for_background_tasks

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AuthInfo:
    has_users: bool
    demo_user: str | None


def read_auth_info(ws: Workspace) -> AuthInfo:
    return AuthInfo(AuthService(ws).has_users(), ws.demo_user)


def _log_out_and_close(ws: Workspace, user: CurrentUser) -> None:
    try:
        AuthService(ws).logout(user)
    finally:
        ws.close()


class Session(QObject):
    """Owns the workspace, the current dialog and the main window; ``sig_finished(code)``."""

    sig_finished = Signal(int)
    sig_main_window = Signal(object)  # MainWindow, once shown

    def __init__(
        self, settings: Settings, *, demo: bool = False, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.settings = settings
        self.demo = demo
        self.ws: Workspace | None = None
        self.splash: StartupSplash | None = None
        self.dialog: QDialog | None = None
        self.window: MainWindow | None = None
        self.error_box: QMessageBox | None = None
        self.finished = False

    # -- opening -------------------------------------------------------------------------------
    def start(self) -> None:
        self.splash = StartupSplash()
        self.splash.show()
        opener = create_demo_workspace if self.demo else open_workspace
        run_in_background(opener, self.settings, on_done=self._opened, on_error=self._failed)

    def _opened(self, ws: Workspace) -> None:
        self.ws = ws
        log.info("Workspace open: %s", ws.settings.describe())
        if self.splash is not None:
            self.splash.set_status("Checking users…")
        run_in_background(read_auth_info, ws, on_done=self._ask_user, on_error=self._failed)

    def _failed(self, exc: BaseException) -> None:
        self._close_splash()
        self.error_box = show_error(None, exc)
        self.error_box.finished.connect(lambda _result: self._finish(1))

    def _close_splash(self) -> None:
        if self.splash is not None:
            self.splash.close()
            self.splash.deleteLater()
            self.splash = None

    # -- who is it -----------------------------------------------------------------------------
    def _ask_user(self, info: AuthInfo, username: str | None = None) -> None:
        assert self.ws is not None
        self._close_splash()
        if not info.has_users:
            dialog: QDialog = FirstRunDialog(self.ws)
        else:
            last = username or prefs.get_str(prefs.LAST_USER) or info.demo_user or ""
            hint = ""
            if info.demo_user:
                hint = (
                    f"Demo workspace: log in as “{info.demo_user}” with the password "
                    f"“{DEMO_PASSWORD}” (see the README)."
                )
            dialog = LoginDialog(self.ws, username=last, demo_hint=hint)
        dialog.accepted.connect(lambda: self._show_main(dialog.user))  # type: ignore[attr-defined]
        dialog.rejected.connect(lambda: self._finish(0))
        self.dialog = dialog
        dialog.show()

    # -- the main window -----------------------------------------------------------------------
    def _show_main(self, user: CurrentUser) -> None:
        assert self.ws is not None
        log.info("User %s logged in (%s)", user.username, ", ".join(user.roles))
        if self.dialog is not None:
            self.dialog.deleteLater()
            self.dialog = None
        window = MainWindow(self.ws, user)
        window.sig_logout.connect(self._log_out)
        window.sig_closed.connect(lambda: self._finish(0))
        self.window = window
        window.show()
        self.sig_main_window.emit(window)

    def resume(self, ws: Workspace, user: CurrentUser) -> None:
        """Start at the main window: the welcome page just created ``ws`` and ``user``."""
        self.ws = ws
        self._show_main(user)

    def _log_out(self) -> None:
        assert self.ws is not None and self.window is not None
        user = self.window.user
        log.info("User %s logged out", user.username)
        switch = getattr(self.window, "switch_to", None)  # File > Open workspace: Settings
        if switch is not None:  # log out here, close this workspace, open the other one
            ws, self.ws = self.ws, None
            run_in_background(_log_out_and_close, ws, user)
            self.window.deleteLater()
            self.window = None
            self.settings, self.demo = switch, False
            self.start()
            return
        run_in_background(AuthService(self.ws).logout, user)
        reason = self.window.logout_reason
        self.window.deleteLater()
        self.window = None
        self._ask_user(AuthInfo(has_users=True, demo_user=None), username=user.username)
        if reason and isinstance(self.dialog, LoginDialog):  # the session was ended for them
            self.dialog.show_message(reason)

    # -- the end -------------------------------------------------------------------------------
    def _finish(self, code: int) -> None:
        if not self.finished:
            self.finished = True
            self.sig_finished.emit(code)

    def shutdown(self) -> None:
        """After the event loop: let background work end, then release the database."""
        self._close_splash()
        for widget in (self.dialog, self.window):
            if widget is not None:
                widget.close()
                widget.deleteLater()
        self.dialog = self.window = None
        wait_for_background_tasks()
        if self.ws is not None:
            self.ws.close()
            self.ws = None
