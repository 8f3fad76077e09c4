"""Per-user GUI preferences in QSettings (organization "DMS", application "DMS Desktop").

Only view state lives here (window geometry, last module, theme, last user); everything that
defines loads lives in the metadata database.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QSettings

ORGANIZATION = "DMS"
APPLICATION = "DMS Desktop"

LAST_USER = "login/last_user"
THEME = "ui/theme"
GEOMETRY = "main_window/geometry"
WINDOW_STATE = "main_window/state"
LAST_MODULE = "main_window/last_module"
RECENT_WORKSPACES = "workspaces/recent"  # JSON: [{"home": folder or "", "label": ...}, ...]
TOUR_PENDING = "home/tour_pending"  # set by the welcome page, cleared when the tour is closed


def set_application_identity() -> None:
    QCoreApplication.setOrganizationName(ORGANIZATION)
    QCoreApplication.setApplicationName(APPLICATION)


def prefs() -> QSettings:
    """The preferences store: QSettings' default format and path (tests redirect both)."""
    set_application_identity()
    return QSettings()


def get_str(key: str, default: str = "") -> str:
    value = prefs().value(key, default)
    return value if isinstance(value, str) else default


def get_bool(key: str, default: bool = False) -> bool:
    value = prefs().value(key, default)
    if isinstance(value, str):  # the INI format gives text back
        return value.strip().lower() in ("true", "1", "yes")
    return bool(value)


def set_value(key: str, value: object) -> None:
    store = prefs()
    store.setValue(key, value)
    store.sync()
