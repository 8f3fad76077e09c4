"""The results grid: sort by running again, export through the dialog, cancel on PostgreSQL."""

from __future__ import annotations

import csv
import time
from pathlib import Path

import pytest
from openpyxl import load_workbook
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QPushButton, QWidget

from dms_desktop.core.connections.model import ConnectionDef
from dms_desktop.gui.main_window import MainWindow
from dms_desktop.gui.sql import export as export_module
from dms_desktop.gui.sql.execution import Outcome, StatementFailed
from dms_desktop.gui.sql.page import SqlPage
from dms_desktop.gui.sql.tab import SqlTab
from tests.gui.test_sql_editor import CTRL, open_sql, run


@pytest.fixture
def sqlite_tab(qtbot, main_window: MainWindow, source_connection: ConnectionDef) -> SqlTab:  # type: ignore[no-untyped-def]
    tab = open_sql(qtbot, main_window).current_tab()
    tab.select_connection(source_connection.conid)
    QWidget.setFocus(tab.editor)
    return tab


def click_header(qtbot, tab: SqlTab, column: int) -> object:  # type: ignore[no-untyped-def]
    header = tab.results.view.horizontalHeader()
    spot = QPoint(header.sectionViewportPosition(column) + 10, header.height() // 2)
    with qtbot.waitSignal(tab.sig_finished, timeout=10_000) as finished:
        qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=spot)
    return finished.args[0]


def test_sorting_runs_the_query_again_with_order_by(qtbot, sqlite_tab: SqlTab) -> None:  # type: ignore[no-untyped-def]
    tab = sqlite_tab
    run(qtbot, tab, "SELECT name, id FROM customers WHERE id <= 600")
    model = tab.results.model
    assert model.index(0, 1).data() == "1"
    click_header(qtbot, tab, 1)  # ascending first
    assert 'ORDER BY "id"' in tab.results.sql and "DESC" not in tab.results.sql
    outcome = click_header(qtbot, tab, 1)
    assert isinstance(outcome, Outcome)
    assert tab.results.sql.endswith('ORDER BY "id" DESC')
    assert "SELECT name, id FROM customers WHERE id <= 600" in tab.results.sql
    assert [model.index(r, 1).data() for r in range(3)] == ["120", "119", "118"]
    header = tab.results.view.horizontalHeader()
    assert (
        header.isSortIndicatorShown()
        and header.sortIndicatorOrder() == Qt.SortOrder.DescendingOrder
    )
    click_header(qtbot, tab, 0)
    assert tab.results.sql.count("ORDER BY") == 1  # sorts wrap the user's query, not each other
    assert model.index(0, 0).data() == "Customer 001"


def test_floats_show_fifteen_digits_and_copy_keeps_all(qtbot, sqlite_tab: SqlTab) -> None:  # type: ignore[no-untyped-def]
    from dms_desktop.gui.grid import value_text

    run(qtbot, sqlite_tab, "SELECT 20 * 1.62 AS amount, 1e300 * 10 AS big, 0.1 + 0.2 AS sum")
    model = sqlite_tab.results.model
    assert [model.index(0, c).data() for c in range(3)] == ["32.4", "1e+301", "0.3"]
    assert value_text(0.1 + 0.2) == "0.30000000000000004"  # Copy: the exact value


def test_export_to_csv_through_the_dialog(
    qtbot, sqlite_tab: SqlTab, tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    tab = sqlite_tab
    run(qtbot, tab, "SELECT id, name, city FROM customers ORDER BY id")
    target = tmp_path / "customers"
    asked: list[str] = []

    def fake_dialog(_parent, _title, suggested, _filters):  # type: ignore[no-untyped-def]
        asked.append(suggested)
        return str(target), "CSV file (*.csv)"

    monkeypatch.setattr(export_module.QFileDialog, "getSaveFileName", fake_dialog)
    with qtbot.waitSignal(tab.results.exporter.sig_finished, timeout=10_000) as finished:
        qtbot.mouseClick(tab.results.export_button, Qt.MouseButton.LeftButton)
    assert asked == ["customers.csv"]
    ok, message = finished.args
    written = target.with_suffix(".csv")
    assert ok and message.startswith(f"Exported 120 rows to {written}")
    with written.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["id", "name", "city"] and len(rows) == 121
    assert rows[7] == ["7", "Customer 007", ""]  # NULL is empty
    assert tab.results.status.text() == message

    book = tmp_path / "customers.xlsx"
    monkeypatch.setattr(
        export_module.QFileDialog,
        "getSaveFileName",
        lambda *_args: (str(book.with_suffix("")), "Excel workbook (*.xlsx)"),
    )
    with qtbot.waitSignal(tab.results.exporter.sig_finished, timeout=10_000) as finished:
        tab.results.export()
    assert finished.args[0] and book.exists()
    sheet = load_workbook(book, read_only=True).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0] == ("id", "name", "city") and values[7][:2] == (7, "Customer 007")
    assert len(values) == 121


