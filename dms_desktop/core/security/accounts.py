"""Row-level account operations; the caller owns the transaction and the permission check.

``ensure_an_admin_remains`` is the guard of every change that could lock the workspace out
of its own administration (disable, delete, revoke, a matrix edit, a role deleted): it runs
inside the change's transaction, after the change, and raises so the whole change rolls back.
"""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import Connection, delete, func, select
from sqlalchemy.engine import RowMapping

from dms_desktop.core.errors import AlreadyExists, NotFound, ValidationError
from dms_desktop.core.metadata.tables import (
    password_history,
    permission_matrix,
    roles,
    user_profiles,
    user_roles,
    users,
)
from dms_desktop.core.security.passwords import hash_password
from dms_desktop.core.security.policy import check_password, load_policy

_USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{1,99}$")
LAST_ADMIN = (
    "At least one active user must keep the Admin module's view and edit rights: "
    "this change would leave none, so nothing was changed."
)


def role_id(conn: Connection, role_name: str) -> int:
    found = conn.execute(
        select(roles.c.role_id).where(func.lower(roles.c.role_name) == role_name.strip().lower())
    ).scalar_one_or_none()
    if found is None:
        known = conn.execute(select(roles.c.role_name).order_by(roles.c.role_id)).scalars().all()
        raise ValidationError(f"Unknown role '{role_name}': use one of {', '.join(known)}.")
    return int(found)


def user_row(conn: Connection, username: str) -> RowMapping:
    row = (
        conn.execute(select(users).where(func.lower(users.c.username) == username.strip().lower()))
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound(f"No user '{username}': check the name with 'dms user list'.")
    return row


def user_role_names(conn: Connection, user_id: int) -> list[str]:
    return list(
        conn.execute(
            select(roles.c.role_name)
            .join(user_roles, user_roles.c.role_id == roles.c.role_id)
            .where(user_roles.c.user_id == user_id)
            .order_by(roles.c.role_name)
        ).scalars()
    )


def active_admin_count(conn: Connection) -> int:
    """Active users holding a role with view and edit on the Admin module."""
    return int(
        conn.execute(
            select(func.count(func.distinct(users.c.user_id)))
            .select_from(users)
            .join(user_roles, user_roles.c.user_id == users.c.user_id)
            .join(permission_matrix, permission_matrix.c.role_id == user_roles.c.role_id)
            .where(
                users.c.is_active,
                permission_matrix.c.module == "admin",
                permission_matrix.c.can_view,
                permission_matrix.c.can_edit,
            )
        ).scalar_one()
    )


def ensure_an_admin_remains(conn: Connection) -> None:
    if active_admin_count(conn) == 0:
        raise ValidationError(LAST_ADMIN)


def check_username(username: str) -> None:
    if not _USERNAME.match(username):
        raise ValidationError(
            f"User name {username!r} is not valid: use 2-100 letters, digits, '.', '_', '@' "
            "or '-', starting with a letter or digit."
        )


def create_user_row(
    conn: Connection,
    username: str,
    password: str,
    role_name: str | list[str],
    now: datetime,
    *,
    by: str,
    must_change: bool = False,
) -> int:
    """Insert a user with its roles, an empty profile and the first history entry."""
    check_username(username)
    names = [role_name] if isinstance(role_name, str) else list(role_name)
    role_ids = sorted({role_id(conn, name) for name in names})
    check_password(username, password, policy=load_policy(conn))
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
    user_id = int(inserted[0])
    conn.execute(user_profiles.insert().values(user_id=user_id, updated_at=now))
    for rid in role_ids:
        conn.execute(
            user_roles.insert().values(user_id=user_id, role_id=rid, granted_at=now, granted_by=by)
        )
    conn.execute(
        password_history.insert().values(user_id=user_id, password_hash=digest, changed_at=now)
    )
    return user_id


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
    policy = load_policy(conn)
    keep_count = max(policy.history, 1)
    recent = (
        conn.execute(
            select(password_history.c.password_hash)
            .where(password_history.c.user_id == user_id)
            .order_by(password_history.c.changed_at.desc(), password_history.c.id.desc())
            .limit(keep_count)
        )
        .scalars()
        .all()
    )
    check_password(username, password, recent if policy.history else (), policy)
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
    kept = (
        conn.execute(
            select(password_history.c.id)
            .where(password_history.c.user_id == user_id)
            .order_by(password_history.c.changed_at.desc(), password_history.c.id.desc())
            .limit(keep_count)
        )
        .scalars()
        .all()
    )
    conn.execute(
        delete(password_history).where(
            password_history.c.user_id == user_id, password_history.c.id.not_in(kept)
        )
    )
