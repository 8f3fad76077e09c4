"""``dms-desktop --self-test``: the main window, offscreen, on a throw-away demo workspace.

Creates the QApplication on Qt's offscreen platform, checks that the SVG support and the
application icon load (plugins a frozen bundle may miss), creates the demo workspace in a
temporary ``DMS_HOME`` (preferences in a temporary folder too), logs in as the demo user,
opens the main window and every module page through its page API (``show_module`` and
``page``), and exits 0; any exception raised while doing so (also inside a Qt slot) or a
critical Qt message fails it (exit 1). Qt warnings are printed, not fatal.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from types import TracebackType
from typing import Any

# Offscreen noise, as in the GUI tests: the platform cannot do these and says so.
_NOISE = (
    "This plugin does not support propagateSizeHints()",
    "This plugin does not support raise()",
    "This plugin does not support grabbing the keyboard",
)


class _Problems:
    """Collects exceptions raised in slots and Qt's critical messages while the test runs."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.warnings: list[str] = []

    def excepthook(
        self, kind: type[BaseException], value: BaseException, tb: TracebackType | None
    ) -> None:
        import traceback

        text = "".join(traceback.format_exception(kind, value, tb))
        print(text, file=sys.stderr, flush=True)
        self.errors.append(f"{kind.__name__}: {value}")

    def qt_message(self, kind: Any, _context: Any, message: str) -> None:
        from PySide6.QtCore import QtMsgType

        if any(noise in message for noise in _NOISE):
            return
        if kind in (QtMsgType.QtCriticalMsg, QtMsgType.QtFatalMsg):
            self.errors.append(f"Qt: {message}")
        elif kind == QtMsgType.QtWarningMsg:
            self.warnings.append(message)
            print(f"  Qt warning: {message}", file=sys.stderr, flush=True)


def run_self_test(argv: list[str]) -> int:
    """The whole self-test; call it before any QApplication exists."""
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from dms_desktop.selftest import SelfTestFailed, report, step, temporary_workspace

    problems = _Problems()

    def check(name: str) -> None:
        if problems.errors:
            raise SelfTestFailed(f"{name}: {'; '.join(problems.errors)}")

    def body() -> None:
        from PySide6.QtCore import qInstallMessageHandler

        previous_hook = sys.excepthook
        sys.excepthook = problems.excepthook
        previous_handler = qInstallMessageHandler(problems.qt_message)
        try:
            with temporary_workspace({"QT_QPA_PLATFORM": "offscreen"}) as home:
                _run(home, argv, step, check)
        finally:
            sys.excepthook = previous_hook
            qInstallMessageHandler(previous_handler)
        if problems.warnings:
            print(f"  ({len(problems.warnings)} Qt warning(s), printed above)", flush=True)

    return report("dms-desktop", body)


def _run(home: Path, argv: list[str], step: Any, check: Any) -> None:
    from PySide6.QtCore import QCoreApplication, QEvent, QSettings

    # Preferences (QSettings) in the temporary folder: the user's stay untouched.
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(home / "prefs"))

    from dms_desktop.gui.app import create_application

    app = step("QApplication on the offscreen platform", lambda: create_application(argv[:1]))
    check("QApplication")
    step("SVG support and the application icon", _check_images)

    from dms_desktop.core.demo.seed import DEMO_PASSWORD, DEMO_USER, create_demo_workspace
    from dms_desktop.core.logs import setup_logging
    from dms_desktop.core.security.auth import AuthService
    from dms_desktop.core.settings import load_settings

    settings = load_settings()
    setup_logging(settings)
    ws = step("demo workspace", lambda: create_demo_workspace(settings))
    try:
        user = step("demo login", lambda: AuthService(ws).login(DEMO_USER, DEMO_PASSWORD))
        _main_window(app, ws, user, step, check)
    finally:
        from dms_desktop.gui.workers import wait_for_background_tasks

        wait_for_background_tasks()
        QCoreApplication.processEvents()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        ws.close()


def _check_images() -> None:
    from PySide6.QtCore import QSize
    from PySide6.QtGui import QImageReader

    from dms_desktop.gui.resources import app_icon, icon
    from dms_desktop.selftest import SelfTestFailed

    formats = {bytes(f.data()).decode() for f in QImageReader.supportedImageFormats()}
    if "svg" not in formats:
        raise SelfTestFailed(f"no SVG image plugin (image formats: {sorted(formats)})")
    if app_icon().pixmap(QSize(64, 64)).isNull():
        raise SelfTestFailed("the application icon (resources/icons/dms.svg) renders empty")
    if icon("home").pixmap(QSize(20, 20)).isNull():
        raise SelfTestFailed("the module icons (resources/icons) render empty")


def _main_window(app: Any, ws: Any, user: Any, step: Any, check: Any) -> None:
    from PySide6.QtCore import QCoreApplication

    from dms_desktop.gui import prefs
    from dms_desktop.gui.main_window import MainWindow
    from dms_desktop.gui.pages import PlaceholderPage
    from dms_desktop.gui.scheduler_host import EMBEDDED_SQLITE_KEY
    from dms_desktop.gui.workers import wait_for_background_tasks
    from dms_desktop.selftest import SelfTestFailed

    prefs.set_value(EMBEDDED_SQLITE_KEY, False)  # no scheduler threads in a self-test

    def create() -> MainWindow:
        window = MainWindow(ws, user)
        window.show()
        QCoreApplication.processEvents()
        return window

    window = step("main window", create)
    check("main window")
    try:
        modules = window.visible_modules()
        if not modules:
            raise SelfTestFailed(f"the demo user {user.username} sees no module")

        def open_page(module: str) -> None:
            if not window.show_module(module):
                raise SelfTestFailed(f"show_module({module!r}) refused")
            page = window.page(module)
            QCoreApplication.processEvents()
            wait_for_background_tasks()
            QCoreApplication.processEvents()
            if window.current_module() != module:
                raise SelfTestFailed(f"the window shows {window.current_module()}, not {module}")
            if isinstance(page, PlaceholderPage):
                print(f"       ({module} is a placeholder page)", flush=True)
            check(f"page {module}")

        for module in modules:
            step(f"page {module}", lambda module=module: open_page(module))
    finally:
        window.close()
        QCoreApplication.processEvents()
    check("closing the main window")
