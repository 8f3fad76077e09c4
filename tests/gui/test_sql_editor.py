"""SQL workbench: type SQL, run it with the keyboard, see rows, errors and messages."""

from __future__ import annotations

import time

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget

from dms_desktop.core.connections.model import ConnectionDef
from dms_desktop.gui.main_window import MainWindow
from dms_desktop.gui.sql.execution import Outcome, StatementFailed
from dms_desktop.gui.sql.page import SqlPage
from dms_desktop.gui.sql.tab import SqlTab

CTRL = Qt.KeyboardModifier.ControlModifier
COUNT_5000 = (
    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 5000)\n"
    "SELECT x, 'row ' || x AS label FROM c"
)


def open_sql(qtbot, window: MainWindow) -> SqlPage:  # type: ignore[no-untyped-def]
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    page = window.page("sql")
    assert isinstance(page, SqlPage)
    with qtbot.waitSignal(page.sig_connections_loaded, timeout=5000):
        window.show_module("sql")
    return page


def type_sql(qtbot, tab: SqlTab, sql: str) -> None:  # type: ignore[no-untyped-def]
    """Type line by line (QTest cannot type a line break), closing any word list first."""
    for i, line in enumerate(sql.split("\n")):
        if i:
            tab.editor.autoCCancel()
            qtbot.keyClick(tab.editor, Qt.Key.Key_Return)
        qtbot.keyClicks(tab.editor, line)
    tab.editor.autoCCancel()


def run(qtbot, tab: SqlTab, sql: str, key=Qt.Key.Key_Return, modifier=CTRL):  # type: ignore[no-untyped-def]
    """Type ``sql`` into the editor and press the key; the run's Outcome or error."""
    tab.load_sql("")
    type_sql(qtbot, tab, sql)
    with qtbot.waitSignal(tab.sig_finished, timeout=10_000) as finished:
        qtbot.keyClick(tab.editor, key, modifier)
    return finished.args[0]


@pytest.fixture
def sql_page(qtbot, main_window: MainWindow, source_connection: ConnectionDef) -> SqlPage:  # type: ignore[no-untyped-def]
    page = open_sql(qtbot, main_window)
    page.current_tab().select_connection(source_connection.conid)
    QWidget.setFocus(page.current_tab().editor)
    return page


def test_ctrl_enter_runs_the_statement_under_the_cursor(qtbot, sql_page: SqlPage) -> None:  # type: ignore[no-untyped-def]
    tab = sql_page.current_tab()
    tab.load_sql(
        "SELECT count(*) AS n FROM customers;\n\nSELECT id, name FROM customers WHERE id <= 3"
    )
    tab.editor.move_to(len(tab.editor.sql_text()) - 2)  # in the second statement
    with qtbot.waitSignal(tab.sig_finished, timeout=10_000) as finished:
        qtbot.keyClick(tab.editor, Qt.Key.Key_Return, CTRL)
    assert isinstance(finished.args[0], Outcome)
    model = tab.results.model
    assert model.names == ["id", "name"] and model.rowCount() == 3
    assert model.index(2, 1).data() == "Customer 003"
    assert tab.results.status.text().startswith("3 rows · ")
    assert not tab.message.isVisible()
    history = tab.results.history
    tab.results.setCurrentWidget(history)
    qtbot.waitUntil(lambda: history.model.rowCount() == 1, timeout=5000)
    assert "WHERE id <= 3" in history.model.rows[0].sql
    assert history.model.index(0, 1).data() == "Ok" and history.model.index(0, 3).data() == "3"
    tab.load_sql("")
    spot = history.view.visualRect(history.model.index(0, 4)).center()
    qtbot.mouseClick(history.view.viewport(), Qt.MouseButton.LeftButton, pos=spot)
    qtbot.mouseDClick(history.view.viewport(), Qt.MouseButton.LeftButton, pos=spot)
    assert tab.editor.sql_text() == "SELECT id, name FROM customers WHERE id <= 3"


def test_scrolling_fetches_more_rows(qtbot, sql_page: SqlPage) -> None:  # type: ignore[no-untyped-def]
    tab = sql_page.current_tab()
    run(qtbot, tab, COUNT_5000)
    model, view = tab.results.model, tab.results.view
    assert model.rowCount() == 500 and model.more
    assert tab.results.status.text().startswith("500+ rows")
    for _page in range(3):
        before = model.rowCount()
        view.scrollToBottom()
        qtbot.waitUntil(lambda before=before: model.rowCount() > before, timeout=5000)
    assert model.rowCount() == 2000 and model.index(1999, 1).data() == "row 2000"
    while model.more:
        view.scrollToBottom()
        qtbot.waitUntil(lambda: not model.fetching, timeout=5000)
    assert model.rowCount() == 5000
    assert tab.results.status.text().startswith("5,000 rows · ")


def test_a_syntax_error_is_shown_and_marked(qtbot, sql_page: SqlPage) -> None:  # type: ignore[no-untyped-def]
    tab = sql_page.current_tab()
    error = run(qtbot, tab, "SELECT 1,\nFROM customers")
    assert isinstance(error, StatementFailed)
    assert tab.message.isVisible() and 'near "FROM": syntax error' in tab.message.text()
    assert "(line 2, column 1)" in tab.message.text()
    assert tab.editor.error_range() == (10, 14)  # the word FROM
    assert tab.editor.cursor_offset() == 10
    assert "syntax error" in tab.results.messages.toPlainText()
    qtbot.keyClicks(tab.editor, "x")  # editing clears the mark
    qtbot.waitUntil(lambda: tab.editor.error_range() is None, timeout=2000)


