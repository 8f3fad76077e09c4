"""The GUI entry point (``dms-desktop``, ``python -m dms_desktop``)."""

from __future__ import annotations

import argparse
import logging
import sys

from PySide6.QtWidgets import QApplication, QMessageBox

from dms_desktop import APP_NAME, __version__
from dms_desktop.core.errors import DmsError
from dms_desktop.core.logs import setup_logging
from dms_desktop.core.settings import Settings, load_settings
from dms_desktop.gui import prefs
from dms_desktop.gui.errors import install_excepthook
from dms_desktop.gui.qtlog import install_qt_message_handler
from dms_desktop.gui.resources import app_icon
from dms_desktop.gui.session import Session
from dms_desktop.gui.theme import DEFAULT_THEME, apply_theme
from dms_desktop.gui.welcome.config import needs_welcome, with_stored_password
from dms_desktop.gui.welcome.flow import WelcomeFlow

log = logging.getLogger(__name__)


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="dms-desktop", description=f"{APP_NAME} {__version__}")
    parser.add_argument(
        "--demo",
        action="store_true",
        help="create (or complete) the demo workspace at the configured "
        "location and open it; set DMS_HOME to keep it apart",
    )
    parser.add_argument("--version", action="version", version=f"{APP_NAME} {__version__}")
    args, _qt_args = parser.parse_known_args(argv[1:])  # Qt's own options pass through
    return args


def create_application(argv: list[str]) -> QApplication:
    """The QApplication with identity, icon and the saved theme (reuses an existing one)."""
    prefs.set_application_identity()
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication(argv)
    app.setWindowIcon(app_icon())
    apply_theme(app, prefs.get_str(prefs.THEME, DEFAULT_THEME))
    return app


def start_session(settings: Settings, *, demo: bool = False) -> Session:
    session = Session(settings, demo=demo)
    session.start()
    return session


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv if argv is None else argv)
    if argv[1:] == ["--self-test"]:  # the bundle's smoke test: see gui/self_test.py
        from dms_desktop.gui.self_test import run_self_test

        return run_self_test(argv)
    args = parse_args(argv)
    app = create_application(argv)
    try:
        settings = load_settings()
    except DmsError as exc:  # before logging exists: say it and stop
        QMessageBox.critical(None, APP_NAME, exc.message)
        return 2
    log_path = setup_logging(settings)
    install_qt_message_handler()
    install_excepthook()
    log.info(
        "%s %s starting; metadata %s; log %s", APP_NAME, __version__, settings.describe(), log_path
    )

    app.setQuitOnLastWindowClosed(False)  # dialogs come and go; the session says when to stop
    settings = with_stored_password(settings)  # a shared metadata server's, from the keyring
    session: Session | WelcomeFlow
    if not args.demo and needs_welcome(settings):  # first start: demo, empty or shared
        session = WelcomeFlow(settings)
        session.start()
    else:
        session = start_session(settings, demo=args.demo)
    session.sig_finished.connect(app.exit)
    try:
        code = app.exec()
    finally:
        session.shutdown()
    log.info("%s stopped (exit code %d)", APP_NAME, code)
    return code
