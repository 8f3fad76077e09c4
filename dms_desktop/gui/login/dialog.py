"""The login dialog: user name and password, checked by the core in a worker thread."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QWidget

from dms_desktop.core.errors import PasswordExpired
from dms_desktop.core.security.auth import AuthService
from dms_desktop.core.security.permissions import CurrentUser
from dms_desktop.core.workspace import Workspace
from dms_desktop.gui import prefs
from dms_desktop.gui.forms.ui_login import Ui_LoginDialog
from dms_desktop.gui.login.base import FormDialog, host_name
from dms_desktop.gui.login.change_password import ChangePasswordDialog


class LoginDialog(FormDialog):
    """Accepts with ``self.user`` set; ``demo_hint`` is shown for the demo workspace."""

    sig_logged_in = Signal(object)  # CurrentUser

    def __init__(
        self,
        ws: Workspace,
        *,
        username: str = "",
        demo_hint: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(Ui_LoginDialog(), f"Log in to {ws.settings.describe()}", parent)
        self.ws = ws
        self.auth = AuthService(ws)
        self.user: CurrentUser | None = None
        self.change_dialog: ChangePasswordDialog | None = None
        self.ui.loginButton.clicked.connect(self.log_in)
        self.ui.quitButton.clicked.connect(self.reject)
        self.ui.usernameEdit.setText(username)
        if demo_hint:
            self.show_message(demo_hint, "info")
        (self.ui.passwordEdit if username else self.ui.usernameEdit).setFocus()

    def inputs(self) -> list[QWidget]:
        return [self.ui.usernameEdit, self.ui.passwordEdit, self.ui.loginButton]

    def log_in(self) -> None:
        username = self.ui.usernameEdit.text().strip()
        password = self.ui.passwordEdit.text()
        if not username or not password:
            self.show_message("Enter your user name and password.")
            (self.ui.passwordEdit if username else self.ui.usernameEdit).setFocus()
            return
        self.ui.loginButton.setText("Logging in…")
        self.run(self.auth.login, username, password, host_name(), on_done=self._logged_in)

    def set_busy(self, busy: bool) -> None:
        super().set_busy(busy)
        if not busy:
            self.ui.loginButton.setText("Log in")

    def _logged_in(self, user: CurrentUser) -> None:
        self.user = user
        prefs.set_value(prefs.LAST_USER, user.username)
        self.show_message("")
        self.sig_logged_in.emit(user)
        self.accept()

    def on_error(self, exc: BaseException) -> None:
        if isinstance(exc, PasswordExpired):
            self._offer_password_change(exc)
            return
        super().on_error(exc)
        self.ui.passwordEdit.clear()
        self.ui.passwordEdit.setFocus()

    def _offer_password_change(self, exc: PasswordExpired) -> None:
        self.show_message(exc.message, "info")
        username = self.ui.usernameEdit.text().strip()
        dialog = ChangePasswordDialog(
            self.ws, username, self.ui.passwordEdit.text(), reason=exc.message, parent=self
        )
        dialog.accepted.connect(lambda: self._log_in_with(username, dialog.new_password))
        dialog.rejected.connect(
            lambda: self.show_message("The password was not changed; you can log in once it is.")
        )
        self.change_dialog = dialog
        dialog.open()

    def _log_in_with(self, username: str, password: str) -> None:
        self.ui.passwordEdit.setText(password)
        self.show_message("Password changed. Logging in…", "info")
        self.run(self.auth.login, username, password, host_name(), on_done=self._logged_in)
