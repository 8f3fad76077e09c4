"""The idle lock: the window locks after the idle timeout behind a password prompt, keeps the
unsaved work and running loads, swallows input until unlocked; a disabled account is logged
out; Help › About lists every bundled component's licence."""

from __future__ import annotations

from PySide6.QtCore import Qt
from sqlalchemy import select, text

from dms_desktop.core.admin.params import ParamService
from dms_desktop.core.engine.run import run_mapping
from dms_desktop.core.mapping.ddl import apply_ddl
from dms_desktop.core.mapping.repository import MappingService
from dms_desktop.core.metadata.tables import login_audit_log
from dms_desktop.core.security.auth import AuthService
from dms_desktop.core.security.permissions import CurrentUser
from dms_desktop.core.security.users import UserService
from dms_desktop.core.workspace import Workspace
from dms_desktop.gui.about import AboutDialog
from dms_desktop.gui.admin.page import AdminPage
from dms_desktop.gui.main_window import MainWindow
from dms_desktop.gui.workers import run_in_background
from tests.gui.conftest import ADMIN, ADMIN_PASSWORD

REF = "STG_ORDER_LINES"


def events(ws: Workspace) -> list[str]:
    with ws.engine.connect() as conn:
        return list(
            conn.execute(
                select(login_audit_log.c.event)
                .where(login_audit_log.c.username == ADMIN)
                .order_by(login_audit_log.c.id)
            ).scalars()
        )


def test_lock_keeps_work_swallows_input_and_unlocks(
    qtbot, main_window: MainWindow, ws: Workspace
) -> None:  # type: ignore[no-untyped-def]
    main_window.show_module("admin")
    page = main_window.page("admin")
    assert isinstance(page, AdminPage)
    edit = page.users.filter_edit
    qtbot.keyClicks(edit, "unsaved")
    lock = main_window.idle_lock
    overlay = lock.lock()
    assert lock.locked and overlay.isVisible() and main_window.windowTitle().startswith("Locked")
    assert overlay.geometry() == main_window.rect()
    qtbot.keyClicks(edit, " more")  # to a widget under the cover: swallowed
    assert edit.text() == "unsaved"
    qtbot.keyClicks(overlay.password_edit, "not my password")
    qtbot.keyClick(overlay.password_edit, "\r")
    qtbot.waitUntil(lambda: "Wrong user name or password" in overlay.message.text(), timeout=10_000)
    assert lock.locked and overlay.password_edit.text() == ""
    with qtbot.waitSignal(lock.sig_unlocked, timeout=10_000):
        qtbot.keyClicks(overlay.password_edit, ADMIN_PASSWORD)
        qtbot.mouseClick(overlay.unlock_button, Qt.MouseButton.LeftButton)
    assert not lock.locked and edit.text() == "unsaved"
    assert not main_window.windowTitle().startswith("Locked")
    qtbot.waitUntil(lambda: "SESSION_UNLOCK" in events(ws), timeout=5_000)
    assert events(ws)[-3:] == ["SESSION_LOCK", "LOGIN_FAILURE", "SESSION_UNLOCK"]


def test_the_timeout_comes_from_the_parameter_and_input_defers_it(
    qtbot, ws: Workspace, admin: CurrentUser
) -> None:  # type: ignore[no-untyped-def]
    ParamService(ws, admin).set("SESSION.IDLE_TIMEOUT_MIN", "7")
    window = MainWindow(ws, admin)
    qtbot.addWidget(window)
    window.show()
    lock = window.idle_lock
    qtbot.waitUntil(lambda: lock.timeout_s == 7 * 60, timeout=5_000)
    lock.set_timeout(0.3)
    for _ in range(4):  # activity keeps it open
        qtbot.wait(120)
        qtbot.mouseMove(window, pos=window.rect().center())
        qtbot.keyClick(window, "a")
    assert not lock.locked
    with qtbot.waitSignal(lock.sig_locked, timeout=5_000):
        pass
    assert lock.locked


def test_dialogs_are_hidden_while_locked(qtbot, main_window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    about = main_window.menus.show_about()
    qtbot.waitExposed(about)
    lock = main_window.idle_lock
    lock.lock()
    assert not about.isVisible()
    lock.unlocked()
    assert about.isVisible()
    about.close()


def test_a_load_keeps_running_while_locked(
    qtbot, main_window: MainWindow, ws: Workspace, admin: CurrentUser, mapper_env
) -> None:  # type: ignore[no-untyped-def]
    mapping = mapper_env.mapping(REF)
    MappingService(ws, admin).save(mapping)
    apply_ddl(ws, admin, mapping)
    results: list[object] = []
    task = run_in_background(run_mapping, ws, admin, REF, on_done=results.append)
    main_window.idle_lock.lock()
    qtbot.waitUntil(lambda: bool(results), timeout=60_000)
    assert main_window.idle_lock.locked and task.finished
    assert results[0].ok  # type: ignore[attr-defined]
    with mapper_env.engine("DW").connect() as conn:
        assert conn.execute(text(f"SELECT count(*) FROM {REF}")).scalar() > 0


def test_a_user_disabled_while_logged_in_is_logged_out(
    qtbot, main_window: MainWindow, ws: Workspace, admin: CurrentUser
) -> None:  # type: ignore[no-untyped-def]
    UserService(ws, admin).create_user("deputy", "second administrator", ["Admin"],
                                       must_change=False)  # fmt: skip
    deputy = AuthService(ws).login("deputy", "second administrator")
    UserService(ws, deputy).disable(ADMIN)
    with qtbot.waitSignal(main_window.sig_logout, timeout=10_000):
        main_window.idle_lock.check_session()
    assert "disabled" in main_window.logout_reason
    assert not main_window.isVisible()


def test_the_next_core_call_of_a_disabled_user_logs_the_window_out(
    qtbot, main_window: MainWindow, ws: Workspace, admin: CurrentUser
) -> None:  # type: ignore[no-untyped-def]
    UserService(ws, admin).create_user("deputy", "second administrator", ["Admin"],
                                       must_change=False)  # fmt: skip
    deputy = AuthService(ws).login("deputy", "second administrator")
    UserService(ws, deputy).reset_password(ADMIN, "a temporary one 123")
    assert admin.session is not None
    admin.session.interval_s = 0
    errors: list[BaseException] = []
    with qtbot.waitSignal(main_window.sig_logout, timeout=10_000):
        run_in_background(UserService(ws, admin).list_users, on_error=errors.append)
    qtbot.waitUntil(lambda: bool(errors), timeout=5_000)
    assert "reset your password" in errors[0].message  # type: ignore[attr-defined]
    assert main_window.logout_reason == errors[0].message  # type: ignore[attr-defined]


def test_about_lists_the_bundled_licences(qtbot, main_window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    dialog = main_window.menus.show_about()
    assert isinstance(dialog, AboutDialog)
    qtbot.waitUntil(lambda: dialog.model.rowCount() > 20, timeout=10_000)
    by_name = {c.name.lower().replace("_", "-"): c for c in dialog.components}
    assert by_name["sqlalchemy"].licence == "MIT"
    assert "LGPL-3.0" in by_name["pyside6-essentials"].licence
    assert "Qt 6" in by_name["pyside6-essentials"].note
    assert "Scintilla" in by_name["lexilla"].note and "pyqtgraph" in by_name
    assert dialog.values["Licence"].text().startswith("Proprietary")
    assert "no licence key" in dialog.values["Activation"].text()
    dialog.close()
