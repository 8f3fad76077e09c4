"""The login audit trail (``login_audit_log``)."""

from __future__ import annotations

import socket
from datetime import datetime

from sqlalchemy import Connection

from dms_desktop.core.metadata.tables import login_audit_log

LOGIN_SUCCESS = "LOGIN_SUCCESS"
LOGIN_FAILURE = "LOGIN_FAILURE"
LOCKOUT = "LOCKOUT"
LOGOUT = "LOGOUT"
UNLOCK = "UNLOCK"
PASSWORD_CHANGE = "PASSWORD_CHANGE"
USER_CREATED = "USER_CREATED"
SESSION_LOCK = "SESSION_LOCK"  # the idle lock engaged
SESSION_UNLOCK = "SESSION_UNLOCK"  # the password typed at the lock screen
EVENTS = (
    LOGIN_SUCCESS,
    LOGIN_FAILURE,
    LOCKOUT,
    LOGOUT,
    UNLOCK,
    PASSWORD_CHANGE,
    USER_CREATED,
    SESSION_LOCK,
    SESSION_UNLOCK,
)


def this_host() -> str:
    return socket.gethostname()


def record(
    conn: Connection,
    event: str,
    username: str,
    at: datetime,
    *,
    user_id: int | None = None,
    host: str | None = None,
    detail: str | None = None,
) -> None:
    conn.execute(
        login_audit_log.insert().values(
            event=event,
            username=username[:100],
            user_id=user_id,
            event_time=at,
            host=(host or this_host())[:255],
            detail=detail[:500] if detail else None,
        )
    )
