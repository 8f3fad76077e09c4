"""The Reports page: the list, the editor, parameters, preview, export; the Reports menu."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QFileDialog, QLineEdit

from dms_desktop.core.reports import ReportColumn, ReportDef, ReportParam, ReportTemplate
from dms_desktop.core.workspace import Workspace
from dms_desktop.gui.main_window import MainWindow
from dms_desktop.gui.reports import page as page_module
from dms_desktop.gui.reports.page import PREVIEW_TAB, ReportsPage
from dms_desktop.gui.reports.params_dialog import ParameterDialog
from tests.gui.test_dashboard import insert_runs

BIG_RUNS_SQL = (
    "SELECT prclogid AS run_id, mapref, status, srcrows FROM dms_prclog "
    "WHERE srcrows >= :min_rows ORDER BY prclogid"
)


def big_runs() -> ReportDef:
    return ReportDef(
        name="BIG_RUNS",
        sql=BIG_RUNS_SQL,
        description="Runs that read many rows",
        params=(ReportParam("min_rows", "number", "Minimum rows", required=True),),
        columns=(
            ReportColumn("run_id", "Run", "integer"),
            ReportColumn("mapref", "Mapping", "text"),
            ReportColumn("srcrows", "Rows read", "integer"),
        ),
        template=ReportTemplate(
            title="Big runs",
            subtitle="At least {min_rows} rows",
            header="Operations review",
            footer="Confidential",
        ),
    )


@pytest.fixture
def reports_page(qtbot, main_window: MainWindow, ws: Workspace) -> ReportsPage:  # type: ignore[no-untyped-def]
    insert_runs(ws)
    assert main_window.show_module("reports")
    page = main_window.page("reports")
    assert isinstance(page, ReportsPage)
    qtbot.waitUntil(lambda: page.catalog is not None and not page.loading, timeout=10_000)
    return page


def names(page: ReportsPage) -> list[str]:
    return page.list.names()


def edit_new(page: ReportsPage, defn: ReportDef) -> None:
    page.new_report()
    editor = page.editor
    editor.name_edit.setText(defn.name)
    editor.description_edit.setText(defn.description or "")
    editor.sql_edit.set_sql_text(defn.sql)
    editor.params_editor.set_params(defn.params)
    editor.columns_editor.set_columns(defn.columns)
    editor.layout_form.set_template(defn.template)


def run_with(qtbot, page: ReportsPage, **values: str) -> ParameterDialog:  # type: ignore[no-untyped-def]
    dialog = page.run()
    assert isinstance(dialog, ParameterDialog)
    qtbot.waitExposed(dialog)
    for name, value in values.items():
        editor = dialog.editors[name]
        assert isinstance(editor, QLineEdit)
        editor.setText(value)
    return dialog


def test_builtins_are_listed_read_only(qtbot, reports_page: ReportsPage) -> None:  # type: ignore[no-untyped-def]
    page = reports_page
    listed = names(page)
    assert {"RUN_HISTORY", "FAILED_RUNS", "LOGIN_AUDIT"} <= set(listed)
    assert page.select_report("RUN_HISTORY")
    assert page.editor.read_only and page.editor.sql_edit.readOnly()
    assert page.editor.note.text().startswith("Built-in report")
    assert not page.save_button.isEnabled() and not page.delete_button.isEnabled()
    assert page.run_button.isEnabled() and page.copy_button.isEnabled()
    assert page.editor.sql_edit.sql_text().startswith("SELECT\n")  # laid out for reading

    qtbot.mouseClick(page.copy_button, Qt.MouseButton.LeftButton)
    editor = page.editor
    assert editor.name_edit.text() == "RUN_HISTORY_COPY" and not editor.read_only
    assert editor.is_modified() and page.save_button.isEnabled()
    assert editor.definition().params == page.catalog.reports[0].params


def test_save_shows_problems_inline_then_saves_and_deletes(
    qtbot, main_window: MainWindow, reports_page: ReportsPage, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    page = reports_page
    edit_new(page, big_runs())
    page.editor.name_edit.setText("big runs")
    page.editor.params_editor.set_params(())
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    problems = page.editor.problems_text()
    assert "Report name 'big runs' is not valid" in problems
    assert ":min_rows without a parameter" in problems
    assert not page._save_task.busy  # refused before any database work

    page.editor.name_edit.setText("BIG_RUNS")
    page.editor.params_editor.set_params(big_runs().params)
    with qtbot.waitSignal(page.sig_saved, timeout=10_000) as saved:
        qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    assert saved.args[0].version == 1
    qtbot.waitUntil(lambda: "BIG_RUNS" in names(page) and not page.loading)
    assert page.list.currentItem().text() == "BIG_RUNS"
    assert page.editor.name_edit.isReadOnly()  # a saved report keeps its name
    assert not page.editor.is_modified() and page.delete_button.isEnabled()

    # The Reports menu lists it and opens the page on it.
    menu = main_window.menus.reports
    menu.refresh()
    qtbot.waitUntil(lambda: "BIG_RUNS" in menu.report_actions, timeout=5000)
    assert "RUN_HISTORY" in menu.report_actions
    page.select_report("RUN_HISTORY")
    main_window.show_module("home")
    menu.report_actions["BIG_RUNS"].trigger()
    assert main_window.current_module() == "reports"
    assert page.list.currentItem().text() == "BIG_RUNS"

    monkeypatch.setattr(page_module, "confirm", lambda *_args: True)
    with qtbot.waitSignal(page.sig_deleted, timeout=10_000):
        qtbot.mouseClick(page.delete_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "BIG_RUNS" not in names(page) and not page.loading)


def test_parameter_of_the_wrong_type_shows_next_to_its_field(
    qtbot, reports_page: ReportsPage
) -> None:  # type: ignore[no-untyped-def]
    page = reports_page
    edit_new(page, big_runs())
    dialog = run_with(qtbot, page, min_rows="a lot")
    with qtbot.waitSignal(page.sig_run_failed, timeout=10_000):
        qtbot.mouseClick(dialog.run_button, Qt.MouseButton.LeftButton)
    problem = dialog.problem_of("min_rows")
    assert "'Minimum rows' must be a number" in problem and "'a lot'" in problem
    assert dialog.isVisible() and dialog.run_button.isEnabled()

    dialog.editors["min_rows"].setText("")  # type: ignore[attr-defined]
    with qtbot.waitSignal(page.sig_run_failed, timeout=10_000):
        dialog.run()
    assert dialog.problem_of("min_rows") == "Parameter 'Minimum rows' is required"

    dialog.editors["min_rows"].setText("500")  # type: ignore[attr-defined]
    with qtbot.waitSignal(page.sig_preview_shown, timeout=10_000):
        dialog.run()
    assert not dialog.isVisible()
    assert page.tabs.currentIndex() == PREVIEW_TAB
    model = page.preview.model
    assert model.rowCount() == 5  # 3 x 1000 and 2 x 500 rows read
    assert [model.headerData(c, Qt.Orientation.Horizontal) for c in range(4)] == [
        "Run", "Mapping", "status", "Rows read"
    ]  # fmt: skip
    assert model.index(0, 3).data() == "1,000"  # formatted as the report says


@pytest.fixture
def previewed(qtbot, reports_page: ReportsPage) -> ReportsPage:  # type: ignore[no-untyped-def]
    edit_new(reports_page, big_runs())
    dialog = run_with(qtbot, reports_page, min_rows="500")
    with qtbot.waitSignal(reports_page.sig_preview_shown, timeout=10_000):
        dialog.run()
    return reports_page


def test_export_to_each_format_through_the_dialog(
    qtbot, main_window: MainWindow, previewed: ReportsPage, tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    for fmt in ("csv", "xlsx", "pdf"):
        check_export(qtbot, previewed, tmp_path / f"big.{fmt}", monkeypatch)

    # File › Export on the focused preview exports the report (its titles, typed cells).
    target = tmp_path / "from_menu.xlsx"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *_a: (str(target), ""))
    main_window.activateWindow()
    previewed.preview.view.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is previewed.preview.view)
    exporter = main_window.menus.focused_export
    exporter.update_action()
    with qtbot.waitSignal(exporter.sig_finished, timeout=20_000) as finished:
        main_window.menus.export_focused.trigger()
    assert finished.args[0], finished.args[1]
    book = load_workbook(target, read_only=True)
    assert next(book.worksheets[0].iter_rows(values_only=True))[3] == "Rows read"
    assert book.sheetnames[-1] == "About"  # the report's sheet of parameters
    book.close()


def check_export(qtbot, previewed: ReportsPage, target: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    fmt = target.suffix.lstrip(".")
    asked: list[str] = []

    def fake_dialog(_parent, _title, suggested, _filters):  # type: ignore[no-untyped-def]
        asked.append(suggested)
        return str(target), ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", fake_dialog)
    panel = previewed.preview
    with qtbot.waitSignal(panel.sig_export_finished, timeout=20_000) as finished:
        qtbot.mouseClick(panel.export_button, Qt.MouseButton.LeftButton)
    ok, message = finished.args
    assert ok, message
    assert message.startswith(f"Exported 5 rows to {target}")
    assert asked and asked[0].startswith("BIG_RUNS_")
    assert panel.message.text() == message
    if fmt == "csv":
        with target.open(encoding="utf-8", newline="") as fh:
            rows = list(csv.reader(fh))
        assert rows[0] == ["Run", "Mapping", "status", "Rows read"] and len(rows) == 6
        assert rows[1][1:] == ["FACT_SALES", "SUCCESS", "1000"]
    elif fmt == "xlsx":
        book = load_workbook(target, read_only=True)
        values = list(book.worksheets[0].iter_rows(values_only=True))
        assert values[0] == ("Run", "Mapping", "status", "Rows read") and len(values) == 6
        assert values[1][1:] == ("FACT_SALES", "SUCCESS", 1000)  # a typed cell
        book.close()
    else:
        reader = PdfReader(target)
        text = reader.pages[0].extract_text()
        assert len(reader.pages) == 1
        for words in ("Big runs", "At least 500 rows", "Operations review", "Confidential",
                      "Page 1 of 1", "Rows read", "FACT_SALES", "1,000"):  # fmt: skip
            assert words in text
