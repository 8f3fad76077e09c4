"""Step 4: every row checked against the table before anything is written (a worker, with
progress and Cancel); the errors listed (the first 1,000) and all of them saved as CSV."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QTableView,
    QWidget,
)

from dms_desktop.core.uploads import Issue, UploadResult
from dms_desktop.gui.errors import user_message
from dms_desktop.gui.grid import cell_text
from dms_desktop.gui.pages import PageContext
from dms_desktop.gui.uploads.steps import Step
from dms_desktop.gui.uploads.work import Draft, copy_report, validate
from dms_desktop.gui.workers import TaskSlot

Index = QModelIndex | QPersistentModelIndex
HEADERS = ("Row", "Column", "Value", "Reason")


class IssuesModel(QAbstractTableModel):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.issues: list[Issue] = []

    def set_issues(self, issues: list[Issue]) -> None:
        self.beginResetModel()
        self.issues = list(issues)
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self.issues)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(  # noqa: N802
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role != Qt.ItemDataRole.DisplayRole or orientation == Qt.Orientation.Vertical:
            return None
        return HEADERS[section]

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        issue = self.issues[index.row()]
        values = (f"{issue.row:,}", issue.column or "(row)", issue.value, issue.reason)
        if role == Qt.ItemDataRole.DisplayRole:
            return cell_text(values[index.column()])
        if role == Qt.ItemDataRole.ToolTipRole and index.column() in (2, 3):
            return values[index.column()][:2000]
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() == 0:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


class ValidationStep(Step):
    title = "4 · Validation"
    guidance = (
        "Every row and column is checked against the table: types, lengths, NOT NULL and key "
        "uniqueness. Nothing is written yet."
    )

    def __init__(self, context: PageContext, draft: Draft, parent: QWidget | None = None) -> None:
        super().__init__(context, draft, parent)
        self._task, self._save_task = TaskSlot(), TaskSlot()
        self.result: UploadResult | None = None
        bar = QHBoxLayout()
        self.progress = QProgressBar(self)
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(False)
        self.status = QLabel(self)
        self.status.setObjectName("mutedLabel")
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.clicked.connect(lambda _c=False: self.cancel())
        self.again_button = QPushButton("Validate again", self)
        self.again_button.clicked.connect(lambda _c=False: self.start())
        bar.addWidget(self.progress, 1)
        bar.addWidget(self.status, 2)
        bar.addWidget(self.cancel_button)
        bar.addWidget(self.again_button)
        self.outer.addLayout(bar)
        self.summary = QLabel(self)
        self.summary.setObjectName("validationSummary")
        self.summary.setWordWrap(True)
        self.outer.addWidget(self.summary)
        self.model = IssuesModel(self)
        self.view = QTableView(self)
        self.view.setObjectName("issuesView")
        self.view.setModel(self.model)
        self.view.setAlternatingRowColors(True)
        self.view.setWordWrap(False)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.verticalHeader().setVisible(False)
        self.view.verticalHeader().setDefaultSectionSize(24)
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        for column, width in ((0, 70), (1, 140), (2, 220)):
            self.view.setColumnWidth(column, width)
        self.outer.addWidget(self.view, 1)
        self.save_button = QPushButton("Save all errors as CSV…", self)
        self.save_button.setToolTip(
            "Every error (row, column, value, reason), not only those shown"
        )
        self.save_button.clicked.connect(lambda _c=False: self.save_errors())
        self.outer.addWidget(self.save_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.filler = QWidget(self)
        self.outer.addWidget(self.filler, 1)
        self._show_idle()

    def enter(self) -> None:
        if self.draft.validation is None or self.result is not self.draft.validation:
            self.start()

    def start(self) -> None:
        self.result = None
        self.draft.validation = None
        self.model.set_issues([])
        self._show_table(False)
        self.summary.setText("")
        self.say("")
        self.set_ready(False)
        self.progress.setValue(0)
        self.status.setText("Validating…")
        self._busy(True)
        self._task.start(
            validate, self.context, self.draft.definition(), self.draft.path,
            on_done=self._done, on_error=self._failed, progress=self._progress,
        )  # fmt: skip

    @property
    def busy(self) -> bool:
        return self._task.busy

    def _progress(self, fraction: float, text: str) -> None:
        if fraction < 0:
            self.progress.setRange(0, 0)
        else:
            self.progress.setRange(0, 1000)
            self.progress.setValue(int(fraction * 1000))
        self.status.setText(text)

    def _busy(self, busy: bool) -> None:
        self.cancel_button.setVisible(busy)
        self.again_button.setVisible(not busy)
        self.progress.setVisible(busy)

    def _done(self, result: UploadResult) -> None:
        self._busy(False)
        self.result = result
        self.draft.validation = result
        self.status.setText(f"{result.rows_read:,} rows checked in {result.seconds:.1f} s")
        self.model.set_issues(result.errors)
        shown = len(result.errors)
        self._show_table(bool(result.errors))
        if result.status == "VALID":
            self.summary.setText("")
            self.say(f"✓ {result.message} Next: load them.", "info")
        elif result.status == "CANCELLED":
            self.summary.setText("Validation cancelled.")
        else:
            more = (
                f" The first {shown:,} are listed; save them all as CSV."
                if result.error_count > shown
                else ""
            )
            self.say(
                f"{result.message} {result.error_count:,} errors.{more} Fix the file or the "
                "mapping and validate again, or allow bad rows to be skipped (step 3)."
            )
            self.summary.setText("")
        self.save_button.setEnabled(bool(result.errors_file))
        self.set_ready(result.status == "VALID")

    def _failed(self, exc: BaseException) -> None:
        self._busy(False)
        self.status.setText("")
        self.say(user_message(exc)[0])
        self.set_ready(False)

    def _show_idle(self) -> None:
        self._busy(False)
        self._show_table(False)

    def _show_table(self, shown: bool) -> None:
        self.view.setVisible(shown)
        self.save_button.setVisible(shown)
        self.filler.setVisible(not shown)

    def cancel(self) -> None:
        self._task.cancel()
        self._busy(False)
        self.status.setText("Validation cancelled.")

    def save_errors(self, path: str | None = None) -> None:
        source = self.result.errors_file if self.result else None
        if not source:
            return
        if path is None:
            path, _filter = QFileDialog.getSaveFileName(
                self, "Save the errors", "upload-errors.csv", "CSV files (*.csv)"
            )
        if path:
            self._save_task.start(
                copy_report, source, path,
                on_done=lambda p: self.say(f"Saved every error to {p}.", "info"),
                on_error=self._failed,
            )  # fmt: skip

    def cancel_tasks(self) -> None:
        self._task.cancel()
        self._save_task.cancel()
