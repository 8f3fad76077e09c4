"""Managed queries (save, versions, diff, validate) and the schema browser."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QApplication, QWidget

from dms_desktop.core.connections.model import ConnectionDef
from dms_desktop.core.sqlstore.service import SqlService, ValidationResult
from dms_desktop.gui.main_window import MainWindow
from dms_desktop.gui.sql.dialogs import SaveQueryDialog, VersionsDialog
from dms_desktop.gui.sql.page import SqlPage
from dms_desktop.gui.sql.schema import KIND, SchemaBrowser, top_rows_sql
from tests.gui.test_sql_editor import CTRL, open_sql


@pytest.fixture
def sql_page(qtbot, main_window: MainWindow, source_connection: ConnectionDef) -> SqlPage:  # type: ignore[no-untyped-def]
    page = open_sql(qtbot, main_window)
    page.current_tab().select_connection(source_connection.conid)
    QWidget.setFocus(page.current_tab().editor)
    return page


def save_with_keys(qtbot, page: SqlPage, code: str | None, description: str) -> str:  # type: ignore[no-untyped-def]
    """Ctrl+S, fill the dialog, Save; the code the dialog offered."""
    page.window().activateWindow()  # back from the last dialog (offscreen does not do it)
    qtbot.waitUntil(lambda: QApplication.activeWindow() is page.window())
    editor = page.current_tab().editor
    QWidget.setFocus(editor)
    qtbot.keyClick(editor, Qt.Key.Key_S, CTRL)
    dialog = page.dialog
    assert isinstance(dialog, SaveQueryDialog) and dialog.isVisible()
    offered = dialog.code_edit.text()
    if code is not None:
        dialog.code_edit.setText(code)
    dialog.description_edit.setText(description)
    with qtbot.waitSignal(page.queries.sig_loaded, timeout=5000):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    return offered


def test_saving_twice_makes_two_versions_with_a_diff(qtbot, sql_page: SqlPage) -> None:  # type: ignore[no-untyped-def]
    tab = sql_page.current_tab()
    tab.load_sql("SELECT id, name\nFROM customers")
    save_with_keys(qtbot, sql_page, "SQL_T1", "Customers")
    assert (tab.code, tab.version, tab.title()) == ("SQL_T1", 1, "SQL_T1")
    assert sql_page.tabs.tabText(sql_page.tabs.currentIndex()) == "SQL_T1"
    tab.load_sql("SELECT id, name, city\nFROM customers\nWHERE city IS NOT NULL")
    offered = save_with_keys(qtbot, sql_page, None, "Customers with a city")
    assert offered == "SQL_T1"  # the tab's code is offered again
    assert tab.version == 2 and "version 2" in sql_page.status.text()
    assert [q.code for q in sql_page.queries.model.rows] == ["SQL_T1"]

    qtbot.mouseClick(
        sql_page.toolbar.widgetForAction(sql_page.versions_action), Qt.MouseButton.LeftButton
    )
    versions = sql_page.dialog
    assert isinstance(versions, VersionsDialog)
    qtbot.waitUntil(lambda: versions.table.rowCount() == 2, timeout=5000)
    qtbot.waitUntil(lambda: "+++ SQL_T1 v2" in versions.diff.toPlainText(), timeout=5000)
    assert versions.table.item(0, 0).text() == "v2 (current)"
    diff = versions.diff.toPlainText().splitlines()
    assert "-SELECT id, name" in diff and "+SELECT id, name, city" in diff
    assert "+WHERE city IS NOT NULL" in diff
    assert len(versions.diff.extraSelections()) >= 4  # coloured lines
    versions.select_versions(1)
    with qtbot.waitSignal(versions.sig_open, timeout=2000) as opened:
        qtbot.mouseClick(versions.open_button, Qt.MouseButton.LeftButton)
    assert opened.args[0].version == 1
    assert sql_page.current_tab() is not tab
    assert sql_page.current_tab().editor.sql_text() == "SELECT id, name\nFROM customers"


def test_validate_shows_problems_or_the_columns(qtbot, sql_page: SqlPage) -> None:  # type: ignore[no-untyped-def]
    tab = sql_page.current_tab()
    tab.load_sql("SELECT id, name FROM customers;\nDELETE FROM customers")
    with qtbot.waitSignal(sql_page.validation.sig_done, timeout=5000) as done:
        qtbot.keyClick(tab.editor, Qt.Key.Key_V, CTRL | Qt.KeyboardModifier.ShiftModifier)
    assert isinstance(done.args[0], ValidationResult) and not done.args[0].ok
    assert "line 2, column 1: Only one statement" in tab.message.text()
    assert tab.editor.error_range() is not None and tab.editor.error_range()[0] == 32
    tab.load_sql("SELECT id, name AS customer_name FROM customers")
    with qtbot.waitSignal(sql_page.validation.sig_done, timeout=5000) as done:
        sql_page.validate()
    assert done.args[0].ok
    assert tab.message.text().startswith("✓ Valid: one SELECT returning 2 columns: id (integer)")


def test_a_managed_query_opens_from_the_list(
    qtbot, sql_page: SqlPage, ws, admin, source_connection
) -> None:  # type: ignore[no-untyped-def]
    SqlService(ws, admin).save("SQL_LIST", "SELECT 1 AS one", source_connection.conid, "One")
    with qtbot.waitSignal(sql_page.queries.sig_loaded, timeout=5000):
        sql_page.queries.refresh()
    view = sql_page.queries.view
    rect = view.visualRect(sql_page.queries.model.index(0, 0))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    tab = sql_page.current_tab()
    assert (tab.code, tab.editor.sql_text()) == ("SQL_LIST", "SELECT 1 AS one")
    assert tab.connection() is not None and tab.connection().name == "SRC"


def _child(browser: SchemaBrowser, parent: QModelIndex, name: str) -> QModelIndex:
    model = browser.model
    for row in range(model.rowCount(parent)):
        index = model.index(row, 0, parent)
        if index.data() == name:
            return index
    raise AssertionError(f"{name} not under {parent.data()}")


def test_schema_browser_loads_each_level_and_selects_the_top_rows(qtbot, sql_page: SqlPage) -> None:  # type: ignore[no-untyped-def]
    browser = sql_page.schema
    qtbot.waitUntil(
        lambda: browser.model.rowCount() >= 1 and browser.model.index(0, 0).data() == "main",
        timeout=5000,
    )
    main = browser.model.index(0, 0)
    qtbot.waitUntil(
        lambda: (
            browser.model.rowCount(main) >= 2
            and browser.model.index(0, 0, main).data() != "Loading…"
        ),
        timeout=5000,
    )
    customers = _child(browser, main, "customers")
    assert customers.siblingAtColumn(1).data() == "table"
    with qtbot.waitSignal(browser.sig_loaded, timeout=5000):
        browser.view.expand(customers)
    column = _child(browser, customers, "id")
    assert column.data(KIND) == "column"
    assert column.siblingAtColumn(1).data() == "integer · key · not null"
    assert _child(browser, customers, "city").siblingAtColumn(1).data() == "text · null"
    assert browser.name_of(customers) == "customers"
    with qtbot.waitSignal(browser.sig_select_top, timeout=2000):
        browser.select_top(customers)
    tab = sql_page.current_tab()
    qtbot.waitUntil(lambda: not tab.busy and tab.results.model.rowCount() == 100, timeout=5000)
    assert tab.editor.sql_text() == "SELECT * FROM customers LIMIT 100"
    assert sql_page.tabs.count() == 2


def test_top_rows_sql_quotes_only_what_needs_it() -> None:
    assert (
        top_rows_sql("main", "customers", "sqlite", "main") == "SELECT * FROM customers LIMIT 100"
    )
    assert (
        top_rows_sql("sales", "Order Lines", "postgres", "public")
        == 'SELECT * FROM sales."Order Lines" LIMIT 100'
    )
    assert (
        top_rows_sql("dw", "dim_customer", "oracle", "app")
        == "SELECT * FROM dw.dim_customer FETCH FIRST 100 ROWS ONLY"
    )
