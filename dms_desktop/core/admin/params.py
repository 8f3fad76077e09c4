"""Reading and changing the workspace parameters of the registry, checked and audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select

from dms_desktop.core import clock
from dms_desktop.core.admin import trail
from dms_desktop.core.admin.config import REGISTRY, Param, lookup, stored_rows
from dms_desktop.core.errors import ValidationError
from dms_desktop.core.metadata.engine import write_tx
from dms_desktop.core.metadata.tables import dms_params
from dms_desktop.core.security.permissions import CurrentUser
from dms_desktop.core.workspace import Workspace


@dataclass(frozen=True)
class ParamValue:
    param: Param
    value: Any  # typed; the default when nothing (valid) is stored
    text: str  # as shown and stored
    is_default: bool
    updated: datetime | None
    problem: str | None = None  # a stored value that does not parse

    @property
    def key(self) -> str:
        return self.param.key

    def row(self) -> dict[str, Any]:
        """Plain values for the CLI and JSON."""
        p = self.param
        return {
            "key": p.key,
            "value": self.text,
            "default": p.format(p.default),
            "type": p.kind,
            "unit": p.unit,
            "range": _range(p),
            "is_default": self.is_default,
            "description": p.description,
        }


def _range(p: Param) -> str:
    if p.minimum is None and p.maximum is None:
        return ""
    return f"{p.minimum if p.minimum is not None else ''}..{p.maximum if p.maximum is not None else ''}"


class ParamService:
    def __init__(self, ws: Workspace, actor: CurrentUser) -> None:
        self.ws = ws
        self.actor = actor

    def list(self) -> list[ParamValue]:
        self.actor.require("admin", "view")
        with self.ws.engine.connect() as conn:
            stored = stored_rows(conn)
        return [self._value(p, stored.get(p.key)) for p in REGISTRY]

    def get(self, key: str) -> ParamValue:
        self.actor.require("admin", "view")
        param = lookup(key)
        with self.ws.engine.connect() as conn:
            return self._value(param, stored_rows(conn).get(param.key))

    @staticmethod
    def _value(param: Param, stored: tuple[str | None, Any] | None) -> ParamValue:
        if stored is None or stored[0] is None:
            return ParamValue(param, param.default, param.format(param.default), True, None)
        try:
            value = param.parse(stored[0])
        except ValidationError as exc:
            return ParamValue(
                param, param.default, param.format(param.default), True, stored[1], exc.message
            )
        return ParamValue(param, value, param.format(value), False, stored[1])

    def set(self, key: str, text: str) -> ParamValue:
        """Validate and store ``text``; the change is audited with its old and new value."""
        self.actor.require("admin", "edit")
        param = lookup(key)
        value = param.parse(text)
        formatted = param.format(value)
        now = clock.utcnow()
        where = (dms_params.c.prtyp == param.group) & (dms_params.c.prcd == param.code)
        with write_tx(self.ws.engine) as conn:
            before = self._value(param, stored_rows(conn).get(param.key))
            if not before.is_default and before.text == formatted:
                return before
            if conn.execute(select(dms_params.c.prcd).where(where)).first():
                conn.execute(dms_params.update().where(where).values(prval=formatted, recupdt=now))
            else:
                conn.execute(
                    dms_params.insert().values(
                        prtyp=param.group, prcd=param.code, prval=formatted,
                        prdesc=param.title, reccrdt=now,
                    )
                )  # fmt: skip
            self._trail(conn, "SET", param.key, before.text, formatted, before.is_default)
        return ParamValue(param, value, formatted, False, now)

    def reset(self, key: str) -> ParamValue:
        """Back to the default (the row is removed)."""
        self.actor.require("admin", "edit")
        param = lookup(key)
        with write_tx(self.ws.engine) as conn:
            before = self._value(param, stored_rows(conn).get(param.key))
            conn.execute(
                delete(dms_params).where(
                    dms_params.c.prtyp == param.group, dms_params.c.prcd == param.code
                )
            )
            if not before.is_default or before.problem:
                self._trail(
                    conn, "RESET", param.key, before.text, param.format(param.default), False
                )
        return self._value(param, None)

    def _trail(
        self, conn: Any, action: str, key: str, old: str, new: str, was_default: bool
    ) -> None:
        session = self.actor.session
        trail.record(
            conn, self.actor.username, trail.PARAM, action, key,
            before={"value": old, "default": was_default}, after={"value": new},
            actor_id=self.actor.user_id, host=session.host if session is not None else None,
        )  # fmt: skip
