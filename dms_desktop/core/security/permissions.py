"""Modules, actions and the permission check that core services call.

The matrix lives in the database (``permission_matrix``, one row per role and module). A
``CurrentUser`` carries the grants read at login; ``require`` raises ``PermissionDenied``
whatever the GUI shows, so a greyed-out button is a convenience, never the protection.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, select

from dms_desktop.core.errors import PermissionDenied
from dms_desktop.core.metadata.tables import permission_matrix, roles, user_roles

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
DEFAULT_ROLES = ("Admin", "Developer", "Operator", "Viewer")


@dataclass(frozen=True)
class CurrentUser:
    user_id: int
    username: str
    roles: tuple[str, ...]
    grants: frozenset[tuple[str, str]]

    def can(self, module: str, action: str) -> bool:
        return (module, action) in self.grants

    def require(self, module: str, action: str) -> None:
        if module not in MODULES or action not in ACTIONS:
            raise ValueError(f"unknown permission {module}.{action}")  # a bug, not the user's
        if not self.can(module, action):
            raise PermissionDenied(
                f"{self.username} ({', '.join(self.roles) or 'no role'}) may not {action} in "
                f"{MODULE_TITLES[module]}: ask an administrator for a role that allows it."
            )


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
    grants = frozenset(
        (row["module"], action) for row in rows for action in ACTIONS if row[f"can_{action}"]
    )
    return CurrentUser(user_id, username, tuple(role_names), grants)


def service_user(name: str = "dms-scheduler") -> CurrentUser:
    """The identity of the scheduler service: it runs what users queued or scheduled.

    It holds every grant: the permission to run was checked when the job was created,
    scheduled or queued by a user; the service host is trusted with the metadata database.
    """
    return CurrentUser(0, name, ("Service",),
                       frozenset((m, a) for m in MODULES for a in ACTIONS))
