"""The editor's tabs on a real SQLite source and warehouse: preview rows, create the target
table from the DDL tab, Run now with its counts, the stored plan, versions and restore."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox
from sqlalchemy import inspect, text

from dms_desktop.core.mapping.repository import MappingService
from dms_desktop.core.security.permissions import CurrentUser
from dms_desktop.core.workspace import Workspace
from dms_desktop.gui.main_window import MainWindow
from dms_desktop.gui.mapper import editor as editor_module
from dms_desktop.gui.mapper.page import RUN_NOW_TIP, MapperPage
from tests.gui.test_mapper_editor import answer
from tests.gui.test_mapper_grid import cell, forget_changes, open_editor, open_mapper, save_demo


@pytest.fixture
def page(qtbot, main_window: MainWindow, mapper_env) -> Iterator[MapperPage]:  # type: ignore[no-untyped-def]
    save_demo(mapper_env, "DIM_PRODUCT")
    mapper = open_mapper(qtbot, main_window)
    yield mapper
    forget_changes(mapper)


def test_preview_shows_the_transformed_rows(qtbot, page: MapperPage) -> None:  # type: ignore[no-untyped-def]
    editor = open_editor(qtbot, page, "DIM_PRODUCT")
    editor.model.setData(cell(editor, 1, "logic"), "UPPER(product_name)")  # unsaved: previewed
    preview = editor.preview_tab
    preview.rows_spin.setValue(10)
    with qtbot.waitSignal(preview.sig_finished, timeout=10_000) as finished:
        editor.show_tab(editor_module.PREVIEW_TAB)  # runs on first show
    assert finished.args[0] is True
    model = preview.model
    qtbot.waitUntil(lambda: not model.more and not model.fetching, timeout=5000)
    assert model.names[:3] == ["SKU", "PRODUCT_NAME", "CATEGORY"]
    assert model.rowCount() == 10
    names = [model.row_values(r)[1] for r in range(10)]
    assert all(name == name.upper() for name in names)
    assert "UPPER(" in preview.sql_view.sql_text() and "LIMIT 10" in preview.sql_view.sql_text()
    assert preview.status.text().startswith("10 rows")

    editor.model.setData(cell(editor, 1, "logic"), "no_such_column + 1")
    with qtbot.waitSignal(preview.sig_finished, timeout=10_000) as finished:
        qtbot.mouseClick(preview.run_button, Qt.MouseButton.LeftButton)
    assert finished.args[0] is False
    assert preview.message.text().startswith("The preview failed: ")


def test_create_the_table_run_now_and_read_the_plan(  # type: ignore[no-untyped-def]
    qtbot, page: MapperPage, mapper_env, ws: Workspace, admin: CurrentUser
) -> None:
    window = page.window()
    assert isinstance(window, MainWindow)
    editor = open_editor(qtbot, page, "DIM_PRODUCT")
    ddl = editor.ddl_tab
    with qtbot.waitSignal(ddl.sig_loaded, timeout=10_000):
        editor.show_tab(editor_module.DDL_TAB)
    assert ddl.title.text().startswith("CREATE TABLE DIM_PRODUCT on DW")
    assert "CREATE TABLE dim_product" in ddl.sql_view.sql_text()
    assert ddl.apply_button.isEnabled()
    qtbot.mouseClick(ddl.apply_button, Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(ddl.sig_applied, timeout=10_000):
        answer(qtbot, ddl.dialog, QMessageBox.StandardButton.Yes)
    qtbot.waitUntil(lambda: "fits the mapping" in ddl.title.text(), timeout=10_000)
    assert ddl.message.text().startswith("Applied ")
    assert inspect(mapper_env.engine("DW")).has_table("dim_product")

    # Jobs > Run now follows the open mapping.
    assert window.menus.run_now.isEnabled()
    assert window.menus.run_now.toolTip() == RUN_NOW_TIP
    panel = editor.run_panel
    with qtbot.waitSignal(panel.sig_finished, timeout=30_000) as finished:
        window.menus.run_now.trigger()
    result = finished.args[0]
    assert result.status == "SUCCESS", result.message
    assert editor.tabs.currentWidget() is panel
    assert panel.status.text() == "DIM_PRODUCT: SUCCESS"
    assert panel.count_labels["read"].text() == "15"
    assert panel.count_labels["inserted"].text() == "15"
    assert panel.count_labels["updated"].text() == "0"
    assert panel.message.text().startswith("15 read, 15 inserted")
    assert not panel.progress.isVisible() and panel.run_button.isEnabled()
    with mapper_env.engine("DW").connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM dim_product")).scalar_one() == 15

    plan = editor.plan_tab
    with qtbot.waitSignal(plan.sig_loaded, timeout=10_000):
        editor.show_tab(editor_module.PLAN_TAB)
    sql = plan.sql_view.sql_text()
    assert plan.title.text().startswith("Plan of DIM_PRODUCT, version 1")
    assert sql.startswith("-- Plan of DIM_PRODUCT, version 1")
    assert "INSERT INTO dim_product" in sql and "UPDATE dim_product" in sql
    assert plan.sql_view.readOnly()

    page.tabs.setCurrentWidget(page.list_panel)  # no mapping open: Run now asks for a job
    assert window.menus.run_now.toolTip() != RUN_NOW_TIP


def test_run_now_of_unsaved_changes_saves_first(qtbot, page: MapperPage) -> None:  # type: ignore[no-untyped-def]
    editor = open_editor(qtbot, page, "DIM_PRODUCT")
    editor.model.setData(cell(editor, 5, "description"), "Discontinued flag")
    editor.run_now()
    box = editor.dialog
    assert isinstance(box, QMessageBox) and "must be saved first" in box.text()
    with qtbot.waitSignal(editor.run_panel.sig_finished, timeout=30_000) as finished:
        answer(qtbot, box, QMessageBox.StandardButton.Save)
    assert editor.saved() is not None and editor.saved().version == 2  # type: ignore[union-attr]
    assert finished.args[0].status == "SUCCESS"  # the run creates the missing table itself


def test_versions_show_the_differences_and_restore(  # type: ignore[no-untyped-def]
    qtbot, page: MapperPage, ws: Workspace, admin: CurrentUser
) -> None:
    editor = open_editor(qtbot, page, "DIM_PRODUCT")
    editor.model.setData(cell(editor, 3, "data_type"), "NUMERIC(14,2)")
    editor.grid.paste_text("\n".join(["", ""]))  # nothing to paste: no change
    with qtbot.waitSignal(editor.sig_saved, timeout=5000):
        editor.save()
    versions = editor.versions_tab
    with qtbot.waitSignal(versions.sig_loaded, timeout=5000):
        editor.show_tab(editor_module.VERSIONS_TAB)
    assert versions.table.rowCount() == 2
    assert versions.table.item(0, 0).text() == "v2 (current)"
    qtbot.waitUntil(lambda: "UNIT_PRICE" in versions.diff.toPlainText(), timeout=5000)
    assert versions.diff_title.text() == "Changes from v1 to v2"
    assert "~ UNIT_PRICE.data_type: 'NUMERIC(12,2)' -> 'NUMERIC(14,2)'" in (
        versions.diff.toPlainText()
    )
    assert not versions.restore_button.isEnabled()  # the current version

    versions.select_versions(1)
    assert versions.restore_button.isEnabled()
    qtbot.mouseClick(versions.restore_button, Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(editor.sig_loaded, timeout=5000):
        answer(qtbot, versions.dialog, QMessageBox.StandardButton.Yes)
    assert editor.saved().version == 3  # type: ignore[union-attr]
    assert editor.model.columns[3].data_type == "NUMERIC(12,2)"
    assert MappingService(ws, admin).get("DIM_PRODUCT").version == 3
    qtbot.waitUntil(lambda: versions.table.rowCount() == 3, timeout=5000)
