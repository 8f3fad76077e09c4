"""Statements run on a connection (DMS_SQLHIST), newest first; double-click to edit one again."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Signal
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QVBoxLayout, QWidget

from dms_desktop.core.sqlstore.runner import HistoryEntry, history
from dms_desktop.gui.records import Column, RecordsModel
from dms_desktop.gui.sql.execution import Target, summary
from dms_desktop.gui.workers import TaskSlot

LIMIT = 200


def load_history(target: Target) -> list[HistoryEntry]:
    return history(target.ws, target.conid, LIMIT, username=target.user.username)


def _tooltip(entry: HistoryEntry) -> str:
    tip = entry.sql[:2000]
    return f"{tip}\n\n{entry.message}" if entry.message else tip


COLUMNS: list[Column[HistoryEntry]] = [
    Column("Started", lambda e: e.started.strftime("%Y-%m-%d %H:%M:%S") if e.started else "",
           150, tooltip=_tooltip),
    Column("Status", lambda e: e.status.capitalize(), 80, status=True, tooltip=_tooltip),
    Column("Time", lambda e: "" if e.elapsed_ms is None else f"{e.elapsed_ms / 1000:.2f} s",
           70, tooltip=_tooltip),
    Column("Rows", lambda e: "" if e.rows is None else f"{e.rows:,}", 70, tooltip=_tooltip),
    Column("Statement", lambda e: summary(e.sql), tooltip=_tooltip),
]  # fmt: skip


class HistoryPanel(QWidget):
    """The history of one connection; ``sig_open_sql`` when a statement is double-clicked."""

    sig_open_sql = Signal(str)
    sig_loaded = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model: RecordsModel[HistoryEntry] = RecordsModel(COLUMNS, self)
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
        for column, spec in enumerate(COLUMNS):
            if spec.width:
                self.view.setColumnWidth(column, spec.width)
        self.view.doubleClicked.connect(self._open)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view)
        self._task = TaskSlot()

    def load(self, target: Target | None) -> None:
        if target is None:
            self.model.set_rows([])
            return
        self._task.start(load_history, target, on_done=self._show)

    def cancel(self) -> None:
        self._task.cancel()

    def _show(self, entries: list[HistoryEntry]) -> None:
        self.model.set_rows(entries)
        self.sig_loaded.emit()

    def _open(self, index: QModelIndex) -> None:
        if index.isValid():
            self.sig_open_sql.emit(self.model.rows[index.row()].sql)
