"""The Uploads page and its wizard, driven like a user: file → preview → mapping → validation
→ load, with real files and a real SQLite warehouse; the work runs in workers."""

from __future__ import annotations

import csv
import sqlite3
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from dms_desktop.core.connections.model import ConnectionDef
from dms_desktop.core.connections.service import ConnectionService
from dms_desktop.core.security.permissions import CurrentUser
from dms_desktop.core.uploads import UploadService
from dms_desktop.core.workspace import Workspace
from dms_desktop.gui.pages import PageContext
from dms_desktop.gui.uploads import page as uploads_page
from dms_desktop.gui.uploads.mapping_model import KEY, RULES, SOURCE
from dms_desktop.gui.uploads.page import UploadsPage
from dms_desktop.gui.uploads.wizard import LOAD, MAPPING, PREVIEW, VALIDATION
from tests.core.upload_files import write_csv, write_xlsx

WAIT = 20_000
HEADER = ["id", "name", "amount"]


@pytest.fixture
def warehouse(ws: Workspace, admin: CurrentUser, tmp_path: Path) -> Path:
    path = tmp_path / "dw.db"
    with sqlite3.connect(path) as db:
        db.execute(
            "CREATE TABLE items (id INTEGER NOT NULL, name VARCHAR(10), amount NUMERIC(8,2))"
        )
    ConnectionService(ws, admin).create(
        ConnectionDef(name="DW", dbtype="SQLITE", database=str(path))
    )
    return path


def count(path: Path, table: str = "items") -> int:
    with sqlite3.connect(path) as db:
        return int(db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])


@pytest.fixture
def page(qtbot, ws: Workspace, admin: CurrentUser) -> UploadsPage:  # type: ignore[no-untyped-def]
    widget = UploadsPage(PageContext(ws, admin))
    qtbot.addWidget(widget)
    widget.resize(1200, 800)
    widget.show()
    qtbot.waitUntil(lambda: widget._loaded_once and not widget._list_task.busy, timeout=WAIT)
    return widget


def to_mapping(qtbot, page: UploadsPage, path: Path, table: str) -> None:  # type: ignore[no-untyped-def]
    wizard = page.wizard
    wizard.file_step.set_path(str(path))
    qtbot.waitUntil(lambda: wizard.file_step.ready, timeout=WAIT)
    wizard.next()
    assert wizard.index == PREVIEW and wizard.preview_step.ready
    wizard.next()
    assert wizard.index == MAPPING
    step = wizard.mapping_step
    qtbot.waitUntil(lambda: step.connection_combo.count() > 0, timeout=WAIT)
    step.table_combo.setEditText(table)
    step.describe()
    qtbot.waitUntil(lambda: step.ready and not step.busy, timeout=WAIT)


def test_wizard_loads_a_file_and_saves_the_definition(qtbot, page: UploadsPage, warehouse: Path,
                                                       tmp_path: Path) -> None:  # type: ignore[no-untyped-def]  # fmt: skip
    path = write_csv(tmp_path / "items.csv", [["1", "Ada", "1,50"], ["2", "Bo", "2,25"]],
                     delimiter=";", header=HEADER)  # fmt: skip
    wizard = page.wizard
    wizard.file_step.set_path(str(path))
    qtbot.waitUntil(lambda: wizard.file_step.ready, timeout=WAIT)
    assert "Delimiter: semicolon (detected)" in wizard.file_step.detected.text()
    assert wizard.next_button.isEnabled()
    wizard.next_button.click()
    preview = wizard.preview_step.model
    assert preview.rowCount() == 2 and preview.columnCount() == 3
    assert preview.headerData(2, Qt.Orientation.Horizontal) == "amount\ndecimal (decimal comma)"
    assert preview.headerData(0, Qt.Orientation.Vertical) == "2"  # the file's row number
    wizard.next_button.click()
    step = wizard.mapping_step
    qtbot.waitUntil(lambda: step.connection_combo.count() > 0, timeout=WAIT)
    step.table_combo.setEditText("items")
    step.describe()
    qtbot.waitUntil(lambda: step.ready and not step.busy, timeout=WAIT)
    model = step.model
    assert [r.target for r in model.rows] == ["id", "name", "amount"]
    assert (
        model.index(2, SOURCE).data() == "amount"
        and "decimal comma" in model.index(2, RULES).data()
    )
    model.setData(model.index(0, KEY), Qt.CheckState.Checked.value, Qt.ItemDataRole.CheckStateRole)
    wizard.next_button.click()
    assert wizard.index == VALIDATION
    qtbot.waitUntil(lambda: wizard.validation_step.ready, timeout=WAIT)
    assert wizard.validation_step.message.text() == "✓ 2 rows are valid. Next: load them."
    assert not wizard.validation_step.view.isVisible()  # no error table when nothing failed
    assert count(warehouse) == 0  # validation writes nothing
    wizard.next_button.click()
    assert wizard.index == LOAD and not wizard.next_button.isVisible()
    load = wizard.load_step
    with qtbot.waitSignal(load.sig_loaded, timeout=WAIT) as loaded:
        load.load_button.click()
    assert loaded.args[0].status == "SUCCESS" and count(warehouse) == 2
    assert load.figures["loaded"].value.text() == "2"
    with qtbot.waitSignal(load.sig_saved, timeout=WAIT):
        load.save("ITEMS")
    qtbot.waitUntil(lambda: page.select("ITEMS"), timeout=WAIT)
    saved = UploadService(page.context.ws, page.context.user).get("ITEMS")
    assert saved.columns[0].key and saved.options.delimiter == ";"
    with qtbot.waitSignal(load.sig_loaded, timeout=WAIT) as rerun:
        page.run_selected()  # Run now: the saved definition on its newest file
    assert rerun.args[0].status == "INVALID"  # the same ids again: the key refuses them
    assert "key 1 is already in the table" in rerun.args[0].errors[0].reason
    assert not load.load_button.isVisible() and count(warehouse) == 2


