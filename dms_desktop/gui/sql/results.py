"""The lower half of a SQL tab: the result grid, messages, the plan and the history."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from dms_desktop.gui.errors import user_message
from dms_desktop.gui.grid import ResultModel, ResultView
from dms_desktop.gui.sql.execution import Outcome, Target
from dms_desktop.gui.sql.export import ExportRunner, ask_export_path, suggested_name
from dms_desktop.gui.sql.history import HistoryPanel

RESULT, MESSAGES, PLAN, HISTORY = range(4)


def _text_view(parent: QWidget, name: str) -> QPlainTextEdit:
    view = QPlainTextEdit(parent)
    view.setObjectName(name)
    view.setReadOnly(True)
    view.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
    view.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
    return view


class ResultsPanel(QTabWidget):
    """``sig_sort_requested(column name, descending)``: the tab runs the query again sorted."""

    sig_sort_requested = Signal(str, bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("resultsPanel")
        self.setDocumentMode(True)
        self.target: Target | None = None  # where the shown rows came from
        self.connection: Target | None = None  # the tab's connection (history)
        self.sql = ""  # the statement whose rows the grid shows

        page = QWidget(self)
        column = QVBoxLayout(page)
        column.setContentsMargins(0, 4, 0, 0)
        column.setSpacing(4)
        bar = QHBoxLayout()
        bar.setContentsMargins(4, 0, 4, 0)
        self.status = QLabel("", page)
        self.status.setObjectName("resultStatus")
        self.export_button = QPushButton("Export…", page)
        self.export_button.setToolTip("Run the query again and write every row to CSV or XLSX")
        self.export_button.setEnabled(False)
        self.export_button.clicked.connect(self.export)
        bar.addWidget(self.status, 1)
        bar.addWidget(self.export_button)
        column.addLayout(bar)

        self.model = ResultModel(self)
        self.model.sig_rows_changed.connect(self._update_status)
        self.model.sig_fetch_failed.connect(self._fetch_failed)
        self.view = ResultView(page)
        self.view.setModel(self.model)
        self.view.sig_sort_requested.connect(self._sort)
        self.notice = QLabel("Run a statement (Ctrl+Enter) or a script (F5).", page)
        self.notice.setObjectName("emptyState")
        self.notice.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.notice.setWordWrap(True)
        self.stack = QStackedWidget(page)
        self.stack.addWidget(self.view)
        self.stack.addWidget(self.notice)
        self.stack.setCurrentWidget(self.notice)
        column.addWidget(self.stack, 1)

        self.messages = _text_view(self, "messagesView")
        self.plan = _text_view(self, "planView")
        self.history = HistoryPanel(self)
        self.addTab(page, "Result")
        self.addTab(self.messages, "Messages")
        self.addTab(self.plan, "Plan")
        self.addTab(self.history, "History")
        self.currentChanged.connect(self._tab_changed)
        self.exporter = ExportRunner(self)
        self.exporter.sig_finished.connect(self._export_finished)

    # -- showing ----------------------------------------------------------------------------
    def show_running(self, what: str = "Running…") -> None:
        self.status.setText(what)
        self.export_button.setEnabled(False)

    def show_outcome(self, outcome: Outcome, target: Target) -> None:
        self.add_messages(outcome.messages)
        if outcome.run is not None:
            self.target, self.sql = target, outcome.sql
            self.model.set_result(outcome.run, outcome.rows, outcome.more)
            self.view.fit_columns()
            self.stack.setCurrentWidget(self.view)
            self.export_button.setEnabled(True)
            self.setCurrentIndex(RESULT)
        else:
            self.show_notice(outcome.last_message or "Statement executed")
        if self.currentIndex() == HISTORY:
            self.history.load(self.connection)

    def set_connection(self, target: Target | None) -> None:
        self.connection = target
        if self.currentIndex() == HISTORY:
            self.history.load(target)

    def show_notice(self, text: str) -> None:
        """A result without rows: "N rows affected", "Statement executed", "Query cancelled"."""
        self.model.clear()
        self.sql = ""
        self.view.reset_sort()
        self.notice.setText(text)
        self.stack.setCurrentWidget(self.notice)
        self.status.setText("")
        self.export_button.setEnabled(False)
        self.setCurrentIndex(RESULT)

    def show_failure(self) -> None:
        """The grid keeps the previous rows after an error; the status says what happened."""
        self.status.setText(self.model.status_text())
        self.export_button.setEnabled(bool(self.sql))

    def add_messages(self, lines: list[str]) -> None:
        for line in lines:
            self.messages.appendPlainText(line)

    def show_plan(self, lines: list[str]) -> None:
        self.plan.setPlainText("\n".join(lines))
        self.setCurrentIndex(PLAN)

    def notice_text(self) -> str:
        return self.notice.text() if self.stack.currentWidget() is self.notice else ""

    def close_result(self) -> None:
        self.model.clear()

    # -- grid events ------------------------------------------------------------------------
    def _update_status(self) -> None:
        self.status.setText(self.model.status_text())

    def _fetch_failed(self, exc: BaseException) -> None:
        text, _known = user_message(exc)
        self.status.setText(f"{self.model.status_text()} · stopped: {text}")
        self.add_messages([f"Fetching more rows failed: {text}"])

    def _sort(self, column: int, order: Qt.SortOrder) -> None:
        if 0 <= column < len(self.model.names):
            descending = order == Qt.SortOrder.DescendingOrder
            self.sig_sort_requested.emit(self.model.names[column], descending)

    def _tab_changed(self, index: int) -> None:
        if index == HISTORY:
            self.history.load(self.connection)

    # -- export -----------------------------------------------------------------------------
    def export(self) -> None:
        if self.target is None or not self.sql or self.exporter.busy:
            return
        path = ask_export_path(self, suggested_name(self.sql))
        if path is not None:
            self.exporter.start(self.target, self.sql, path)

    def _export_finished(self, _ok: bool, message: str) -> None:
        self.add_messages([message])
        self.status.setText(message)
