"""Shared set-up of the engine tests: a workspace, a source and a target on real databases.

``EngineEnv`` gives a test a source database (its own SQLite file, or the same PostgreSQL
database reached through a second connection, so a load takes the COPY pipe), a target
(SQLite file or a PostgreSQL schema), managed SQL, mappings and a reader of the target that
returns comparable Python values (timestamps parsed on SQLite).
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import URL

from dms_desktop.core.connections.engines import ENGINES
from dms_desktop.core.connections.model import ConnectionDef
from dms_desktop.core.connections.service import ConnectionService
from dms_desktop.core.engine.run import RunResult, run_mapping
from dms_desktop.core.mapping.model import Mapping, MappingColumn
from dms_desktop.core.mapping.repository import MappingService
from dms_desktop.core.security.auth import AuthService
from dms_desktop.core.security.permissions import CurrentUser
from dms_desktop.core.settings import load_settings
from dms_desktop.core.sqlstore.service import SqlService
from dms_desktop.core.tasks import TaskState
from dms_desktop.core.workspace import Workspace, open_workspace

ADMIN_PASSWORD = "root of all tests 2026"
# "postgresql-in-place": the source tables in the target's own database and connection, so a
# plain extract is merged straight from the source through a view (core/engine/source_view.py).
TARGETS = ("sqlite", "postgresql", "postgresql-in-place")


@contextmanager
def target_env(request: pytest.FixtureRequest, folder: Path) -> Iterator[EngineEnv]:
    """``engine_env`` for the fixture's ``TARGETS`` parameter."""
    param = request.param
    pg = request.getfixturevalue("pg_database") if param.startswith("postgresql") else None
    kind, _, mode = param.partition("-")
    with engine_env(kind, folder, pg, source="same" if mode == "in-place" else None) as env:
        yield env


def sqlite_workspace(home: Path) -> tuple[Workspace, CurrentUser]:
    """A fresh embedded workspace (the engine tests do not vary the metadata database)."""
    ws = open_workspace(load_settings({"DMS_HOME": str(home)}))
    return ws, AuthService(ws).create_first_admin("admin", ADMIN_PASSWORD)


def pg_connection(name: str, url: URL) -> ConnectionDef:
    return ConnectionDef(
        name=name,
        dbtype="POSTGRESQL",
        host=url.host,
        port=url.port or 5432,
        database=url.database,
        user=url.username,
    )


