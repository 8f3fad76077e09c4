"""Login, logout, first admin, password change, with lockout counted in the database.

Failed logins are counted with one atomic UPDATE (``failed_attempts = failed_attempts + 1``
under a write transaction), so two processes failing at once cannot both read 4 and write 5.
After ``MAX_FAILED`` failures the account is locked for ``LOCK_MINUTES``; every lockout is
audited. The argon2 verification runs outside the write transaction so a slow hash never
holds the SQLite write lock.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import NoReturn

from sqlalchemy import case, func, select

from dms_desktop.core import clock as clock_mod
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
from dms_desktop.core.security.passwords import (
    DUMMY_HASH,
    hash_password,
    needs_rehash,
    verify_password,
)
from dms_desktop.core.security.permissions import CurrentUser, load_user
from dms_desktop.core.security.users import create_user_row, set_password_row
from dms_desktop.core.workspace import Workspace

MAX_FAILED = 5
LOCK_MINUTES = 15


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
            return load_user(conn, user_id, username)

    def login(self, username: str, password: str, host: str | None = None) -> CurrentUser:
        now = self.clock()
        with self.ws.engine.connect() as conn:
            row = conn.execute(select(users).where(users.c.username == username)).mappings().first()
        if row is None:
            verify_password(DUMMY_HASH, password)  # same time as a real check
            self._audit(audit.LOGIN_FAILURE, username, now, None, host, "unknown user")
            raise InvalidCredentials()
        if not row["is_active"]:
            self._audit(audit.LOGIN_FAILURE, username, now, row["user_id"], host, "disabled")
            raise AccountDisabled(username)
        if row["locked_until"] is not None and row["locked_until"] > now:
            self._audit(audit.LOGIN_FAILURE, username, now, row["user_id"], host, "locked")
            raise AccountLocked(username, row["locked_until"])
        if not verify_password(row["password_hash"], password):
            self._fail_login(row["user_id"], username, now, host)
        with write_tx(self.ws.engine) as conn:
            values: dict[str, object] = {
                "failed_attempts": 0,
                "locked_until": None,
                "last_login_at": now,
            }
            if needs_rehash(row["password_hash"]):
                values["password_hash"] = hash_password(password)
            conn.execute(users.update().where(users.c.user_id == row["user_id"]).values(values))
            if self._expired(row, now):
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
            return load_user(conn, row["user_id"], username)

    def _expired(self, row: object, now: datetime) -> bool:
        data = dict(row)  # type: ignore[call-overload]
        if data["must_change_password"]:
            return True
        max_days = int(self.ws.param("SECURITY", "PASSWORD_MAX_DAYS") or 0)
        changed = data["password_changed_at"]
        return bool(max_days and changed and changed + timedelta(days=max_days) <= now)

    def _fail_login(self, user_id: int, username: str, now: datetime, host: str | None) -> NoReturn:
        """Count the failure atomically, lock at MAX_FAILED, and raise."""
        lock_until = now + timedelta(minutes=LOCK_MINUTES)
        lock_expired = users.c.locked_until.is_not(None) & (users.c.locked_until <= now)
        new_count = case((lock_expired, 1), else_=users.c.failed_attempts + 1)
        with write_tx(self.ws.engine) as conn:
            conn.execute(
                users.update()
                .where(users.c.user_id == user_id)
                .values(
                    failed_attempts=new_count,
                    locked_until=case(
                        (new_count >= MAX_FAILED, lock_until),
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
                detail=f"wrong password ({count} of {MAX_FAILED})",
            )
            if count >= MAX_FAILED and locked == lock_until:
                audit.record(
                    conn,
                    audit.LOCKOUT,
                    username,
                    now,
                    user_id=user_id,
                    host=host,
                    detail=f"locked until {lock_until:%Y-%m-%d %H:%M} UTC",
                )
        if count >= MAX_FAILED:
            raise AccountLocked(username, locked)
        raise InvalidCredentials()

    def logout(self, user: CurrentUser, host: str | None = None) -> None:
        self._audit(audit.LOGOUT, user.username, self.clock(), user.user_id, host, None)

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
