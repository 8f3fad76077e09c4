"""File › Export…: write the grid that has focus to CSV, XLSX or PDF, in the background.

A results grid (``ResultModel``) runs its query again and streams every row through the
core's writers, so the file holds the whole result, not the page on screen; a report preview
exports the report itself (template, formats). Any other item model is in memory already:
its cells are copied on the GUI thread (a read of memory) and a worker writes them. Files are
written under a temporary name and renamed at the end, as every export of the core does.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QFileDialog,
    QListView,
    QProgressDialog,
    QTableView,
    QWidget,
)
from shiboken6 import isValid

from dms_desktop.core.clock import utcnow
from dms_desktop.core.reports import ReportColumn, ReportDef
from dms_desktop.core.reports.formats import output_columns
from dms_desktop.core.reports.render_pdf import PdfReportSink, PdfTexts
from dms_desktop.core.sqlstore.export import (
    FETCH_ROWS,
    CsvSink,
    ExportResult,
    Sink,
    XlsxSink,
    export_query,
    stream_run,
    write_atomically,
)
from dms_desktop.core.sqlstore.runner import QueryRun
from dms_desktop.core.tasks import TaskState
from dms_desktop.gui.grid import ResultModel
from dms_desktop.gui.sql.export import ExportRunner
from dms_desktop.gui.workers import run_in_background

if TYPE_CHECKING:
    from dms_desktop.gui.main_window import MainWindow

FILTERS = {
    "CSV file (*.csv)": "csv",
    "Excel workbook (*.xlsx)": "xlsx",
    "PDF document (*.pdf)": "pdf",
}
LANDSCAPE_FROM = 7  # columns from which a PDF turns landscape
NOT_EXPORTED = "navList"  # object names of item views that are navigation, not data
_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$")
_KIND_WORDS = (("INT", "integer"), ("NUM", "number"), ("DEC", "number"), ("REAL", "number"),
               ("FLOAT", "number"), ("DOUBLE", "number"))  # fmt: skip


def ask_export_file(
    parent: QWidget, suggested: str, title: str = "Export"
) -> tuple[Path, str] | None:
    """(file, format) the user chose; the suffix follows the chosen type. None: cancelled."""
    path, chosen = QFileDialog.getSaveFileName(parent, title, suggested, ";;".join(FILTERS))
    if not path:
        return None
    target = Path(path)
    fmt = target.suffix.lower().lstrip(".")
    if fmt not in FILTERS.values():
        fmt = FILTERS.get(chosen, "csv")
        target = target.with_name(f"{target.name}.{fmt}")
    return target, fmt


class TaskExportRunner(ExportRunner):
    """The SQL workbench's export runner (progress dialog, Cancel, one line at the end) for
    any export function ``fn(*args, state=…) -> ExportResult``."""

    def start_task(self, path: Path, fn: Callable[..., ExportResult], *args: Any) -> None:
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
            fn, *args, on_done=self._done, on_error=self._failed, progress=self._progress
        )
        dialog.show()


# -- writers (worker threads) ----------------------------------------------------------------


@dataclass(frozen=True)
class GridRows:
    """A copy of an in-memory grid: header texts and cell values as shown."""

    title: str
    names: list[str]
    rows: list[list[Any]]


def _typed(value: Any) -> Any:
    """A number shown as text ('1,234', '12.5') as a number; anything else as it is."""
    if not isinstance(value, str):
        return value
    bare = value.replace(",", "").replace("\u202f", "").replace("\xa0", "").strip()
    if not bare or not _NUMBER.match(bare):
        return value
    return int(bare) if "." not in bare else Decimal(bare)


def _pdf_sink(temp: Path, title: str, kinds: Sequence[str], by: str) -> PdfReportSink:
    def layout(names: Sequence[str]) -> list[Any]:
        specs = tuple(ReportColumn(n, kind=k) for n, k in zip(names, kinds, strict=False))  # type: ignore[arg-type]
        return output_columns(ReportDef(name="EXPORT", sql="-", columns=specs), names)

    now = utcnow()
    texts = PdfTexts(
        title=title,
        subtitle=f"Exported by {by}, {now:%Y-%m-%d %H:%M} UTC",
        footer=f"DMS Desktop · {title}",
        landscape=len(kinds) >= LANDSCAPE_FROM,
    )
    return PdfReportSink(temp, layout, texts)


def _sink(fmt: str, temp: Path, title: str, kinds: Sequence[str], by: str) -> Sink:
    if fmt == "csv":
        return CsvSink(temp)
    if fmt == "xlsx":
        return XlsxSink(temp)
    return _pdf_sink(temp, title, kinds, by)


def write_rows(grid: GridRows, fmt: str, path: Path, by: str, state: TaskState) -> ExportResult:
    """Write a copied grid; numbers shown as text become numbers (typed XLSX cells)."""
    rows = [[_typed(v) for v in row] for row in grid.rows]
    kinds = []
    for i in range(len(grid.names)):
        present = [row[i] for row in rows if row[i] not in (None, "")]
        numeric = bool(present) and all(
            isinstance(v, int | float | Decimal) and not isinstance(v, bool) for v in present
        )
        kinds.append("number" if numeric else "auto")

    def write(temp: Path) -> int:
        with _sink(fmt, temp, grid.title, kinds, by) as sink:
            sink.header(grid.names)
            for start in range(0, len(rows), FETCH_ROWS):
                state.check()
                sink.rows(rows[start : start + FETCH_ROWS])
                state.report(-1, f"{min(len(rows), start + FETCH_ROWS):,} rows")
        return len(rows)

    return write_atomically(path, write)


def kind_of(type_name: str) -> str:
    """A report column format for a database type name (PDF alignment and numbers)."""
    upper = (type_name or "").upper()
    return next((kind for word, kind in _KIND_WORDS if word in upper), "auto")


def export_query_run(
    engine: Any,
    dialect: str,
    sql: str,
    params: dict[str, Any] | None,
    fmt: str,
    path: Path,
    title: str,
    kinds: Sequence[str],
    by: str,
    state: TaskState,
) -> ExportResult:
    """Run the grid's query again, streaming every row into ``path``."""
    if fmt in ("csv", "xlsx") and not params:
        return export_query(engine, dialect, sql, path, state)

    def write(temp: Path) -> int:
        run = QueryRun(engine, dialect, sql, fetch_size=FETCH_ROWS, params=params)
        return stream_run(run, _sink(fmt, temp, title, kinds, by), state)

    return write_atomically(path, write)


