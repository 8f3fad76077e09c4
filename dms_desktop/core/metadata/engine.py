"""Engine factory for the metadata database.

SQLite is the embedded single-machine workspace: WAL so readers never block the writer, a busy
timeout so a second process waits instead of failing, foreign keys on, and ``BEGIN IMMEDIATE``
for read-then-write transactions (``write_tx``) so two processes cannot both read a value and
then both write from it.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL

from dms_desktop.core.settings import CONNECT_TIMEOUT_S

SQLITE_BUSY_TIMEOUT_S = 30
_IMMEDIATE = "dms_immediate"


def create_metadata_engine(url: URL, schema: str | None = None, *, echo: bool = False) -> Engine:
    """A pooled engine whose unqualified tables land in ``schema`` (DMS_SCHEMA)."""
    backend = url.get_backend_name()
    kwargs: dict[str, Any] = {"pool_pre_ping": True, "echo": echo}
    if backend == "sqlite":
        if url.database and url.database != ":memory:":
            Path(url.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {"timeout": SQLITE_BUSY_TIMEOUT_S}
    elif backend == "postgresql":
        kwargs["connect_args"] = {
            "connect_timeout": CONNECT_TIMEOUT_S,
            "application_name": "dms-desktop",
        }
    elif backend == "oracle":
        kwargs["connect_args"] = {"tcp_connect_timeout": CONNECT_TIMEOUT_S}
    engine = create_engine(url, **kwargs)
    if backend == "sqlite":
        _tune_sqlite(engine)
    if schema:
        engine = engine.execution_options(schema_translate_map={None: schema})
    return engine


def _tune_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Take transaction control from pysqlite so BEGIN IMMEDIATE is possible.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_S * 1000}")
        # A read-only file cannot switch to WAL; reads still work, writes fail clearly later.
        with contextlib.suppress(sqlite3.OperationalError):
            cur.execute("PRAGMA journal_mode=WAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        immediate = conn.get_execution_options().get(_IMMEDIATE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


@contextmanager
def write_tx(engine: Engine) -> Iterator[Connection]:
    """A transaction that reads then writes: takes the write lock first on SQLite."""
    with engine.connect() as conn:
        conn = conn.execution_options(**{_IMMEDIATE: True})
        with conn.begin():
            yield conn
