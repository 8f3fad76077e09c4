"""Login, lockout, expired password and first-run dialogs against a real SQLite workspace."""

from __future__ import annotations

from PySide6.QtCore import Qt

from dms_desktop.core.security.auth import MAX_FAILED, AuthService
from dms_desktop.core.security.permissions import CurrentUser
from dms_desktop.core.security.users import UserService
from dms_desktop.core.settings import Settings
from dms_desktop.core.workspace import Workspace
from dms_desktop.gui import prefs
from dms_desktop.gui.login.dialog import LoginDialog
from dms_desktop.gui.login.first_run import FirstRunDialog
from dms_desktop.gui.main_window import MainWindow
from dms_desktop.gui.session import Session
from tests.gui.conftest import ADMIN, ADMIN_PASSWORD


def _log_in(qtbot, dialog: LoginDialog, password: str) -> None:  # type: ignore[no-untyped-def]
    dialog.ui.passwordEdit.clear()
    qtbot.keyClicks(dialog.ui.passwordEdit, password)
    qtbot.mouseClick(dialog.ui.loginButton, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.busy, timeout=5000)


def _login_dialog(qtbot, ws: Workspace) -> LoginDialog:  # type: ignore[no-untyped-def]
    dialog = LoginDialog(ws, username=ADMIN)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def test_right_password_opens_main_window_with_user_in_status_bar(
    qtbot,
    settings: Settings,
    ws: Workspace,
    admin: CurrentUser,  # type: ignore[no-untyped-def]
) -> None:
    prefs.set_value(prefs.LAST_USER, ADMIN)
    session = Session(settings)
    session.start()
    qtbot.waitUntil(lambda: isinstance(session.dialog, LoginDialog), timeout=5000)
    dialog = session.dialog
    assert isinstance(dialog, LoginDialog)
    assert dialog.ui.usernameEdit.text() == ADMIN  # prefilled from QSettings
    with qtbot.waitSignal(session.sig_main_window, timeout=5000) as shown:
        qtbot.keyClicks(dialog.ui.passwordEdit, ADMIN_PASSWORD)
        qtbot.mouseClick(dialog.ui.loginButton, Qt.MouseButton.LeftButton)
    window = shown.args[0]
    assert isinstance(window, MainWindow)
    assert window.isVisible()
    assert window.user_label.text() == "admin (Admin)"
    assert window.database_label.fullText() == settings.describe()
    assert window.scheduler_label.text() == "Scheduler: not running"
    with qtbot.waitSignal(session.sig_finished, timeout=5000) as finished:
        window.menus.quit.trigger()
    assert finished.args == [0]
    session.shutdown()


def test_wrong_password_shows_inline_message_and_stays(
    qtbot,
    ws: Workspace,
    admin: CurrentUser,  # type: ignore[no-untyped-def]
) -> None:
    dialog = _login_dialog(qtbot, ws)
    _log_in(qtbot, dialog, "not the password")
    assert dialog.isVisible()
    assert dialog.user is None
    assert dialog.ui.messageLabel.isVisible()
    assert dialog.message() == "Wrong user name or password."
    assert dialog.ui.passwordEdit.text() == ""  # cleared for the next try
    assert dialog.ui.loginButton.isEnabled()


def test_five_wrong_passwords_lock_the_account(
    qtbot,
    ws: Workspace,
    admin: CurrentUser,  # type: ignore[no-untyped-def]
) -> None:
    dialog = _login_dialog(qtbot, ws)
    for _ in range(MAX_FAILED - 1):
        _log_in(qtbot, dialog, "nope, wrong")
        assert dialog.message() == "Wrong user name or password."
    _log_in(qtbot, dialog, "nope, wrong")
    assert "is locked until" in dialog.message()
    assert "UTC" in dialog.message()
    _log_in(qtbot, dialog, ADMIN_PASSWORD)  # even the right password is refused now
    assert "is locked until" in dialog.message()
    assert dialog.user is None and dialog.isVisible()


def test_expired_password_is_changed_then_logs_in(
    qtbot,
    ws: Workspace,
    admin: CurrentUser,  # type: ignore[no-untyped-def]
) -> None:
    UserService(ws, admin).add_user("ops", "Operator", "first long password", must_change=True)
    dialog = LoginDialog(ws, username="ops")
    qtbot.addWidget(dialog)
    dialog.show()
    _log_in(qtbot, dialog, "first long password")
    change = dialog.change_dialog
    assert change is not None and change.isVisible()
    assert "has expired" in dialog.message()
    assert change.ui.currentEdit.text() == "first long password"
    qtbot.keyClicks(change.ui.passwordEdit, "second long password")
    qtbot.keyClicks(change.ui.confirmEdit, "second long passwordX")
    qtbot.mouseClick(change.ui.okButton, Qt.MouseButton.LeftButton)
    assert change.message() == "The new passwords do not match."
    qtbot.keyClicks(change.ui.confirmEdit, "second long password")
    with qtbot.waitSignal(dialog.accepted, timeout=5000):
        qtbot.mouseClick(change.ui.okButton, Qt.MouseButton.LeftButton)
    assert dialog.user is not None and dialog.user.username == "ops"
    assert dialog.user.roles == ("Operator",)


def test_first_run_creates_the_administrator(
    qtbot,
    ws: Workspace,  # type: ignore[no-untyped-def]
) -> None:
    dialog = FirstRunDialog(ws)
    qtbot.addWidget(dialog)
    dialog.show()
    assert "At least" in dialog.ui.policyLabel.text()  # the policy is shown up front
    assert dialog.ui.usernameEdit.text() == "admin"
    dialog.ui.usernameEdit.setText("root.admin")
    qtbot.keyClicks(dialog.ui.passwordEdit, "short")
    qtbot.keyClicks(dialog.ui.confirmEdit, "short")
    qtbot.mouseClick(dialog.ui.okButton, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.busy, timeout=5000)
    assert "too short" in dialog.message()  # the core's policy message, inline
    assert not AuthService(ws).has_users()
    dialog.ui.passwordEdit.setText("a long enough first password")
    dialog.ui.confirmEdit.setText("a long enough first password")
    with qtbot.waitSignal(dialog.accepted, timeout=5000):
        qtbot.mouseClick(dialog.ui.okButton, Qt.MouseButton.LeftButton)
    assert dialog.user is not None
    assert dialog.user.username == "root.admin" and dialog.user.roles == ("Admin",)
    assert AuthService(ws).has_users()
    assert prefs.get_str(prefs.LAST_USER) == "root.admin"


def test_session_on_empty_workspace_asks_for_the_first_admin(
    qtbot,
    settings: Settings,
    ws: Workspace,  # type: ignore[no-untyped-def]
) -> None:
    session = Session(settings)
    session.start()
    qtbot.waitUntil(lambda: isinstance(session.dialog, FirstRunDialog), timeout=5000)
    with qtbot.waitSignal(session.sig_finished, timeout=5000) as finished:
        session.dialog.ui.cancelButton.click()
    assert finished.args == [0]
    session.shutdown()
