"""Shared set-up of the administration tests: a clock, users made fast, audit queries."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import select

from dms_desktop.core.admin import trail
from dms_desktop.core.metadata.engine import write_tx
from dms_desktop.core.metadata.tables import (
    admin_audit_log,
    login_audit_log,
    password_history,
    user_profiles,
    user_roles,
    users,
)
from dms_desktop.core.security.accounts import role_id
from dms_desktop.core.security.auth import AuthService
from dms_desktop.core.security.passwords import hash_password
from dms_desktop.core.security.permissions import DEFAULT_ROLES, CurrentUser
from dms_desktop.core.workspace import Workspace

ROLE_PASSWORD = "a long role password 2026"
NOW = datetime(2026, 3, 1, 9, 0, 0)


class FakeClock:
    """An injected clock: lockout expiry is tested without sleeping."""

    def __init__(self, now: datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@cache
def role_password_hash() -> str:
    """One argon2 hash shared by the quickly made users (hashing is the slow part)."""
    return hash_password(ROLE_PASSWORD)


def quick_user(ws: Workspace, username: str, *role_names: str, active: bool = True) -> int:
    """A user row with ROLE_PASSWORD, made without hashing again."""
    digest = role_password_hash()
    with write_tx(ws.engine) as conn:
        inserted = conn.execute(
            users.insert().values(
                username=username,
                password_hash=digest,
                is_active=active,
                password_changed_at=NOW,
                created_at=NOW,
                created_by="test",
            )
        ).inserted_primary_key
        assert inserted is not None
        user_id = int(inserted[0])
        conn.execute(user_profiles.insert().values(user_id=user_id, updated_at=NOW))
        for name in role_names:
            conn.execute(
                user_roles.insert().values(
                    user_id=user_id, role_id=role_id(conn, name), granted_at=NOW
                )
            )
        conn.execute(
            password_history.insert().values(user_id=user_id, password_hash=digest, changed_at=NOW)
        )
    return user_id


def role_users(ws: Workspace, prefix: str = "as") -> dict[str, CurrentUser]:
    """One logged-in user per default role, e.g. ``as_operator``."""
    found: dict[str, CurrentUser] = {}
    for role in DEFAULT_ROLES:
        name = f"{prefix}_{role.lower()}"
        quick_user(ws, name, role)
        found[role] = AuthService(ws).login(name, ROLE_PASSWORD)
    return found


def denials(ws: Workspace, username: str) -> list[str]:
    """What the trail recorded as refused for ``username`` (after the writer caught up)."""
    assert trail.flush()
    with ws.engine.connect() as conn:
        return list(
            conn.execute(
                select(admin_audit_log.c.object_name)
                .where(admin_audit_log.c.actor == username, admin_audit_log.c.action == "DENIED")
                .order_by(admin_audit_log.c.id)
            ).scalars()
        )


def changes(ws: Workspace, category: str | None = None) -> list[tuple[str, str, str]]:
    """(action, object, actor) of the trail, oldest first."""
    with ws.engine.connect() as conn:
        query = select(
            admin_audit_log.c.action, admin_audit_log.c.object_name, admin_audit_log.c.actor
        ).order_by(admin_audit_log.c.id)
        if category:
            query = query.where(admin_audit_log.c.category == category)
        return [tuple(r) for r in conn.execute(query).all()]  # type: ignore[misc]


def login_events(ws: Workspace, username: str) -> list[str]:
    with ws.engine.connect() as conn:
        return list(
            conn.execute(
                select(login_audit_log.c.event)
                .where(login_audit_log.c.username == username)
                .order_by(login_audit_log.c.id)
            ).scalars()
        )
