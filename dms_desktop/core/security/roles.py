"""Roles, their permission matrix and their connection grants, administered and audited.

The matrix has one row per role and module: view, create, edit, delete, plus "run" on Jobs
and "export" on Reports. A role either uses every connection (``all_connections``) or only
the ones granted in ``role_connections``; a user may use a connection when any of their roles
may. The system roles (Admin, Developer, Operator, Viewer) keep their names and cannot be
deleted, but their rights can be edited, as long as an active administrator remains.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, func, select

from dms_desktop.core import clock
from dms_desktop.core.admin import trail
from dms_desktop.core.errors import AlreadyExists, NotFound, ValidationError
from dms_desktop.core.metadata.engine import write_tx
from dms_desktop.core.metadata.tables import (
    dms_dbcondtls,
    permission_matrix,
    role_connections,
    roles,
    user_roles,
    users,
)
from dms_desktop.core.security.accounts import ensure_an_admin_remains
from dms_desktop.core.security.permissions import (
    ALL_ACTIONS,
    EXTRA_MODULE,
    MODULE_TITLES,
    MODULES,
    CurrentUser,
    applies,
)
from dms_desktop.core.workspace import Workspace

_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9 _.-]{0,49}$")
LETTERS = {"v": "view", "c": "create", "e": "edit", "d": "delete", "r": "run", "x": "export"}
Rights = dict[str, frozenset[str]]


@dataclass(frozen=True)
class RoleInfo:
    role_id: int
    name: str
    description: str | None
    is_system: bool
    all_connections: bool
    connections: tuple[str, ...]
    users: tuple[str, ...]
    rights: Rights

    def can(self, module: str, action: str) -> bool:
        return action in self.rights.get(module, frozenset())


def check_role_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationError("A role needs a name.")
    if not _NAME.match(name):
        raise ValidationError(
            f"Role name {name!r} is not valid: up to 50 letters, digits, spaces, '_', '.' or "
            "'-', starting with a letter."
        )
    return name


def parse_actions(module: str, text: str) -> frozenset[str]:
    """``view,edit``, ``vced``, ``all`` or ``none``: the actions of ``module`` meant."""
    if module not in MODULES:
        raise ValidationError(f"Unknown module '{module}': use one of {', '.join(MODULES)}.")
    raw = (text or "").strip().lower()
    if raw in ("none", "-", ""):
        return frozenset()
    if raw == "all":
        return frozenset(a for a in ALL_ACTIONS if applies(module, a))
    words = [w for w in re.split(r"[\s,;+]+", raw) if w]
    if len(words) == 1 and words[0] not in ALL_ACTIONS and set(words[0]) <= set(LETTERS):
        words = [LETTERS[c] for c in words[0]]
    unknown = [w for w in words if w not in ALL_ACTIONS]
    if unknown:
        raise ValidationError(
            f"Unknown action '{unknown[0]}': use {', '.join(ALL_ACTIONS)}, letters "
            f"({''.join(LETTERS)}), all or none."
        )
    for word in words:
        if not applies(module, word):
            raise ValidationError(
                f"'{word}' applies to {MODULE_TITLES[EXTRA_MODULE[word]]} only, "
                f"not to {MODULE_TITLES[module]}."
            )
    return frozenset(words)


def rights_text(actions: Iterable[str]) -> str:
    chosen = set(actions)
    return ",".join(a for a in ALL_ACTIONS if a in chosen) or "none"


class RoleService:
    def __init__(self, ws: Workspace, actor: CurrentUser) -> None:
        self.ws = ws
        self.actor = actor

    # -- reading ------------------------------------------------------------------------------
    def list_roles(self) -> list[RoleInfo]:
        self.actor.require("admin", "view")
        with self.ws.engine.connect() as conn:
            return self._infos(conn)

    def get(self, name: str) -> RoleInfo:
        self.actor.require("admin", "view")
        with self.ws.engine.connect() as conn:
            return self._infos(conn, self._row(conn, name)["role_id"])[0]

    def connection_choices(self) -> list[tuple[int, str]]:
        """Every current connection, for the grants editor (no connection right needed)."""
        self.actor.require("admin", "view")
        with self.ws.engine.connect() as conn:
            rows = conn.execute(
                select(dms_dbcondtls.c.conid, dms_dbcondtls.c.connm)
                .where(dms_dbcondtls.c.curflg == "Y")
                .order_by(func.lower(dms_dbcondtls.c.connm))
            ).all()
        return [(int(r.conid), str(r.connm)) for r in rows]

    def _row(self, conn: Connection, name: str) -> Any:
        row = (
            conn.execute(select(roles).where(func.lower(roles.c.role_name) == name.strip().lower()))
            .mappings()
            .first()
        )
        if row is None:
            known = conn.execute(select(roles.c.role_name).order_by(roles.c.role_id)).scalars()
            raise NotFound(f"No role '{name}': use one of {', '.join(known)}.")
        return row

    def _infos(self, conn: Connection, role_id: int | None = None) -> list[RoleInfo]:
        query = select(roles).order_by(roles.c.role_id)
        if role_id is not None:
            query = query.where(roles.c.role_id == role_id)
        rows = conn.execute(query).mappings().all()
        rights: dict[int, Rights] = {}
        for row in conn.execute(select(permission_matrix)).mappings():
            actions = frozenset(
                a for a in ALL_ACTIONS if applies(row["module"], a) and row[f"can_{a}"]
            )
            rights.setdefault(row["role_id"], {})[row["module"]] = actions
        members: dict[int, list[str]] = {}
        for rid, username in conn.execute(
            select(user_roles.c.role_id, users.c.username)
            .join(users, users.c.user_id == user_roles.c.user_id)
            .order_by(users.c.username)
        ):
            members.setdefault(rid, []).append(username)
        granted: dict[int, list[str]] = {}
        for rid, connm in conn.execute(
            select(role_connections.c.role_id, dms_dbcondtls.c.connm)
            .join(dms_dbcondtls, dms_dbcondtls.c.conid == role_connections.c.conid)
            .where(dms_dbcondtls.c.curflg == "Y")
            .order_by(func.lower(dms_dbcondtls.c.connm))
        ):
            granted.setdefault(rid, []).append(connm)
        return [
            RoleInfo(
                r["role_id"],
                r["role_name"],
                r["description"],
                bool(r["is_system"]),
                bool(r["all_connections"]),
                tuple(granted.get(r["role_id"], ())),
                tuple(members.get(r["role_id"], ())),
                {m: rights.get(r["role_id"], {}).get(m, frozenset()) for m in MODULES},
            )
            for r in rows
        ]

    # -- writing ------------------------------------------------------------------------------
    def create(
        self, name: str, description: str | None = None, *, copy_from: str | None = None
    ) -> RoleInfo:
        """A new role without rights, or with the rights and grants of ``copy_from``."""
        self.actor.require("admin", "create")
        name = check_role_name(name)
        now = clock.utcnow()
        with write_tx(self.ws.engine) as conn:
            if conn.execute(
                select(roles.c.role_id).where(func.lower(roles.c.role_name) == name.lower())
            ).first():
                raise AlreadyExists(f"Role '{name}' already exists: choose another name.")
            source = (
                self._infos(conn, self._row(conn, copy_from)["role_id"])[0] if copy_from else None
            )
            inserted = conn.execute(
                roles.insert().values(
                    role_name=name,
                    description=(description or "").strip() or None,
                    is_system=False,
                    all_connections=source.all_connections if source else True,
                    created_at=now,
                )
            ).inserted_primary_key
            assert inserted is not None
            rid = int(inserted[0])
            for module in MODULES:
                actions = source.rights[module] if source else frozenset()
                conn.execute(permission_matrix.insert().values(self._cells(rid, module, actions)))
            if source is not None:
                self._grant_connections(conn, source.role_id, rid, now)
            info = self._infos(conn, rid)[0]
            self._trail(conn, "CREATE", name, after=self._snapshot(info))
            return info

    def update(
        self, name: str, *, new_name: str | None = None, description: str | None = None
    ) -> RoleInfo:
        self.actor.require("admin", "edit")
        with write_tx(self.ws.engine) as conn:
            row = self._row(conn, name)
            values: dict[str, Any] = {}
            if new_name is not None and new_name.strip() != row["role_name"]:
                if row["is_system"]:
                    raise ValidationError(
                        f"{row['role_name']} is a built-in role: it keeps its name."
                    )
                new_name = check_role_name(new_name)
                clash = conn.execute(
                    select(roles.c.role_id).where(
                        func.lower(roles.c.role_name) == new_name.lower(),
                        roles.c.role_id != row["role_id"],
                    )
                ).first()
                if clash:
                    raise AlreadyExists(f"Role '{new_name}' already exists: choose another name.")
                values["role_name"] = new_name
            if description is not None and (description.strip() or None) != row["description"]:
                values["description"] = description.strip() or None
            if values:
                conn.execute(roles.update().where(roles.c.role_id == row["role_id"]).values(values))
                before = {k: row[k] for k in values}
                self._trail(conn, "UPDATE", row["role_name"], before=before, after=values)
            return self._infos(conn, row["role_id"])[0]

    def delete(self, name: str) -> None:
        """Refused for a built-in role and for a role users still hold."""
        self.actor.require("admin", "delete")
        with write_tx(self.ws.engine) as conn:
            row = self._row(conn, name)
            info = self._infos(conn, row["role_id"])[0]
            if info.is_system:
                raise ValidationError(f"{info.name} is a built-in role: it cannot be deleted.")
            if info.users:
                raise ValidationError(
                    f"Role {info.name} is held by {', '.join(info.users[:5])}"
                    f"{' and more' if len(info.users) > 5 else ''}: revoke it first."
                )
            conn.execute(roles.delete().where(roles.c.role_id == info.role_id))
            ensure_an_admin_remains(conn)
            self._trail(conn, "DELETE", info.name, before=self._snapshot(info))

    def set_rights(self, name: str, module: str, actions: Iterable[str]) -> RoleInfo:
        """One row of the matrix (``dms role set NAME MODULE ACTIONS``)."""
        return self.set_matrix(name, {module: actions})

    def set_matrix(self, name: str, changes: Mapping[str, Iterable[str]]) -> RoleInfo:
        """Set the actions of each module in ``changes``; other modules keep theirs."""
        self.actor.require("admin", "edit")
        wanted: Rights = {}
        for module, actions in changes.items():
            chosen = frozenset(actions)
            parse_actions(module, ",".join(chosen) or "none")  # validates module and actions
            wanted[module] = chosen
        with write_tx(self.ws.engine) as conn:
            info = self._infos(conn, self._row(conn, name)["role_id"])[0]
            changed = {m: a for m, a in wanted.items() if info.rights[m] != a}
            for module, actions in changed.items():
                conn.execute(
                    permission_matrix.delete().where(
                        permission_matrix.c.role_id == info.role_id,
                        permission_matrix.c.module == module,
                    )
                )
                conn.execute(
                    permission_matrix.insert().values(self._cells(info.role_id, module, actions))
                )
            if changed:
                ensure_an_admin_remains(conn)
                self._trail(
                    conn, "SET_RIGHTS", info.name,
                    before={m: rights_text(info.rights[m]) for m in changed},
                    after={m: rights_text(a) for m, a in changed.items()},
                )  # fmt: skip
            return self._infos(conn, info.role_id)[0]

    def set_connections(
        self, name: str, all_connections: bool, connections: Iterable[str | int] = ()
    ) -> RoleInfo:
        """Let the role use every connection, or only ``connections`` (names or ids)."""
        self.actor.require("admin", "edit")
        now = clock.utcnow()
        with write_tx(self.ws.engine) as conn:
            info = self._infos(conn, self._row(conn, name)["role_id"])[0]
            conids = set() if all_connections else self._conids(conn, connections)
            conn.execute(roles.update().where(roles.c.role_id == info.role_id).values(
                all_connections=all_connections))  # fmt: skip
            conn.execute(
                role_connections.delete().where(role_connections.c.role_id == info.role_id)
            )
            for conid in sorted(conids):
                conn.execute(
                    role_connections.insert().values(
                        role_id=info.role_id, conid=conid, granted_at=now,
                        granted_by=self.actor.username,
                    )
                )  # fmt: skip
            after = self._infos(conn, info.role_id)[0]
            if (after.all_connections, after.connections) != (
                info.all_connections,
                info.connections,
            ):
                self._trail(
                    conn, "SET_CONNECTIONS", info.name, before=self._grants(info),
                    after=self._grants(after),
                )  # fmt: skip
            return after

    # -- helpers ------------------------------------------------------------------------------
    @staticmethod
    def _conids(conn: Connection, connections: Iterable[str | int]) -> set[int]:
        found: set[int] = set()
        for key in connections:
            where = (
                dms_dbcondtls.c.conid == key
                if isinstance(key, int)
                else func.lower(dms_dbcondtls.c.connm) == str(key).strip().lower()
            )
            conid = conn.execute(
                select(dms_dbcondtls.c.conid).where(where, dms_dbcondtls.c.curflg == "Y")
            ).scalar_one_or_none()
            if conid is None:
                raise NotFound(f"No connection '{key}': see 'dms connection list'.")
            found.add(int(conid))
        return found

    @staticmethod
    def _grant_connections(conn: Connection, source: int, target: int, now: Any) -> None:
        for (conid,) in conn.execute(
            select(role_connections.c.conid).where(role_connections.c.role_id == source)
        ).all():
            conn.execute(
                role_connections.insert().values(role_id=target, conid=conid, granted_at=now)
            )

    @staticmethod
    def _cells(role_id: int, module: str, actions: frozenset[str]) -> dict[str, Any]:
        return {
            "role_id": role_id,
            "module": module,
            **{f"can_{a}": applies(module, a) and a in actions for a in ALL_ACTIONS},
        }

    @staticmethod
    def _grants(info: RoleInfo) -> dict[str, Any]:
        return {"all_connections": info.all_connections, "connections": list(info.connections)}

    def _snapshot(self, info: RoleInfo) -> dict[str, Any]:
        return {
            "description": info.description,
            "rights": {m: rights_text(a) for m, a in info.rights.items() if a},
            **self._grants(info),
        }

    def _trail(self, conn: Connection, action: str, name: str, **kw: Any) -> None:
        session = self.actor.session
        trail.record(
            conn, self.actor.username, trail.ROLE, action, name, actor_id=self.actor.user_id,
            host=session.host if session is not None else None, **kw,
        )  # fmt: skip
