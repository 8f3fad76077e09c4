"""A first start as ``main()`` runs it: the welcome window, then the usual ``Session``.

Looks like a ``Session`` to ``main()`` (``sig_finished``, ``shutdown``), so app.py only
chooses which one to start.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, Signal

from dms_desktop.core.settings import Settings
from dms_desktop.gui import prefs
from dms_desktop.gui.session import Session
from dms_desktop.gui.welcome.wizard import WelcomeResult, WelcomeWindow
from dms_desktop.gui.workers import wait_for_background_tasks

log = logging.getLogger(__name__)


class WelcomeFlow(QObject):
    sig_finished = Signal(int)
    sig_main_window = Signal(object)  # MainWindow, once shown (as Session's)

    def __init__(self, settings: Settings, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.window: WelcomeWindow | None = None
        self.session: Session | None = None
        self.finished = False

    def start(self) -> None:
        log.info("First start: no workspace configured; showing the welcome page")
        self.window = WelcomeWindow(self.settings)
        self.window.sig_done.connect(self._chosen)
        self.window.sig_cancelled.connect(lambda: self._finish(0))
        self.window.show()

    def _chosen(self, result: WelcomeResult) -> None:
        log.info("Welcome page: %s chosen", result.settings.describe())
        prefs.set_value(prefs.TOUR_PENDING, True)  # Home shows its next steps once
        if self.window is not None:
            self.window.deleteLater()
            self.window = None
        session = Session(result.settings, parent=self)
        session.sig_finished.connect(self._finish)
        session.sig_main_window.connect(self.sig_main_window)
        self.session = session
        if result.ws is not None and result.user is not None:
            session.resume(result.ws, result.user)
        else:
            session.start()

    def _finish(self, code: int) -> None:
        if not self.finished:
            self.finished = True
            self.sig_finished.emit(code)

    def shutdown(self) -> None:
        if self.window is not None:
            self.window.close()
            self.window.deleteLater()
            self.window = None
        if self.session is not None:
            self.session.shutdown()
        wait_for_background_tasks()
