"""User administration, every call checked against the actor's permissions."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, delete, func, select

from dms_desktop.core import clock as clock_mod
from dms_desktop.core.errors import AlreadyExists, NotFound, ValidationError
from dms_desktop.core.metadata.engine import write_tx
from dms_desktop.core.metadata.tables import (
    password_history,
    roles,
    user_profiles,
    user_roles,
    users,
)
from dms_desktop.core.security import audit
from dms_desktop.core.security.passwords import hash_password
from dms_desktop.core.security.permissions import CurrentUser
from dms_desktop.core.security.policy import HISTORY_DEPTH, check_password
from dms_desktop.core.workspace import Workspace

_USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{1,99}$")


@dataclass(frozen=True)
class UserInfo:
    user_id: int
    username: str
    roles: tuple[str, ...]
    is_active: bool
    locked_until: datetime | None
    failed_attempts: int
    last_login_at: datetime | None
    full_name: str | None


def role_id(conn: Connection, role_name: str) -> int:
    found = conn.execute(
        select(roles.c.role_id).where(func.lower(roles.c.role_name) == role_name.lower())
    ).scalar_one_or_none()
    if found is None:
        known = conn.execute(select(roles.c.role_name).order_by(roles.c.role_id)).scalars().all()
        raise ValidationError(f"Unknown role '{role_name}': use one of {', '.join(known)}.")
    return int(found)


def create_user_row(
    conn: Connection,
    username: str,
    password: str,
    role_name: str,
    now: datetime,
    *,
    by: str,
    must_change: bool = False,
) -> int:
    """Insert a user with one role; the caller owns the transaction and the permission check."""
    if not _USERNAME.match(username):
        raise ValidationError(
            f"User name {username!r} is not valid: use 2-100 letters, digits, '.', '_', '@' "
            "or '-', starting with a letter or digit."
        )
    rid = role_id(conn, role_name)
    check_password(username, password)
    taken = conn.execute(
        select(users.c.user_id).where(func.lower(users.c.username) == username.lower())
    ).first()
    if taken:
        raise AlreadyExists(f"User '{username}' already exists: choose another name.")
    digest = hash_password(password)
    inserted = conn.execute(
        users.insert().values(
            username=username,
            password_hash=digest,
            is_active=True,
            failed_attempts=0,
            must_change_password=must_change,
            password_changed_at=now,
            created_at=now,
            created_by=by,
        )
    ).inserted_primary_key
    assert inserted is not None
    user_id = inserted[0]
    conn.execute(user_profiles.insert().values(user_id=user_id, updated_at=now))
    conn.execute(
        user_roles.insert().values(user_id=user_id, role_id=rid, granted_at=now, granted_by=by)
    )
    conn.execute(
        password_history.insert().values(user_id=user_id, password_hash=digest, changed_at=now)
    )
    return int(user_id)


def set_password_row(
    conn: Connection,
    user_id: int,
    username: str,
    password: str,
    now: datetime,
    *,
    must_change: bool,
) -> None:
    """Store a new password after the policy and the history check; keep the last few."""
    recent = (
        conn.execute(
            select(password_history.c.password_hash)
            .where(password_history.c.user_id == user_id)
            .order_by(password_history.c.changed_at.desc(), password_history.c.id.desc())
            .limit(HISTORY_DEPTH)
        )
        .scalars()
        .all()
    )
    check_password(username, password, recent)
    digest = hash_password(password)
    conn.execute(
        users.update()
        .where(users.c.user_id == user_id)
        .values(
            password_hash=digest,
            password_changed_at=now,
            must_change_password=must_change,
            failed_attempts=0,
            locked_until=None,
            updated_at=now,
        )
    )
    conn.execute(
        password_history.insert().values(user_id=user_id, password_hash=digest, changed_at=now)
    )
    keep = (
        select(password_history.c.id)
        .where(password_history.c.user_id == user_id)
        .order_by(password_history.c.changed_at.desc(), password_history.c.id.desc())
        .limit(HISTORY_DEPTH)
    )
    kept = conn.execute(keep).scalars().all()
    conn.execute(
        delete(password_history).where(
            password_history.c.user_id == user_id, password_history.c.id.not_in(kept)
        )
    )


class UserService:
    """User administration acting as ``actor``: permissions checked here, not in the GUI."""

    def __init__(
        self, ws: Workspace, actor: CurrentUser, clock: clock_mod.Clock | None = None
    ) -> None:
        self.ws = ws
        self.actor = actor
        self.clock = clock or clock_mod.utcnow

    def list_users(self) -> list[UserInfo]:
        self.actor.require("admin", "view")
        with self.ws.engine.connect() as conn:
            rows = (
                conn.execute(
                    select(users, user_profiles.c.full_name)
                    .outerjoin(user_profiles, user_profiles.c.user_id == users.c.user_id)
                    .order_by(users.c.username)
                )
                .mappings()
                .all()
            )
            pairs = conn.execute(
                select(user_roles.c.user_id, roles.c.role_name)
                .join(roles, roles.c.role_id == user_roles.c.role_id)
                .order_by(roles.c.role_name)
            ).all()
        by_user: dict[int, list[str]] = {}
        for uid, name in pairs:
            by_user.setdefault(uid, []).append(name)
        return [
            UserInfo(
                r["user_id"],
                r["username"],
                tuple(by_user.get(r["user_id"], ())),
                bool(r["is_active"]),
                r["locked_until"],
                r["failed_attempts"],
                r["last_login_at"],
                r["full_name"],
            )
            for r in rows
        ]

    def add_user(
        self, username: str, role_name: str, password: str, *, must_change: bool = False
    ) -> int:
        self.actor.require("admin", "create")
        now = self.clock()
        with write_tx(self.ws.engine) as conn:
            user_id = create_user_row(
                conn,
                username,
                password,
                role_name,
                now,
                by=self.actor.username,
                must_change=must_change,
            )
            audit.record(
                conn,
                audit.USER_CREATED,
                username,
                now,
                user_id=user_id,
                detail=f"by {self.actor.username}, role {role_name}",
            )
        return user_id

    def unlock(self, username: str) -> None:
        self.actor.require("admin", "edit")
        now = self.clock()
        with write_tx(self.ws.engine) as conn:
            user_id = conn.execute(
                select(users.c.user_id).where(users.c.username == username)
            ).scalar_one_or_none()
            if user_id is None:
                raise NotFound(f"No user '{username}': check the name with 'dms user list'.")
            conn.execute(
                users.update()
                .where(users.c.user_id == user_id)
                .values(failed_attempts=0, locked_until=None, updated_at=now)
            )
            audit.record(
                conn,
                audit.UNLOCK,
                username,
                now,
                user_id=user_id,
                detail=f"by {self.actor.username}",
            )
