"""Modules, actions and the permission check that core services call.

The matrix lives in the database (``permission_matrix``, one row per role and module). A
``CurrentUser`` carries the grants read at login; ``require`` raises ``PermissionDenied``
whatever the GUI shows, so a greyed-out button is a convenience, never the protection.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, select

from dms_desktop.core.errors import PermissionDenied
from dms_desktop.core.metadata.tables import permission_matrix, roles, user_roles

if TYPE_CHECKING:
    from dms_desktop.core.security.session import SessionGuard

MODULES = (
    "home",
    "connections",
    "sql",
    "mapper",
    "jobs",
    "calendar",
    "monitor",
    "dashboard",
    "reports",
    "uploads",
    "admin",
)
MODULE_TITLES = {
    "home": "Home",
    "connections": "Connections",
    "sql": "SQL",
    "mapper": "Mapper",
    "jobs": "Jobs",
    "calendar": "Calendar",
    "monitor": "Monitor",
    "dashboard": "Dashboard",
    "reports": "Reports",
    "uploads": "Uploads",
    "admin": "Admin",
}
ACTIONS = ("view", "create", "edit", "delete")
# Rights that apply to one module only: run a load now (Jobs), export a report (Reports).
EXTRA_ACTIONS = ("run", "export")
ALL_ACTIONS = ACTIONS + EXTRA_ACTIONS
EXTRA_MODULE = {"run": "jobs", "export": "reports"}
ACTION_TITLES = {
    "view": "View",
    "create": "Create",
    "edit": "Edit",
    "delete": "Delete",
    "run": "Run",
    "export": "Export",
}
DEFAULT_ROLES = ("Admin", "Developer", "Operator", "Viewer")


def applies(module: str, action: str) -> bool:
    """Whether the matrix has a cell for ``module`` x ``action``."""
    return module in MODULES and (action in ACTIONS or EXTRA_MODULE.get(action) == module)


def grants_of(rows: Iterable[Mapping[Any, Any]]) -> frozenset[tuple[str, str]]:
    """(module, action) pairs granted by ``permission_matrix`` rows."""
    return frozenset(
        (row["module"], action)
        for row in rows
        for action in ALL_ACTIONS
        if applies(row["module"], action) and row.get(f"can_{action}")
    )


@dataclass(frozen=True)
class CurrentUser:
    """Who acts. With a ``session`` (a login) the roles and grants are re-read as the
    database changes and every ``require`` first checks the account is still enabled."""

    user_id: int
    username: str
    roles: tuple[str, ...]
    grants: frozenset[tuple[str, str]]
    session: SessionGuard | None = field(default=None, compare=False, repr=False)

    @property
    def live_grants(self) -> frozenset[tuple[str, str]]:
        return self.session.grants if self.session is not None else self.grants

    @property
    def live_roles(self) -> tuple[str, ...]:
        return self.session.roles if self.session is not None else self.roles

    def can(self, module: str, action: str) -> bool:
        return (module, action) in self.live_grants

    def missing(self, module: str, action: str) -> str:
        """Tooltip text of a control this user may not use."""
        return (
            f"Needs the {ACTION_TITLES[action]} right in {MODULE_TITLES[module]} "
            f"(your roles: {', '.join(self.live_roles) or 'none'})"
        )

    def require(self, module: str, action: str, why: str | None = None) -> None:
        """Raise PermissionDenied (audited) unless the user holds the right; ``why`` replaces
        the generic message where the reason needs saying."""
        if not applies(module, action):
            raise ValueError(f"unknown permission {module}.{action}")  # a bug, not the user's
        if self.session is not None:
            self.session.check()
        if not self.can(module, action):
            message = why or (
                f"{self.username} ({', '.join(self.live_roles) or 'no role'}) may not {action} "
                f"in {MODULE_TITLES[module]}: ask an administrator for a role that allows it."
            )
            if self.session is not None:
                self.session.denied(f"{module}.{action}", message)
            raise PermissionDenied(message)


def load_user(conn: Connection, user_id: int, username: str) -> CurrentUser:
    """The user with the roles and grants the database gives them now."""
    role_names = (
        conn.execute(
            select(roles.c.role_name)
            .join(user_roles, user_roles.c.role_id == roles.c.role_id)
            .where(user_roles.c.user_id == user_id)
            .order_by(roles.c.role_name)
        )
        .scalars()
        .all()
    )
    rows = (
        conn.execute(
            select(permission_matrix)
            .join(user_roles, user_roles.c.role_id == permission_matrix.c.role_id)
            .where(user_roles.c.user_id == user_id)
        )
        .mappings()
        .all()
    )
    return CurrentUser(user_id, username, tuple(role_names), grants_of(rows))


def service_user(name: str = "dms-scheduler") -> CurrentUser:
    """The identity of the scheduler service: it runs what users queued or scheduled.

    It holds every grant: the permission to run was checked when the job was created,
    scheduled or queued by a user; the service host is trusted with the metadata database.
    """
    return CurrentUser(
        0,
        name,
        ("Service",),
        frozenset((m, a) for m in MODULES for a in ALL_ACTIONS if applies(m, a)),
    )
