"""Admin page: the permission matrix grid (cells, whole rows and columns, connection grants,
save and revert), the audit viewer (filters, details, export) and the configuration editor
(a wrong type or an out-of-range value refused where it is typed; saved values audited)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPoint, Qt

from dms_desktop.core.admin import config
from dms_desktop.core.connections.model import ConnectionDef
from dms_desktop.core.connections.service import ConnectionService
from dms_desktop.core.security.permissions import ALL_ACTIONS, MODULES, CurrentUser
from dms_desktop.core.security.roles import RoleService
from dms_desktop.core.workspace import Workspace
from dms_desktop.gui.admin.audit_tab import AuditTab
from dms_desktop.gui.admin.config_tab import VALUE, ConfigTab
from dms_desktop.gui.admin.page import AUDIT, CONFIG, ROLES, AdminPage
from dms_desktop.gui.admin.roles_tab import RolesTab
from dms_desktop.gui.main_window import MainWindow


def open_tab(qtbot, window: MainWindow, number: int):  # type: ignore[no-untyped-def]
    page = window.page("admin")
    assert isinstance(page, AdminPage)
    tab = page.tab_widgets()[number]
    with qtbot.waitSignal(tab.sig_loaded, timeout=10_000):
        window.show_module("admin")
        page.show_tab(number)
    return tab


def cell(tab: RolesTab, module: str, action: str):  # type: ignore[no-untyped-def]
    return tab.matrix.index(MODULES.index(module), ALL_ACTIONS.index(action))


def test_matrix_cells_rows_columns_and_grants(
    qtbot, main_window: MainWindow, ws: Workspace, admin: CurrentUser, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    for name in ("PROD", "TEST"):
        ConnectionService(ws, admin).create(
            ConnectionDef(name=name, dbtype="SQLITE", database=str(tmp_path / f"{name}.db"))
        )
    tab = open_tab(qtbot, main_window, ROLES)
    assert isinstance(tab, RolesTab)
    tab.role_list.setCurrentRow([r.name for r in tab.roles].index("Operator"))
    assert tab.title.text() == "Operator" and not tab.save_button.isEnabled()
    view = tab.matrix_view
    mapper_edit = cell(tab, "mapper", "edit")
    assert mapper_edit.data(Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Unchecked
    rect = view.visualRect(mapper_edit)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert mapper_edit.data(Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Checked
    assert tab.save_button.isEnabled() and tab.dirty
    assert not cell(tab, "mapper", "run").flags() & Qt.ItemFlag.ItemIsUserCheckable  # n/a
    assert "applies to Jobs only" in cell(tab, "mapper", "run").data(Qt.ItemDataRole.ToolTipRole)
    # a row header ticks the whole row, a second click clears it
    tab.matrix.toggle_row(MODULES.index("uploads"))
    assert tab.matrix.rights["uploads"] == {"view", "create", "edit", "delete"}
    tab.matrix.toggle_row(MODULES.index("uploads"))
    assert tab.matrix.rights["uploads"] == set()
    header = view.horizontalHeader()
    x = header.sectionViewportPosition(ALL_ACTIONS.index("delete")) + 5
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, 5))
    assert all("delete" in tab.matrix.rights[m] for m in MODULES)
    tab.matrix.toggle_column(ALL_ACTIONS.index("delete"))
    assert not any("delete" in tab.matrix.rights[m] for m in MODULES)
    # only PROD's sibling: the Operator may use TEST, not PROD
    tab.some_radio.setChecked(True)
    assert tab.connection_list.isEnabled()
    for i in range(tab.connection_list.count()):
        item = tab.connection_list.item(i)
        item.setCheckState(
            Qt.CheckState.Checked if item.text() == "TEST" else Qt.CheckState.Unchecked
        )
    with qtbot.waitSignal(tab.sig_loaded, timeout=10_000):
        tab.save()
    assert tab.message.text() == "Saved the rights of Operator."
    saved = RoleService(ws, admin).get("Operator")
    assert saved.can("mapper", "edit") and not saved.can("uploads", "view")
    assert not saved.can("jobs", "delete") and (saved.all_connections, saved.connections) == (
        False, ("TEST",))  # fmt: skip
    assert not tab.save_button.isEnabled()
    tab.matrix.toggle_row(MODULES.index("home"))
    tab.revert()
    assert not tab.dirty


def test_a_matrix_save_that_leaves_no_admin_is_refused(
    qtbot, main_window: MainWindow, ws: Workspace, admin: CurrentUser
) -> None:  # type: ignore[no-untyped-def]
    tab = open_tab(qtbot, main_window, ROLES)
    assert tab.title.text() == "Admin"
    tab.matrix.toggle_row(MODULES.index("admin"))  # all ticked: clears the row
    with qtbot.waitSignal(tab.sig_action_done, timeout=10_000):
        tab.save()
    assert "Admin module's view and edit rights" in tab.message.text()
    assert tab.dirty  # the edit is kept on screen, nothing stored
    assert RoleService(ws, admin).get("Admin").can("admin", "edit")


def test_a_role_needs_a_name(qtbot, main_window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    tab = open_tab(qtbot, main_window, ROLES)
    dialog = tab.new_role()
    dialog.name_edit.setText("   ")
    with qtbot.waitSignal(tab.sig_action_done, timeout=10_000):
        dialog.accept()
    assert tab.message.text() == "A role needs a name."
    dialog = tab.new_role()
    dialog.name_edit.setText("Night shift")
    dialog.copy_combo.setCurrentText("Operator")
    with qtbot.waitSignal(tab.sig_loaded, timeout=10_000):
        dialog.accept()
    assert tab.title.text() == "Night shift" and tab.matrix.rights["jobs"] >= {"view", "run"}


def test_audit_viewer_filters_details_and_export(
    qtbot, main_window: MainWindow, ws: Workspace, admin: CurrentUser, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    RoleService(ws, admin).create("Readers", "read only")
    tab = open_tab(qtbot, main_window, AUDIT)
    assert isinstance(tab, AuditTab)
    assert [e.event for e in tab.logins.rows] == ["USER_CREATED"]
    with qtbot.waitSignal(tab.sig_loaded, timeout=10_000):
        tab.outcome_combo.setCurrentIndex(tab.outcome_combo.findData("failure"))
    assert tab.logins.rows == [] and tab.message.text() == "No events."
    with qtbot.waitSignal(tab.sig_loaded, timeout=10_000):
        tab.kind_combo.setCurrentIndex(tab.kind_combo.findData("changes"))
    assert [(e.action, e.object_name) for e in tab.changes.rows] == [("CREATE", "Readers")]
    tab.view.selectRow(0)
    assert '"description": "read only"' in tab.after_text.toPlainText()
    assert tab.before_text.toPlainText() == "Before\n—"
    assert "description: read only" in tab.changes.index(0, 5).data()
    target = tmp_path / "changes.csv"
    with qtbot.waitSignal(tab.sig_action_done, timeout=10_000):
        tab.export_to(str(target))
    assert tab.message.text() == f"Exported 1 row to {target}."
    assert "Readers" in target.read_text("utf-8-sig")
    tab.from_edit.setDate(tab.to_edit.date().addDays(1))
    assert "after its start" in tab.message.text()


def test_configuration_editor_validates_and_saves(
    qtbot, main_window: MainWindow, ws: Workspace
) -> None:  # type: ignore[no-untyped-def]
    tab = open_tab(qtbot, main_window, CONFIG)
    assert isinstance(tab, ConfigTab)
    assert [v.key for v in tab.model.values] == list(config.BY_KEY)
    assert not tab.edit_value("SECURITY.LOCKOUT_THRESHOLD", "lots")
    assert "whole number" in tab.message.text()
    assert not tab.edit_value("SECURITY.LOCKOUT_THRESHOLD", "1000")
    assert "out of range" in tab.message.text() and not tab.save_button.isEnabled()
    assert tab.edit_value("SECURITY.LOCKOUT_THRESHOLD", "3")
    assert tab.edit_value("SESSION.IDLE_TIMEOUT_MIN", "10")
    assert tab.message.text() == "2 unsaved changes." and tab.save_button.isEnabled()
    row = [v.key for v in tab.model.values].index("SESSION.IDLE_TIMEOUT_MIN")
    assert tab.model.index(row, VALUE).data() == "10"
    with qtbot.waitSignal(tab.sig_loaded, timeout=10_000):
        qtbot.mouseClick(tab.save_button, Qt.MouseButton.LeftButton)
    assert config.setting(ws, "SECURITY.LOCKOUT_THRESHOLD") == 3
    assert config.setting(ws, "SESSION.IDLE_TIMEOUT_MIN") == 10
    tab.view.selectRow(row)
    assert tab.default_button.isEnabled()
    with qtbot.waitSignal(tab.sig_loaded, timeout=10_000):
        tab.reset_default()
    assert config.setting(ws, "SESSION.IDLE_TIMEOUT_MIN") == 15


def test_configuration_sends_a_test_mail_through_the_saved_settings(
    qtbot, main_window: MainWindow, ws: Workspace, smtp
) -> None:  # type: ignore[no-untyped-def]
    inbox, port = smtp
    tab = open_tab(qtbot, main_window, CONFIG)
    assert isinstance(tab, ConfigTab) and tab.mail_button.isEnabled()
    with qtbot.waitSignal(tab.sig_action_done, timeout=15_000) as refused:
        qtbot.mouseClick(tab.mail_button, Qt.MouseButton.LeftButton)
    assert refused.args[0].startswith("No mail server: set NOTIFY.SMTP_HOST")
    assert tab.message.text() == refused.args[0]  # said in the tab, in words
    assert tab.edit_value("NOTIFY.SMTP_HOST", "127.0.0.1")
    assert tab.edit_value("NOTIFY.SMTP_PORT", str(port))
    assert tab.edit_value("NOTIFY.FAILURE_TO", "oncall@example.com")
    assert not tab.mail_button.isEnabled()  # unsaved: the scheduler would not use them yet
    with qtbot.waitSignal(tab.sig_loaded, timeout=10_000):
        qtbot.mouseClick(tab.save_button, Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(tab.sig_action_done, timeout=15_000) as done:
        qtbot.mouseClick(tab.mail_button, Qt.MouseButton.LeftButton)
    assert done.args == ["Test mail sent to oncall@example.com: check the inbox."]
    [(recipients, mail)] = inbox.mails
    assert recipients == ["oncall@example.com"] and mail["Subject"] == "DMS Desktop: test mail"
