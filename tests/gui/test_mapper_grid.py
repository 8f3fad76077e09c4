"""Mapper grid: cell editors, undo/redo, spreadsheet copy and paste, rows, generate from SQL,
completion, and a 500-column mapping that stays responsive while it validates."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QItemSelection, QItemSelectionModel, QModelIndex, Qt, QTimer
from PySide6.QtWidgets import QAbstractItemView, QApplication, QComboBox, QLineEdit, QSpinBox

from dms_desktop.core.mapping.repository import MappingService
from dms_desktop.gui.main_window import MainWindow
from dms_desktop.gui.mapper.delegates import WordCompleterEdit
from dms_desktop.gui.mapper.dialogs import LogicDialog
from dms_desktop.gui.mapper.editor import MappingEditor
from dms_desktop.gui.mapper.fields import COLUMN_OF, FIELDS
from dms_desktop.gui.mapper.page import MapperPage

CTRL = Qt.KeyboardModifier.ControlModifier


def open_mapper(qtbot, window: MainWindow) -> MapperPage:  # type: ignore[no-untyped-def]
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    page = window.page("mapper")
    assert isinstance(page, MapperPage)
    with qtbot.waitSignal(page.list_panel.sig_loaded, timeout=5000):
        window.show_module("mapper")
    return page


def open_editor(qtbot, page: MapperPage, ref: str | None) -> MappingEditor:  # type: ignore[no-untyped-def]
    editor = page.open_mapping(ref) if ref else page.new_mapping()
    qtbot.waitUntil(lambda: editor.loaded, timeout=5000)
    return editor


def save_demo(env, *refs: str) -> None:  # type: ignore[no-untyped-def]
    service = MappingService(env.ws, env.admin)
    for ref in refs:
        service.save(env.mapping(ref))


def cell(editor: MappingEditor, row: int, attr: str) -> QModelIndex:
    return editor.model.index(row, COLUMN_OF[attr])


def start_editing(qtbot, editor: MappingEditor, row: int, attr: str):  # type: ignore[no-untyped-def]
    index = cell(editor, row, attr)
    editor.grid.setCurrentIndex(index)
    editor.grid.edit(index)
    widget = editor.grid.indexWidget(index)
    assert widget is not None
    return widget


def type_into_cell(qtbot, editor: MappingEditor, row: int, attr: str, text: str) -> None:  # type: ignore[no-untyped-def]
    widget = start_editing(qtbot, editor, row, attr)
    line = widget.lineEdit() if isinstance(widget, QComboBox) else widget
    assert isinstance(line, QLineEdit)
    line.selectAll()
    qtbot.keyClicks(line, text)
    commit_with_return(qtbot, editor, line)


def commit_with_return(qtbot, editor: MappingEditor, widget) -> None:  # type: ignore[no-untyped-def]
    """Enter commits and closes the cell editor (queued by Qt: wait for it)."""
    qtbot.keyClick(widget, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: editor.grid.state() != QAbstractItemView.State.EditingState)
    # The offscreen platform cannot grab the keyboard, so a completer popup shown while typing
    # becomes the active window, and nothing re-activates the main window once it closes (a
    # window manager would): without that, its shortcuts (Ctrl+S) would not reach the editor.
    window = editor.window()
    if QApplication.activeWindow() is not window:
        window.activateWindow()
        qtbot.waitUntil(lambda: QApplication.activeWindow() is window)


def forget_changes(page: MapperPage) -> None:
    """Closing the window asks about unsaved changes (modal): a test leaves none behind."""
    for editor in page.editors():
        editor.discard_changes()


@pytest.fixture
def page(qtbot, main_window: MainWindow, mapper_env) -> Iterator[MapperPage]:  # type: ignore[no-untyped-def]
    save_demo(mapper_env, "DIM_PRODUCT", "DIM_CUSTOMER")
    mapper = open_mapper(qtbot, main_window)
    yield mapper
    forget_changes(mapper)


def test_cells_edit_through_their_delegates_with_undo_and_redo(qtbot, page: MapperPage) -> None:  # type: ignore[no-untyped-def]
    editor = open_editor(qtbot, page, "DIM_PRODUCT")
    model = editor.model
    assert editor.title() == "DIM_PRODUCT" and not editor.is_dirty()

    type_into_cell(qtbot, editor, 1, "name", "PRODUCT_TITLE")
    type_into_cell(qtbot, editor, 1, "data_type", "VARCHAR(150)")
    type_into_cell(qtbot, editor, 1, "logic", "UPPER(product_name)")
    scd = start_editing(qtbot, editor, 1, "scd_type")
    assert isinstance(scd, QComboBox) and scd.currentData() == "1"
    scd.setCurrentIndex(scd.findData("2"))
    commit_with_return(qtbot, editor, scd)
    seq = start_editing(qtbot, editor, 1, "exec_seq")
    assert isinstance(seq, QSpinBox)
    seq.setValue(9)
    commit_with_return(qtbot, editor, seq)
    editor.grid.setCurrentIndex(cell(editor, 2, "key"))
    qtbot.keyClick(editor.grid, Qt.Key.Key_Space)  # ticks Key and numbers it

    column = model.columns[1]
    assert (column.name, column.data_type, column.logic) == (
        "PRODUCT_TITLE",
        "VARCHAR(150)",
        "UPPER(product_name)",
    )
    assert (column.scd_type, column.exec_seq) == ("2", 9)
    assert model.columns[2].key and model.columns[2].key_seq == 2
    assert editor.undo_stack.count() == 6 and editor.title() == "DIM_PRODUCT *"
    assert page.tabs.tabText(page.tabs.currentIndex()) == "DIM_PRODUCT *"

    qtbot.keyClick(editor.grid, Qt.Key.Key_Z, CTRL)  # the grid's own Ctrl+Z
    assert not model.columns[2].key and model.columns[2].key_seq is None
    while editor.undo_stack.canUndo():
        editor.undo_stack.undo()
    assert (model.columns[1].name, model.columns[1].scd_type) == ("PRODUCT_NAME", "1")
    assert not editor.is_dirty() and editor.title() == "DIM_PRODUCT"
    qtbot.keyClick(editor.grid, Qt.Key.Key_Z, CTRL | Qt.KeyboardModifier.ShiftModifier)
    assert model.columns[1].name == "PRODUCT_TITLE"
    assert editor.grid.currentIndex().row() == 1  # the view shows what changed


def test_paste_of_50_rows_adds_rows_as_one_undo_step(qtbot, page: MapperPage) -> None:  # type: ignore[no-untyped-def]
    editor = open_editor(qtbot, page, "DIM_PRODUCT")
    before = len(editor.model.columns)
    lines = ["Column\tData type\tKey\tKey seq\tSCD\tLogic"]  # a spreadsheet's header row
    lines += [f"ATTR_{i:02d}\tVARCHAR({i + 10})\t\t\t2\tsku || '{i}'" for i in range(50)]
    QApplication.clipboard().setText("\n".join(lines) + "\n")
    editor.grid.setCurrentIndex(cell(editor, before - 1, "name"))
    qtbot.keyClick(editor.grid, Qt.Key.Key_V, CTRL)
    model = editor.model
    # The first pasted row overwrites the current one, the other 49 are added.
    assert len(model.columns) == before + 49
    assert model.columns[before - 1].name == "ATTR_00"
    last = model.columns[-1]
    assert (last.name, last.data_type, last.scd_type, last.logic) == (
        "ATTR_49",
        "VARCHAR(59)",
        "2",
        "sku || '49'",
    )
    assert editor.message.text() == "Pasted 50 rows, 49 added."
    assert editor.undo_stack.count() == 1
    editor.undo_stack.undo()
    assert len(model.columns) == before and model.columns[-1].name == "DISCONTINUED"
    editor.undo_stack.redo()
    assert len(model.columns) == before + 49 and model.columns[-1].name == "ATTR_49"


def test_copy_cut_and_fill_a_selection_like_a_spreadsheet(qtbot, page: MapperPage) -> None:  # type: ignore[no-untyped-def]
    editor = open_editor(qtbot, page, "DIM_CUSTOMER")
    grid, model = editor.grid, editor.model
    grid.setFocus()
    selection = grid.selectionModel()
    grid.setCurrentIndex(cell(editor, 0, "name"))
    block = QItemSelection(cell(editor, 0, "name"), cell(editor, 1, "key"))
    selection.select(block, QItemSelectionModel.SelectionFlag.ClearAndSelect)
    qtbot.keyClick(grid, Qt.Key.Key_C, CTRL)
    assert QApplication.clipboard().text() == (
        "CUSTOMER_CODE\tVARCHAR(10)\tY\nCUSTOMER_NAME\tVARCHAR(100)\t"
    )
    # One value pasted over a selection fills it; Delete clears cells; one undo each.
    grid.clearSelection()
    for row in (3, 4, 5):
        selection.select(cell(editor, row, "scd_type"), QItemSelectionModel.SelectionFlag.Select)
    QApplication.clipboard().setText("1")
    qtbot.keyClick(grid, Qt.Key.Key_V, CTRL)
    assert [model.columns[r].scd_type for r in (3, 4, 5)] == ["1", "1", "1"]
    qtbot.keyClick(grid, Qt.Key.Key_Delete)
    assert [model.columns[r].scd_type for r in (3, 4, 5)] == [None, None, None]
    editor.undo_stack.undo()
    editor.undo_stack.undo()
    assert [model.columns[r].scd_type for r in (3, 4, 5)] == ["2", "2", "2"]


def test_insert_delete_and_move_rows(qtbot, page: MapperPage) -> None:  # type: ignore[no-untyped-def]
    editor = open_editor(qtbot, page, "DIM_CUSTOMER")
    model, actions = editor.model, editor.toolbar_actions
    names = [c.name for c in model.columns]
    editor.grid.select_cell(1, 0)
    actions.insert.trigger()
    assert len(model.columns) == len(names) + 1 and model.columns[2].name == ""
    editor.grid.commit_editor()
    editor.grid.select_touched(4, 5, -1)  # CITY, REGION
    actions.move_up.trigger()
    actions.move_up.trigger()
    assert [c.name for c in model.columns[1:6]] == ["CUSTOMER_NAME", "CITY", "REGION", "", "EMAIL"]
    actions.delete.trigger()  # the moved block is still selected
    assert "CITY" not in [c.name for c in model.columns]
    while editor.undo_stack.canUndo():
        editor.undo_stack.undo()
    assert [c.name for c in model.columns] == names


def test_generate_columns_from_the_source_sql(qtbot, page: MapperPage, mapper_env) -> None:  # type: ignore[no-untyped-def]
    editor = open_editor(qtbot, page, None)
    form = editor.form
    for attr, value in (("sql_code", "SQL_PRODUCTS"), ("target_conid", mapper_env.dw.conid)):
        combo = form.widgets[attr]
        assert isinstance(combo, QComboBox)
        combo.setCurrentIndex(combo.findData(value))
        combo.activated.emit(combo.currentIndex())  # as a user's choice does
    assert editor.header.sql_code == "SQL_PRODUCTS" and editor.target_dialect() == "sqlite"
    editor.toolbar_actions.generate.trigger()
    qtbot.waitUntil(lambda: len(editor.model.columns) == 6, timeout=5000)
    by_name = {c.name: c for c in editor.model.columns}
    assert list(by_name) == [
        "SKU",
        "PRODUCT_NAME",
        "CATEGORY_NAME",
        "UNIT_PRICE",
        "UNIT_COST",
        "IS_DISCONTINUED",
    ]
    assert by_name["SKU"].logic == "sku" and by_name["SKU"].data_type.startswith("VARCHAR")
    assert by_name["UNIT_PRICE"].data_type.startswith("NUMERIC")
    assert by_name["IS_DISCONTINUED"].scd_type == "1"  # a dimension: SCD 1 until told
    assert [c.exec_seq for c in editor.model.columns] == [1, 2, 3, 4, 5, 6]
    assert "Added 6 columns from SQL_PRODUCTS." in editor.message.text()
    editor.toolbar_actions.generate.trigger()  # again: nothing new
    qtbot.waitUntil(lambda: "already" in editor.message.text(), timeout=5000)
    assert len(editor.model.columns) == 6
    editor.undo_stack.undo()  # the generation
    assert editor.model.columns == []


def test_logic_editor_completes_source_columns_and_functions(qtbot, page: MapperPage) -> None:  # type: ignore[no-untyped-def]
    editor = open_editor(qtbot, page, "DIM_CUSTOMER")
    line = start_editing(qtbot, editor, 2, "logic")
    assert isinstance(line, WordCompleterEdit)
    line.setText("")
    qtbot.keyClicks(line, "UPPER(first_n")
    assert line.word_completer.completionPrefix() == "first_n"
    assert line.word_completer.currentCompletion() == "first_name"
    line.insert_completion("first_name")
    qtbot.keyClicks(line, ") || COAL")
    assert line.word_completer.currentCompletion() == "COALESCE"
    line.word_completer.popup().hide()
    commit_with_return(qtbot, editor, line)
    assert editor.model.columns[2].logic == "UPPER(first_name) || COAL"

    # Several lines: the logic dialog (Logic…, Shift+F2); a multi-line cell opens it too.
    editor.grid.setCurrentIndex(cell(editor, 2, "logic"))
    editor.toolbar_actions.logic.trigger()
    dialog = editor.dialog
    assert isinstance(dialog, LogicDialog) and dialog.isVisible()
    assert dialog.editor.sql_text() == "UPPER(first_name) || COAL"
    dialog.editor.set_sql_text("CASE\n  WHEN email IS NULL THEN 'none'\n  ELSE LOWER(email)\nEND")
    dialog.accept()
    assert editor.model.columns[2].logic.startswith("CASE\n  WHEN email")
    assert (
        cell(editor, 2, "logic").data()
        == "CASE ↵   WHEN email IS NULL THEN 'none' ↵   ELSE LOWER(email) ↵ END"
    )
    with qtbot.waitSignal(editor.grid.logic_delegate.sig_edit_in_dialog) as asked:
        editor.grid.edit(cell(editor, 2, "logic"))
    assert asked.args == [2]
    qtbot.waitUntil(lambda: isinstance(editor.dialog, LogicDialog) and editor.dialog is not dialog)
    editor.dialog.reject()


def test_500_columns_stay_responsive_while_validating(qtbot, page: MapperPage) -> None:  # type: ignore[no-untyped-def]
    editor = open_editor(qtbot, page, "DIM_CUSTOMER")
    rows = [f"ATTR_{i:03d}\tVARCHAR(40)\t\t\t1\tUPPER(first_name) || '{i}'" for i in range(492)]
    editor.grid.setCurrentIndex(QModelIndex())
    editor.grid.clearSelection()
    started = time.perf_counter()
    editor.grid.paste_text("\n".join(rows))
    assert len(editor.model.columns) == 500
    assert time.perf_counter() - started < 2.0

    gaps: list[float] = []
    last = [time.perf_counter()]

    def tick() -> None:
        now = time.perf_counter()
        gaps.append(now - last[0])
        last[0] = now

    timer = QTimer()
    timer.timeout.connect(tick)
    timer.start(10)
    with qtbot.waitSignal(editor.sig_validated, timeout=30_000) as validated:
        editor.validate()
        assert editor.validating
        last[0] = time.perf_counter()
        editor.model.setData(cell(editor, 499, "description"), "edited meanwhile")
        assert editor.model.columns[499].description == "edited meanwhile"
    timer.stop()
    assert validated.args[0] == []  # 500 valid columns
    assert gaps and max(gaps) < 0.5, f"the GUI thread stalled {max(gaps):.2f} s"
    assert FIELDS[COLUMN_OF["description"]].title == "Description"
