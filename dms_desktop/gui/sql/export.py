"""Export a whole result to CSV or XLSX: the query runs again in a worker, streaming to the
file, with a progress dialog (rows so far) whose Cancel stops the query on the server."""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QFileDialog, QProgressDialog, QWidget

from dms_desktop.core.sqlstore.export import ExportResult, export_query
from dms_desktop.core.tasks import TaskState
from dms_desktop.gui.errors import user_message
from dms_desktop.gui.sql.execution import Target
from dms_desktop.gui.workers import Task, run_in_background

FILTERS = {"CSV file (*.csv)": ".csv", "Excel workbook (*.xlsx)": ".xlsx"}


def export_result(target: Target, sql: str, path: Path, state: TaskState) -> ExportResult:
    """Worker: resolve the connection, then stream the rows into ``path``."""
    return export_query(target.engine(), target.dialect, sql, path, state)


def ask_export_path(parent: QWidget, suggested: str) -> Path | None:
    """The file to write, with the suffix of the chosen type; None when the user cancels."""
    path, chosen = QFileDialog.getSaveFileName(
        parent, "Export result", suggested, ";;".join(FILTERS)
    )
    if not path:
        return None
    target = Path(path)
    if target.suffix.lower() not in FILTERS.values():
        target = target.with_name(target.name + FILTERS.get(chosen, ".csv"))
    return target


def suggested_name(sql: str) -> str:
    match = re.search(r"\bfrom\s+([\w.\"]+)", sql, re.IGNORECASE)
    name = match.group(1).replace('"', "").split(".")[-1] if match else "result"
    return f"{name}.csv"


class ExportRunner(QObject):
    """One export at a time per owner; reports its end as a line of text."""

    sig_finished = Signal(bool, str)  # ok, message

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self._parent = parent
        self.task: Task | None = None
        self.dialog: QProgressDialog | None = None

    @property
    def busy(self) -> bool:
        return self.task is not None and not self.task.finished and not self.task.cancelled

    def start(self, target: Target, sql: str, path: Path) -> None:
        dialog = QProgressDialog(f"Exporting to {path.name}…", "Cancel", 0, 0, self._parent)
        dialog.setObjectName("exportProgress")
        dialog.setWindowTitle("Export")
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setMinimumDuration(0)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        dialog.canceled.connect(self.cancel)
        self.dialog = dialog
        self.path = path
        self.task = run_in_background(
            export_result,
            target,
            sql,
            path,
            on_done=self._done,
            on_error=self._failed,
            progress=self._progress,
        )
        dialog.show()

    def _progress(self, _fraction: float, text: str) -> None:
        if self.dialog is not None:
            self.dialog.setLabelText(f"Exporting to {self.path.name}… {text}")

    def cancel(self) -> None:
        if self.task is not None and self.busy:
            self.task.cancel()  # the worker tells the server to stop and deletes the part file
            self._close_dialog()
            self.sig_finished.emit(False, "Export cancelled.")

    def _close_dialog(self) -> None:
        dialog, self.dialog = self.dialog, None
        if dialog is not None:
            dialog.canceled.disconnect(self.cancel)
            dialog.close()
            dialog.deleteLater()

    def _done(self, result: ExportResult) -> None:
        self._close_dialog()
        self.sig_finished.emit(
            True, f"Exported {result.rows:,} rows to {result.path} in {result.elapsed:.1f} s."
        )

    def _failed(self, exc: BaseException) -> None:
        self._close_dialog()
        text, _known = user_message(exc)
        self.sig_finished.emit(False, f"Export failed: {text}")
