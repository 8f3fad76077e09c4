"""Roles and permissions: the roles, each one's matrix and the connections it may use."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from dms_desktop.core.security.roles import RoleInfo
from dms_desktop.gui.admin import work
from dms_desktop.gui.admin.base import AdminTab
from dms_desktop.gui.admin.matrix import PermissionMatrixModel, matrix_view
from dms_desktop.gui.pages import PageContext

CREATE, EDIT, DELETE = ("admin", "create"), ("admin", "edit"), ("admin", "delete")
NO_RIGHTS = "(no rights)"


class RoleDialog(QDialog):
    """Name, description and, for a new role, whose rights to start from."""

    def __init__(self, parent: QWidget, roles: list[str], role: RoleInfo | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("New role" if role is None else f"Role {role.name}")
        self.setMinimumWidth(420)
        form = QFormLayout(self)
        self.name_edit = QLineEdit(role.name if role else "", self)
        self.name_edit.setReadOnly(bool(role and role.is_system))
        self.description_edit = QLineEdit((role.description or "") if role else "", self)
        form.addRow("Name", self.name_edit)
        form.addRow("Description", self.description_edit)
        self.copy_combo = QComboBox(self)
        self.copy_combo.addItems([NO_RIGHTS, *roles])
        if role is None:
            form.addRow("Start from", self.copy_combo)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def copy_from(self) -> str | None:
        text = self.copy_combo.currentText()
        return None if text == NO_RIGHTS else text


class RolesTab(AdminTab):
    def __init__(self, context: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.roles: list[RoleInfo] = []
        self.connections: list[tuple[int, str]] = []
        self.current: RoleInfo | None = None
        self._select_after: str | None = None
        self._filling = False
        self.dialog: QWidget | None = None
        self.editable = context.user.can(*EDIT)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 12, 0, 0)
        outer.setSpacing(10)
        outer.addWidget(self.message)
        row = QHBoxLayout()
        row.setSpacing(16)
        outer.addLayout(row, 1)

        column = QWidget(self)
        column.setFixedWidth(262)
        left = QVBoxLayout(column)
        left.setContentsMargins(0, 0, 0, 0)
        left.setSpacing(6)
        self.role_list = QListWidget(column)
        self.role_list.setObjectName("roleList")
        self.role_list.setSpacing(2)
        self.role_list.currentRowChanged.connect(self._role_chosen)
        left.addWidget(self.role_list, 1)
        buttons = QHBoxLayout()
        self.new_button = self.button("New…", "Create a role", self.new_role, CREATE)
        self.rename_button = self.button("Rename…", "Name and description", self.rename, EDIT)
        self.delete_button = self.button(
            "Delete", "Delete a role nobody holds", self.delete, DELETE
        )
        for button in (self.new_button, self.rename_button, self.delete_button):
            buttons.addWidget(button)
        left.addLayout(buttons)
        row.addWidget(column)

        right = QVBoxLayout()
        right.setSpacing(8)
        self.title = QLabel(self)
        self.title.setObjectName("sectionTitle")
        self.details = QLabel(self)
        self.details.setObjectName("mutedLabel")
        self.details.setWordWrap(True)
        right.addWidget(self.title)
        right.addWidget(self.details)
        self.matrix = PermissionMatrixModel(self)
        self.matrix.sig_changed.connect(self.update_buttons)
        self.matrix_view = matrix_view(self.matrix, self)
        right.addWidget(self.matrix_view)
        grants = QLabel("Connections this role may use (SQL, previews, loads)", self)
        grants.setObjectName("sectionTitle")
        right.addWidget(grants)
        choice = QHBoxLayout()
        self.all_radio = QRadioButton("Every connection", self)
        self.some_radio = QRadioButton("Only the ticked ones:", self)
        group = QButtonGroup(self)
        group.addButton(self.all_radio)
        group.addButton(self.some_radio)
        self.all_radio.toggled.connect(self._scope_changed)
        choice.addWidget(self.all_radio)
        choice.addWidget(self.some_radio)
        choice.addStretch(1)
        right.addLayout(choice)
        self.connection_list = QListWidget(self)
        self.connection_list.setObjectName("connectionGrants")
        self.connection_list.setFlow(QListWidget.Flow.LeftToRight)
        self.connection_list.setWrapping(True)
        self.connection_list.setMaximumHeight(72)
        self.connection_list.itemChanged.connect(lambda _i: self.update_buttons())
        right.addWidget(self.connection_list)
        actions = QHBoxLayout()
        actions.addStretch(1)
        self.revert_button = self.button("Revert", "Forget the changes", self.revert, EDIT)
        self.save_button = self.button(
            "Save changes", "Store the matrix and grants", self.save, EDIT
        )
        self.save_button.setProperty("primary", True)
        actions.addWidget(self.revert_button)
        actions.addWidget(self.save_button)
        right.addLayout(actions)
        right.addStretch(1)
        row.addLayout(right, 1)
        self.update_buttons()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        super().showEvent(event)
        view = self.matrix_view  # the grid shows every module without a scroll bar
        height = view.horizontalHeader().height() + view.verticalHeader().length()
        view.setFixedHeight(height + 2 * view.frameWidth())

    # -- data ---------------------------------------------------------------------------------
    def refresh(self) -> None:
        self.load(work.load_roles, done=self._show)

    def _show(self, data: work.RolesData) -> None:
        keep = self._select_after or (self.current.name if self.current else None)
        self._select_after = None
        self.roles, self.connections = data.roles, data.connections
        self.role_list.blockSignals(True)
        self.role_list.clear()
        for role in data.roles:
            text = f"{role.name}  ·  built-in" if role.is_system else role.name
            item = QListWidgetItem(text, self.role_list)
            item.setToolTip(role.description or "")
            item.setSizeHint(QSize(0, 28))
        self.role_list.blockSignals(False)
        names = [r.name for r in data.roles]
        self.role_list.setCurrentRow(names.index(keep) if keep in names else 0)
        self._role_chosen(self.role_list.currentRow())

    def _role_chosen(self, row: int) -> None:
        self.current = self.roles[row] if 0 <= row < len(self.roles) else None
        role = self.current
        self._filling = True
        self.title.setText(role.name if role else "")
        if role is not None:
            held = ", ".join(role.users) if role.users else "nobody"
            about = (role.description or "No description").rstrip(".")
            self.details.setText(f"{about}. Held by {held}.")
            self.matrix.set_rights(role.rights, self.editable)
            (self.all_radio if role.all_connections else self.some_radio).setChecked(True)
        self.connection_list.clear()
        granted = set(role.connections) if role else set()
        for _conid, name in self.connections:
            item = QListWidgetItem(name, self.connection_list)
            flags = item.flags() | Qt.ItemFlag.ItemIsUserCheckable
            item.setFlags(flags if self.editable else flags & ~Qt.ItemFlag.ItemIsEnabled)
            checked = name in granted
            item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
        self._filling = False
        self._scope_changed()

    def _scope_changed(self, *_args: object) -> None:
        self.connection_list.setEnabled(self.some_radio.isChecked() and self.editable)
        self.all_radio.setEnabled(self.editable)
        self.some_radio.setEnabled(self.editable)
        self.update_buttons()

    def granted_connections(self) -> list[int]:
        ticked = {
            self.connection_list.item(i).text()
            for i in range(self.connection_list.count())
            if self.connection_list.item(i).checkState() == Qt.CheckState.Checked
        }
        return [conid for conid, name in self.connections if name in ticked]

    @property
    def dirty(self) -> bool:
        role = self.current
        if role is None or self._filling:
            return False
        names = {n for c, n in self.connections if c in set(self.granted_connections())}
        grants = (self.all_radio.isChecked(), names if not self.all_radio.isChecked() else set())
        saved = (role.all_connections, set(role.connections) if not role.all_connections else set())
        return self.matrix.dirty or grants != saved

    def update_buttons(self) -> None:
        role = self.current
        for button in (self.new_button, self.rename_button, self.delete_button):
            button.setEnabled(self.permitted(button) and not self.busy and
                              (role is not None or button is self.new_button))  # fmt: skip
        if role is not None and role.is_system and self.permitted(self.delete_button):
            self.delete_button.setEnabled(False)
            self.delete_button.setToolTip("A built-in role cannot be deleted")
        for button in (self.save_button, self.revert_button):
            button.setEnabled(self.permitted(button) and self.dirty and not self.busy)

    # -- actions ------------------------------------------------------------------------------
    def save(self) -> None:
        role = self.current
        if role is None:
            return
        self._select_after = role.name
        self.act(
            work.save_role, role.name, self.matrix.rights, self.all_radio.isChecked(),
            self.granted_connections(), done=lambda _r: self.show_message(
                f"Saved the rights of {role.name}.", "info"),
        )  # fmt: skip

    def revert(self) -> None:
        self._role_chosen(self.role_list.currentRow())

    def new_role(self) -> RoleDialog:
        dialog = RoleDialog(self, [r.name for r in self.roles])
        dialog.accepted.connect(lambda: self._create(dialog))
        return self._open(dialog)

    def _create(self, dialog: RoleDialog) -> None:
        name = dialog.name_edit.text().strip()
        self._select_after = name
        self.act(work.create_role, name, dialog.description_edit.text(), dialog.copy_from(),
                 done=lambda n: self.show_message(f"Created role {n}.", "info"))  # fmt: skip

    def rename(self) -> RoleDialog | None:
        role = self.current
        if role is None:
            return None
        dialog = RoleDialog(self, [], role)
        dialog.accepted.connect(lambda: self._rename(role, dialog))
        return self._open(dialog)

    def _rename(self, role: RoleInfo, dialog: RoleDialog) -> None:
        self._select_after = dialog.name_edit.text().strip()
        self.act(work.update_role, role.name, dialog.name_edit.text(),
                 dialog.description_edit.text(),
                 done=lambda n: self.show_message(f"Saved role {n}.", "info"))  # fmt: skip

    def delete(self) -> QMessageBox | None:
        role = self.current
        if role is None:
            return None
        box = QMessageBox(
            QMessageBox.Icon.Question, "Delete role", f"Delete the role {role.name}?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel, self,
        )  # fmt: skip
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.accepted.connect(lambda: self.act(work.delete_role, role.name))
        return self._open(box)

    def _open(self, dialog):  # type: ignore[no-untyped-def]
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.dialog = dialog
        dialog.open()
        return dialog
