"""Statements run on a connection (DMS_SQLHIST), newest first; double-click to edit one again."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QVBoxLayout, QWidget

from dms_desktop.core.sqlstore.runner import HistoryEntry, history
from dms_desktop.gui.sql.execution import Target, summary
from dms_desktop.gui.sqledit import is_dark_palette
from dms_desktop.gui.workers import TaskSlot

COLUMNS = ("Started", "Status", "Time", "Rows", "Statement")
LIMIT = 200
_STATUS = {"OK": ("#1a7f37", "#56d364"), "ERROR": ("#cf222e", "#ff7b72")}

Index = QModelIndex | QPersistentModelIndex


def load_history(target: Target) -> list[HistoryEntry]:
    return history(target.ws, target.conid, LIMIT, username=target.user.username)


class HistoryModel(QAbstractTableModel):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.entries: list[HistoryEntry] = []

    def set_entries(self, entries: Sequence[HistoryEntry]) -> None:
        self.beginResetModel()
        self.entries = list(entries)
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self.entries)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self,
        section: int,
        orientation: Qt.Orientation,  # noqa: N802
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        entry, column = self.entries[index.row()], index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == 0:
                return entry.started.strftime("%Y-%m-%d %H:%M:%S") if entry.started else ""
            if column == 1:
                return entry.status.capitalize()
            if column == 2:
                return "" if entry.elapsed_ms is None else f"{entry.elapsed_ms / 1000:.2f} s"
            if column == 3:
                return "" if entry.rows is None else f"{entry.rows:,}"
            return summary(entry.sql)
        if role == Qt.ItemDataRole.ToolTipRole:
            tip = entry.sql[:2000]
            return f"{tip}\n\n{entry.message}" if entry.message else tip
        if role == Qt.ItemDataRole.ForegroundRole and column == 1:
            colours = _STATUS.get(entry.status)
            if colours:
                return QColor(colours[1] if is_dark_palette() else colours[0])
        return None


class HistoryPanel(QWidget):
    """The history of one connection; ``sig_open_sql`` when a statement is double-clicked."""

    sig_open_sql = Signal(str)
    sig_loaded = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = HistoryModel(self)
        self.view = QTableView(self)
        self.view.setObjectName("historyView")
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setAlternatingRowColors(True)
        self.view.verticalHeader().setVisible(False)
        self.view.verticalHeader().setDefaultSectionSize(24)
        header = self.view.horizontalHeader()
        header.setStretchLastSection(True)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for column, width in enumerate((150, 80, 70, 70)):
            self.view.setColumnWidth(column, width)
        self.view.doubleClicked.connect(self._open)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view)
        self._task = TaskSlot()

    def load(self, target: Target | None) -> None:
        if target is None:
            self.model.set_entries([])
            return
        self._task.start(load_history, target, on_done=self._show)

    def cancel(self) -> None:
        self._task.cancel()

    def _show(self, entries: list[HistoryEntry]) -> None:
        self.model.set_entries(entries)
        self.sig_loaded.emit()

    def _open(self, index: QModelIndex) -> None:
        if index.isValid():
            self.sig_open_sql.emit(self.model.entries[index.row()].sql)
