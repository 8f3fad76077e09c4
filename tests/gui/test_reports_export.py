"""File › Export: the grid that has focus goes to CSV, XLSX or PDF."""

from __future__ import annotations

import csv
from pathlib import Path

from openpyxl import load_workbook
from pypdf import PdfReader
from PySide6.QtWidgets import QApplication, QFileDialog

from dms_desktop.core.sqlstore.runner import QueryRun
from dms_desktop.core.workspace import Workspace
from dms_desktop.gui.grid import ResultModel, ResultView
from dms_desktop.gui.home.model import COLUMNS
from dms_desktop.gui.home.page import HomePage
from dms_desktop.gui.main_window import MainWindow
from tests.gui.test_dashboard import insert_runs


def export_to(qtbot, window: MainWindow, monkeypatch, grid, target: Path) -> str:  # type: ignore[no-untyped-def]
    focus(qtbot, window, grid)
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *_a: (str(target), ""))
    action = window.menus.export_focused
    exporter = window.menus.focused_export
    exporter.update_action()
    assert action.isEnabled()
    with qtbot.waitSignal(exporter.sig_finished, timeout=20_000) as finished:
        action.trigger()
    ok, message = finished.args
    assert ok, message
    assert window.statusBar().currentMessage() == message
    return str(message)


def focus(qtbot, window: MainWindow, widget) -> None:  # type: ignore[no-untyped-def]
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    widget.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is widget)


def test_file_export_writes_the_rows_of_an_in_memory_grid(
    qtbot, main_window: MainWindow, ws: Workspace, tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    insert_runs(ws)
    home = main_window.page("home")
    assert isinstance(home, HomePage)
    home.refresh()
    qtbot.waitUntil(lambda: not home.loading and home.runs_model.rowCount() > 0)
    action = main_window.menus.export_focused
    focus(qtbot, main_window, main_window.nav)
    main_window.menus.focused_export.update_action()
    assert not action.isEnabled()  # the navigation is not data

    focus(qtbot, main_window, home.runs_view)
    assert action.isEnabled()
    shown = home.runs_model.rowCount()
    first = [home.runs_model.index(0, c).data() for c in range(len(COLUMNS))]

    message = export_to(qtbot, main_window, monkeypatch, home.runs_view, tmp_path / "runs.csv")
    assert message.startswith(f"Exported {shown:,} rows")
    with (tmp_path / "runs.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == list(COLUMNS) and len(rows) == shown + 1
    assert rows[1][:4] == first[:4]

    export_to(qtbot, main_window, monkeypatch, home.runs_view, tmp_path / "runs.xlsx")
    book = load_workbook(tmp_path / "runs.xlsx", read_only=True)
    values = list(book.worksheets[0].iter_rows(values_only=True))
    book.close()
    assert values[0] == COLUMNS and len(values) == shown + 1
    loaded = COLUMNS.index("Rows loaded")
    assert all(isinstance(row[loaded], int) for row in values[1:] if row[loaded] is not None)

    export_to(qtbot, main_window, monkeypatch, home.runs_view, tmp_path / "runs.pdf")
    text = PdfReader(tmp_path / "runs.pdf").pages[0].extract_text()
    assert "Home" in text and "Mapping" in text and "FACT_SALES" in text


def test_file_export_runs_the_query_of_a_results_grid_again(
    qtbot, main_window: MainWindow, ws: Workspace, tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    insert_runs(ws)
    model = ResultModel(main_window, page_rows=3)
    view = ResultView(main_window)
    view.setModel(model)
    view.show()
    run = QueryRun(
        ws.engine, "sqlite", "SELECT mapref, status, srcrows FROM dms_prclog ORDER BY prclogid"
    )
    run.start()
    model.set_result(run, run.fetch(3))
    assert model.more  # the grid holds 3 of the 12 rows
    focus(qtbot, main_window, view)

    message = export_to(qtbot, main_window, monkeypatch, view, tmp_path / "result.csv")
    assert message.startswith("Exported 12 rows")
    with (tmp_path / "result.csv").open(encoding="utf-8", newline="") as fh:
        assert len(list(csv.reader(fh))) == 13

    export_to(qtbot, main_window, monkeypatch, view, tmp_path / "result.pdf")
    reader = PdfReader(tmp_path / "result.pdf")
    text = reader.pages[0].extract_text()
    assert "srcrows" in text and "DIM_CUSTOMER" in text and "Page 1 of 1" in text
    model.clear()
