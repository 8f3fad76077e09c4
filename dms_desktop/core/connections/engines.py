"""Pooled engines, one per connection definition, replaced when the definition changes.

Keyed by (metadata database, conid); the stamp is the row's RECUPDT/RECCRDT, so an edit made
by anyone (another process included) yields a new engine and the old one is disposed.
``pool_pre_ping`` replaces a connection the server dropped before it is handed out.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine, create_engine, event

from dms_desktop.core.connections.model import ConnectionDef


def build_engine(defn: ConnectionDef, password: str | None, **kwargs: Any) -> Engine:
    engine = create_engine(
        defn.url(password), pool_pre_ping=True, connect_args=defn.connect_args(), **kwargs
    )
    if defn.dbtype == "SQLITE":

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.execute("PRAGMA busy_timeout=30000")

    return engine


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
