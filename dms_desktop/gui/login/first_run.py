"""First run of an empty workspace: create the first administrator."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QWidget

from dms_desktop.core.security.auth import AuthService
from dms_desktop.core.security.permissions import CurrentUser
from dms_desktop.core.security.policy import PASSWORD_POLICY_TEXT
from dms_desktop.core.workspace import Workspace
from dms_desktop.gui import prefs
from dms_desktop.gui.forms.ui_first_run import Ui_FirstRunDialog
from dms_desktop.gui.login.base import FormDialog, host_name

DEFAULT_ADMIN = "admin"


class FirstRunDialog(FormDialog):
    """Accepts with ``self.user``, the new administrator, logged in."""

    sig_created = Signal(object)  # CurrentUser

    def __init__(self, ws: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(Ui_FirstRunDialog(), f"New workspace: {ws.settings.describe()}", parent)
        self.auth = AuthService(ws)
        self.user: CurrentUser | None = None
        ui = self.ui
        ui.usernameEdit.setText(DEFAULT_ADMIN)
        ui.policyLabel.setText(PASSWORD_POLICY_TEXT)
        ui.okButton.clicked.connect(self.create_admin)
        ui.cancelButton.clicked.connect(self.reject)
        ui.passwordEdit.setFocus()

    def inputs(self) -> list[QWidget]:
        ui = self.ui
        return [ui.usernameEdit, ui.passwordEdit, ui.confirmEdit, ui.okButton]

    def create_admin(self) -> None:
        ui = self.ui
        username = ui.usernameEdit.text().strip()
        password, confirm = ui.passwordEdit.text(), ui.confirmEdit.text()
        if not username or not password:
            self.show_message("Enter a user name and a password.")
            return
        if password != confirm:
            self.show_message("The passwords do not match.")
            ui.confirmEdit.clear()
            ui.confirmEdit.setFocus()
            return
        self.run(
            self.auth.create_first_admin, username, password, host_name(), on_done=self._created
        )

    def _created(self, user: CurrentUser) -> None:
        self.user = user
        prefs.set_value(prefs.LAST_USER, user.username)
        self.sig_created.emit(user)
        self.accept()