@dataclass
class EngineEnv:
    ws: Workspace
    admin: CurrentUser
    kind: str  # target backend: sqlite | postgresql
    source: ConnectionDef
    target: ConnectionDef
    source_engine: Engine
    target_engine: Engine
    schema: str | None  # PostgreSQL target: this test's schema
    source_schema: str | None = None  # PostgreSQL source: its schema (the target's if shared)
    _conids: list[int] = field(default_factory=list)

    # --- names ---------------------------------------------------------------------------

    def t(self, name: str) -> str:
        """A target table name as SQL text, qualified on PostgreSQL."""
        return f"{self.schema}.{name}" if self.schema else name

    def s(self, name: str) -> str:
        """A source table name as SQL text, qualified on PostgreSQL."""
        return f"{self.source_schema}.{name}" if self.source_schema else name

    @property
    def source_kind(self) -> str:
        return {"SQLITE": "sqlite", "POSTGRESQL": "postgresql", "MYSQL": "mysql"}[
            self.source.dbtype
        ]

    # --- source ----------------------------------------------------------------------------

    def source_sql(self, sql: str, params: Any = None) -> None:
        with self.source_engine.begin() as conn:
            conn.execute(text(sql), params or {})

    def target_sql(self, sql: str, params: Any = None) -> list[Any]:
        with self.target_engine.begin() as conn:
            result = conn.execute(text(sql), params or {})
            return list(result.all()) if result.returns_rows else []

    def replace_rows(
        self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
    ) -> None:
        """Make the source table hold exactly ``rows``."""
        marks = ", ".join(f":{c}" for c in columns)
        with self.source_engine.begin() as conn:
            conn.execute(text(f"DELETE FROM {self.s(table)}"))
            if rows:
                conn.execute(
                    text(f"INSERT INTO {self.s(table)} ({', '.join(columns)}) VALUES ({marks})"),
                    [dict(zip(columns, map(self.bindable, r), strict=True)) for r in rows],
                )

    def bindable(self, value: Any) -> Any:
        """SQLite gets the canonical text of dates and timestamps, PostgreSQL the objects."""
        if self.source.dbtype != "SQLITE":
            return value
        if isinstance(value, datetime):
            return value.isoformat(sep=" ")
        if isinstance(value, date):
            return value.isoformat()
        if isinstance(value, Decimal):
            return str(value)
        return value

    # --- metadata --------------------------------------------------------------------------

    def query(self, code: str, sql: str, *, on_target: bool = False) -> None:
        conid = self.target.conid if on_target else self.source.conid
        service = SqlService(self.ws, self.admin)
        service.save(code, sql, conid)
        result = service.validate(code)
        assert result.ok, result.problems

    def mapping(
        self, ref: str, table_type: str, sql_code: str, columns: list[MappingColumn], **extra: Any
    ) -> Mapping:
        for seq, col in enumerate(columns, start=1):
            col.exec_seq = col.exec_seq or seq
        mapping = Mapping(
            ref=ref,
            table_name=extra.pop("table_name", ref),
            table_type=table_type,
            sql_code=sql_code,
            target_conid=self.target.conid,
            target_schema=self.schema,
            columns=columns,
            **extra,
        )
        return MappingService(self.ws, self.admin).save(mapping)

    def run(self, ref: str, state: TaskState | None = None) -> RunResult:
        return run_mapping(self.ws, self.admin, ref, state)

    # --- target ----------------------------------------------------------------------------

    def rows(self, table: str, order: str = "skey") -> list[dict[str, Any]]:
        """Every row of a target table, lower-case names, timestamps as datetimes."""
        with self.target_engine.connect() as conn:
            result = conn.execute(text(f"SELECT * FROM {self.t(table)} ORDER BY {order}"))
            return [
                {k.lower(): self.value(k.lower(), v) for k, v in row.items()}
                for row in result.mappings()
            ]

    def value(self, name: str, v: Any) -> Any:
        if self.kind == "sqlite" and isinstance(v, str) and name in AUDIT_TIMESTAMPS:
            return datetime.fromisoformat(v)
        return v

    def has_table(self, table: str) -> bool:
        from sqlalchemy import inspect

        return inspect(self.target_engine).has_table(table, schema=self.schema)

    def dispose_engines(self) -> None:
        """Drop the engine's pooled connections (the next run connects afresh)."""
        scope = str(self.ws.engine.url)
        for conid in self._conids:
            ENGINES.dispose(scope, conid)

    def close(self) -> None:
        self.dispose_engines()
        self.source_engine.dispose()
        self.target_engine.dispose()
        self.ws.close()


AUDIT_TIMESTAMPS = ("fromdt", "todt", "reccrdt", "recupdt")


@contextmanager
def engine_env(
    kind: str,
    folder: Path,
    pg_url: URL | None,
    *,
    source: str | None = None,
    mysql_url: URL | None = None,
) -> Iterator[EngineEnv]:
    """Workspace + source + target on ``kind`` (sqlite | postgresql).

    ``source``: None for the target's own kind through a second connection (SQLite: another
    file; PostgreSQL: the same database, so PostgreSQL→PostgreSQL takes the COPY pipe),
    "same" for the target connection itself (the no-transfer path), or another kind
    (sqlite | postgresql | mysql) for a cross-database load.
    """
    folder.mkdir(parents=True, exist_ok=True)
    ws, admin = sqlite_workspace(folder / "home")
    connections = ConnectionService(ws, admin)
    schema: str | None = None
    if kind == "sqlite":
        dw_path = folder / "dw.db"
        sqlite3.connect(dw_path).close()
        target = connections.create(
            ConnectionDef(name="DW", dbtype="SQLITE", database=str(dw_path))
        )
        target_engine = create_engine(f"sqlite:///{dw_path}")
    else:
        assert pg_url is not None
        schema = f"e_{uuid.uuid4().hex[:10]}"
        target_engine = create_engine(pg_url)
        with target_engine.begin() as conn:
            conn.execute(text(f"CREATE SCHEMA {schema}"))
        target = connections.create(pg_connection("DW", pg_url))
    source_kind = source or kind
    source_schema: str | None = None
    if source == "same":
        source_def, source_engine, source_schema = target, create_engine(target_engine.url), schema
    elif source_kind == "sqlite":
        src_path = folder / "src.db"
        sqlite3.connect(src_path).close()
        source_def = connections.create(
            ConnectionDef(name="SRC", dbtype="SQLITE", database=str(src_path))
        )
        source_engine = create_engine(f"sqlite:///{src_path}")
    elif source_kind == "postgresql":
        assert pg_url is not None
        source_schema = schema or f"s_{uuid.uuid4().hex[:10]}"
        source_engine = create_engine(pg_url)
        if schema is None:
            with source_engine.begin() as conn:
                conn.execute(text(f"CREATE SCHEMA {source_schema}"))
        source_def = connections.create(pg_connection("SRC", pg_url))
    else:
        assert source_kind == "mysql" and mysql_url is not None
        source_engine = create_engine(mysql_url)
        source_def = connections.create(
            ConnectionDef(
                name="SRC",
                dbtype="MYSQL",
                host=mysql_url.host,
                port=mysql_url.port or 3306,
                database=mysql_url.database,
                user=mysql_url.username,
            )
        )
    env = EngineEnv(
        ws, admin, kind, source_def, target, source_engine, target_engine, schema, source_schema
    )
    env._conids = sorted({c.conid for c in (source_def, target) if c.conid is not None})
    try:
        yield env
    finally:
        for name in {schema, source_schema} - {None}:
            engine = target_engine if name == schema else source_engine
            with engine.begin() as conn:
                conn.execute(text(f"DROP SCHEMA {name} CASCADE"))
        env.close()


