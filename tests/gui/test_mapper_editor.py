"""Mapper editor and list: validation shown in the grid, saving versions, the unsaved-changes
guard, the list's filter, copy, delete, import and export, and a read-only viewer."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QMessageBox

from dms_desktop.core.mapping.repository import MappingService
from dms_desktop.core.security.permissions import CurrentUser
from dms_desktop.core.workspace import Workspace
from dms_desktop.gui.main_window import MainWindow
from dms_desktop.gui.mapper.columns_model import ERROR_COLOURS
from dms_desktop.gui.mapper.editor import MappingEditor
from dms_desktop.gui.mapper.fields import COLUMN_OF
from dms_desktop.gui.mapper.page import MapperPage
from tests.gui.test_mapper_grid import (
    CTRL,
    cell,
    forget_changes,
    open_editor,
    open_mapper,
    save_demo,
    type_into_cell,
)


@pytest.fixture
def page(qtbot, main_window: MainWindow, mapper_env) -> Iterator[MapperPage]:  # type: ignore[no-untyped-def]
    save_demo(mapper_env, "DIM_PRODUCT", "DIM_CUSTOMER")
    mapper = open_mapper(qtbot, main_window)
    yield mapper
    forget_changes(mapper)


def answer(qtbot, box: QMessageBox | None, button: QMessageBox.StandardButton) -> None:  # type: ignore[no-untyped-def]
    assert isinstance(box, QMessageBox) and box.isVisible()
    qtbot.mouseClick(box.button(button), Qt.MouseButton.LeftButton)


def test_validation_paints_cells_and_the_list_jumps_to_them(qtbot, page: MapperPage) -> None:  # type: ignore[no-untyped-def]
    editor = open_editor(qtbot, page, "DIM_CUSTOMER")
    editor.model.setData(cell(editor, 2, "logic"), "LOWER(e_mail)")
    editor.model.setData(cell(editor, 6, "scd_type"), None)
    editor.form.widgets["table_name"].setFocus()
    editor.form.lines["table_name"].setText("select")  # a reserved word, still being typed
    with qtbot.waitSignal(editor.sig_validated, timeout=10_000) as validated:
        qtbot.keyClick(editor.grid, Qt.Key.Key_V, CTRL | Qt.KeyboardModifier.ShiftModifier)
    problems = validated.args[0]
    fields = {(p.column, p.field) for p in problems}
    assert {("EMAIL", "logic"), ("SEGMENT", "scd_type"), (None, "table_name")} <= fields
    logic = cell(editor, 2, "logic")
    assert logic.data(Qt.ItemDataRole.BackgroundRole) == QColor(ERROR_COLOURS[0][1])
    assert "Unknown source column e_mail" in logic.data(Qt.ItemDataRole.ToolTipRole)
    assert cell(editor, 3, "logic").data(Qt.ItemDataRole.BackgroundRole) is None
    assert editor.form.widgets["table_name"].property("problem")
    assert editor.problems_panel.isVisible()
    assert editor.problems_panel.list.count() == len(problems)

    row = next(i for i, p in enumerate(problems) if p.column == "SEGMENT")
    item = editor.problems_panel.list.item(row)
    rect = editor.problems_panel.list.visualItemRect(item)
    qtbot.mouseClick(
        editor.problems_panel.list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center()
    )
    current = editor.grid.currentIndex()
    assert (current.row(), current.column()) == (6, COLUMN_OF["scd_type"])

    type_into_cell(qtbot, editor, 2, "logic", "LOWER(email)")  # editing clears the mark
    assert logic.data(Qt.ItemDataRole.BackgroundRole) is None


def test_save_writes_a_new_version_and_refuses_to_overwrite_a_newer_one(  # type: ignore[no-untyped-def]
    qtbot, page: MapperPage, ws: Workspace, admin: CurrentUser
) -> None:
    editor = open_editor(qtbot, page, "DIM_PRODUCT")
    type_into_cell(qtbot, editor, 1, "data_type", "VARCHAR(180)")
    assert editor.is_dirty()
    with qtbot.waitSignal(editor.sig_saved, timeout=5000) as saved:
        qtbot.keyClick(editor.grid, Qt.Key.Key_S, CTRL)
    assert saved.args[0].version == 2
    assert not editor.is_dirty() and editor.title() == "DIM_PRODUCT"
    assert editor.message.text() == "Saved DIM_PRODUCT as version 2."
    assert editor.status.text().startswith("Version 2")
    service = MappingService(ws, admin)
    assert service.get("DIM_PRODUCT").columns[1].data_type == "VARCHAR(180)"

    other = service.get("DIM_PRODUCT")  # someone else saves version 3 meanwhile
    other.description = "Changed elsewhere"
    service.save(other)
    type_into_cell(qtbot, editor, 1, "data_type", "VARCHAR(190)")
    with qtbot.waitSignal(editor.sig_save_failed, timeout=5000) as failed:
        editor.toolbar_actions.save.trigger()
    assert "version 3 meanwhile" in failed.args[0]
    assert editor.message.text().startswith("Not saved: ") and editor.is_dirty()
    assert service.get("DIM_PRODUCT").version == 3


def test_a_new_mapping_needs_a_free_reference(qtbot, page: MapperPage, mapper_env) -> None:  # type: ignore[no-untyped-def]
    qtbot.mouseClick(page.list_panel.new_button, Qt.MouseButton.LeftButton)
    editor = page.current_editor()
    assert editor is not None
    qtbot.waitUntil(lambda: editor.loaded, timeout=5000)
    assert editor.title() == "New mapping"
    form = editor.form
    qtbot.keyClicks(form.lines["ref"], "DIM_PRODUCT")
    qtbot.keyClicks(form.lines["table_name"], "DIM_PRODUCT_2")
    qtbot.keyClicks(form.lines["description"], "Second product dimension")
    editor.grid.paste_text("SKU\tVARCHAR(12)\tY\t1\t\tsku")
    with qtbot.waitSignal(editor.sig_save_failed, timeout=5000) as failed:
        editor.save()
    assert "exists already" in failed.args[0]
    form.lines["ref"].setText("DIM_PRODUCT_2")
    listed = qtbot.waitSignal(page.list_panel.sig_loaded, timeout=5000)
    with listed, qtbot.waitSignal(editor.sig_saved, timeout=5000) as saved:
        editor.save()
    mapping = saved.args[0]
    assert (mapping.ref, mapping.version, mapping.table_name) == (
        "DIM_PRODUCT_2",
        1,
        "DIM_PRODUCT_2",
    )
    assert [c.name for c in mapping.columns] == ["SKU"] and mapping.columns[0].key
    assert form.lines["ref"].isReadOnly()  # a saved reference is fixed
    assert page.tabs.tabText(page.tabs.currentIndex()) == "DIM_PRODUCT_2"
    assert page.list_panel.model.row_of("DIM_PRODUCT_2") >= 0


def test_closing_an_editor_with_changes_asks_first(qtbot, page: MapperPage) -> None:  # type: ignore[no-untyped-def]
    editor = open_editor(qtbot, page, "DIM_PRODUCT")
    editor.model.setData(cell(editor, 1, "description"), "Changed")
    index = page.tabs.indexOf(editor)
    assert page.close_tab(index) is False
    answer(qtbot, editor.dialog, QMessageBox.StandardButton.Cancel)  # keep editing
    assert page.tabs.indexOf(editor) == index and editor.is_dirty()

    assert page.close_tab(index) is False
    with qtbot.waitSignal(editor.sig_saved, timeout=5000):
        answer(qtbot, editor.dialog, QMessageBox.StandardButton.Save)
    qtbot.waitUntil(lambda: page.tabs.indexOf(editor) < 0, timeout=5000)  # saved, then closed

    editor = open_editor(qtbot, page, "DIM_PRODUCT")
    assert editor.model.columns[1].description == "Changed"
    editor.model.setData(cell(editor, 1, "description"), "Dropped")
    page.close_tab(page.tabs.indexOf(editor))
    answer(qtbot, editor.dialog, QMessageBox.StandardButton.Discard)
    assert page.tabs.indexOf(editor) < 0 and page.editors() == []


def test_closing_the_window_asks_about_unsaved_mappings(qtbot, page: MapperPage) -> None:  # type: ignore[no-untyped-def]
    window = page.window()
    editor = open_editor(qtbot, page, "DIM_CUSTOMER")
    qtbot.keyClicks(editor.form.lines["description"], " (edited)")
    assert editor.is_dirty()  # text still being typed counts
    assert window.close() is False and window.isVisible()
    answer(qtbot, editor.dialog, QMessageBox.StandardButton.Discard)
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=5000)


def test_list_filters_copies_deletes_and_round_trips_a_spec(  # type: ignore[no-untyped-def]
    qtbot, page: MapperPage, tmp_path: Path, ws: Workspace, admin: CurrentUser
) -> None:
    panel = page.list_panel
    assert [m.ref for m in panel.model.mappings] == ["DIM_CUSTOMER", "DIM_PRODUCT"]
    qtbot.keyClicks(panel.search, "sql_products")
    assert panel.proxy.rowCount() == 1
    panel.search.clear()
    panel.type_filter.setCurrentIndex(panel.type_filter.findData("FACT"))
    assert panel.proxy.rowCount() == 0
    panel.type_filter.setCurrentIndex(0)

    panel.select("DIM_PRODUCT")
    with qtbot.waitSignal(panel.sig_loaded, timeout=5000):
        panel.copy_to("DIM_PRODUCT", "DIM_PRODUCT_COPY")
    assert panel.selected_refs() == ["DIM_PRODUCT_COPY"]
    assert panel.message.text() == "Copied DIM_PRODUCT to DIM_PRODUCT_COPY."

    box = panel.delete()
    assert box is not None and "DIM_PRODUCT_COPY" in box.text()
    with qtbot.waitSignal(panel.sig_loaded, timeout=5000):
        answer(qtbot, box, QMessageBox.StandardButton.Yes)
    assert panel.model.row_of("DIM_PRODUCT_COPY") < 0

    spec = tmp_path / "product.json"
    with qtbot.waitSignal(panel.sig_action_done, timeout=5000):
        panel.export_path(spec, ["DIM_PRODUCT"])
    assert '"reference": "DIM_PRODUCT"' in spec.read_text(encoding="utf-8")
    panel.dialog = None
    panel.import_path(spec)  # exists: asks to import it as a new version
    qtbot.waitUntil(lambda: isinstance(panel.dialog, QMessageBox), timeout=5000)
    with qtbot.waitSignal(panel.sig_loaded, timeout=5000):
        answer(qtbot, panel.dialog, QMessageBox.StandardButton.Yes)  # type: ignore[arg-type]
    assert panel.message.text() == "Imported DIM_PRODUCT from product.json."
    assert MappingService(ws, admin).get("DIM_PRODUCT").version == 1  # the same content

    bad = tmp_path / "bad.json"
    bad.write_text('{"reference": "X"}', encoding="utf-8")
    with qtbot.waitSignal(panel.sig_action_done, timeout=5000) as done:
        panel.import_path(bad)
    assert "bad.json" in done.args[0] and "nothing imported" in done.args[0]


def test_a_viewer_reads_but_cannot_change(
    qtbot, ws: Workspace, viewer: CurrentUser, mapper_env
) -> None:  # type: ignore[no-untyped-def]
    save_demo(mapper_env, "DIM_PRODUCT")
    window = MainWindow(ws, viewer)
    qtbot.addWidget(window)
    window.show()
    page = open_mapper(qtbot, window)
    assert not page.list_panel.new_button.isEnabled()
    assert not page.list_panel.delete_button.isEnabled()
    editor: MappingEditor = open_editor(qtbot, page, "DIM_PRODUCT")
    assert editor.model.read_only and not editor.toolbar_actions.save.isEnabled()
    assert not editor.model.flags(cell(editor, 0, "name")) & Qt.ItemFlag.ItemIsEditable
    assert editor.model.setData(cell(editor, 0, "name"), "X") is False
    assert editor.form.lines["description"].isReadOnly()
    assert not editor.run_panel.run_button.isEnabled()
