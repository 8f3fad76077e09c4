"""Result columns of a query, asked of the database without fetching a single row.

PostgreSQL and MySQL run ``SELECT * FROM (<sql>) q LIMIT 0`` and Oracle ``... WHERE 1=0``: the
server plans the query (so every name and type is checked) but the executor never produces a
row. SQLite declares the query as a temporary view and reads ``PRAGMA table_info``; columns
computed by expressions have no declared type there, so sqlglot infers one when it can.
The user's text goes on its own lines inside the wrapper, so a trailing ``-- comment`` cannot
swallow the closing parenthesis, and error positions map back onto the user's text.
"""

from __future__ import annotations

import json
import threading
import uuid
import weakref
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import sqlglot
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import PoolProxiedConnection
from sqlglot import exp
from sqlglot.optimizer.annotate_types import annotate_types
from sqlglot.optimizer.qualify import qualify

from dms_desktop.core.errors import describe_db_error
from dms_desktop.core.sqlstore.errors import ConnectionFailed, sql_error
from dms_desktop.core.sqlstore.validate import strip_statement

WRAP_PREFIX = "SELECT * FROM (\n"
_PG_TYPES: weakref.WeakKeyDictionary[Engine, dict[int, str]] = weakref.WeakKeyDictionary()
_PG_LOCK = threading.Lock()
_PG_SIZED = {1043, 1042}  # varchar, bpchar: internal_size is the declared length
_PG_NUMERIC = 1700
_PG_MAX_PRECISION = 1000  # psycopg2 reports 65535 for an unconstrained numeric


@dataclass(frozen=True)
class ResultColumn:
    """A column of a result: its name, the database's type name, nullability when known."""

    name: str
    type: str
    nullable: bool | None = None


def columns_to_json(columns: Sequence[ResultColumn]) -> str:
    return json.dumps([asdict(c) for c in columns])


def columns_from_json(text: str | None) -> list[ResultColumn]:
    if not text:
        return []
    return [
        ResultColumn(str(c["name"]), str(c["type"]), c.get("nullable")) for c in json.loads(text)
    ]


def backend_of(engine: Engine) -> str:
    """SQLAlchemy's backend name, MariaDB folded into MySQL (the same driver paths)."""
    name = engine.dialect.name
    return "mysql" if name == "mariadb" else name


def dbapi_error(engine: Engine) -> type[Exception]:
    """The driver's base error class: what a user's SQL can raise, as opposed to a bug."""
    error: type[Exception] = engine.dialect.loaded_dbapi.Error
    return error


def checkout(engine: Engine) -> PoolProxiedConnection:
    """A pooled DBAPI connection of our own; a failure to connect says why in plain words."""
    try:
        return engine.raw_connection()
    except (DBAPIError, dbapi_error(engine)) as exc:  # the pool raises the driver's own
        raise ConnectionFailed(f"Cannot connect to the database: {describe_db_error(exc)}") from exc


def is_disconnect(engine: Engine, exc: Exception, dbapi_conn: Any, cursor: Any) -> bool:
    """Did the error lose the connection (server restart, terminated backend)?"""
    error: Any = exc
    return bool(engine.dialect.is_disconnect(error, dbapi_conn, cursor))


def wrap_describe(sql: str, backend: str) -> tuple[str, int]:
    """The no-row statement that describes ``sql``, and the offset of ``sql`` in it."""
    body = strip_statement(sql)
    suffix = "\n) WHERE 1=0" if backend == "oracle" else "\n) q LIMIT 0"
    return WRAP_PREFIX + body + suffix, len(WRAP_PREFIX)


def describe_columns(engine: Engine, sql: str, dialect: str) -> list[ResultColumn]:
    """The result columns of ``sql`` as the database sees them; no row is fetched.

    Raises ``SqlError`` with the database's message and, when it gives one, the position in
    ``sql``.
    """
    backend = backend_of(engine)
    lead = len(sql) - len(sql.lstrip())
    raw = checkout(engine)
    try:
        if backend == "sqlite":
            return _describe_sqlite(engine, raw.dbapi_connection, sql, lead)
        sent, prefix = wrap_describe(sql, backend)
        dbapi_conn: Any = raw.dbapi_connection
        cur = dbapi_conn.cursor()
        try:
            try:
                cur.execute(sent)
            except dbapi_error(engine) as exc:
                if is_disconnect(engine, exc, dbapi_conn, cur):
                    raw.invalidate()
                raise sql_error(exc, sql, prefix=prefix - lead, sent=sent) from exc
            return result_columns(engine, raw.dbapi_connection, cur.description or ())
        finally:
            cur.close()
    finally:
        if raw.dbapi_connection is not None:
            raw.rollback()
        raw.close()


def result_columns(
    engine: Engine, dbapi_conn: Any, description: Sequence[Any]
) -> list[ResultColumn]:
    """Columns from a DBAPI ``cursor.description`` with the database's type names."""
    backend = backend_of(engine)
    if backend == "postgresql":
        names = pg_type_names(engine, dbapi_conn, [d[1] for d in description])
        return [ResultColumn(d[0], _pg_type(d, names), None) for d in description]
    if backend == "oracle":
        return [ResultColumn(d[0], _oracle_type(d), bool(d[6])) for d in description]
    if backend == "mysql":
        return [ResultColumn(d[0], _mysql_type(d), bool(d[6])) for d in description]
    return [ResultColumn(d[0], "", None) for d in description]


