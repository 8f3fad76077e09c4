"""Pooled engines, one per connection definition, replaced when the definition changes.

Keyed by (metadata database, conid); the stamp is the row's RECUPDT/RECCRDT, so an edit made
by anyone (another process included) yields a new engine and the old one is disposed.
``pool_pre_ping`` replaces a connection the server dropped before it is handed out.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, create_engine, event

from dms_desktop.core.connections.model import ConnectionDef
from dms_desktop.core.engine import hashing

# Execution option for SQLite: start the transaction with BEGIN IMMEDIATE, which takes the
# write lock first (waiting up to the busy timeout). A load reads before it writes; in a
# deferred transaction a second load into the same file would fail ("database is locked")
# where it should wait its turn.
SQLITE_IMMEDIATE = "dms_sqlite_immediate"
SQLITE_BUSY_TIMEOUT_MS = 30_000


def build_engine(defn: ConnectionDef, password: str | None, **kwargs: Any) -> Engine:
    engine = create_engine(
        defn.url(password), pool_pre_ping=True, connect_args=defn.connect_args(), **kwargs
    )
    if defn.dbtype == "SQLITE":
        _sqlite_events(engine)
    return engine


def _sqlite_events(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        # Transactions under our control: pysqlite would otherwise run DDL outside them,
        # and a load (staging DDL + merge) must be all-or-nothing.
        dbapi_conn.isolation_level = None
        dbapi_conn.create_function(hashing.SQLITE_MD5, 1, hashing.sqlite_md5, deterministic=True)

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        immediate = conn.get_execution_options().get(SQLITE_IMMEDIATE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


# SQLite has no decimal type: store decimals as their text, NUMERIC affinity does the rest.
sqlite3.register_adapter(Decimal, str)


class EngineCache:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._engines: dict[tuple[str, int], tuple[object, Engine]] = {}

    def get(self, scope: str, defn: ConnectionDef, password: Callable[[], str | None]) -> Engine:
        assert defn.conid is not None
        key = (scope, defn.conid)
        with self._lock:
            cached = self._engines.get(key)
            if cached and cached[0] == defn.updated:
                return cached[1]
            if cached:
                cached[1].dispose()
            engine = build_engine(defn, password())
            self._engines[key] = (defn.updated, engine)
            return engine

    def dispose(self, scope: str, conid: int) -> None:
        with self._lock:
            cached = self._engines.pop((scope, conid), None)
        if cached:
            cached[1].dispose()

    def dispose_all(self) -> None:
        with self._lock:
            engines = [e for _, e in self._engines.values()]
            self._engines.clear()
        for engine in engines:
            engine.dispose()


ENGINES = EngineCache()
