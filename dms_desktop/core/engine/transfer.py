"""Move the extract into the staging table on the target, in chunks, memory flat.

Four ways, fastest first:

* same connection: ``INSERT INTO stage SELECT …`` inside the target database, no transfer;
* PostgreSQL to PostgreSQL: ``COPY (extract) TO STDOUT`` streamed through a pipe into
  ``COPY stage FROM STDIN`` (no Python per row);
* any source to PostgreSQL: rows fetched ``BLKPRCROWS`` at a time (server-side cursor on
  PostgreSQL/MySQL) and written with COPY;
* anything else: ``executemany`` per chunk.

Staging columns are typed loosely (text without length, numeric without precision, bigint)
so that too-long text and out-of-range numbers arrive and can be rejected row by row with a
reason (see checks.py) instead of failing the whole COPY.
"""

from __future__ import annotations

import io
import os
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Engine,
    MetaData,
    Numeric,
    Table,
    Text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.types import TypeEngine

from dms_desktop.core.engine.target import LoadShape, sa_type
from dms_desktop.core.errors import DmsError
from dms_desktop.core.sqlstore.validate import strip_statement
from dms_desktop.core.tasks import TaskState

DEFAULT_CHUNK = 10_000
Progress = Callable[[int], None]


def staging_table(shape: LoadShape, run_id: int, lookup_types: dict[str, TypeEngine[Any]]) -> Table:
    """A temporary table for this run (Oracle: a regular one named by the run, dropped after
    it)."""
    cols: list[Column[Any]] = []
    for col in shape.columns:
        if col.lookup:
            cols.append(Column(col.staged_name, lookup_types.get(col.name, Text())))
            cols.append(Column(col.name, sa_type(col.type)))
            continue
        family = col.type.family
        loose: TypeEngine[Any] = (
            Text()
            if family in ("string", "char", "text")
            else Numeric()
            if family == "decimal"
            else BigInteger()
            if family == "int"
            else sa_type(col.type)
        )
        cols.append(Column(col.name, loose))
    if shape.dialect != "oracle":  # private to the session: one fixed name will do
        return Table("dms_stage", MetaData(), *cols, prefixes=["TEMPORARY"])
    return Table(f"dms_stg_{run_id}", MetaData(), *cols)


def staged_columns(shape: LoadShape) -> list[str]:
    """Columns the extract fills, in the extract's order."""
    return [c.staged_name for c in shape.columns]


EXTRACT_ALIAS = "dms_extract"


def driver_sql(dialect: Dialect, sql: str) -> str:
    """SQL text for ``exec_driver_sql`` without parameters: a literal % (LIKE 'C%', modulo)
    doubled where the driver reads %s as a placeholder (psycopg2)."""
    return sql.replace("%", "%%") if dialect.paramstyle in ("format", "pyformat") else sql


def column_list(dialect: Dialect, names: Sequence[str]) -> str:
    """``"a", "b", …``: names quoted where the dialect needs it."""
    return ", ".join(dialect.identifier_preparer.quote(n) for n in names)


def aliased_extract(dialect: Dialect, extract_sql: str, names: Sequence[str]) -> str:
    """``(extract) AS dms_extract (a, b, …)``: its columns named by position (PostgreSQL)."""
    return f"({strip_statement(extract_sql)}) AS {EXTRACT_ALIAS} ({column_list(dialect, names)})"


def _quoted(conn: Connection, table: Table) -> str:
    return conn.dialect.identifier_preparer.format_table(table)


def _copy_sql(conn: Connection, table: Table, names: Sequence[str]) -> str:
    return f"COPY {_quoted(conn, table)} ({column_list(conn.dialect, names)}) FROM STDIN"


_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_value(value: Any) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, str):
        return value.translate(_ESCAPES)
    if isinstance(value, bytes | memoryview):
        raise DmsError("Binary values cannot be loaded: cast the column to text in the SQL.")
    return str(value)


def copy_lines(rows: Iterable[Sequence[Any]]) -> str:
    """PostgreSQL COPY text format for a chunk of rows."""
    return "".join("\t".join(map(_copy_value, row)) + "\n" for row in rows)


def _dbapi(conn: Connection) -> Any:
    return conn.connection.driver_connection


@contextmanager
def driver_errors(dialect: Dialect, statement: str) -> Iterator[None]:
    """Raw driver cursors (COPY, executemany) raise the driver's own errors: wrap them as
    SQLAlchemy does, so the run reports them as database errors (not as a bug)."""
    base = dialect.loaded_dbapi.Error
    try:
        yield
    except base as exc:
        raise DBAPIError.instance(statement, None, exc, base, dialect=dialect) from exc


def transfer(
    source: Engine | None,
    target: Connection,
    extract_sql: str,
    stage: Table,
    names: Sequence[str],
    *,
    chunk: int,
    state: TaskState | None,
    progress: Progress,
) -> int:
    """Fill ``stage`` from ``extract_sql``; returns the rows moved."""
    if source is None:
        return _insert_select(target, extract_sql, stage, names)
    if target.dialect.name == "postgresql" and source.dialect.name == "postgresql":
        return _pipe_copy(source, target, extract_sql, stage, names, state, progress)
    moved = 0
    with source.connect() as src:
        result = src.execution_options(
            stream_results=True, max_row_buffer=chunk, yield_per=chunk
        ).exec_driver_sql(driver_sql(source.dialect, extract_sql))
        copy = _copy_sql(target, stage, names) if target.dialect.name == "postgresql" else None
        insert_sql = None if copy else _insert_sql(target, stage, names)
        cursor = _dbapi(target).cursor()
        try:
            while True:
                if state is not None:
                    state.check()
                rows = result.fetchmany(chunk)
                if not rows:
                    break
                with driver_errors(target.dialect, copy or insert_sql or ""):
                    if copy:
                        cursor.copy_expert(copy, io.StringIO(copy_lines(rows)))
                    else:
                        cursor.executemany(insert_sql, [_bindable(r) for r in rows])
                moved += len(rows)
                progress(moved)
        finally:
            cursor.close()
            result.close()
    return moved


