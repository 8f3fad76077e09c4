"""Connections page: create through the dialog (fields per type, test, save), edit, copy, delete."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QInputDialog, QMessageBox

from dms_desktop.core.connections.model import ConnectionDef
from dms_desktop.core.connections.service import ConnectionService
from dms_desktop.core.connections.service import TestResult as ConnectionTest
from dms_desktop.core.security import secrets
from dms_desktop.core.sqlstore.service import SqlService
from dms_desktop.gui.connections.dialog import ConnectionDialog
from dms_desktop.gui.connections.model import COLUMNS
from dms_desktop.gui.connections.page import ConnectionsPage
from dms_desktop.gui.main_window import MainWindow


def open_page(qtbot, window: MainWindow) -> ConnectionsPage:  # type: ignore[no-untyped-def]
    page = window.page("connections")
    assert isinstance(page, ConnectionsPage)
    with qtbot.waitSignal(page.sig_loaded, timeout=5000):
        window.show_module("connections")
    return page


def visible_rows(dialog: ConnectionDialog) -> set[str]:
    form = dialog.form
    return {
        key
        for key, widgets in dialog.rows.items()
        if form.isRowVisible(widgets[0])  # type: ignore[attr-defined]
    }


def row_texts(page: ConnectionsPage, name: str) -> list[str]:
    row = page.model.row_of(name)
    assert row >= 0, f"{name} is not listed"
    return [page.model.index(row, c).data() for c in range(len(COLUMNS))]


@pytest.fixture(autouse=True)
def no_os_keyring(monkeypatch: pytest.MonkeyPatch) -> None:
    """Behave like a headless host even where a desktop keyring exists."""
    monkeypatch.setattr(secrets, "keyring_available", lambda: False)


def test_create_a_postgres_connection_through_the_dialog(
    qtbot, main_window: MainWindow, pg_database
) -> None:  # type: ignore[no-untyped-def]
    page = open_page(qtbot, main_window)
    assert page.empty_label.isVisible() and not page.edit_button.isEnabled()
    qtbot.mouseClick(page.new_button, Qt.MouseButton.LeftButton)
    dialog = page.dialog
    assert isinstance(dialog, ConnectionDialog) and dialog.isVisible()
    assert visible_rows(dialog) == {"host", "port", "database", "user"}
    dialog.set_type("SQLITE")
    assert visible_rows(dialog) == {"path"}
    dialog.set_type("ORACLE")
    assert visible_rows(dialog) == {"host", "port", "service", "user"}
    assert dialog.port_edit.placeholderText() == "1521"
    dialog.set_type("POSTGRESQL")

    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)  # checked inline
    assert dialog.message.isVisible()
    assert dialog.message.text().startswith("A connection name needs")
    qtbot.keyClicks(dialog.name_edit, "Sales PG")
    qtbot.keyClicks(dialog.host_edit, pg_database.host)
    qtbot.keyClicks(dialog.port_edit, "1")  # nothing listens there
    qtbot.keyClicks(dialog.database_edit, pg_database.database)
    qtbot.keyClicks(dialog.user_edit, pg_database.username)
    with qtbot.waitSignal(dialog.sig_tested, timeout=15_000) as tested:
        qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    assert isinstance(tested.args[0], ConnectionTest) and not tested.args[0].ok
    assert dialog.test_result.text().startswith("✗ Connection refused")
    dialog.port_edit.setText(str(pg_database.port))
    with qtbot.waitSignal(dialog.sig_tested, timeout=15_000) as tested:
        qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    assert dialog.test_result.text().startswith("✓ Connected in ")
    assert "PostgreSQL" in dialog.test_result.text() and dialog.busy.isHidden()
    with qtbot.waitSignal(page.sig_loaded, timeout=5000):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    expected_target = (
        f"{pg_database.username}@{pg_database.host}:{pg_database.port}/{pg_database.database}"
    )
    assert row_texts(page, "Sales PG") == ["Sales PG", "PostgreSQL", expected_target, "", "no"]
    assert page.selected() is not None and page.selected().name == "Sales PG"
    assert page.message.text() == "Saved connection Sales PG."


def test_a_password_needs_a_key_file_on_a_headless_host(qtbot, main_window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    page = open_page(qtbot, main_window)
    dialog = page.new_connection()
    for edit, text in (
        (dialog.name_edit, "Oracle ERP"),
        (dialog.host_edit, "erp.example.com"),
        (dialog.service_edit, "ERPPDB"),
        (dialog.user_edit, "reader"),
        (dialog.password_edit, "s3cret-pw"),
    ):
        edit.setText(text)
    dialog.set_type("ORACLE")
    dialog.save()
    qtbot.waitUntil(lambda: dialog.key_button.isVisible(), timeout=5000)
    assert "No OS keyring" in dialog.message.text()
    key_file = main_window.ws.settings.config_dir / "secret.key"
    with qtbot.waitSignal(page.sig_loaded, timeout=5000):
        qtbot.mouseClick(dialog.key_button, Qt.MouseButton.LeftButton)
    assert key_file.exists() and oct(key_file.stat().st_mode & 0o777) == "0o600"
    assert row_texts(page, "Oracle ERP")[1:] == [
        "Oracle",
        "reader@erp.example.com:1521/ERPPDB",
        "",
        "yes",
    ]
    assert "s3cret-pw" not in Path(
        main_window.ws.settings.data_dir, "workspace.db"
    ).read_bytes().decode("latin-1")

    page.select("Oracle ERP")  # editing keeps the stored password unless told otherwise
    edit = page.edit()
    assert edit is not None and edit.keep_box.isChecked() and not edit.password_edit.isEnabled()
    edit.description_edit.setText("The ERP, read-only")
    with qtbot.waitSignal(page.sig_loaded, timeout=5000):
        edit.save()
    stored = ConnectionService(main_window.ws, main_window.user).get("Oracle ERP")
    assert stored.has_password and stored.description == "The ERP, read-only"


def test_delete_is_refused_while_sql_uses_the_connection(
    qtbot, main_window: MainWindow, source_connection: ConnectionDef
) -> None:  # type: ignore[no-untyped-def]
    SqlService(main_window.ws, main_window.user).save(
        "SQL_USES", "SELECT 1", source_connection.conid
    )
    page = open_page(qtbot, main_window)
    assert row_texts(page, "SRC")[1:3] == ["SQLite", str(source_connection.database)]
    box = page.delete()
    assert isinstance(box, QMessageBox) and "Delete connection SRC?" in box.text()
    with qtbot.waitSignal(page.sig_action_done, timeout=5000) as done:
        box.button(QMessageBox.StandardButton.Yes).click()
    assert "still used by SQL SQL_USES" in done.args[0]
    assert page.message.isVisible() and page.message.property("severity") == "error"
    assert page.model.row_of("SRC") >= 0


def test_copy_test_and_delete(
    qtbot, main_window: MainWindow, source_connection: ConnectionDef
) -> None:  # type: ignore[no-untyped-def]
    page = open_page(qtbot, main_window)
    with qtbot.waitSignal(page.sig_action_done, timeout=5000) as done:
        qtbot.mouseClick(page.test_button, Qt.MouseButton.LeftButton)
    assert done.args[0].startswith("✓ SRC: Connected in ") and "SQLite" in done.args[0]
    dialog = page.copy()
    assert isinstance(dialog, QInputDialog) and dialog.textValue() == "SRC (copy)"
    dialog.setTextValue("SRC 2")
    with qtbot.waitSignal(page.sig_loaded, timeout=5000):
        dialog.accept()
    assert [c.name for c in page.model.connections] == ["SRC", "SRC 2"]
    assert page.selected().name == "SRC 2"
    box = page.delete()
    assert box is not None
    with qtbot.waitSignal(page.sig_loaded, timeout=5000):
        box.button(QMessageBox.StandardButton.Yes).click()
    assert [c.name for c in page.model.connections] == ["SRC"]


def test_viewer_cannot_change_connections(qtbot, ws, viewer, source_connection) -> None:  # type: ignore[no-untyped-def]
    window = MainWindow(ws, viewer)
    qtbot.addWidget(window)
    window.show()
    page = open_page(qtbot, window)  # a Viewer reads connections, changes none
    assert page.selected() is not None
    for button in (page.new_button, page.edit_button, page.copy_button, page.delete_button):
        assert not button.isEnabled()
    assert page.test_button.isEnabled()
    assert page.edit() is None  # a double-click does not open the dialog either
    sql = window.page("sql")
    assert not sql.save_action.isEnabled()  # type: ignore[attr-defined]
