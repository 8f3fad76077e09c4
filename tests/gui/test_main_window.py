"""Main window: navigation, permissions, theme, menus, window state."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QGuiApplication, QKeySequence, QPalette
from PySide6.QtWidgets import QApplication, QLineEdit, QTableView

from dms_desktop import __version__
from dms_desktop.core.overview import Overview, RunRow
from dms_desktop.core.security.permissions import MODULES, CurrentUser
from dms_desktop.core.workspace import Workspace
from dms_desktop.gui import prefs
from dms_desktop.gui.about import AboutDialog
from dms_desktop.gui.home.page import HomePage
from dms_desktop.gui.main_menus import MODULE_SHORTCUTS
from dms_desktop.gui.main_window import MainWindow
from dms_desktop.gui.pages import PlaceholderPage


def _click_nav(qtbot, window: MainWindow, module: str) -> None:  # type: ignore[no-untyped-def]
    item = window.nav.item(MODULES.index(module))
    rect = window.nav.visualItemRect(item)
    qtbot.mouseClick(window.nav.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def test_navigation_by_click_shows_each_page(qtbot, main_window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    for spec in reversed(main_window.specs):
        _click_nav(qtbot, main_window, spec.module)
        page = main_window.stack.currentWidget()
        assert page is main_window.page(spec.module)
        assert main_window.current_module() == spec.module
        assert main_window.windowTitle() == f"{spec.title} - DMS Desktop"
        assert main_window.menus.module_actions[spec.module].isChecked()
        if spec.module == "home":
            assert isinstance(page, HomePage)
        elif not isinstance(page, PlaceholderPage):  # a module built since: its own page
            assert type(page).__module__.startswith(f"dms_desktop.gui.{spec.module}.")
        else:
            assert page.title.text() == spec.title
            assert len(page.description.text()) > 60  # a real paragraph, not a stub


def test_navigation_by_keyboard_shortcut(qtbot, main_window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    main_window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is main_window)
    for spec, shortcut in zip(main_window.specs, MODULE_SHORTCUTS, strict=True):
        assert main_window.menus.module_actions[spec.module].shortcut() == QKeySequence(shortcut)
    for spec, shortcut in reversed(list(zip(main_window.specs, MODULE_SHORTCUTS, strict=True))):
        combo = QKeySequence(shortcut)[0]
        qtbot.keyClick(main_window.nav, combo.key(), combo.keyboardModifiers())
        assert main_window.current_module() == spec.module, shortcut
        assert main_window.stack.currentWidget() is main_window.page(spec.module)


def test_viewer_does_not_see_admin(qtbot, ws: Workspace, viewer: CurrentUser) -> None:  # type: ignore[no-untyped-def]
    window = MainWindow(ws, viewer)
    qtbot.addWidget(window)
    window.show()
    admin_row = MODULES.index("admin")
    assert window.nav.item(admin_row).isHidden()
    assert not window.menus.module_actions["admin"].isVisible()
    assert "admin" not in window.visible_modules()
    assert window.show_module("admin") is False
    assert window.current_module() == "home"
    assert window.user_label.text() == "viewer (Viewer)"
    visible = [m for m in MODULES if not window.nav.item(MODULES.index(m)).isHidden()]
    assert visible == window.visible_modules() and "home" in visible


def test_theme_switch_applies_and_persists(qtbot, main_window: MainWindow, qapp) -> None:  # type: ignore[no-untyped-def]
    light_window = qapp.palette().color(QPalette.ColorRole.Window).lightness()
    main_window.menus.theme_actions["dark"].trigger()
    assert main_window.theme() == "dark"
    assert qapp.palette().color(QPalette.ColorRole.Window).lightness() < light_window
    assert "dark theme" in qapp.styleSheet()
    assert QSettings().value(prefs.THEME) == "dark"  # a fresh reader sees it
    main_window.menus.theme_actions["light"].trigger()
    assert QSettings().value(prefs.THEME) == "light"


def test_window_state_and_last_module_are_restored(
    qtbot, ws: Workspace, admin: CurrentUser
) -> None:  # type: ignore[no-untyped-def]
    first = MainWindow(ws, admin)
    qtbot.addWidget(first)
    first.show()
    first.resize(770, 520)  # the offscreen screen is 800x600
    first.show_module("calendar")
    saved = first.size()
    first.close()
    assert prefs.get_str(prefs.LAST_MODULE) == "calendar"
    second = MainWindow(ws, admin)
    qtbot.addWidget(second)
    assert second.current_module() == "calendar"
    assert second.size() == saved and saved.height() == 520


def test_about_dialog_opens(qtbot, main_window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    main_window.menus.about.trigger()
    dialog = main_window.menus.about_dialog
    assert isinstance(dialog, AboutDialog)
    qtbot.waitExposed(dialog)
    assert dialog.values["Version"].text() == __version__
    assert dialog.values["Metadata database"].text() == main_window.ws.settings.describe()
    assert dialog.values["Qt"].text().startswith("6.")
    dialog.close()


def test_edit_actions_follow_focus(qtbot, main_window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    edit = main_window.menus.edit
    main_window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is main_window)
    line = QLineEdit("some text", main_window)
    line.show()
    line.setFocus()
    line.selectAll()
    edit.update_actions()
    assert edit.copy.isEnabled() and edit.cut.isEnabled()
    main_window.page("home").setFocus()
    edit.update_actions()
    assert not edit.copy.isEnabled() and not edit.paste.isEnabled()


def test_copy_from_a_table_is_tab_separated(qtbot, main_window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    home = main_window.page("home")
    assert isinstance(home, HomePage)
    qtbot.waitUntil(lambda: not home.loading)
    started = datetime(2025, 3, 1, 2, 0, 0)
    ended = datetime(2025, 3, 1, 2, 1, 5)
    home.show_overview(Overview(0, 0, 0, 0, 1, [RunRow("MAP_A", "SUCCESS", started, ended, 1200)]))
    view: QTableView = home.runs_view
    assert view.isVisible()
    main_window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is main_window)
    view.setFocus()
    view.selectAll()
    main_window.menus.edit.copy.trigger()
    assert QGuiApplication.clipboard().text() == (
        "MAP_A\tSUCCESS\t2025-03-01 02:00:00\t2025-03-01 02:01:05\t1:05\t1,200"
    )


def test_log_out_returns_to_login(qtbot, settings, ws: Workspace, admin: CurrentUser) -> None:  # type: ignore[no-untyped-def]
    from dms_desktop.gui.login.dialog import LoginDialog
    from dms_desktop.gui.session import Session

    session = Session(settings)
    session.start()
    qtbot.waitUntil(lambda: isinstance(session.dialog, LoginDialog), timeout=5000)
    with qtbot.waitSignal(session.sig_main_window, timeout=5000) as shown:
        session.dialog.ui.usernameEdit.setText("admin")
        session.dialog.ui.passwordEdit.setText("correct horse battery")
        session.dialog.ui.loginButton.click()
    window = shown.args[0]
    window.menus.log_out.trigger()
    assert not window.isVisible()
    assert isinstance(session.dialog, LoginDialog) and session.dialog.isVisible()
    assert session.dialog.ui.usernameEdit.text() == "admin"
    assert not session.finished
    session.dialog.reject()
    assert session.finished
    session.shutdown()