# -- the focused grid (GUI thread) -----------------------------------------------------------


def focused_grid(widget: QWidget | None) -> QAbstractItemView | None:
    """The item view that holds the focus (or holds the widget that does), with a model."""
    while widget is not None:
        if isinstance(widget, QAbstractItemView):
            if widget.model() is None or widget.objectName() == NOT_EXPORTED:
                return None
            return widget
        widget = widget.parentWidget()
    return None


def grid_rows(view: QAbstractItemView, title: str) -> GridRows:
    """The visible columns and rows of ``view``'s model, as its cells show them."""
    model = view.model()
    if isinstance(view, QListView):
        columns = [view.modelColumn()]
    else:
        hidden = getattr(view, "isColumnHidden", lambda _c: False)
        columns = [c for c in range(model.columnCount()) if not hidden(c)]
    names = [
        str(model.headerData(c, Qt.Orientation.Horizontal) or f"Column {c + 1}") for c in columns
    ]
    rows = []
    for r in range(model.rowCount()):
        if isinstance(view, QTableView) and view.isRowHidden(r):
            continue
        row = []
        for c in columns:
            value = model.index(r, c).data(Qt.ItemDataRole.DisplayRole)
            to_python = getattr(value, "toPython", None)  # QDate, QDateTime, QTime
            row.append(to_python() if callable(to_python) else value)
        rows.append(row)
    return GridRows(title, names, rows)


