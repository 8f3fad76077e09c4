"""The idle lock: after SESSION.IDLE_TIMEOUT_MIN minutes without keyboard or mouse input the
main window is covered by a password prompt.

Nothing is closed or reset: the pages, their unsaved edits and their background work (a load
keeps running, its result is delivered behind the cover) stay as they were. While locked,
input to the window, its dialogs and its shortcuts is swallowed; only the prompt takes keys.
The same timer re-checks the session now and then, so an account disabled while its window
sits idle is logged out even without a core call; a core call notices at once anyway
(``SessionGuard``), and either way ``sig_session_ended`` carries the reason.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QApplication, QWidget

from dms_desktop.core.admin.config import setting
from dms_desktop.core.security.auth import AuthService
from dms_desktop.core.security.session import SessionEnded
from dms_desktop.gui.lock_screen import LockOverlay
from dms_desktop.gui.login.base import host_name
from dms_desktop.gui.workers import run_in_background

if TYPE_CHECKING:
    from dms_desktop.gui.main_window import MainWindow

log = logging.getLogger(__name__)

SESSION_CHECK_S = 60.0  # how often an idle window asks whether its account is still enabled
_INPUT = frozenset(
    {
        QEvent.Type.KeyPress,
        QEvent.Type.KeyRelease,
        QEvent.Type.MouseButtonPress,
        QEvent.Type.MouseButtonRelease,
        QEvent.Type.MouseButtonDblClick,
        QEvent.Type.MouseMove,
        QEvent.Type.Wheel,
        QEvent.Type.TouchBegin,
        QEvent.Type.Shortcut,
        QEvent.Type.ShortcutOverride,
        QEvent.Type.ContextMenu,
    }
)
_ACTIVITY = frozenset(
    {QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.Wheel, QEvent.Type.MouseMove}
)


class IdleLock(QObject):
    sig_locked = Signal()
    sig_unlocked = Signal()
    sig_session_ended = Signal(str)  # the reason; the main window logs out
    _sig_ended_elsewhere = Signal(str)  # from a worker thread, queued to the GUI thread

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.timeout_s = 0.0  # 0: never lock (until the parameter is read)
        self.last_input = time.monotonic()
        self.last_check = time.monotonic()
        self.overlay: LockOverlay | None = None
        self.hidden: list[QWidget] = []
        self.ended = False
        self.timer = QTimer(self)
        self.timer.setInterval(5_000)
        self.timer.timeout.connect(self._tick)
        self._sig_ended_elsewhere.connect(self._session_ended)
        session = window.user.session
        if session is not None:  # any thread may notice first; the signal hops to ours
            session.on_end(self._sig_ended_elsewhere.emit)

    # -- lifecycle ----------------------------------------------------------------------------
    def start(self) -> None:
        app = QApplication.instance()
        assert app is not None
        app.installEventFilter(self)
        self.timer.start()
        run_in_background(
            setting, self.window.ws, "SESSION.IDLE_TIMEOUT_MIN",
            on_done=lambda minutes: self.set_timeout(int(minutes) * 60.0),
            on_error=lambda exc: log.warning("idle timeout not read: %s", exc),
        )  # fmt: skip

    def stop(self) -> None:
        self.timer.stop()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)

    def set_timeout(self, seconds: float) -> None:
        """0 turns the lock off; short values (tests) also shorten the check interval."""
        self.timeout_s = max(0.0, seconds)
        if 0 < self.timeout_s < 5:
            self.timer.setInterval(max(20, int(self.timeout_s * 250)))
        self.last_input = time.monotonic()

    @property
    def locked(self) -> bool:
        return self.overlay is not None

    # -- input --------------------------------------------------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        kind = event.type()
        if kind == QEvent.Type.Close and watched is self.window:
            self.stop()
            return False
        if kind not in _INPUT:
            if kind == QEvent.Type.Resize and watched is self.window and self.overlay is not None:
                self.overlay.setGeometry(self.window.rect())
            return False
        if self.overlay is None:
            if kind in _ACTIVITY:
                self.last_input = time.monotonic()
            return False
        return not self._inside_overlay(watched)  # locked: only the prompt gets input

    def _inside_overlay(self, watched: QObject) -> bool:
        node: QObject | None = watched
        while node is not None:
            if node is self.overlay:
                return True
            node = node.parent()
        return False

    def _tick(self) -> None:
        now = time.monotonic()
        if self.overlay is None and self.timeout_s and now - self.last_input >= self.timeout_s:
            self.lock()
        if now - self.last_check >= SESSION_CHECK_S:
            self.last_check = now
            self.check_session()

    def check_session(self) -> None:
        session = self.window.user.session
        if session is None or self.ended:
            return

        def failed(exc: BaseException) -> None:
            if isinstance(exc, SessionEnded):
                self._session_ended(exc.message)
            else:  # the database away for a moment: the next check tries again
                log.info("session check failed: %s", exc)

        run_in_background(lambda: session.check(force=True), on_error=failed)

    # -- locking ------------------------------------------------------------------------------
    def lock(self) -> LockOverlay:
        if self.overlay is not None:
            return self.overlay
        window = self.window
        kinds = (Qt.WindowType.Dialog, Qt.WindowType.Window, Qt.WindowType.Sheet)
        self.hidden = [  # dialogs in front of the window: hidden, shown again as they were
            w
            for w in QApplication.topLevelWidgets()
            if w is not window and w.isVisible() and w.windowType() in kinds
        ]
        for widget in self.hidden:
            widget.hide()
        overlay = LockOverlay(window.user.username, window)
        overlay.sig_unlock.connect(self._unlock)
        overlay.sig_log_out.connect(window.log_out)
        overlay.setGeometry(window.rect())
        overlay.show()
        overlay.raise_()
        overlay.password_edit.setFocus()
        self.overlay = overlay
        self._title = window.windowTitle()
        window.setWindowTitle(f"Locked - {self._title.split(' - ')[-1]}")
        run_in_background(AuthService(window.ws).lock_session, window.user, host_name())
        log.info("Window locked after %.0f s without input", self.timeout_s)
        self.sig_locked.emit()
        return overlay

    def _unlock(self, password: str) -> None:
        overlay = self.overlay
        if overlay is None:
            return
        overlay.set_busy(True)
        run_in_background(
            AuthService(self.window.ws).unlock_session, self.window.user, password, host_name(),
            on_done=lambda _none: self.unlocked(), on_error=self._refused,
        )  # fmt: skip

    def _refused(self, exc: BaseException) -> None:
        if self.overlay is None:
            return
        self.overlay.set_busy(False)
        self.overlay.refuse(exc)
        session = self.window.user.session
        if session is not None and session.ended:
            self._session_ended(session.ended)

    def unlocked(self) -> None:
        overlay, self.overlay = self.overlay, None
        if overlay is not None:
            overlay.hide()
            overlay.deleteLater()
        for widget in self.hidden:
            widget.show()
        self.hidden = []
        self.window.setWindowTitle(getattr(self, "_title", self.window.windowTitle()))
        self.last_input = time.monotonic()
        self.sig_unlocked.emit()

    def _session_ended(self, reason: str) -> None:
        if self.ended:
            return
        self.ended = True
        self.sig_session_ended.emit(reason)
