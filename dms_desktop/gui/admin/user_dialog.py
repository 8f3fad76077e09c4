"""Dialogs of the Users tab: a new or edited user (profile, roles, first password) and a
password reset. Both save in a worker and stay open with the reason when the core refuses."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from dms_desktop.core.security.users import Profile, UserInfo
from dms_desktop.gui.admin import work
from dms_desktop.gui.admin.policy_view import PolicyFeedback
from dms_desktop.gui.errors import user_message
from dms_desktop.gui.pages import PageContext
from dms_desktop.gui.widgets import DialogBanner, fit_height, set_message
from dms_desktop.gui.workers import TaskSlot

DIALOG_WIDTH = 500


class _SavingDialog(QDialog):
    """A banner, a form, an inline message, Save/Cancel; one save at a time."""

    sig_saved = Signal(str)  # the message to show on the page

    def __init__(self, title: str, subtitle: str, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(DIALOG_WIDTH)
        self._task = TaskSlot()
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        outer.addWidget(DialogBanner(title, subtitle, parent=self))
        self.body = QVBoxLayout()
        self.body.setContentsMargins(24, 16, 24, 16)
        self.body.setSpacing(10)
        outer.addLayout(self.body)
        self.form = QFormLayout()
        self.form.setHorizontalSpacing(14)
        self.form.setVerticalSpacing(8)
        self.body.addLayout(self.form)
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        set_message(self.message, "")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setProperty("primary", True)
        self.save_button.style().unpolish(self.save_button)
        self.save_button.style().polish(self.save_button)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)

    def finish_layout(self) -> None:
        self.body.addWidget(self.message)
        self.body.addWidget(self.buttons)

    def relayout(self) -> None:
        """Height for the wrapped labels (the checklist grows when the policy arrives)."""
        fit_height(self, max(self.width(), DIALOG_WIDTH))

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        self.relayout()
        super().showEvent(event)

    def save(self) -> None:
        raise NotImplementedError

    def run(self, fn: object, *args: object) -> None:
        self.save_button.setEnabled(False)
        set_message(self.message, "Saving…", "info")
        self._task.start(fn, *args, on_done=self._done, on_error=self._failed)

    @property
    def busy(self) -> bool:
        return self._task.busy

    def _done(self, result: object) -> None:
        self.sig_saved.emit(str(result))
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.save_button.setEnabled(True)
        self.refuse(user_message(exc)[0])

    def refuse(self, text: str) -> None:
        set_message(self.message, text)
        self.relayout()

    def reject(self) -> None:
        self._task.cancel()
        super().reject()


def _password_edit(parent: QWidget) -> QLineEdit:
    edit = QLineEdit(parent)
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    return edit


class UserDialog(_SavingDialog):
    """New user (``user`` None) or the profile and roles of an existing one."""

    def __init__(
        self,
        context: PageContext,
        roles: list[str],
        user: UserInfo | None = None,
        parent: QWidget | None = None,
    ) -> None:
        title = "New user" if user is None else f"User {user.username}"
        subtitle = (
            "The first password is temporary unless you untick the box: the user chooses "
            "their own at the first login."
            if user is None
            else "Profile and roles; the password is reset from the Users tab."
        )
        super().__init__(title, subtitle, parent)
        self.context, self.user = context, user
        self.name_edit = QLineEdit(user.username if user else "", self)
        self.name_edit.setReadOnly(user is not None)
        self.name_edit.setPlaceholderText("e.g. j.smith")
        profile = user.profile if user else Profile()
        self.full_name_edit = QLineEdit(profile.full_name or "", self)
        self.email_edit = QLineEdit(profile.email or "", self)
        self.email_edit.setPlaceholderText("name@example.com")
        self.department_edit = QLineEdit(profile.department or "", self)
        self.phone_edit = QLineEdit(profile.phone or "", self)
        self.roles_list = QListWidget(self)
        self.roles_list.setObjectName("rolesList")
        held = {r.lower() for r in (user.roles if user else ("Viewer",))}
        for name in roles:
            item = QListWidgetItem(name, self.roles_list)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(
                Qt.CheckState.Checked if name.lower() in held else Qt.CheckState.Unchecked
            )
            item.setSizeHint(QSize(0, 24))
        self.roles_list.setFixedHeight(24 * min(max(len(roles), 3), 7) + 6)
        for label, widget in (
            ("User name", self.name_edit),
            ("Full name", self.full_name_edit),
            ("E-mail", self.email_edit),
            ("Department", self.department_edit),
            ("Phone", self.phone_edit),
            ("Roles", self.roles_list),
        ):
            self.form.addRow(label, widget)
        self.password_edit = self.confirm_edit = None
        self.must_change = QCheckBox("Must choose a new password at the first login", self)
        self.policy_label = QLabel(self)
        self.policy_label.setObjectName("policyLabel")
        if user is None:
            self.password_edit = _password_edit(self)
            self.confirm_edit = _password_edit(self)
            self.form.addRow("Password", self.password_edit)
            self.form.addRow("Confirm", self.confirm_edit)
            self.form.addRow("", self.policy_label)
            self.must_change.setChecked(True)
            self.form.addRow("", self.must_change)
            self.policy = PolicyFeedback(
                self.policy_label, self.password_edit, self.name_edit.text, context.ws,
                self.confirm_edit, relayout=self.relayout,
            )  # fmt: skip
            self.name_edit.textChanged.connect(self.policy.refresh)
        else:
            self.policy_label.hide()
            self.must_change.hide()
        self.finish_layout()
        (self.full_name_edit if user else self.name_edit).setFocus()

    def chosen_roles(self) -> list[str]:
        items = (self.roles_list.item(i) for i in range(self.roles_list.count()))
        return [i.text() for i in items if i.checkState() == Qt.CheckState.Checked]

    def set_roles(self, names: list[str]) -> None:
        wanted = {n.lower() for n in names}
        for i in range(self.roles_list.count()):
            item = self.roles_list.item(i)
            item.setCheckState(
                Qt.CheckState.Checked if item.text().lower() in wanted else Qt.CheckState.Unchecked
            )

    def profile(self) -> Profile:
        return Profile(
            self.full_name_edit.text(),
            self.email_edit.text(),
            self.department_edit.text(),
            self.phone_edit.text(),
        )

    def save(self) -> None:
        roles = self.chosen_roles()
        if not roles:
            self.refuse("Tick at least one role.")
            return
        if self.user is not None:
            self.run(work.edit_user, self.context, self.user.username, self.profile(), roles)
            return
        name = self.name_edit.text().strip()
        assert self.password_edit is not None and self.confirm_edit is not None
        if not name:
            self.refuse("Enter a user name.")
            return
        broken = self.policy.failures()
        if broken:
            self.refuse(f"The password does not meet the policy: {broken[0].lower()}.")
            return
        self.run(
            work.create_user, self.context, name, self.password_edit.text(), roles,
            self.profile(), self.must_change.isChecked(),
        )  # fmt: skip

    def _done(self, result: object) -> None:
        verb = "Created" if self.user is None else "Saved"
        self.sig_saved.emit(f"{verb} user {result}.")
        self.accept()


class ResetPasswordDialog(_SavingDialog):
    """A temporary password the user must change at the next login."""

    def __init__(self, context: PageContext, username: str, parent: QWidget | None = None) -> None:
        super().__init__(
            f"Reset the password of {username}",
            "The account is unlocked; the user must choose a new password at the next login, "
            "and a session they have open ends.",
            parent,
        )
        self.context, self.username = context, username
        self.password_edit = _password_edit(self)
        self.confirm_edit = _password_edit(self)
        self.policy_label = QLabel(self)
        self.policy_label.setObjectName("policyLabel")
        self.form.addRow("Temporary password", self.password_edit)
        self.form.addRow("Confirm", self.confirm_edit)
        self.form.addRow("", self.policy_label)
        self.policy = PolicyFeedback(
            self.policy_label, self.password_edit, lambda: username, context.ws, self.confirm_edit,
            relayout=self.relayout,
        )  # fmt: skip
        self.finish_layout()
        self.password_edit.setFocus()

    def save(self) -> None:
        broken = self.policy.failures()
        if broken:
            self.refuse(f"The password does not meet the policy: {broken[0].lower()}.")
            return
        self.run(work.reset_password, self.context, self.username, self.password_edit.text())
