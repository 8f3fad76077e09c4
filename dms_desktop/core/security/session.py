"""A login's live check: the account still enabled, its roles and grants as they are now.

``CurrentUser.require`` calls ``SessionGuard.check`` first, so a user disabled (or whose
password an administrator reset, or who was removed) while logged in is stopped at the next
core call, whatever window or command they are in; grants are re-read at the same time, so
a right taken away applies at once. The check reads at most once per ``interval_s``: two
small primary-key queries, cheap beside any call that needs a permission.

A refused call is handed to the audit trail's background writer (see ``core.admin.trail``).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from sqlalchemy import Engine, select

from dms_desktop.core.admin import trail
from dms_desktop.core.errors import AuthError
from dms_desktop.core.metadata.tables import users
from dms_desktop.core.security.permissions import load_user

log = logging.getLogger(__name__)

DISABLED = "Your account was disabled by an administrator: the session has ended."
REMOVED = "Your account was removed by an administrator: the session has ended."
RESET = "An administrator reset your password: log in again with the new one."


class SessionEnded(AuthError):
    """The logged-in account may no longer act; the user must log in again."""


class SessionGuard:
    def __init__(
        self,
        engine: Engine,
        user_id: int,
        username: str,
        roles: tuple[str, ...],
        grants: frozenset[tuple[str, str]],
        *,
        host: str | None = None,
        interval_s: float = 1.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.engine = engine
        self.user_id = user_id
        self.username = username
        self.roles = roles
        self.grants = grants
        self.host = host
        self.interval_s = interval_s
        self.monotonic = monotonic
        self.ended: str | None = None
        self._checked_at = monotonic()
        self._listeners: list[Callable[[str], None]] = []
        self._lock = threading.Lock()

    def on_end(self, listener: Callable[[str], None]) -> None:
        """Call ``listener(reason)`` (on the thread that noticed) when the session ends."""
        self._listeners.append(listener)

    def check(self, *, force: bool = False) -> None:
        """Raise SessionEnded when the account may no longer act; refresh the grants."""
        if self.ended is not None:
            raise SessionEnded(self.ended)
        now = self.monotonic()
        if not force and now - self._checked_at < self.interval_s:
            return
        with self.engine.connect() as conn:
            row = conn.execute(
                select(users.c.is_active, users.c.must_change_password).where(
                    users.c.user_id == self.user_id
                )
            ).first()
            fresh = load_user(conn, self.user_id, self.username) if row is not None else None
        if row is None:
            self.end(REMOVED)
        elif not row.is_active:
            self.end(DISABLED)
        elif row.must_change_password:
            self.end(RESET)
        assert fresh is not None
        self.roles, self.grants = fresh.roles, fresh.grants
        self._checked_at = now

    def end(self, reason: str) -> None:
        """End the session for good and tell the listeners; raises SessionEnded."""
        with self._lock:
            first = self.ended is None
            if first:
                self.ended = reason
        if first:
            log.info("Session of %s ended: %s", self.username, reason)
            for listener in list(self._listeners):
                try:
                    listener(reason)
                except Exception:  # noqa: BLE001 - a listener must not hide the reason
                    log.exception("session-end listener failed")
        raise SessionEnded(self.ended or reason)

    def close(self) -> None:
        """Logout: any later call with this user is refused without a query."""
        self.ended = self.ended or "You logged out: log in again."

    def denied(self, what: str, message: str) -> None:
        trail.record_later(
            self.engine,
            self.username,
            trail.ACCESS,
            trail.DENIED,
            what,
            detail=message,
            actor_id=self.user_id,
            host=self.host,
        )
