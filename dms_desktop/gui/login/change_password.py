"""Change a password: the way out of an expired one, and File > Change password later."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from dms_desktop.core.security.auth import AuthService
from dms_desktop.core.workspace import Workspace
from dms_desktop.gui.admin.policy_view import PolicyFeedback
from dms_desktop.gui.forms.ui_change_password import Ui_ChangePasswordDialog
from dms_desktop.gui.login.base import DIALOG_WIDTH, FormDialog, host_name
from dms_desktop.gui.widgets import fit_height


class ChangePasswordDialog(FormDialog):
    """Accepts with ``self.new_password`` set once the core stored it."""

    def __init__(
        self,
        ws: Workspace,
        username: str,
        current_password: str = "",
        *,
        reason: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(Ui_ChangePasswordDialog(), f"Change the password of {username}", parent)
        self.auth = AuthService(ws)
        self.new_password = ""
        ui = self.ui
        ui.usernameEdit.setText(username)
        ui.currentEdit.setText(current_password)
        ui.introLabel.setText(reason or "Choose a new password.")
        # the policy as a checklist that follows the typing (rules from the workspace)
        self.policy = PolicyFeedback(
            ui.policyLabel, ui.passwordEdit, ui.usernameEdit.text, ws, ui.confirmEdit,
            relayout=lambda: fit_height(self, DIALOG_WIDTH),
        )  # fmt: skip
        ui.okButton.clicked.connect(self.change)
        ui.cancelButton.clicked.connect(self.reject)
        (ui.passwordEdit if current_password else ui.currentEdit).setFocus()

    def inputs(self) -> list[QWidget]:
        ui = self.ui
        return [ui.currentEdit, ui.passwordEdit, ui.confirmEdit, ui.okButton]

    def change(self) -> None:
        ui = self.ui
        current, new, confirm = ui.currentEdit.text(), ui.passwordEdit.text(), ui.confirmEdit.text()
        if not current or not new:
            self.show_message("Enter the current and the new password.")
            return
        if new != confirm:
            self.show_message("The new passwords do not match.")
            ui.confirmEdit.clear()
            ui.confirmEdit.setFocus()
            return
        self.run(
            self.auth.change_password,
            ui.usernameEdit.text(),
            current,
            new,
            host_name(),
            on_done=lambda _none: self._changed(new),
        )

    def _changed(self, password: str) -> None:
        self.new_password = password
        self.accept()
