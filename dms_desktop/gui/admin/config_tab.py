"""Configuration: every workspace parameter the product reads, typed, with its default, range
and description. Values are checked as they are typed; Save stores them (audited)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QAbstractItemView, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from dms_desktop.core.admin.config import Param
from dms_desktop.core.admin.params import ParamValue
from dms_desktop.core.errors import ValidationError
from dms_desktop.gui.admin import work
from dms_desktop.gui.admin.base import AdminTab
from dms_desktop.gui.pages import PageContext
from dms_desktop.gui.records import records_view

Index = QModelIndex | QPersistentModelIndex
EDIT = ("admin", "edit")
VALUE = 2
COLUMNS = ("Parameter", "Key", "Value", "Default", "Range", "Description")
WIDTHS = (185, 245, 95, 90, 150)  # the description takes the rest


def range_text(p: Param) -> str:
    if p.minimum is None and p.maximum is None:
        return {"date": "YYYY-MM-DD", "path": "absolute folder"}.get(p.kind, "")
    return f"{p.minimum:,}–{p.maximum:,} {p.unit}".strip()


class ParamsModel(QAbstractTableModel):
    sig_changed = Signal()
    sig_refused = Signal(str)  # a typed value the registry refuses: why

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.values: list[ParamValue] = []
        self.pending: dict[str, str] = {}  # key -> new text, already validated
        self.editable = False

    def set_values(self, values: list[ParamValue], editable: bool) -> None:
        self.beginResetModel()
        self.values, self.pending, self.editable = list(values), {}, editable
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self.values)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(  # noqa: N802
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        value = self.values[index.row()]
        p, column = value.param, index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            texts = (p.title, p.key, self.pending.get(p.key, value.text),
                     p.format(p.default), range_text(p), p.description)  # fmt: skip
            shown = texts[column]
            if column == VALUE and role == Qt.ItemDataRole.DisplayRole and not shown:
                return "(none)"
            return shown
        if role == Qt.ItemDataRole.FontRole and column == VALUE:
            font = QFont()
            font.setBold(p.key in self.pending or not value.is_default)
            font.setItalic(p.key in self.pending)
            return font
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == VALUE and value.problem:
                return f"The stored value is not valid ({value.problem}); the default applies."
            if column == VALUE:
                state = "changed, not saved" if p.key in self.pending else (
                    "the default" if value.is_default else "set for this workspace")  # fmt: skip
                return f"{state}. {p.description}"
            return f"{p.description} (read by the {p.read_by})"
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.isValid() and index.column() == VALUE and self.editable:
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:  # noqa: N802
        if role != Qt.ItemDataRole.EditRole or not self.flags(index) & Qt.ItemFlag.ItemIsEditable:
            return False
        current = self.values[index.row()]
        text = str(value).strip()
        try:
            formatted = current.param.format(current.param.parse(text))
        except ValidationError as exc:
            self.sig_refused.emit(exc.message)
            return False
        if (
            formatted == current.text
            and not current.is_default
            or formatted == current.text
            and current.is_default
        ):
            self.pending.pop(current.key, None)
        else:
            self.pending[current.key] = formatted
        self.dataChanged.emit(index, index)
        self.sig_changed.emit()
        return True


class ConfigTab(AdminTab):
    def __init__(self, context: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 12, 0, 0)
        layout.setSpacing(10)
        bar = QHBoxLayout()
        self.save_button = self.button("Save changes", "Store the changed values", self.save, EDIT)
        self.save_button.setProperty("primary", True)
        self.revert_button = self.button("Revert", "Forget the changes", self.revert, EDIT)
        self.default_button = self.button(
            "Reset to default", "Remove the workspace's value of the selected parameter",
            self.reset_default, EDIT,
        )  # fmt: skip
        self.mail_button = self.button(
            "Send test mail", "Mail NOTIFY.FAILURE_TO through the saved NOTIFY settings",
            self.send_test_mail, EDIT,
        )  # fmt: skip
        self.refresh_button = self.button("Refresh", "Reload the values", self.refresh)
        bar.addWidget(self.save_button)
        bar.addWidget(self.revert_button)
        bar.addWidget(self.default_button)
        bar.addSpacing(12)
        bar.addWidget(self.mail_button)
        bar.addStretch(1)
        bar.addWidget(self.refresh_button)
        layout.addLayout(bar)
        layout.addWidget(self.message)
        self.model = ParamsModel(self)
        self.model.sig_changed.connect(self._changed)
        self.model.sig_refused.connect(lambda text: self.show_message(text))
        self.view = records_view(self.model, self, "configView", WIDTHS)
        self.view.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed
        )
        self.view.selectionModel().selectionChanged.connect(lambda *_a: self.update_buttons())
        layout.addWidget(self.view, 1)
        self.about = QLabel(self)
        self.about.setObjectName("mutedLabel")
        self.about.setWordWrap(True)
        self.about.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.about)
        self.update_buttons()

    def refresh(self) -> None:
        self.load(work.load_params, done=self._show)

    def _show(self, values: list[ParamValue]) -> None:
        row = self._selected_row()
        self.model.set_values(values, self.context.user.can(*EDIT))
        self.view.selectRow(max(row, 0))
        broken = [v.key for v in values if v.problem]
        if broken:
            self.show_message(f"Stored values not valid, the defaults apply: {', '.join(broken)}.")

    def _selected_row(self) -> int:
        rows = self.view.selectionModel().selectedRows() if self.view.selectionModel() else []
        return rows[0].row() if rows else -1

    def _changed(self) -> None:
        count = len(self.model.pending)
        self.show_message(
            f"{count} unsaved change{'s' if count != 1 else ''}." if count else "", "info"
        )
        self.update_buttons()

    def update_buttons(self) -> None:
        pending = bool(self.model.pending)
        row = self._selected_row()
        if 0 <= row < len(self.model.values):
            p = self.model.values[row].param
            where = f" Range: {range_text(p)}." if range_text(p) else ""
            self.about.setText(
                f"{p.title} ({p.key}): {p.description}{where} Default {p.format(p.default) or 'none'}"
                f"; read by the {p.read_by}. Double-click the value to change it (or use "
                f"'dms param set {p.key} VALUE')."
            )
        custom = 0 <= row < len(self.model.values) and not self.model.values[row].is_default
        self.save_button.setEnabled(self.permitted(self.save_button) and pending and not self.busy)
        self.revert_button.setEnabled(self.permitted(self.revert_button) and pending)
        self.default_button.setEnabled(
            self.permitted(self.default_button) and custom and not pending and not self.busy
        )
        # the saved settings are what the scheduler uses: save first
        self.mail_button.setEnabled(
            self.permitted(self.mail_button) and not pending and not self.busy
        )

    def edit_value(self, key: str, text: str) -> bool:
        """Type ``text`` into the value of ``key`` (what a user does in the grid)."""
        row = next(i for i, v in enumerate(self.model.values) if v.key == key)
        return self.model.setData(self.model.index(row, VALUE), text)

    def save(self) -> None:
        changes = dict(self.model.pending)
        self.act(work.save_params, changes,
                 done=lambda _v: self.show_message(f"Saved {len(changes)} parameter(s).", "info"))  # fmt: skip

    def send_test_mail(self) -> None:
        self.show_message("Sending a test mail…", "info")
        self.act(work.send_test_mail)

    def revert(self) -> None:
        self.model.set_values(self.model.values, self.model.editable)
        self._changed()

    def reset_default(self) -> None:
        row = self._selected_row()
        if 0 <= row < len(self.model.values):
            key = self.model.values[row].key
            self.act(work.reset_param, key,
                     done=lambda _v: self.show_message(f"{key} is back to its default.", "info"))  # fmt: skip
