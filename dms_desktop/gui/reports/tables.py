"""The editable tables of a report definition: its parameters and its column formats.

Plain ``QTableWidget``s (a few rows each), with a combo box for the enumerated cells and a
check box for "required". ``values()`` turns the cells back into core dataclasses and names
every cell it cannot read, so the editor shows them with ``check_definition``'s problems.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from dms_desktop.core.reports import ReportColumn, ReportParam
from dms_desktop.core.reports.model import COLUMN_KINDS, PARAM_TYPES

Index = QModelIndex | QPersistentModelIndex


class ChoiceDelegate(QStyledItemDelegate):
    """A cell edited with a combo box of fixed words."""

    def __init__(self, words: Sequence[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.words = list(words)

    def createEditor(  # noqa: N802
        self, parent: QWidget, _option: QStyleOptionViewItem, _index: Index
    ) -> QWidget:
        combo = QComboBox(parent)
        combo.addItems(self.words)
        return combo

    def setEditorData(self, editor: QWidget, index: Index) -> None:  # noqa: N802
        assert isinstance(editor, QComboBox)
        editor.setCurrentIndex(max(0, editor.findText(str(index.data() or ""))))

    def setModelData(self, editor: QWidget, model: QAbstractItemModel, index: Index) -> None:  # noqa: N802
        assert isinstance(editor, QComboBox)
        model.setData(index, editor.currentText())


class RowsEditor(QWidget):
    """A table with Add and Remove buttons; subclasses say what a row holds."""

    sig_changed = Signal()
    HEADERS: tuple[str, ...] = ()
    ADD_TEXT = "Add"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 6, 0, 0)
        layout.setSpacing(6)
        self.table = QTableWidget(0, len(self.HEADERS), self)
        self.table.setHorizontalHeaderLabels(list(self.HEADERS))
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(26)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.itemChanged.connect(lambda _item: self.sig_changed.emit())
        self.buttons = buttons = QHBoxLayout()
        self.add_button = QPushButton(self.ADD_TEXT, self)
        self.add_button.clicked.connect(lambda _c=False: self.add_row())
        self.remove_button = QPushButton("Remove", self)
        self.remove_button.clicked.connect(lambda _c=False: self.remove_selected())
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self.read_only = False

    def set_read_only(self, read_only: bool) -> None:
        self.read_only = read_only
        self.table.setEditTriggers(
            QAbstractItemView.EditTrigger.NoEditTriggers
            if read_only
            else QAbstractItemView.EditTrigger.AllEditTriggers
            & ~QAbstractItemView.EditTrigger.CurrentChanged
        )
        self.add_button.setEnabled(not read_only)
        self.remove_button.setEnabled(not read_only)
        for row in range(self.table.rowCount()):
            self._lock_checks(row)

    def _lock_checks(self, row: int) -> None:
        for column in range(self.table.columnCount()):
            item = self.table.item(row, column)
            if item is not None and item.flags() & Qt.ItemFlag.ItemIsUserCheckable:
                flags = item.flags() | Qt.ItemFlag.ItemIsEnabled
                item.setFlags(flags if not self.read_only else flags & ~Qt.ItemFlag.ItemIsEnabled)

    def cell(self, row: int, column: int) -> str:
        item = self.table.item(row, column)
        return item.text().strip() if item is not None else ""

    def checked(self, row: int, column: int) -> bool:
        item = self.table.item(row, column)
        return item is not None and item.checkState() == Qt.CheckState.Checked

    def _put_row(self, row: int, texts: Sequence[str], checks: dict[int, bool]) -> None:
        self.table.blockSignals(True)
        for column, text in enumerate(texts):
            item = QTableWidgetItem(text)
            if column in checks:
                item.setText("")
                item.setFlags(Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEnabled)
                item.setCheckState(
                    Qt.CheckState.Checked if checks[column] else Qt.CheckState.Unchecked
                )
            self.table.setItem(row, column, item)
        self.table.blockSignals(False)
        self._lock_checks(row)

    def add_row(
        self, texts: Sequence[str] | None = None, checks: dict[int, bool] | None = None
    ) -> int:
        row = self.table.rowCount()
        self.table.insertRow(row)
        self._put_row(row, texts or self.blank_row(), checks or self.blank_checks())
        if texts is None:
            self.table.setCurrentCell(row, 0)
            self.table.editItem(self.table.item(row, 0))
            self.sig_changed.emit()
        return row

    def remove_selected(self) -> None:
        rows = sorted({i.row() for i in self.table.selectedIndexes()}, reverse=True)
        for row in rows:
            self.table.removeRow(row)
        if rows:
            self.sig_changed.emit()

    def clear_rows(self) -> None:
        self.table.setRowCount(0)

    def blank_row(self) -> list[str]:
        return [""] * len(self.HEADERS)

    def blank_checks(self) -> dict[int, bool]:
        return {}

    def rows(self) -> range:
        """Rows with a name (blank rows are ignored)."""
        return range(self.table.rowCount())


def _number(text: str, what: str, problems: list[str]) -> int | None:
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        problems.append(f"{what} must be a whole number, not '{text}'")
        return None


class ParamsEditor(RowsEditor):
    HEADERS = ("Name", "Type", "Label", "Default", "Required", "Choices (comma-separated)")
    ADD_TEXT = "Add parameter"
    TYPE, REQUIRED = 1, 4

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.table.setObjectName("paramsTable")
        self.table.setItemDelegateForColumn(self.TYPE, ChoiceDelegate(PARAM_TYPES, self.table))
        for column, width in enumerate((120, 80, 140, 110, 84)):
            self.table.setColumnWidth(column, width)

    def blank_row(self) -> list[str]:
        return ["", "text", "", "", "", ""]

    def blank_checks(self) -> dict[int, bool]:
        return {self.REQUIRED: False}

    def set_params(self, params: Sequence[ReportParam]) -> None:
        self.clear_rows()
        for p in params:
            self.add_row(
                [p.name, p.type, p.label or "", p.default or "", "", ", ".join(p.choices)],
                {self.REQUIRED: p.required},
            )

    def params(self, problems: list[str]) -> tuple[ReportParam, ...]:
        found = []
        for row in self.rows():
            name = self.cell(row, 0)
            if not name:
                continue
            kind: Any = self.cell(row, self.TYPE) or "text"
            choices = tuple(c.strip() for c in self.cell(row, 5).split(",") if c.strip())
            found.append(
                ReportParam(
                    name=name,
                    type=kind,
                    label=self.cell(row, 2) or None,
                    default=self.cell(row, 3) or None,
                    required=self.checked(row, self.REQUIRED),
                    choices=choices,
                )
            )
        return tuple(found)


class ColumnsEditor(RowsEditor):
    HEADERS = ("Result column", "Title", "Format", "Decimals", "Date format", "Width")
    ADD_TEXT = "Add column"
    KIND = 2

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.table.setObjectName("columnsTable")
        self.table.setItemDelegateForColumn(self.KIND, ChoiceDelegate(COLUMN_KINDS, self.table))
        for column, width in enumerate((140, 160, 90, 70, 110)):
            self.table.setColumnWidth(column, width)
        self.table.setToolTip(
            "How result columns look in the preview and the exports; matched by name. "
            "Date format: strftime, e.g. %d.%m.%Y; width in characters."
        )

    def blank_row(self) -> list[str]:
        return ["", "", "auto", "", "", ""]

    def set_columns(self, columns: Sequence[ReportColumn]) -> None:
        self.clear_rows()
        for c in columns:
            self.add_row(
                [
                    c.name,
                    c.title or "",
                    c.kind,
                    "" if c.decimals is None else str(c.decimals),
                    c.date_format or "",
                    "" if c.width is None else str(c.width),
                ]
            )

    def add_names(self, names: Sequence[str]) -> int:
        """Add a row for each result column not listed yet; returns how many were added."""
        listed = {self.cell(row, 0).lower() for row in self.rows()}
        added = 0
        for name in names:
            if name.lower() not in listed:
                self.add_row([name, "", "auto", "", "", ""])
                added += 1
        if added:
            self.sig_changed.emit()
        return added

    def columns(self, problems: list[str]) -> tuple[ReportColumn, ...]:
        found = []
        for row in self.rows():
            name = self.cell(row, 0)
            if not name:
                continue
            kind: Any = self.cell(row, self.KIND) or "auto"
            found.append(
                ReportColumn(
                    name=name,
                    title=self.cell(row, 1) or None,
                    kind=kind,
                    decimals=_number(self.cell(row, 3), f"Column {name}: decimals", problems),
                    date_format=self.cell(row, 4) or None,
                    width=_number(self.cell(row, 5), f"Column {name}: width", problems),
                )
            )
        return tuple(found)