def col(name: str, data_type: str, logic: str | None = None, **kw: Any) -> MappingColumn:
    return MappingColumn(name, data_type, logic=logic or name.lower(), **kw)


def key(name: str, data_type: str, logic: str | None = None, seq: int = 1) -> MappingColumn:
    return col(name, data_type, logic, key=True, key_seq=seq)


class FakeClock:
    """``clock.utcnow`` under the test's control: a run's timestamp is the test's choice."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def tick(self, **delta: float) -> datetime:
        from datetime import timedelta

        self.now = self.now + timedelta(**delta)
        return self.now


# --- a customer source: text, decimal, date, timestamp columns ---------------------------

CUSTOMER_COLUMNS = ("code", "name", "city", "amount", "since", "seen")
CUSTOMER_DDL = {
    "sqlite": "CREATE TABLE {t} (code TEXT, name TEXT, city TEXT, amount NUMERIC, since DATE, "
    "seen TIMESTAMP)",
    "postgresql": "CREATE TABLE {t} (code text, name text, city text, amount numeric(12,2), "
    "since date, seen timestamp)",
    "mysql": "CREATE TABLE {t} (code varchar(20), name varchar(100), city varchar(100), "
    "amount decimal(12,2), since date, seen datetime(6)) CHARACTER SET utf8mb4",
}
CUSTOMER_SQL = "SELECT code, name, city, amount, since, seen FROM {t}"


def customer_source(env: EngineEnv, table: str = "customer", code: str = "SQL_CUSTOMER") -> None:
    """Create the source table and its managed SQL (validated, columns described)."""
    env.source_sql(CUSTOMER_DDL[env.source_kind].format(t=env.s(table)))
    env.query(code, CUSTOMER_SQL.format(t=env.s(table)), on_target=env.source == env.target)


def customer_columns(*, history: bool = True, scd: bool = True) -> list[MappingColumn]:
    """Key CUSTOMER_CODE; NAME, AMOUNT, SEEN type 1; CITY, SINCE type 2 (if ``history``).

    ``scd=False``: no SCD types at all (a FACT or STAGING target)."""
    t1, t2 = ("1", "2" if history else "1") if scd else (None, None)
    return [
        key("CUSTOMER_CODE", "VARCHAR(20)", "code"),
        col("NAME", "VARCHAR(40)", scd_type=t1),
        col("CITY", "VARCHAR(40)", scd_type=t2),
        col("AMOUNT", "NUMERIC(12,2)", scd_type=t1),
        col("SINCE", "DATE", scd_type=t2),
        col("SEEN", "TIMESTAMP", scd_type=t1),
    ]


# Hash categories of the attributes above, in mapping order.
CUSTOMER_ATTRS = ("name", "city", "amount", "since", "seen")
CUSTOMER_CATEGORIES = ("text", "text", "number", "date", "timestamp")