def _insert_select(target: Connection, extract_sql: str, stage: Table, names: Sequence[str]) -> int:
    """``INSERT INTO stage (…) SELECT …`` inside the target database, as the driver's own text:
    a ``:name`` or ``%`` in the user's SQL stays SQL (SQLAlchemy's text() took ``':x'`` for a
    bind parameter). PostgreSQL converts each column explicitly, as COPY converts text:
    '31/12/2020' for a DATE column fails naming the value, not with "column is of type date
    but expression is of type text"."""
    dialect = target.dialect
    prep = dialect.identifier_preparer
    if dialect.name == "postgresql":
        casts = ", ".join(
            f"CAST({EXTRACT_ALIAS}.{prep.quote(n)} AS {stage.c[n].type.compile(dialect=dialect)})"
            for n in names
        )
        query = f"SELECT {casts} FROM {aliased_extract(dialect, extract_sql, names)}"
    else:
        query = strip_statement(extract_sql)
    sql = f"INSERT INTO {_quoted(target, stage)} ({column_list(dialect, names)}) {query}"
    return max(0, int(target.exec_driver_sql(driver_sql(dialect, sql)).rowcount or 0))


def placeholders(style: str, count: int) -> str:
    """``count`` positional markers in the driver's paramstyle (oracledb: ``:1`` is
    positional)."""
    if style in ("format", "pyformat"):
        return ", ".join(["%s"] * count)
    if style in ("numeric", "named"):
        return ", ".join(f":{i + 1}" for i in range(count))
    return ", ".join(["?"] * count)


def _insert_sql(conn: Connection, stage: Table, names: Sequence[str]) -> str:
    cols = column_list(conn.dialect, names)
    marks = placeholders(conn.dialect.paramstyle, len(names))
    return f"INSERT INTO {_quoted(conn, stage)} ({cols}) VALUES ({marks})"


def _bindable(row: Sequence[Any]) -> Sequence[Any]:
    """SQLite and friends: dates as ISO text (the canonical form), decimals as text."""
    return tuple(
        v.isoformat(sep=" ")
        if isinstance(v, datetime)
        else v.isoformat()
        if isinstance(v, date)
        else str(v)
        if type(v).__name__ == "Decimal"
        else v
        for v in row
    )


def _pipe_copy(
    source: Engine,
    target: Connection,
    extract_sql: str,
    stage: Table,
    names: Sequence[str],
    state: TaskState | None,
    progress: Progress,
) -> int:
    """COPY TO STDOUT on the source piped into COPY FROM STDIN on the target."""
    read_fd, write_fd = os.pipe()
    failure: list[BaseException] = []
    counter = _LineCounter(os.fdopen(read_fd, "rb", buffering=1 << 20), state, progress)

    def produce() -> None:
        try:
            with source.connect() as src, os.fdopen(write_fd, "wb", buffering=1 << 20) as sink:
                cur = _dbapi(src).cursor()
                with driver_errors(source.dialect, extract_sql):
                    cur.copy_expert(f"COPY ({strip_statement(extract_sql)}) TO STDOUT", sink)
        except BaseException as exc:  # noqa: BLE001 - handed to the consuming thread
            failure.append(exc)

    producer = threading.Thread(target=produce, name="dms-extract", daemon=True)
    producer.start()
    cursor = _dbapi(target).cursor()
    try:
        with driver_errors(target.dialect, _copy_sql(target, stage, names)):
            cursor.copy_expert(_copy_sql(target, stage, names), counter)
    finally:
        cursor.close()
        counter.close()
        producer.join()
    if failure:
        raise failure[0]
    progress(counter.rows)
    return counter.rows


class _LineCounter(io.RawIOBase):
    """A read end that counts rows, reports progress and stops on cancel."""

    def __init__(self, raw: Any, state: TaskState | None, progress: Progress) -> None:
        self.raw, self.state, self.progress = raw, state, progress
        self.rows = 0
        self._last = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        if self.state is not None:
            self.state.check()
        data: bytes = self.raw.read(size if size and size > 0 else 1 << 16)
        self.rows += data.count(b"\n")
        if self.rows - self._last >= 50_000:
            self._last = self.rows
            self.progress(self.rows)
        return data

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self.raw.close()
        super().close()


TEMP_BUFFERS = "256MB"


def raise_temp_buffers(conn: Connection) -> bool:
    """PostgreSQL: keep a stage of some hundred MB in memory instead of reading it back through
    the default 8 MB of temporary buffers on every statement (allowed before the session's
    first temporary table); True when raised: the connection should then leave the pool."""
    if conn.dialect.name != "postgresql":
        return False
    savepoint = conn.begin_nested()
    try:
        conn.exec_driver_sql(f"SET temp_buffers = '{TEMP_BUFFERS}'")
    except DBAPIError:
        savepoint.rollback()  # the session already used temporary tables: keep its setting
        return False
    savepoint.commit()
    return True
