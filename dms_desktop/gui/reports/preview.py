"""The preview of a report run: its rows in the lazy results grid, formatted as the report
says (titles, number and date formats), and Export to CSV, XLSX or PDF."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QStackedWidget, QVBoxLayout, QWidget

from dms_desktop.core.reports import OutputColumn, ReportDef, ReportRun
from dms_desktop.gui.errors import user_message
from dms_desktop.gui.export_focused import TaskExportRunner, ask_export_file
from dms_desktop.gui.grid import ResultModel, ResultView
from dms_desktop.gui.pages import PageContext
from dms_desktop.gui.reports.work import Preview, export_preview
from dms_desktop.gui.widgets import set_message

Index = QModelIndex | QPersistentModelIndex
RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)


@dataclass(frozen=True)
class _Heading:
    name: str  # what the grid's header shows: the column's title
    type: str  # its format, in the header's tooltip


class PreviewRun:
    """A started report as the results grid expects a query run; File › Export finds the
    report (``report_run``) and the parameters as entered (``given``) here."""

    def __init__(self, preview: Preview) -> None:
        self.report_run: ReportRun = preview.run
        self.given = preview.given
        self.output: list[OutputColumn] = list(preview.run.columns)
        self.columns = [_Heading(c.title, c.kind) for c in self.output]

    @property
    def definition(self) -> ReportDef:
        return self.report_run.definition

    @property
    def elapsed(self) -> float:
        return float(self.report_run.query.elapsed)

    @property
    def exhausted(self) -> bool:
        return self.report_run.exhausted

    def fetch(self, n: int | None = None) -> list[tuple[Any, ...]]:
        return self.report_run.fetch(n)

    def cancel(self) -> None:
        self.report_run.cancel()

    def close(self) -> None:
        self.report_run.close()


class ReportResultModel(ResultModel):
    """Cells as the PDF shows them (``OutputColumn.text``); NULL is an empty cell."""

    def headerData(
        self,
        section: int,
        orientation: Qt.Orientation,  # noqa: N802
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        run = self.run
        if (
            role == Qt.ItemDataRole.ToolTipRole
            and orientation == Qt.Orientation.Horizontal
            and isinstance(run, PreviewRun)
            and 0 <= section < len(run.output)
        ):
            column = run.output[section]
            return f"{column.title}\nResult column {column.name}, format {column.kind}"
        return super().headerData(section, orientation, role)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        run = self.run
        if not index.isValid() or not isinstance(run, PreviewRun):
            return super().data(index, role)
        column = run.output[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            value = self.row_values(index.row())[index.column()]
            return "" if value is None else column.text(value)
        if role == Qt.ItemDataRole.TextAlignmentRole and column.numeric:
            return RIGHT
        if role in (Qt.ItemDataRole.ForegroundRole, Qt.ItemDataRole.FontRole):
            return None
        return super().data(index, role)


class PreviewPanel(QWidget):
    sig_export_finished = Signal(bool, str)

    def __init__(self, context: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 0)
        layout.setSpacing(6)
        bar = QHBoxLayout()
        self.title = QLabel("", self)
        self.title.setObjectName("sectionTitle")
        self.status = QLabel("", self)
        self.status.setObjectName("mutedLabel")
        self.export_button = QPushButton("Export…", self)
        self.export_button.setObjectName("reportExportButton")
        self.export_button.setToolTip(
            "Run the report again and write every row to CSV, XLSX or PDF"
        )
        self.export_button.setEnabled(False)
        self.export_button.clicked.connect(lambda _c=False: self.export())
        bar.addWidget(self.title)
        bar.addSpacing(8)
        bar.addWidget(self.status, 1)
        bar.addWidget(self.export_button)
        layout.addLayout(bar)
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        set_message(self.message, "")
        layout.addWidget(self.message)

        self.model = ReportResultModel(self)
        self.model.sig_rows_changed.connect(self._update_status)
        self.model.sig_fetch_failed.connect(self._fetch_failed)
        self.view = ResultView(self)
        self.view.setObjectName("reportPreviewGrid")
        self.view.setModel(self.model)
        self.view.sig_sort_requested.connect(lambda *_a: self.view.reset_sort())
        self.notice = QLabel("Run a report to see its rows here.", self)
        self.notice.setObjectName("emptyState")
        self.notice.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.notice.setWordWrap(True)
        self.stack = QStackedWidget(self)
        self.stack.addWidget(self.view)
        self.stack.addWidget(self.notice)
        self.stack.setCurrentWidget(self.notice)
        layout.addWidget(self.stack, 1)
        self.can_export = context.user.can("reports", "export")
        if not self.can_export:
            self.export_button.setToolTip(context.user.missing("reports", "export"))
        self.exporter = TaskExportRunner(self)
        self.exporter.sig_finished.connect(self._export_finished)

    @property
    def run(self) -> PreviewRun | None:
        run = self.model.run
        return run if isinstance(run, PreviewRun) else None

    def show_running(self, name: str) -> None:
        self.title.setText(name)
        self.status.setText("Running…")
        set_message(self.message, "")

    def show_preview(self, preview: Preview) -> None:
        run = PreviewRun(preview)
        self.title.setText(run.definition.name)
        set_message(self.message, "")
        self.model.set_result(run, preview.rows)  # type: ignore[arg-type]
        self.view.fit_columns()
        self.stack.setCurrentWidget(self.view)
        self.export_button.setEnabled(self.can_export)
        if not preview.rows:
            set_message(self.message, "No rows: nothing matches the parameters.", "info")

    def show_failure(self, text: str) -> None:
        self.status.setText("")
        set_message(self.message, text)

    def clear(self) -> None:
        self.model.clear()
        self.title.setText("")
        self.status.setText("")
        self.export_button.setEnabled(False)
        set_message(self.message, "")
        self.stack.setCurrentWidget(self.notice)

    def _update_status(self) -> None:
        self.status.setText(self.model.status_text())

    def _fetch_failed(self, exc: BaseException) -> None:
        self.status.setText(f"{self.model.status_text()} · stopped: {user_message(exc)[0]}")

    # -- export ----------------------------------------------------------------------------------
    def export(self) -> bool:
        run = self.run
        if run is None or self.exporter.busy or not self.can_export:
            return False
        defn = run.definition
        fmt = defn.output_format or "pdf"
        chosen = ask_export_file(
            self, f"{defn.name}_{date.today():%Y-%m-%d}.{fmt}", "Export report"
        )
        if chosen is None:
            return False
        path, fmt = chosen
        self.export_button.setEnabled(False)
        self.exporter.start_task(path, export_preview, self.context, defn, run.given, fmt, path)
        return True

    def _export_finished(self, ok: bool, message: str) -> None:
        self.export_button.setEnabled(self.run is not None and self.can_export)
        set_message(self.message, message, "info" if ok else "error")
        self.sig_export_finished.emit(ok, message)
