"""The mapping grid: one row per target column, the file column feeding it, key, rules."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtWidgets import QComboBox, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from dms_desktop.core.uploads import ColumnSpec, FileProfile

Index = QModelIndex | QPersistentModelIndex
TARGET, TYPE, SOURCE, KEY, REQUIRED, RULES, EXAMPLE = range(7)
HEADERS = ("Target column", "Type", "File column", "Key", "Not null", "Rules", "Example")
NOT_LOADED = "(not loaded)"
TIPS = {
    TARGET: "The column of the table (editable for a new table)",
    TYPE: "The column's type (editable for a new table)",
    SOURCE: "The file column loaded into it; matched by name, change it here",
    KEY: "Identifies a row: duplicates are refused, upsert matches on it",
    REQUIRED: "Empty values are refused",
    RULES: "Trim, case, NULL values, default, constant, formats, replace, value map: "
    "double-click to edit",
    EXAMPLE: "The first value from the file, as read",
}


class MappingModel(QAbstractTableModel):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: list[ColumnSpec] = []
        self.new_table = False
        self.locked_required: set[str] = set()  # NOT NULL in the table itself
        self.profile: FileProfile | None = None

    def set_rows(
        self,
        rows: Sequence[ColumnSpec],
        profile: FileProfile | None,
        *,
        new_table: bool,
        locked_required: set[str] | None = None,
    ) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.profile = profile
        self.new_table = new_table
        self.locked_required = locked_required or set()
        self.endResetModel()

    @property
    def file_columns(self) -> list[str]:
        return list(self.profile.columns) if self.profile else []

    def set_row(self, row: int, spec: ColumnSpec) -> None:
        self.rows[row] = spec
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(HEADERS) - 1))

    def loaded(self) -> list[ColumnSpec]:
        return [c for c in self.rows if c.source or c.rule.constant is not None]

    # -- the model --------------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(  # noqa: N802
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Vertical:
            return str(section + 1) if role == Qt.ItemDataRole.DisplayRole else None
        if role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[section]
        if role == Qt.ItemDataRole.ToolTipRole:
            return TIPS.get(section)
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        column = index.column()
        if column in (KEY, REQUIRED):
            if column == REQUIRED and self.rows[index.row()].target in self.locked_required:
                return Qt.ItemFlag.ItemIsSelectable
            return base | Qt.ItemFlag.ItemIsUserCheckable
        if column == SOURCE or (self.new_table and column in (TARGET, TYPE)):
            return base | Qt.ItemFlag.ItemIsEditable
        return base

    def _example(self, spec: ColumnSpec) -> str:
        if spec.rule.constant is not None:
            return spec.rule.constant
        profile = self.profile
        if not profile or not spec.source or spec.source not in profile.columns:
            return ""
        at = profile.columns.index(spec.source)
        return next((r[at] for r in profile.rows if r[at]), "")

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        spec, column = self.rows[index.row()], index.column()
        if role == Qt.ItemDataRole.CheckStateRole and column in (KEY, REQUIRED):
            on = spec.key if column == KEY else spec.required or spec.key
            return Qt.CheckState.Checked if on else Qt.CheckState.Unchecked
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            if column == TARGET:
                return spec.target
            if column == TYPE:
                return spec.data_type
            if column == SOURCE:
                if spec.rule.constant is not None:
                    return "(constant)"
                return spec.source or (NOT_LOADED if role == Qt.ItemDataRole.DisplayRole else "")
            if column == RULES:
                return spec.rule.summary()
            if column == EXAMPLE:
                return self._example(spec)[:80]
        if role == Qt.ItemDataRole.ForegroundRole and column == SOURCE and not spec.source:
            from PySide6.QtGui import QGuiApplication, QPalette

            return QGuiApplication.palette().color(QPalette.ColorRole.PlaceholderText)
        return None

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:  # noqa: N802
        if not index.isValid():
            return False
        row, column = index.row(), index.column()
        spec = self.rows[row]
        if role == Qt.ItemDataRole.CheckStateRole and column in (KEY, REQUIRED):
            on = Qt.CheckState(value) == Qt.CheckState.Checked
            spec = replace(spec, key=on) if column == KEY else replace(spec, required=on)
        elif role == Qt.ItemDataRole.EditRole and column == SOURCE:
            text = str(value or "")
            spec = replace(spec, source=None if text in ("", NOT_LOADED) else text)
        elif role == Qt.ItemDataRole.EditRole and column == TARGET and self.new_table:
            spec = replace(spec, target=str(value).strip())
        elif role == Qt.ItemDataRole.EditRole and column == TYPE and self.new_table:
            spec = replace(spec, data_type=str(value).strip().upper())
        else:
            return False
        self.set_row(row, spec)
        return True


class ChoiceDelegate(QStyledItemDelegate):
    """A combo box editor with the choices a function gives for the row."""

    def __init__(self, choices: Any, editable: bool = False, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.choices = choices
        self.editable = editable

    def createEditor(self, parent: QWidget, _option: QStyleOptionViewItem, index: Index) -> QWidget:  # noqa: N802
        combo = QComboBox(parent)
        combo.setEditable(self.editable)
        combo.addItems(self.choices(index))
        return combo

    def setEditorData(self, editor: QWidget, index: Index) -> None:  # noqa: N802
        assert isinstance(editor, QComboBox)
        text = str(index.data(Qt.ItemDataRole.EditRole) or NOT_LOADED)
        if editor.findText(text) < 0:
            editor.addItem(text)
        editor.setCurrentText(text)

    def setModelData(self, editor: QWidget, model: QAbstractItemModel, index: Index) -> None:  # noqa: N802
        assert isinstance(editor, QComboBox)
        model.setData(index, editor.currentText(), Qt.ItemDataRole.EditRole)
