"""Rotating log file ``dwtool.log`` in the user log directory; tracebacks go here, not to users."""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

from dms_desktop.core.settings import Settings

LOG_NAME = "dwtool.log"
FORMAT = "%(asctime)s %(levelname)-7s %(process)d %(threadName)s %(name)s: %(message)s"
_HANDLER_ATTR = "_dms_handler"


def setup_logging(settings: Settings, *, console: bool = False) -> Path:
    """Idempotent: a second call replaces the handler (e.g. after the settings change)."""
    settings.log_dir.mkdir(parents=True, exist_ok=True)
    path = settings.log_dir / LOG_NAME
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, _HANDLER_ATTR, False):
            root.removeHandler(handler)
            handler.close()
    file_handler = logging.handlers.RotatingFileHandler(
        path, maxBytes=5 * 1024 * 1024, backupCount=5, encoding="utf-8"
    )
    file_handler.setFormatter(logging.Formatter(FORMAT))
    setattr(file_handler, _HANDLER_ATTR, True)
    root.addHandler(file_handler)
    if console:
        stream = logging.StreamHandler()
        stream.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        stream.setLevel(logging.WARNING)
        setattr(stream, _HANDLER_ATTR, True)
        root.addHandler(stream)
    root.setLevel(settings.log_level)
    # Driver chatter at INFO would log statements with their parameters.
    for noisy in ("sqlalchemy.engine", "alembic.runtime.migration"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
    return path
