"""The managed source queries (DMS_MAPRSQL codes) beside the editor."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from dms_desktop.core.sqlstore.service import ManagedSql, SqlService
from dms_desktop.gui.errors import user_message
from dms_desktop.gui.pages import PageContext
from dms_desktop.gui.records import Column, RecordsModel
from dms_desktop.gui.workers import TaskSlot


def list_queries(context: PageContext) -> list[ManagedSql]:
    return SqlService(context.ws, context.user).list()


def _tooltip(query: ManagedSql) -> str:
    verified = "validated" if query.verified else "not validated since the last change"
    return f"{query.code} v{query.version} ({verified})\n\n{query.text[:1500]}"


COLUMNS: list[Column[ManagedSql]] = [
    Column("Code", lambda q: q.code, tooltip=_tooltip),
    Column("Description", lambda q: q.description or "", tooltip=_tooltip),
    Column("Version", lambda q: f"v{q.version}", tooltip=_tooltip),
]


class QueriesPanel(QWidget):
    """``sig_open(ManagedSql)`` on double-click or Open; ``sig_versions(code)`` for Versions."""

    sig_open = Signal(object)
    sig_versions = Signal(str)
    sig_loaded = Signal()

    def __init__(self, context: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        title = QLabel("Managed queries", self)
        title.setObjectName("sectionTitle")
        self.model: RecordsModel[ManagedSql] = RecordsModel(COLUMNS, self)
        self.view = QTableView(self)
        self.view.setObjectName("queriesView")
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.verticalHeader().setVisible(False)
        self.view.verticalHeader().setDefaultSectionSize(24)
        self.view.setShowGrid(False)
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.view.doubleClicked.connect(lambda index: self._open(index.row()))
        self.message = QLabel("", self)
        self.message.setObjectName("mutedLabel")
        self.message.setWordWrap(True)
        self.message.hide()
        buttons = QHBoxLayout()
        self.open_button = QPushButton("Open", self)
        self.open_button.setToolTip("Open the current version in a new tab")
        self.open_button.clicked.connect(lambda: self._open(self._row()))
        self.versions_button = QPushButton("Versions…", self)
        self.versions_button.setToolTip("Every saved version, with the differences between two")
        self.versions_button.clicked.connect(self._versions)
        self.refresh_button = QPushButton("Refresh", self)
        self.refresh_button.clicked.connect(self.refresh)
        for button in (self.open_button, self.versions_button, self.refresh_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(title)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        self._task = TaskSlot()

    def refresh(self) -> None:
        self._task.start(list_queries, self.context, on_done=self._show, on_error=self._failed)

    def cancel(self) -> None:
        self._task.cancel()

    @property
    def loading(self) -> bool:
        return self._task.busy

    def _show(self, queries: list[ManagedSql]) -> None:
        self.model.set_rows(queries)
        self.message.setVisible(not queries)
        self.message.setText("No managed query yet: write one and Save it (Ctrl+S).")
        self.sig_loaded.emit()

    def _failed(self, exc: BaseException) -> None:
        self.message.setText(f"Could not list the queries: {user_message(exc)[0]}")
        self.message.show()

    def _row(self) -> int:
        rows = self.view.selectionModel().selectedRows()
        return rows[0].row() if rows else -1

    def _open(self, row: int) -> None:
        if 0 <= row < len(self.model.rows):
            self.sig_open.emit(self.model.rows[row])

    def _versions(self) -> None:
        row = self._row()
        if 0 <= row < len(self.model.rows):
            self.sig_versions.emit(self.model.rows[row].code)
