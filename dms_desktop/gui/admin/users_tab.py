"""Users: who may log in, with which roles; create, edit, disable, unlock, reset, delete."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QSortFilterProxyModel, Qt
from PySide6.QtWidgets import QHBoxLayout, QLineEdit, QMessageBox, QVBoxLayout, QWidget

from dms_desktop.core.security.users import UserInfo
from dms_desktop.gui.admin import work
from dms_desktop.gui.admin.base import AdminTab
from dms_desktop.gui.admin.user_dialog import ResetPasswordDialog, UserDialog
from dms_desktop.gui.pages import PageContext
from dms_desktop.gui.records import Column, RecordsModel, records_view
from dms_desktop.gui.resources import icon

CREATE, EDIT, DELETE = ("admin", "create"), ("admin", "edit"), ("admin", "delete")


def status_text(user: UserInfo, now: datetime) -> str:
    if not user.is_active:
        return "Disabled"
    if user.locked(now):
        assert user.locked_until is not None
        return f"Locked until {user.locked_until:%H:%M} UTC"
    if user.must_change_password:
        return "Active, must change password"
    return "Active"


class UsersTab(AdminTab):
    def __init__(self, context: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.roles: list[str] = []
        self.now = datetime.min
        self.dialog: QWidget | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 12, 0, 0)
        layout.setSpacing(10)
        bar = QHBoxLayout()
        bar.setSpacing(6)
        self.new_button = self.button("New…", "Create a user", self.new_user, CREATE)
        self.edit_button = self.button("Edit…", "Profile and roles", self.edit_user, EDIT)
        self.active_button = self.button(
            "Disable", "Stop or allow logins", self.toggle_active, EDIT
        )
        self.unlock_button = self.button("Unlock", "Clear a lockout now", self.unlock, EDIT)
        self.reset_button = self.button(
            "Reset password…", "A temporary password, changed at next login", self.reset, EDIT
        )
        self.delete_button = self.button("Delete…", "Remove the account", self.delete, DELETE)
        self.refresh_button = self.button("Refresh", "Reload the list", self.refresh)
        self.refresh_button.setIcon(icon("refresh"))
        for button in (self.new_button, self.edit_button, self.active_button, self.unlock_button,
                       self.reset_button, self.delete_button):  # fmt: skip
            bar.addWidget(button)
        bar.addStretch(1)
        self.filter_edit = QLineEdit(self)
        self.filter_edit.setPlaceholderText("Filter users…")
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.setMaximumWidth(220)
        bar.addWidget(self.filter_edit)
        bar.addWidget(self.refresh_button)
        layout.addLayout(bar)
        layout.addWidget(self.message)

        self.model: RecordsModel[UserInfo] = RecordsModel(
            [
                Column("User", lambda u: u.username, 100),
                Column("Full name", lambda u: u.full_name, 125),
                Column("Roles", lambda u: u.roles, 155),
                Column("Status", lambda u: status_text(u, self.now), 175),
                Column("Last login (UTC)", lambda u: u.last_login_at, 145),
                Column("Department", lambda u: u.department, 130),
                Column("E-mail", lambda u: u.email, 180),
            ],
            self,
        )
        self.model.muted = lambda u: not u.is_active
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.proxy.setFilterKeyColumn(-1)
        self.filter_edit.textChanged.connect(self.proxy.setFilterFixedString)
        self.view = records_view(self.model, self, "usersView")
        self.view.setModel(self.proxy)
        self.view.setSortingEnabled(True)
        self.view.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.view.doubleClicked.connect(lambda _i: self.edit_user())
        self.view.selectionModel().selectionChanged.connect(lambda *_a: self.update_buttons())
        layout.addWidget(self.view, 1)
        self._select_after: str | None = None
        self.update_buttons()

    # -- data ---------------------------------------------------------------------------------
    def refresh(self) -> None:
        self.load(work.load_users, done=self._show)

    def _show(self, data: work.UsersData) -> None:
        keep = self._select_after or (self.selected().username if self.selected() else None)
        self._select_after = None
        self.roles, self.now = data.roles, data.now
        self.model.set_rows(data.users)
        self.select(keep or self.context.user.username)

    def selected(self) -> UserInfo | None:
        rows = self.view.selectionModel().selectedRows()
        if not rows:
            return None
        return self.model.row_at(self.proxy.mapToSource(rows[0]).row())

    def select(self, username: str) -> bool:
        for row, user in enumerate(self.model.rows):
            if user.username.lower() == username.lower():
                self.view.selectRow(self.proxy.mapFromSource(self.model.index(row, 0)).row())
                return True
        return False

    def update_buttons(self) -> None:
        user = self.selected()
        own = user is not None and user.username.lower() == self.context.user.username.lower()
        for button in self.rights:
            needs_row = button not in (self.new_button, self.refresh_button)
            enabled = (
                self.permitted(button) and not self.busy and (user is not None or not needs_row)
            )
            if button in (self.active_button, self.delete_button) and own:
                enabled = False
                button.setToolTip("Not your own account: ask another administrator")
            elif self.permitted(button) and button is self.active_button:
                button.setToolTip("Stop or allow logins")
            if button is self.unlock_button and user is not None:
                enabled = enabled and (user.locked(self.now) or user.failed_attempts > 0)
            button.setEnabled(enabled)
        if user is not None:
            self.active_button.setText("Enable" if not user.is_active else "Disable")

    # -- actions ------------------------------------------------------------------------------
    def new_user(self) -> UserDialog:
        return self._open(UserDialog(self.context, self.roles, None, self))

    def edit_user(self) -> UserDialog | None:
        user = self.selected()
        if user is None or not self.permitted(self.edit_button):
            return None
        return self._open(UserDialog(self.context, self.roles, user, self))

    def reset(self) -> ResetPasswordDialog | None:
        user = self.selected()
        if user is None:
            return None
        return self._open(ResetPasswordDialog(self.context, user.username, self))

    def _open(self, dialog):  # type: ignore[no-untyped-def]
        dialog.sig_saved.connect(self._saved)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.dialog = dialog
        dialog.open()
        return dialog

    def _saved(self, text: str) -> None:
        self.show_message(text, "info")
        self._select_after = text.split()[-1].rstrip(".") if text.startswith("Created") else None
        self.refresh()
        self.sig_action_done.emit(text)

    def toggle_active(self) -> None:
        user = self.selected()
        if user is not None:
            self.act(work.set_active, user.username, not user.is_active)

    def unlock(self) -> None:
        user = self.selected()
        if user is not None:
            self.act(work.unlock_user, user.username)

    def delete(self) -> QMessageBox | None:
        user = self.selected()
        if user is None:
            return None
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Delete user",
            f"Delete the account {user.username}?\n\nIts login history stays in the audit. "
            "To keep the account but stop its logins, disable it instead.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            self,
        )
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.accepted.connect(lambda: self.act(work.delete_user, user.username))
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.dialog = box
        box.open()
        return box
