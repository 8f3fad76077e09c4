"""Shared set-up of the mapper tests: a small demo ERP source, a SQLite warehouse, managed SQL."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event

from dms_desktop.core.connections.model import ConnectionDef
from dms_desktop.core.connections.service import ConnectionService
from dms_desktop.core.demo.erp import build_demo_erp
from dms_desktop.core.demo.mappings import DEMO_SQL, demo_mappings
from dms_desktop.core.mapping.model import Mapping
from dms_desktop.core.security.permissions import CurrentUser
from dms_desktop.core.sqlstore.service import SqlService
from dms_desktop.core.workspace import Workspace


@dataclass
class MapperEnv:
    ws: Workspace
    admin: CurrentUser
    erp: ConnectionDef
    dw: ConnectionDef
    dw_path: Path

    @property
    def connections(self) -> ConnectionService:
        return ConnectionService(self.ws, self.admin)

    def engine(self, name: str) -> Engine:
        return self.connections.engine(name)

    def mapping(self, ref: str) -> Mapping:
        assert self.dw.conid is not None
        found = next(m for m in demo_mappings(self.dw.conid) if m.ref == ref)
        return replace(found, columns=[replace(c) for c in found.columns])


def sqlite_connection(ws: Workspace, admin: CurrentUser, name: str, path: Path) -> ConnectionDef:
    if not path.exists():
        sqlite3.connect(path).close()
    return ConnectionService(ws, admin).create(
        ConnectionDef(name=name, dbtype="SQLITE", database=str(path))
    )


def mapper_env(
    ws: Workspace, admin: CurrentUser, folder: Path, *, validate_sql: bool = True
) -> MapperEnv:
    """ERP (40 customers, 120 orders) and an empty warehouse, with the demo's managed SQL."""
    folder.mkdir(parents=True, exist_ok=True)
    erp_path = folder / "erp.db"
    build_demo_erp(erp_path, customers=40, products=15, orders=120)
    erp = sqlite_connection(ws, admin, "ERP", erp_path)
    dw = sqlite_connection(ws, admin, "DW", folder / "dw.db")
    sql = SqlService(ws, admin)
    for code, description, text in DEMO_SQL:
        sql.save(code, text, erp.conid, description)
        if validate_sql:
            sql.validate(code)
    return MapperEnv(ws, admin, erp, dw, folder / "dw.db")


class StatementCounter:
    """Statements reaching the databases: SQLAlchemy cursor executes on the metadata engine,
    SQLite's own trace on file engines (which also sees the raw-cursor describe)."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}
        self.seen: dict[str, list[str]] = {}

    def hit(self, name: str, statement: str) -> None:
        self.counts[name] = self.counts.get(name, 0) + 1
        self.seen.setdefault(name, []).append(statement)

    def reset(self) -> None:
        self.counts.clear()
        self.seen.clear()


@contextmanager
def count_statements(**engines: Engine) -> Iterator[StatementCounter]:
    counter = StatementCounter()
    undo: list[Callable[[], None]] = []
    for name, engine in engines.items():
        target = engine.engine if hasattr(engine, "engine") else engine

        def on_execute(*args: Any, _name: str = name) -> None:
            counter.hit(_name, str(args[2]))

        event.listen(target, "before_cursor_execute", on_execute)
        undo.append(lambda t=target, f=on_execute: event.remove(t, "before_cursor_execute", f))
        if target.dialect.name == "sqlite":

            def on_checkout(dbapi: Any, _rec: Any, _proxy: Any, _name: str = name) -> None:
                dbapi.set_trace_callback(lambda sql, n=_name: counter.hit(f"{n}:sqlite", sql))

            def on_checkin(dbapi: Any, _rec: Any) -> None:
                if dbapi is not None:
                    dbapi.set_trace_callback(None)

            event.listen(target, "checkout", on_checkout)
            event.listen(target, "checkin", on_checkin)
            undo.append(lambda t=target, f=on_checkout: event.remove(t, "checkout", f))
            undo.append(lambda t=target, f=on_checkin: event.remove(t, "checkin", f))
    try:
        yield counter
    finally:
        for step in undo:
            step()
