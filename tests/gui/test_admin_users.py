"""Admin page, Users tab: create through the dialog (policy checklist while typing), edit,
disable, reset, the last admin refused with a clear message; read-only for auditors."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from dms_desktop.core.security.auth import AuthService
from dms_desktop.core.security.permissions import CurrentUser
from dms_desktop.core.security.roles import RoleService
from dms_desktop.core.security.users import UserService
from dms_desktop.core.workspace import Workspace
from dms_desktop.gui.admin.page import USERS, AdminPage
from dms_desktop.gui.admin.user_dialog import ResetPasswordDialog, UserDialog
from dms_desktop.gui.admin.users_tab import UsersTab
from dms_desktop.gui.main_window import MainWindow
from tests.gui.conftest import ADMIN


def users_tab(qtbot, window: MainWindow) -> UsersTab:  # type: ignore[no-untyped-def]
    page = window.page("admin")
    assert isinstance(page, AdminPage)
    with qtbot.waitSignal(page.users.sig_loaded, timeout=10_000):
        window.show_module("admin")
        page.show_tab(USERS)
    return page.users


def names(tab: UsersTab) -> list[str]:
    return [u.username for u in tab.model.rows]


def test_create_a_user_with_the_policy_shown_while_typing(qtbot, main_window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    tab = users_tab(qtbot, main_window)
    assert names(tab) == [ADMIN] and tab.selected().username == ADMIN  # type: ignore[union-attr]
    assert not tab.active_button.isEnabled()  # not your own account
    qtbot.mouseClick(tab.new_button, Qt.MouseButton.LeftButton)
    dialog = tab.dialog
    assert isinstance(dialog, UserDialog) and dialog.isVisible()
    assert dialog.chosen_roles() == ["Viewer"] and dialog.must_change.isChecked()
    dialog.name_edit.setText("otto")
    qtbot.keyClicks(dialog.password_edit, "otto123")
    text = dialog.policy_label.text()
    assert "✗&nbsp;At least 12 characters" in text and "✗&nbsp;Does not contain" in text
    dialog.save()
    assert "does not meet the policy" in dialog.message.text()
    dialog.password_edit.setText("night shift operator")
    dialog.confirm_edit.setText("night shift operator")
    assert "✗" not in dialog.policy_label.text()
    dialog.full_name_edit.setText("Otto Operator")
    dialog.email_edit.setText("otto@example.com")
    dialog.set_roles(["Operator"])
    with qtbot.waitSignal(tab.sig_loaded, timeout=10_000):
        dialog.save()
    assert "Created user otto." in tab.message.text()
    assert names(tab) == [ADMIN, "otto"] and tab.selected().username == "otto"  # type: ignore[union-attr]
    row = tab.model.rows[1]
    assert row.roles == ("Operator",) and row.must_change_password


def test_edit_disable_reset_and_the_last_admin(
    qtbot, main_window: MainWindow, ws: Workspace, admin: CurrentUser
) -> None:  # type: ignore[no-untyped-def]
    UserService(ws, admin).create_user("vera", "she has a long one", ["Viewer"])
    tab = users_tab(qtbot, main_window)
    assert tab.select("vera")
    dialog = tab.edit_user()
    assert isinstance(dialog, UserDialog) and dialog.name_edit.isReadOnly()
    dialog.department_edit.setText("Finance")
    dialog.set_roles(["Viewer", "Operator"])
    with qtbot.waitSignal(tab.sig_loaded, timeout=10_000):
        dialog.save()
    vera = next(u for u in tab.model.rows if u.username == "vera")
    assert vera.department == "Finance" and vera.roles == ("Operator", "Viewer")

    assert tab.select("vera") and tab.active_button.text() == "Disable"
    with qtbot.waitSignal(tab.sig_loaded, timeout=10_000):
        qtbot.mouseClick(tab.active_button, Qt.MouseButton.LeftButton)
    assert tab.message.text() == "vera disabled."
    assert tab.select("vera") and tab.active_button.text() == "Enable"
    index = tab.proxy.index(tab.view.currentIndex().row(), 3)
    assert index.data() == "Disabled"

    reset = tab.reset()
    assert isinstance(reset, ResetPasswordDialog)
    reset.password_edit.setText("temporary pass 4 you")
    reset.confirm_edit.setText("temporary pass 4 you")
    with qtbot.waitSignal(tab.sig_action_done, timeout=10_000):
        reset.save()
    assert "must choose a new one" in tab.message.text() or "reset" in tab.message.text()

    # the last admin: demoting yourself is refused with the reason, nothing changes
    assert tab.select(ADMIN)
    own = tab.edit_user()
    assert isinstance(own, UserDialog)
    own.set_roles(["Viewer"])
    own.save()
    qtbot.waitUntil(lambda: "Admin module" in own.message.text(), timeout=10_000)
    assert own.isVisible() and own.save_button.isEnabled()
    own.reject()
    assert UserService(ws, admin).get_user(ADMIN).roles == ("Admin",)


def test_delete_asks_first(
    qtbot, main_window: MainWindow, ws: Workspace, admin: CurrentUser
) -> None:  # type: ignore[no-untyped-def]
    UserService(ws, admin).create_user("temp", "short lived account", ["Viewer"])
    tab = users_tab(qtbot, main_window)
    assert tab.select("temp")
    box = tab.delete()
    assert isinstance(box, QMessageBox) and "disable it instead" in box.text()
    with qtbot.waitSignal(tab.sig_loaded, timeout=10_000):
        box.button(QMessageBox.StandardButton.Yes).click()
    assert names(tab) == [ADMIN]


@pytest.fixture
def auditor(ws: Workspace, admin: CurrentUser) -> CurrentUser:
    roles = RoleService(ws, admin)
    roles.create("Auditor", copy_from="Viewer")
    roles.set_rights("Auditor", "admin", ["view"])
    UserService(ws, admin).create_user("audrey", "reads the audit trail", ["Auditor"],
                                       must_change=False)  # fmt: skip
    return AuthService(ws).login("audrey", "reads the audit trail")


def test_an_auditor_sees_the_page_read_only(qtbot, ws: Workspace, auditor: CurrentUser) -> None:  # type: ignore[no-untyped-def]
    window = MainWindow(ws, auditor)
    qtbot.addWidget(window)
    window.show()
    tab = users_tab(qtbot, window)
    assert names(tab) == [ADMIN, "audrey"]
    for button in (tab.new_button, tab.edit_button, tab.reset_button, tab.delete_button):
        assert not button.isEnabled()
    assert tab.new_button.toolTip().startswith("Needs the Create right in Admin")
    assert (
        "read only" in window.page("admin").findChild(type(tab.message), "pageSubtitle").toolTip()
    )  # type: ignore[union-attr]


def test_viewers_do_not_see_admin(qtbot, ws: Workspace, viewer: CurrentUser) -> None:  # type: ignore[no-untyped-def]
    window = MainWindow(ws, viewer)
    qtbot.addWidget(window)
    assert "admin" not in window.visible_modules()
    assert not window.show_module("admin")