def pg_type_names(engine: Engine, dbapi_conn: Any, oids: Sequence[int]) -> dict[int, str]:
    """``format_type`` of type OIDs, asked once per engine and OID."""
    with _PG_LOCK:
        cache = _PG_TYPES.setdefault(engine, {})
        missing = sorted({int(o) for o in oids} - cache.keys())
    if missing:
        cur = dbapi_conn.cursor()
        try:
            cur.execute(
                "SELECT oid::int, format_type(oid, NULL) FROM pg_type WHERE oid = ANY(%s)",
                (missing,),
            )
            found = {int(oid): str(name) for oid, name in cur.fetchall()}
        finally:
            cur.close()
        with _PG_LOCK:
            cache.update(found)
    return cache


def _pg_type(d: Any, names: dict[int, str]) -> str:
    name = names.get(int(d[1]), f"oid {d[1]}")
    size, precision, scale = d[3], d[4], d[5]
    if d[1] == _PG_NUMERIC and precision and 0 < precision <= _PG_MAX_PRECISION:
        return f"{name}({precision},{scale or 0})"
    if d[1] in _PG_SIZED and size and size > 0:
        return f"{name}({size})"
    return name


def _oracle_type(d: Any) -> str:
    name = str(getattr(d[1], "name", d[1])).removeprefix("DB_TYPE_")
    size, precision, scale = d[3], d[4], d[5]
    if name == "NUMBER" and precision:
        return f"NUMBER({precision},{scale})" if scale else f"NUMBER({precision})"
    name = {"VARCHAR": "VARCHAR2", "NVARCHAR": "NVARCHAR2"}.get(name, name)
    if name in ("VARCHAR2", "NVARCHAR2", "CHAR", "NCHAR", "RAW") and size:
        return f"{name}({size})"
    return name


def _mysql_type(d: Any) -> str:
    from pymysql.constants import FIELD_TYPE

    codes = {v: k.lower() for k, v in vars(FIELD_TYPE).items() if k.isupper() and k != "CHAR"}
    codes.update({246: "decimal", 253: "varchar", 254: "char", 3: "int", 8: "bigint"})
    name: str = codes.get(d[1], f"type {d[1]}")
    if name == "decimal" and d[4]:
        scale = d[5] or 0
        # The length counts the sign and the decimal point.
        return f"decimal({max(1, d[4] - 1 - (1 if scale else 0))},{scale})"
    return name


def _describe_sqlite(engine: Engine, dbapi_conn: Any, sql: str, lead: int) -> list[ResultColumn]:
    view = f"dms_describe_{uuid.uuid4().hex}"
    prefix = f'CREATE TEMP VIEW "{view}" AS\n'
    sent = prefix + strip_statement(sql)
    cur = dbapi_conn.cursor()
    try:
        try:
            cur.execute(sent)
            rows = cur.execute(f'PRAGMA table_info("{view}")').fetchall()
        except dbapi_error(engine) as exc:
            raise sql_error(exc, sql, prefix=len(prefix) - lead, sent=sent) from exc
        finally:
            cur.execute(f'DROP VIEW IF EXISTS "{view}"')
        declared = [str(r[2] or "") for r in rows]
        if not all(declared):
            inferred = _infer_sqlite_types(cur, sql, len(rows))
            declared = [d or inferred[i] for i, d in enumerate(declared)]
        return [ResultColumn(str(r[1]), declared[i], None) for i, r in enumerate(rows)]
    finally:
        cur.close()


def _infer_sqlite_types(cur: Any, sql: str, count: int) -> list[str]:
    """Types of expression columns via sqlglot, from the declared types of the tables used."""
    blank = [""] * count
    try:
        tree = sqlglot.parse_one(strip_statement(sql), read="sqlite")
        schema: dict[str, object] = {}
        for table in tree.find_all(exp.Table):
            quoted = exp.to_identifier(table.name, quoted=True).sql("sqlite")
            pragma = (
                f"PRAGMA {exp.to_identifier(table.db, quoted=True).sql('sqlite')}."
                if table.db
                else "PRAGMA "
            )
            cols = cur.execute(f"{pragma}table_info({quoted})").fetchall()
            if cols:
                schema[table.name] = {str(c[1]): str(c[2] or "TEXT") for c in cols}
        tree = annotate_types(qualify(tree, schema=schema, dialect="sqlite"), schema=schema)
        select = tree if isinstance(tree, exp.Select) else next(tree.find_all(exp.Select))
        types = []
        for projection in select.selects:
            kind = projection.type
            unknown = kind is None or kind.this in (
                exp.DataType.Type.UNKNOWN,
                exp.DataType.Type.NULL,
            )
            types.append("" if unknown or kind is None else kind.sql("sqlite"))
        return types if len(types) == count else blank
    except Exception:  # noqa: BLE001 - inference is a nicety: no type beats a failure
        return blank
