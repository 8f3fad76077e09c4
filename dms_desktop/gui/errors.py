"""Showing failures to the user: a known error's one-line message, or, for a bug, a generic
message pointing at the log file, which gets the traceback (never the dialog)."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from dms_desktop import APP_NAME
from dms_desktop.core.errors import to_user_error

log = logging.getLogger(__name__)
_parentless: set[QMessageBox] = set()  # Python owns a box without parent: keep it until closed


def current_log_path() -> Path | None:
    """The file the root logger writes to (set up by core.logs.setup_logging), if any."""
    for handler in logging.getLogger().handlers:
        filename = getattr(handler, "baseFilename", None)
        if filename:
            return Path(filename)
    return None


def unexpected_error_text() -> str:
    path = current_log_path()
    return (
        f"Unexpected error, details in {path}" if path else "Unexpected error, details in the log."
    )


def user_message(exc: BaseException) -> tuple[str, bool]:
    """(text to show, whether the error is a known one); a bug is logged with its traceback."""
    known = to_user_error(exc)
    if known is not None:
        return known.message, True
    log.error("unexpected error: %s", exc, exc_info=(type(exc), exc, exc.__traceback__))
    return unexpected_error_text(), False


def show_error(parent: QWidget | None, exc: BaseException, title: str = APP_NAME) -> QMessageBox:
    """Open a message box for ``exc`` (window-modal, non-blocking) and return it."""
    text, known = user_message(exc)
    box = QMessageBox(
        QMessageBox.Icon.Warning if known else QMessageBox.Icon.Critical,
        title,
        text,
        QMessageBox.StandardButton.Ok,
        parent,
    )
    box.setObjectName("errorBox")
    if parent is None:
        _parentless.add(box)
        box.finished.connect(lambda _result: _parentless.discard(box))
    else:
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    return box


def install_excepthook() -> None:
    """Uncaught exceptions (in slots, too) go to the log and to a message box, not to stderr."""
    showing = False

    def hook(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        nonlocal showing
        if issubclass(exc_type, KeyboardInterrupt):
            sys.__excepthook__(exc_type, exc, tb)
            return
        if showing:  # failing while showing a failure: log only, never loop
            log.critical("error while reporting an error", exc_info=(exc_type, exc, tb))
            return
        if to_user_error(exc) is not None:  # a bug is logged with its traceback by show_error
            log.warning("uncaught %s: %s", exc_type.__name__, exc)
        showing = True
        try:
            show_error(QApplication.activeWindow(), exc)
        finally:
            showing = False

    sys.excepthook = hook