def test_validation_lists_errors_and_saves_them_all(qtbot, page: UploadsPage, warehouse: Path,
                                                     tmp_path: Path) -> None:  # type: ignore[no-untyped-def]  # fmt: skip
    rows = [["1", "far too long a name", "1"], ["x", "b", "2"]] + [
        [str(i), "n", "x"] for i in range(3, 1200)
    ]
    path = write_csv(tmp_path / "bad.csv", rows, header=HEADER)
    to_mapping(qtbot, page, path, "items")
    wizard = page.wizard
    wizard.next()
    step = wizard.validation_step
    qtbot.waitUntil(lambda: step.result is not None, timeout=WAIT)
    assert step.result.status == "INVALID" and not wizard.next_button.isEnabled()
    assert step.model.rowCount() == 1000  # the first 1,000 shown
    assert (
        step.model.index(0, 0).data() == "2" and "characters long" in step.model.index(0, 3).data()
    )
    assert "1,199 errors" in step.message.text()
    target = tmp_path / "all-errors.csv"
    step.save_errors(str(target))
    qtbot.waitUntil(target.exists, timeout=WAIT)
    with open(target, encoding="utf-8-sig", newline="") as fh:
        assert len(list(csv.reader(fh))) == 1 + 1199
    assert count(warehouse) == 0


def test_new_table_rules_dialog_and_cancel(qtbot, page: UploadsPage, warehouse: Path,
                                           tmp_path: Path) -> None:  # type: ignore[no-untyped-def]  # fmt: skip
    path = write_csv(tmp_path / "many.csv", [[str(i), f"n{i}", "1.5"] for i in range(30_000)],
                     header=["Item ID", "Name", "Amount"])  # fmt: skip
    to_mapping(qtbot, page, path, "new_items")
    step = page.wizard.mapping_step
    assert "does not exist" in step.target_note.text()
    assert "CREATE TABLE new_items" in step.ddl.toPlainText() and step.ddl.isVisible()
    dialog = step.edit_rules(1)
    assert dialog is not None
    dialog.case_combo.setCurrentIndex(dialog.case_combo.findData("upper"))
    dialog.regex_edit.setText("(")
    dialog.accept()
    assert "not valid" in dialog.message.text() and dialog.isVisible()
    dialog.regex_edit.setText("")
    dialog.accept()
    assert step.model.index(1, RULES).data() == "upper"
    step.batch_spin.setValue(1000)
    page.wizard.next()
    qtbot.waitUntil(lambda: page.wizard.validation_step.ready, timeout=WAIT)
    page.wizard.next()
    load = page.wizard.load_step
    with qtbot.waitSignal(load.sig_loaded, timeout=WAIT) as loaded:
        load.start()
        qtbot.waitUntil(lambda: "Read" in load.status.text(), timeout=WAIT)
        load.cancel()
    assert loaded.args[0].status == "CANCELLED"
    with sqlite3.connect(warehouse) as db:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
    assert "new_items" not in tables  # the creation went with the cancelled load


def test_excel_with_merged_header_and_definitions_list(qtbot, page: UploadsPage, warehouse: Path,
                                                       tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]  # fmt: skip
    book = write_xlsx(tmp_path / "b.xlsx", {"A1": "Title", "A3": "Centre", "B3": "Budget",
                                            "B4": "Q1", "C4": "Q2", "A5": "CC", "B5": 1, "C5": 2},
                      ["A3:A4", "B3:C3"])  # fmt: skip
    wizard = page.wizard
    wizard.file_step.set_path(str(book))
    qtbot.waitUntil(lambda: wizard.file_step.ready, timeout=WAIT)
    assert "Header: rows 3-4 (detected)" in wizard.file_step.detected.text()
    assert wizard.file_step.sheet_combo.currentText() == "Data"
    wizard.next()
    assert [wizard.preview_step.model.headerData(i, Qt.Orientation.Horizontal).split("\n")[0]
            for i in range(3)] == ["Centre", "Budget Q1", "Budget Q2"]  # fmt: skip
    monkeypatch.setattr(uploads_page, "confirm", lambda *_a: True)
    assert not page.delete_button.isEnabled()


def test_viewer_cannot_upload(qtbot, ws: Workspace, viewer: CurrentUser) -> None:  # type: ignore[no-untyped-def]
    widget = UploadsPage(PageContext(ws, viewer))
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitUntil(lambda: not widget._list_task.busy, timeout=WAIT)
    assert not widget.new_button.isEnabled() and not widget.run_button.isEnabled()


def test_the_main_window_shows_the_uploads_page(main_window) -> None:  # type: ignore[no-untyped-def]
    main_window.show_module("uploads")
    assert isinstance(main_window.page("uploads"), UploadsPage)