def file_stem(title: str) -> str:
    stem = re.sub(r"[^A-Za-z0-9_-]+", "_", title.strip()).strip("_").lower() or "export"
    return f"{stem}_{date.today():%Y-%m-%d}"


class FocusedExport(QObject):
    """Keeps File › Export… enabled while a grid of ``window`` has focus, and exports it."""

    sig_finished = Signal(bool, str)

    def __init__(self, window: MainWindow, action: QAction) -> None:
        super().__init__(window)
        self.window = window
        self.action = action
        self.runner = TaskExportRunner(window)
        self.runner.sig_finished.connect(self._finished)
        self.view: QAbstractItemView | None = None  # the grid being exported
        action.triggered.connect(lambda _c=False: self.export())
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._focus_changed)
        self.update_action()

    def grid(self) -> QAbstractItemView | None:
        view = focused_grid(QApplication.focusWidget())
        return view if view is not None and view.window() is self.window else None

    def _focus_changed(self, _old: QWidget | None, _new: QWidget | None) -> None:
        if not isValid(self.action):  # the window is going away
            with suppress(RuntimeError, TypeError):
                QApplication.instance().focusChanged.disconnect(self._focus_changed)  # type: ignore[union-attr]
            return
        self.update_action()

    def update_action(self) -> None:
        view = self.grid()
        self.action.setEnabled(view is not None and not self.runner.busy)
        self.action.setToolTip(
            "Export the focused grid to CSV, XLSX or PDF"
            if view is not None
            else "Click into a grid (results, runs, any list) to export it"
        )

    def title(self, view: QAbstractItemView) -> str:
        model = view.model()
        report = getattr(getattr(model, "run", None), "definition", None)
        if isinstance(report, ReportDef):
            return report.name
        module = self.window.current_module()
        spec = next((s for s in self.window.specs if s.module == module), None)
        if isinstance(model, ResultModel):
            return f"{spec.title if spec else 'Query'} result"
        return spec.title if spec else "Export"

    def export(self, view: QAbstractItemView | None = None) -> bool:
        """Ask for a file and export ``view`` (default: the focused grid); False if nothing
        was started."""
        view = view or self.grid()
        if view is None or self.runner.busy:
            return False
        report_run = getattr(getattr(view.model(), "run", None), "report_run", None)
        if report_run is not None and not self.window.user.can("reports", "export"):
            self.window.statusBar().showMessage(
                self.window.user.missing("reports", "export"), 10_000
            )
            return False
        title = self.title(view)
        chosen = ask_export_file(self.window, f"{file_stem(title)}.csv", f"Export {title}")
        if chosen is None:
            return False
        path, fmt = chosen
        self.view = view
        by = self.window.user.username
        model = view.model()
        run = getattr(model, "run", None)
        if report_run is not None:  # a report preview: the report, with its template
            from dms_desktop.core.reports import export_report

            ws, user = self.window.ws, self.window.user
            given = getattr(run, "given", {})
            self.runner.start_task(
                path, export_report, ws, user, report_run.definition, given, fmt, path
            )
        elif isinstance(model, ResultModel) and all(
            hasattr(run, a) for a in ("engine", "dialect", "sql")
        ):
            kinds = [kind_of(t) for t in model.types]
            params = getattr(run, "params", None)
            self.runner.start_task(
                path,
                export_query_run,
                run.engine,  # type: ignore[union-attr]
                run.dialect,  # type: ignore[union-attr]
                run.sql,  # type: ignore[union-attr]
                params,
                fmt,
                path,
                title,
                kinds,
                by,
            )
        else:
            self.runner.start_task(path, write_rows, grid_rows(view, title), fmt, path, by)
        self.update_action()
        return True

    def _finished(self, ok: bool, message: str) -> None:
        self.window.statusBar().showMessage(message, 15_000)
        view, self.view = self.view, None
        with suppress(RuntimeError):  # the grid was deleted meanwhile
            if view is not None and view.isVisible():
                view.setFocus()  # back where the user was, past the progress dialog
        self.update_action()
        self.sig_finished.emit(ok, message)
