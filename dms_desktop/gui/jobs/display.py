"""How runs and times look in Jobs, Calendar, Monitor and the tray: one set of status words
and colours, and naive-UTC database times shown in the workspace time zone (DMS_TIMEZONE)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from PySide6.QtGui import QColor
from PySide6.QtWidgets import QPushButton

from dms_desktop.gui.theme import is_dark

SUCCESS, FAILED, RUNNING, QUEUED, CANCELLED, MISSED, PLANNED = (
    "SUCCESS",
    "FAILED",
    "RUNNING",
    "QUEUED",
    "CANCELLED",
    "MISSED",
    "PLANNED",
)
# status -> (light theme, dark theme)
_COLOURS = {
    SUCCESS: ("#1a7f37", "#56d364"),
    FAILED: ("#cf222e", "#ff7b72"),
    RUNNING: ("#0969da", "#79c0ff"),
    QUEUED: ("#9a6700", "#e3b341"),
    CANCELLED: ("#6e7781", "#8b949e"),
    MISSED: ("#6e7781", "#8b949e"),
    PLANNED: ("#6639ba", "#c297ff"),
}
_COLOURS["OK"], _COLOURS["ERROR"] = _COLOURS[SUCCESS], _COLOURS[FAILED]  # SQL history
_REQUEST_STATUS = {  # DMS_PRCREQ.STATUS -> the word users see
    "NEW": QUEUED,
    "RETRY": QUEUED,
    "CLAIMED": RUNNING,
    "RUNNING": RUNNING,
    "DONE": SUCCESS,
    "FAILED": FAILED,
    "CANCELLED": CANCELLED,
}


def request_status(status: str | None, message: str | None = None) -> str:
    """The status word of a queue request; a firing recorded as missed says MISSED."""
    word = _REQUEST_STATUS.get(str(status or "").upper(), str(status or ""))
    if word == CANCELLED and (message or "").lower().startswith("missed"):
        return MISSED
    return word


def status_colour(status: str | None) -> QColor | None:
    colours = _COLOURS.get(str(status or "").upper())
    if colours is None:
        return None
    return QColor(colours[1] if is_dark() else colours[0])


def zone_of(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (KeyError, ValueError):
        return ZoneInfo("UTC")


def to_local(moment: datetime | None, zone: ZoneInfo) -> datetime | None:
    """A naive-UTC database time as an aware time in ``zone``."""
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC).astimezone(zone)


def local_text(moment: datetime | None, zone: ZoneInfo, seconds: bool = True) -> str:
    local = to_local(moment, zone)
    if local is None:
        return ""
    return local.strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


def duration_text(started: datetime | None, ended: datetime | None) -> str:
    if started is None or ended is None:
        return ""
    seconds = int(max(ended - started, timedelta(0)).total_seconds())
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


def count_text(value: int | None) -> str:
    return "" if value is None else f"{value:,}"


def mark_primary(button: QPushButton) -> None:
    """The accent button of a dialog. Re-polished: a QDialogButtonBox polishes its buttons
    when it creates them, before the property the style sheet matches on is set."""
    button.setProperty("primary", True)
    button.style().unpolish(button)
    button.style().polish(button)


# Without buttons, the theme's padding leaves a QSpinBox's text one pixel wide: the buttons
# must also be sized away, from the border.
