"""Preview: the first rows of the transformed source query, for the mapping as edited.

The query runs in a worker and can be cancelled on the server; the rows go to the lazy
result grid shared with the SQL module, which fetches further pages as the user scrolls.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from dms_desktop.core.sqlstore.errors import QueryCancelled
from dms_desktop.gui.errors import user_message
from dms_desktop.gui.grid import ResultModel, ResultView
from dms_desktop.gui.mapper.host import MappingHost, message_label, read_only_sql, show_sql
from dms_desktop.gui.mapper.work import PreviewOutcome, open_preview
from dms_desktop.gui.sql.execution import RunHandle
from dms_desktop.gui.widgets import plain_spin, set_message
from dms_desktop.gui.workers import run_in_background

DEFAULT_ROWS = 100


class PreviewTab(QWidget):
    sig_finished = Signal(bool)  # rows shown (True) or a failure/cancel shown (False)

    def __init__(self, host: MappingHost, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("previewTab")
        self.host = host
        self.handle: RunHandle | None = None
        self._request = 0
        self.stale = True

        self.rows_spin = QSpinBox(self)
        self.rows_spin.setRange(1, 100_000)
        self.rows_spin.setValue(DEFAULT_ROWS)
        self.rows_spin.setGroupSeparatorShown(True)
        plain_spin(self.rows_spin)
        self.rows_spin.setMinimumWidth(90)
        self.rows_spin.setToolTip("Rows to read (the limit is applied in the source query)")
        self.run_button = QPushButton("Run preview", self)
        self.run_button.setProperty("primary", True)
        self.run_button.clicked.connect(self.run)
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel)
        self.status = QLabel("", self)
        self.status.setObjectName("mutedLabel")
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Rows", self))
        bar.addWidget(self.rows_spin)
        bar.addWidget(self.run_button)
        bar.addWidget(self.cancel_button)
        bar.addSpacing(8)
        bar.addWidget(self.status, 1)

        self.message = message_label(self)
        self.model = ResultModel(self)
        self.model.sig_rows_changed.connect(self._update_status)
        self.model.sig_fetch_failed.connect(self._fetch_failed)
        self.view = ResultView(self)
        self.view.setObjectName("previewGrid")
        self.view.setModel(self.model)
        self.view.sig_sort_requested.connect(lambda *_a: self.view.reset_sort())
        self.sql_view = read_only_sql(self, "previewSql")
        self.sql_view.setToolTip("The query the preview ran: logic pushed down into the source")
        splitter = QSplitter(Qt.Orientation.Vertical, self)
        splitter.addWidget(self.view)
        splitter.addWidget(self.sql_view)
        splitter.setStretchFactor(0, 4)
        splitter.setStretchFactor(1, 1)
        splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.message)
        layout.addWidget(splitter, 1)

    @property
    def busy(self) -> bool:
        return self.handle is not None

    def shown(self) -> None:
        """The tab became visible: run once, then on request (Run preview)."""
        if self.stale and not self.busy:
            self.run()

    def run(self) -> None:
        self.cancel()
        self.stale = False
        self._request += 1
        request = self._request
        handle = self.handle = RunHandle()
        context = self.host.context
        set_message(self.message, "")
        self.status.setText("Running the preview…")
        self.run_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        run_in_background(
            open_preview,
            context.ws,
            context.user,
            self.host.draft(),
            self.rows_spin.value(),
            handle,
            on_done=lambda outcome: self._done(request, outcome),
            on_error=lambda exc: self._failed(request, exc),
        )

    def cancel(self) -> None:
        if self.handle is not None:
            self.handle.cancel()  # the worker fails with QueryCancelled and reports it

    def close_run(self) -> None:
        self.cancel()
        self.model.clear()

    def _idle(self) -> None:
        self.handle = None
        self.run_button.setEnabled(True)
        self.cancel_button.setEnabled(False)

    def _done(self, request: int, outcome: PreviewOutcome) -> None:
        if request != self._request:  # a newer preview started: this one is not shown
            run_in_background(outcome.run.close)
            return
        self._idle()
        self.model.set_result(outcome.run, outcome.rows, outcome.more)
        self.view.reset_sort()
        self.view.fit_columns()
        show_sql(self.sql_view, outcome.source.sql)
        self.sig_finished.emit(True)

    def _failed(self, request: int, exc: BaseException) -> None:
        if request != self._request:
            return
        cancelled = isinstance(exc, QueryCancelled) or (
            self.handle is not None and self.handle.cancelled
        )
        self._idle()
        self.model.clear()
        if cancelled:
            set_message(self.message, "Preview cancelled.", "info")
        else:
            set_message(self.message, f"The preview failed: {user_message(exc)[0]}")
        self.status.setText("")
        self.sig_finished.emit(False)

    def _fetch_failed(self, exc: BaseException) -> None:
        set_message(self.message, f"Reading more rows failed: {user_message(exc)[0]}")

    def _update_status(self) -> None:
        self.status.setText(self.model.status_text())