@pytest.fixture
def pg_tab(qtbot, main_window: MainWindow, pg_connection: ConnectionDef) -> SqlTab:  # type: ignore[no-untyped-def]
    tab = open_sql(qtbot, main_window).current_tab()
    tab.select_connection(pg_connection.conid)
    QWidget.setFocus(tab.editor)
    return tab


@pytest.mark.pg
def test_cancel_stops_a_postgres_query_within_two_seconds(qtbot, pg_tab: SqlTab) -> None:  # type: ignore[no-untyped-def]
    tab = pg_tab
    page = tab.parentWidget()
    while page is not None and not isinstance(page, SqlPage):
        page = page.parentWidget()
    assert page is not None
    tab.load_sql("SELECT pg_sleep(30)")
    qtbot.keyClick(tab.editor, Qt.Key.Key_Return, CTRL)
    assert tab.busy and page.cancel_action.isEnabled() and not page.run_action.isEnabled()
    qtbot.wait(700)  # the statement is on the server now
    started = time.monotonic()
    with qtbot.waitSignal(tab.sig_finished, timeout=2000) as finished:
        qtbot.keyClick(tab.editor, Qt.Key.Key_Escape)
    assert time.monotonic() - started < 2.0
    assert isinstance(finished.args[0], StatementFailed) and finished.args[0].cancelled
    assert tab.message.text() == "Query cancelled."
    assert tab.results.notice_text() == "Query cancelled."
    outcome = run(qtbot, tab, "SELECT 42 AS answer")
    assert isinstance(outcome, Outcome) and outcome.rows == [(42,)]
    assert tab.results.model.index(0, 0).data() == "42"


@pytest.mark.pg
def test_postgres_rows_stream_as_the_grid_scrolls(qtbot, pg_tab: SqlTab) -> None:  # type: ignore[no-untyped-def]
    tab = pg_tab
    run(
        qtbot,
        tab,
        "SELECT n, md5(n::text) AS h, NULL::text AS nothing, now()::date AS d FROM generate_series(1, 5000) n",
    )
    model = tab.results.model
    assert model.rowCount() == 500 and model.more and model.types[0] == "integer"
    assert model.index(0, 2).data() == "NULL" and len(model.index(0, 3).data()) == 10
    tab.results.view.scrollToBottom()
    qtbot.waitUntil(lambda: model.rowCount() == 1000, timeout=5000)
    assert model.index(999, 0).data() == "1000"
    assert tab.results.status.text().startswith("1,000+ rows")


@pytest.mark.pg
def test_cancelling_an_export_leaves_no_file(
    qtbot, pg_tab: SqlTab, tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    tab = pg_tab
    run(qtbot, tab, "SELECT n, pg_sleep(0.001) AS nap FROM generate_series(1, 100000) n")
    folder = tmp_path / "out"
    folder.mkdir()
    target = folder / "huge.csv"
    monkeypatch.setattr(
        export_module.QFileDialog, "getSaveFileName", lambda *_args: (str(target), "")
    )
    tab.results.export()
    exporter = tab.results.exporter
    dialog = exporter.dialog
    assert dialog is not None and dialog.isVisible()
    qtbot.wait(500)  # the export streams
    cancel = dialog.findChild(QPushButton)
    assert cancel is not None and cancel.text() == "Cancel"
    with qtbot.waitSignal(exporter.sig_finished, timeout=5000) as finished:
        qtbot.mouseClick(cancel, Qt.MouseButton.LeftButton)
    assert finished.args == [False, "Export cancelled."]
    qtbot.waitUntil(lambda: exporter.task is not None and exporter.task.finished, timeout=5000)
    assert list(folder.iterdir()) == []  # neither the file nor its part