def test_ddl_and_dml_say_what_they_did(qtbot, sql_page: SqlPage) -> None:  # type: ignore[no-untyped-def]
    tab = sql_page.current_tab()
    assert isinstance(run(qtbot, tab, "CREATE TABLE t2 (a INTEGER)"), Outcome)
    assert tab.results.notice_text() == "Statement executed"
    assert not tab.results.export_button.isEnabled()
    run(qtbot, tab, "INSERT INTO t2 VALUES (1), (2)")
    assert tab.results.notice_text() == "2 rows affected"
    script = "CREATE TABLE t3 (a INTEGER);\nINSERT INTO t3 VALUES (7);\nSELECT a FROM t3;\n"
    outcome = run(qtbot, tab, script, Qt.Key.Key_F5, Qt.KeyboardModifier.NoModifier)
    assert isinstance(outcome, Outcome) and len(outcome.messages) == 3
    assert tab.results.model.rowCount() == 1 and tab.results.model.index(0, 0).data() == "7"
    messages = tab.results.messages.toPlainText()
    assert "Line 2: INSERT INTO t3 VALUES (7) — 1 row affected" in messages
    failed = run(
        qtbot,
        tab,
        "SELECT 1;\nSELECT * FROM nowhere;",
        Qt.Key.Key_F5,
        Qt.KeyboardModifier.NoModifier,
    )
    assert isinstance(failed, StatementFailed) and "no such table: nowhere" in tab.message.text()


def test_awkward_values_display_without_trouble(qtbot, sql_page: SqlPage) -> None:  # type: ignore[no-untyped-def]
    tab = sql_page.current_tab()
    run(qtbot, tab, "SELECT * FROM odd ORDER BY id")
    model, view = tab.results.model, tab.results.view
    null = model.index(0, 1)
    assert null.data() == "NULL" and null.data(Qt.ItemDataRole.FontRole).italic()
    assert (
        model.index(0, 2).data() == "0x000102030405060708090a0b0c0d0e0f1011121314151617… (40 bytes)"
    )
    assert model.index(0, 3).data() == "0099-01-01" and model.index(1, 3).data() == "10000-01-01"
    big = model.index(1, 1)
    started = time.perf_counter()
    text, tip = big.data(), big.data(Qt.ItemDataRole.ToolTipRole)
    view.scrollTo(big)
    view.viewport().grab()  # paints the 10 MB cell
    assert time.perf_counter() - started < 1.0
    assert len(text) == 201 and text.endswith("…")
    assert "10,000,000 characters" in tip
    view.setCurrentIndex(big)
    qtbot.keyClick(view, Qt.Key.Key_C, CTRL)
    copied = QApplication.clipboard().text()
    assert copied.startswith("note\n") and len(copied) == len("note\n") + 10_000_000


def test_explain_format_and_comment(qtbot, sql_page: SqlPage) -> None:  # type: ignore[no-untyped-def]
    tab = sql_page.current_tab()
    plan = run(qtbot, tab, "select id, name from customers where id = 1", Qt.Key.Key_E)
    assert isinstance(plan, list) and "customers" in tab.results.plan.toPlainText()
    assert tab.results.currentWidget() is tab.results.plan
    with qtbot.waitSignal(tab.sig_finished, timeout=5000):
        qtbot.keyClick(tab.editor, Qt.Key.Key_F, CTRL | Qt.KeyboardModifier.ShiftModifier)
    assert tab.editor.sql_text().startswith("SELECT\n  id,\n  name\nFROM customers")
    tab.editor.undo()
    assert tab.editor.sql_text() == "select id, name from customers where id = 1"
    qtbot.keyClick(tab.editor, Qt.Key.Key_Slash, CTRL)
    assert tab.editor.sql_text() == "-- select id, name from customers where id = 1"
    qtbot.keyClick(tab.editor, Qt.Key.Key_Slash, CTRL)
    assert tab.editor.sql_text() == "select id, name from customers where id = 1"


def test_find_and_replace(qtbot, sql_page: SqlPage) -> None:  # type: ignore[no-untyped-def]
    tab = sql_page.current_tab()
    tab.load_sql("select name from customers; select name from odd")
    qtbot.keyClick(tab.editor, Qt.Key.Key_H, CTRL)
    bar = tab.find_bar
    assert bar.isVisible() and bar.replace_edit.isVisible()
    qtbot.keyClicks(bar.find_edit, "NAME")
    assert tab.editor.selection_range() == (7, 11)
    qtbot.keyClick(bar.find_edit, Qt.Key.Key_Return)
    assert tab.editor.selection_range() == (35, 39)
    bar.replace_edit.setText("city")
    assert bar.replace_all() == 2
    assert tab.editor.sql_text() == "select city from customers; select city from odd"
    qtbot.keyClick(bar.find_edit, Qt.Key.Key_Escape)
    assert not bar.isVisible()


def test_completion_offers_tables_and_columns(qtbot, sql_page: SqlPage, source_connection) -> None:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: source_connection.conid in sql_page.completions, timeout=5000)
    editor = sql_page.current_tab().editor
    qtbot.keyClicks(editor, "select * from cust")
    assert editor.autoCActive() and bytes(editor.autoCCurrentText()) == b"customers"
    editor.autoCComplete()
    qtbot.keyClicks(editor, " c where c.ci")
    assert editor.autoCActive() and bytes(editor.autoCCurrentText()) == b"city"
    editor.autoCCancel()
