"""Login, logout, first admin, password change, the lock screen, with lockout in the database.

Failed logins are counted with one atomic UPDATE (``failed_attempts = failed_attempts + 1``
under a write transaction), so two processes failing at once cannot both read 4 and write 5.
After SECURITY.LOCKOUT_THRESHOLD failures (default ``MAX_FAILED``) the account is locked for
SECURITY.LOCKOUT_MINUTES (default ``LOCK_MINUTES``); every lockout is audited. The argon2
verification runs outside the write transaction so a slow hash never holds the SQLite write
lock. A login returns a ``CurrentUser`` with a ``SessionGuard``: see ``session.py``.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import NoReturn

from sqlalchemy import Connection, case, func, select
from sqlalchemy.engine import RowMapping

from dms_desktop.core import clock as clock_mod
from dms_desktop.core.admin.config import settings_of
from dms_desktop.core.errors import (
    AccountDisabled,
    AccountLocked,
    AlreadyExists,
    InvalidCredentials,
    PasswordExpired,
)
from dms_desktop.core.metadata.engine import write_tx
from dms_desktop.core.metadata.tables import users
from dms_desktop.core.security import audit
from dms_desktop.core.security.accounts import create_user_row, set_password_row
from dms_desktop.core.security.passwords import (
    DUMMY_HASH,
    hash_password,
    needs_rehash,
    verify_password,
)
from dms_desktop.core.security.permissions import CurrentUser, load_user
from dms_desktop.core.security.session import SessionGuard
from dms_desktop.core.workspace import Workspace

MAX_FAILED = 5  # defaults of SECURITY.LOCKOUT_THRESHOLD and SECURITY.LOCKOUT_MINUTES
LOCK_MINUTES = 15
UNKNOWN_USER = "(unknown)"  # the login audit's name for a user name that does not exist


class AuthService:
    def __init__(self, ws: Workspace, clock: clock_mod.Clock | None = None) -> None:
        self.ws = ws
        self.clock = clock or clock_mod.utcnow

    def has_users(self) -> bool:
        with self.ws.engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(users)).scalar_one() > 0

    def create_first_admin(
        self, username: str, password: str, host: str | None = None
    ) -> CurrentUser:
        """Bootstrap: allowed only while the workspace has no user at all."""
        now = self.clock()
        with write_tx(self.ws.engine) as conn:
            if conn.execute(select(func.count()).select_from(users)).scalar_one():
                raise AlreadyExists("The workspace already has users: log in instead.")
            user_id = create_user_row(conn, username, password, "Admin", now, by=username)
            audit.record(
                conn,
                audit.USER_CREATED,
                username,
                now,
                user_id=user_id,
                host=host,
                detail="first administrator",
            )
            return self._session(conn, user_id, username, host)

    def _session(
        self, conn: Connection, user_id: int, username: str, host: str | None
    ) -> CurrentUser:
        user = load_user(conn, user_id, username)
        guard = SessionGuard(self.ws.engine, user_id, username, user.roles, user.grants, host=host)
        return replace(user, session=guard)

    def _verified(
        self, username: str, password: str, host: str | None, now: datetime
    ) -> RowMapping:
        """The user's row once the password is right; raises (and audits) otherwise."""
        with self.ws.engine.connect() as conn:
            row = conn.execute(select(users).where(users.c.username == username)).mappings().first()
        if row is None:
            verify_password(DUMMY_HASH, password)  # same time as a real check
            # Not the name as typed: it is often a password typed into the wrong field.
            detail = f"unknown user name ({len(username)} characters)"
            self._audit(audit.LOGIN_FAILURE, UNKNOWN_USER, now, None, host, detail)
            raise InvalidCredentials()
        if not row["is_active"]:
            self._audit(audit.LOGIN_FAILURE, username, now, row["user_id"], host, "disabled")
            raise AccountDisabled(username)
        if row["locked_until"] is not None and row["locked_until"] > now:
            self._audit(audit.LOGIN_FAILURE, username, now, row["user_id"], host, "locked")
            raise AccountLocked(username, row["locked_until"])
        if not verify_password(row["password_hash"], password):
            self._fail_login(row["user_id"], username, now, host)
        return row

    def login(self, username: str, password: str, host: str | None = None) -> CurrentUser:
        now = self.clock()
        row = self._verified(username, password, host, now)
        with write_tx(self.ws.engine) as conn:
            values: dict[str, object] = {
                "failed_attempts": 0,
                "locked_until": None,
                "last_login_at": now,
            }
            if needs_rehash(row["password_hash"]):
                values["password_hash"] = hash_password(password)
            conn.execute(users.update().where(users.c.user_id == row["user_id"]).values(values))
            if self._expired(conn, row, now):
                audit.record(
                    conn,
                    audit.LOGIN_FAILURE,
                    username,
                    now,
                    user_id=row["user_id"],
                    host=host,
                    detail="password expired",
                )
                raise PasswordExpired(username)
            audit.record(
                conn, audit.LOGIN_SUCCESS, username, now, user_id=row["user_id"], host=host
            )
            return self._session(conn, row["user_id"], username, host)

    def _expired(self, conn: Connection, row: RowMapping, now: datetime) -> bool:
        if row["must_change_password"]:
            return True
        max_days = int(settings_of(conn)["SECURITY.PASSWORD_MAX_DAYS"])
        changed = row["password_changed_at"]
        return bool(max_days and changed and changed + timedelta(days=max_days) <= now)

    def lockout_policy(self) -> tuple[int, int]:
        """(failed logins that lock, minutes locked), from the workspace parameters."""
        values = settings_of(self.ws)
        return int(values["SECURITY.LOCKOUT_THRESHOLD"]), int(values["SECURITY.LOCKOUT_MINUTES"])

    def _fail_login(self, user_id: int, username: str, now: datetime, host: str | None) -> NoReturn:
        """Count the failure atomically, lock at the threshold, and raise."""
        threshold, minutes = self.lockout_policy()
        lock_until = now + timedelta(minutes=minutes)
        lock_expired = users.c.locked_until.is_not(None) & (users.c.locked_until <= now)
        new_count = case((lock_expired, 1), else_=users.c.failed_attempts + 1)
        with write_tx(self.ws.engine) as conn:
            conn.execute(
                users.update()
                .where(users.c.user_id == user_id)
                .values(
                    failed_attempts=new_count,
                    locked_until=case(
                        (new_count >= threshold, lock_until),
                        (lock_expired, None),
                        else_=users.c.locked_until,
                    ),
                )
            )
            count, locked = conn.execute(
                select(users.c.failed_attempts, users.c.locked_until).where(
                    users.c.user_id == user_id
                )
            ).one()
            audit.record(
                conn,
                audit.LOGIN_FAILURE,
                username,
                now,
                user_id=user_id,
                host=host,
                detail=f"wrong password ({count} of {threshold})",
            )
            if count >= threshold and locked == lock_until:
                audit.record(
                    conn,
                    audit.LOCKOUT,
                    username,
                    now,
                    user_id=user_id,
                    host=host,
                    detail=f"locked until {lock_until:%Y-%m-%d %H:%M} UTC",
                )
        if count >= threshold:
            raise AccountLocked(username, locked)
        raise InvalidCredentials()

    def logout(self, user: CurrentUser, host: str | None = None) -> None:
        if user.session is not None:
            user.session.close()
        self._audit(audit.LOGOUT, user.username, self.clock(), user.user_id, host, None)

    # -- the idle lock ------------------------------------------------------------------------
    def lock_session(self, user: CurrentUser, host: str | None = None) -> None:
        self._audit(audit.SESSION_LOCK, user.username, self.clock(), user.user_id, host, "idle")

    def unlock_session(self, user: CurrentUser, password: str, host: str | None = None) -> None:
        """The lock screen's check: the same rules as a login (a wrong password counts
        towards the lockout; a disabled account is refused and its session ended)."""
        now = self.clock()
        try:
            self._verified(user.username, password, host, now)
        except AccountDisabled:
            if user.session is not None:
                user.session.ended = user.session.ended or "Your account is disabled."
            raise
        with write_tx(self.ws.engine) as conn:
            conn.execute(
                users.update()
                .where(users.c.user_id == user.user_id)
                .values(failed_attempts=0, locked_until=None)
            )
            audit.record(
                conn, audit.SESSION_UNLOCK, user.username, now, user_id=user.user_id, host=host
            )
        if user.session is not None:
            user.session.check(force=True)

    # -- passwords ----------------------------------------------------------------------------
    def change_password(
        self, username: str, old_password: str, new_password: str, host: str | None = None
    ) -> None:
        """Self-service change; also the way out of an expired password."""
        now = self.clock()
        with self.ws.engine.connect() as conn:
            row = conn.execute(select(users).where(users.c.username == username)).mappings().first()
        if row is None or not verify_password(row["password_hash"], old_password):
            if row is not None:
                self._fail_login(row["user_id"], username, now, host)
            raise InvalidCredentials()
        if row["locked_until"] is not None and row["locked_until"] > now:
            raise AccountLocked(username, row["locked_until"])
        if not row["is_active"]:
            raise AccountDisabled(username)
        with write_tx(self.ws.engine) as conn:
            set_password_row(conn, row["user_id"], username, new_password, now, must_change=False)
            audit.record(
                conn, audit.PASSWORD_CHANGE, username, now, user_id=row["user_id"], host=host
            )

    def _audit(
        self,
        event: str,
        username: str,
        at: datetime,
        user_id: int | None,
        host: str | None,
        detail: str | None,
    ) -> None:
        with write_tx(self.ws.engine) as conn:
            audit.record(conn, event, username, at, user_id=user_id, host=host, detail=detail)
