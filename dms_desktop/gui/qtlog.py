"""Route Qt's own messages (qWarning & co.) into Python logging, logger "qt"."""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QMessageLogContext, QtMsgType, qInstallMessageHandler

qt_log = logging.getLogger("qt")

_LEVELS = {
    QtMsgType.QtDebugMsg: logging.DEBUG,
    QtMsgType.QtInfoMsg: logging.INFO,
    QtMsgType.QtWarningMsg: logging.WARNING,
    QtMsgType.QtCriticalMsg: logging.ERROR,
    QtMsgType.QtFatalMsg: logging.CRITICAL,
}


def install_qt_message_handler() -> None:
    """Install the handler; an earlier handler (pytest-qt's capture) still gets each message."""
    previous: Any = None

    def handler(kind: QtMsgType, context: QMessageLogContext, message: str) -> None:
        where = f" ({context.file}:{context.line})" if context.file else ""
        category = context.category if context.category and context.category != "default" else ""
        qt_log.log(
            _LEVELS.get(kind, logging.WARNING),
            "%s%s%s",
            f"[{category}] " if category else "",
            message,
            where,
        )
        if previous is not None:
            previous(kind, context, message)

    previous = qInstallMessageHandler(handler)
