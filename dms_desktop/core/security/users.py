"""User administration, every call checked against the actor's permissions and audited.

Changes are recorded in the admin audit trail (before/after, never a password) in the same
transaction; the login audit keeps its account events (created, unlocked). No change may
leave the workspace without an active administrator (``ensure_an_admin_remains``).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from dms_desktop.core import clock as clock_mod
from dms_desktop.core.admin import trail
from dms_desktop.core.errors import ValidationError
from dms_desktop.core.metadata.engine import write_tx
from dms_desktop.core.metadata.tables import roles, user_profiles, user_roles, users
from dms_desktop.core.security import audit
from dms_desktop.core.security.accounts import (
    create_user_row,
    ensure_an_admin_remains,
    role_id,
    set_password_row,
    user_role_names,
    user_row,
)
from dms_desktop.core.security.permissions import CurrentUser
from dms_desktop.core.workspace import Workspace

__all__ = ["Profile", "UserInfo", "UserService", "create_user_row", "role_id", "set_password_row"]

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class Profile:
    full_name: str | None = None
    email: str | None = None
    department: str | None = None
    phone: str | None = None

    def cleaned(self) -> Profile:
        values = {k: (v or "").strip() or None for k, v in asdict(self).items()}
        profile = Profile(**values)
        if profile.email and (len(profile.email) > 320 or not _EMAIL.match(profile.email)):
            raise ValidationError(f"E-mail {profile.email!r} is not valid: use name@example.com.")
        for name, limit in (("full_name", 200), ("department", 200), ("phone", 50)):
            value = getattr(profile, name)
            if value and len(value) > limit:
                raise ValidationError(f"The {name.replace('_', ' ')} is longer than {limit}.")
        return profile


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
    email: str | None = None
    department: str | None = None
    phone: str | None = None
    must_change_password: bool = False
    created_at: datetime | None = None

    def locked(self, now: datetime) -> bool:
        return self.locked_until is not None and self.locked_until > now

    @property
    def profile(self) -> Profile:
        return Profile(self.full_name, self.email, self.department, self.phone)


class UserService:
    """User administration acting as ``actor``: permissions checked here, not in the GUI."""

    def __init__(
        self, ws: Workspace, actor: CurrentUser, clock: clock_mod.Clock | None = None
    ) -> None:
        self.ws = ws
        self.actor = actor
        self.clock = clock or clock_mod.utcnow

    # -- reading ------------------------------------------------------------------------------
    def list_users(self) -> list[UserInfo]:
        self.actor.require("admin", "view")
        with self.ws.engine.connect() as conn:
            return self._infos(conn)

    def get_user(self, username: str) -> UserInfo:
        """Anyone may read their own account; other accounts need Admin view."""
        if username.strip().lower() != self.actor.username.lower():
            self.actor.require("admin", "view")
        elif self.actor.session is not None:
            self.actor.session.check()
        with self.ws.engine.connect() as conn:
            return self._infos(conn, user_row(conn, username)["user_id"])[0]

    def _infos(self, conn: Connection, user_id: int | None = None) -> list[UserInfo]:
        query = (
            select(
                users,
                user_profiles.c.full_name,
                user_profiles.c.email,
                user_profiles.c.department,
                user_profiles.c.phone,
            )
            .outerjoin(user_profiles, user_profiles.c.user_id == users.c.user_id)
            .order_by(users.c.username)
        )
        pairs_query = (
            select(user_roles.c.user_id, roles.c.role_name)
            .join(roles, roles.c.role_id == user_roles.c.role_id)
            .order_by(roles.c.role_name)
        )
        if user_id is not None:
            query = query.where(users.c.user_id == user_id)
            pairs_query = pairs_query.where(user_roles.c.user_id == user_id)
        rows = conn.execute(query).mappings().all()
        by_user: dict[int, list[str]] = {}
        for uid, name in conn.execute(pairs_query).all():
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
                r["email"],
                r["department"],
                r["phone"],
                bool(r["must_change_password"]),
                r["created_at"],
            )
            for r in rows
        ]

    # -- creating -----------------------------------------------------------------------------
    def add_user(
        self, username: str, role_name: str, password: str, *, must_change: bool = False
    ) -> int:
        return self.create_user(username, password, [role_name], must_change=must_change)

    def create_user(
        self,
        username: str,
        password: str,
        role_names: list[str],
        profile: Profile | None = None,
        *,
        must_change: bool = True,
    ) -> int:
        """A new account; ``must_change``: the initial password is changed at first login."""
        self.actor.require("admin", "create")
        username = username.strip()
        if not role_names:
            raise ValidationError("Give the new user at least one role.")
        clean = (profile or Profile()).cleaned()
        now = self.clock()
        with write_tx(self.ws.engine) as conn:
            user_id = create_user_row(
                conn, username, password, role_names, now, by=self.actor.username,
                must_change=must_change,
            )  # fmt: skip
            conn.execute(
                user_profiles.update()
                .where(user_profiles.c.user_id == user_id)
                .values(**asdict(clean), updated_at=now)
            )
            audit.record(
                conn,
                audit.USER_CREATED,
                username,
                now,
                user_id=user_id,
                host=self._host(),
                detail=f"by {self.actor.username}, role {', '.join(role_names)}",
            )
            after = {"roles": sorted(user_role_names(conn, user_id)), **asdict(clean)}
            after["must_change_password"] = must_change
            self._trail(conn, "CREATE", username, after=after, at=now)
        return user_id

    # -- editing ------------------------------------------------------------------------------
    def update_profile(self, username: str, profile: Profile) -> Profile:
        """Administrators edit anyone's profile; a user may edit their own."""
        if username.strip().lower() != self.actor.username.lower():
            self.actor.require("admin", "edit")
        elif self.actor.session is not None:
            self.actor.session.check()
        clean = profile.cleaned()
        now = self.clock()
        with write_tx(self.ws.engine) as conn:
            row = user_row(conn, username)
            before = self._profile(conn, row["user_id"])
            if before == clean:
                return clean
            conn.execute(
                user_profiles.update()
                .where(user_profiles.c.user_id == row["user_id"])
                .values(**asdict(clean), updated_at=now)
            )
            self._trail(
                conn, "UPDATE", row["username"], before=asdict(before), after=asdict(clean), at=now
            )
        return clean

    def set_roles(self, username: str, role_names: list[str]) -> tuple[str, ...]:
        """Replace the user's roles; refused when no active administrator would remain."""
        self.actor.require("admin", "edit")
        if not role_names:
            raise ValidationError("A user needs at least one role: disable the account instead.")
        now = self.clock()
        with write_tx(self.ws.engine) as conn:
            row = user_row(conn, username)
            wanted = {role_id(conn, name) for name in role_names}
            before = user_role_names(conn, row["user_id"])
            current = set(
                conn.execute(
                    select(user_roles.c.role_id).where(user_roles.c.user_id == row["user_id"])
                ).scalars()
            )
            for rid in current - wanted:
                conn.execute(
                    user_roles.delete().where(
                        user_roles.c.user_id == row["user_id"], user_roles.c.role_id == rid
                    )
                )
            for rid in wanted - current:
                conn.execute(
                    user_roles.insert().values(
                        user_id=row["user_id"], role_id=rid, granted_at=now,
                        granted_by=self.actor.username,
                    )
                )  # fmt: skip
            after = user_role_names(conn, row["user_id"])
            if after != before:
                ensure_an_admin_remains(conn)
                self._trail(
                    conn, "SET_ROLES", row["username"], before={"roles": before},
                    after={"roles": after}, at=now,
                )  # fmt: skip
        return tuple(after)

    def grant_role(self, username: str, role_name: str) -> tuple[str, ...]:
        current = self._role_names(username)
        if role_name.strip().lower() in (r.lower() for r in current):
            return tuple(current)
        return self.set_roles(username, [*current, role_name])

    def revoke_role(self, username: str, role_name: str) -> tuple[str, ...]:
        current = self._role_names(username)
        kept = [r for r in current if r.lower() != role_name.strip().lower()]
        if len(kept) == len(current):
            raise ValidationError(f"User '{username}' does not hold role '{role_name}'.")
        return self.set_roles(username, kept)

    def _role_names(self, username: str) -> list[str]:
        self.actor.require("admin", "edit")
        with self.ws.engine.connect() as conn:
            return user_role_names(conn, user_row(conn, username)["user_id"])

    # -- status -------------------------------------------------------------------------------
    def disable(self, username: str) -> None:
        """The account can no longer log in; a session it has open ends at its next call."""
        self._set_active(username, False)

    def enable(self, username: str) -> None:
        self._set_active(username, True)

    def _set_active(self, username: str, active: bool) -> None:
        self.actor.require("admin", "edit")
        self._not_self(username, "disable" if not active else "enable")
        now = self.clock()
        with write_tx(self.ws.engine) as conn:
            row = user_row(conn, username)
            if bool(row["is_active"]) == active:
                return
            values: dict[str, Any] = {"is_active": active, "updated_at": now}
            if active:
                values.update(failed_attempts=0, locked_until=None)
            conn.execute(users.update().where(users.c.user_id == row["user_id"]).values(values))
            if not active:
                ensure_an_admin_remains(conn)
            self._trail(
                conn, "ENABLE" if active else "DISABLE", row["username"],
                before={"active": not active}, after={"active": active}, at=now,
            )  # fmt: skip

    def unlock(self, username: str) -> None:
        self.actor.require("admin", "edit")
        now = self.clock()
        with write_tx(self.ws.engine) as conn:
            row = user_row(conn, username)
            conn.execute(
                users.update()
                .where(users.c.user_id == row["user_id"])
                .values(failed_attempts=0, locked_until=None, updated_at=now)
            )
            audit.record(
                conn,
                audit.UNLOCK,
                row["username"],
                now,
                user_id=row["user_id"],
                host=self._host(),
                detail=f"by {self.actor.username}",
            )
            self._trail(
                conn, "UNLOCK", row["username"], before={"locked_until": row["locked_until"]},
                at=now,
            )  # fmt: skip

    def reset_password(self, username: str, temporary_password: str) -> None:
        """Set a temporary password the user must change at the next login; unlocks."""
        self.actor.require("admin", "edit")
        now = self.clock()
        with write_tx(self.ws.engine) as conn:
            row = user_row(conn, username)
            set_password_row(
                conn, row["user_id"], row["username"], temporary_password, now, must_change=True
            )
            self._trail(
                conn, "RESET_PASSWORD", row["username"], detail="must change at next login",
                at=now,
            )  # fmt: skip

    def delete_user(self, username: str) -> None:
        """Remove the account (its login audit rows stay, by name)."""
        self.actor.require("admin", "delete")
        self._not_self(username, "delete")
        now = self.clock()
        with write_tx(self.ws.engine) as conn:
            row = user_row(conn, username)
            before = {
                "roles": user_role_names(conn, row["user_id"]),
                "active": bool(row["is_active"]),
                **asdict(self._profile(conn, row["user_id"])),
            }
            conn.execute(users.delete().where(users.c.user_id == row["user_id"]))
            ensure_an_admin_remains(conn)
            self._trail(conn, "DELETE", row["username"], before=before, at=now)

    # -- helpers ------------------------------------------------------------------------------
    def _not_self(self, username: str, verb: str) -> None:
        if username.strip().lower() == self.actor.username.lower():
            raise ValidationError(f"You cannot {verb} your own account: ask another administrator.")

    @staticmethod
    def _profile(conn: Connection, user_id: int) -> Profile:
        row = conn.execute(
            select(
                user_profiles.c.full_name,
                user_profiles.c.email,
                user_profiles.c.department,
                user_profiles.c.phone,
            ).where(user_profiles.c.user_id == user_id)
        ).first()
        return Profile(*row) if row is not None else Profile()

    def _host(self) -> str | None:
        return self.actor.session.host if self.actor.session is not None else None

    def _trail(self, conn: Connection, action: str, name: str, **kw: Any) -> None:
        trail.record(
            conn, self.actor.username, trail.USER, action, name, actor_id=self.actor.user_id,
            host=self._host(), **kw,
        )  # fmt: skip
