"""Run a statement of the SQL editor: streamed, cancellable from another thread, Qt-free.

A ``QueryRun`` holds one pooled connection of its own for as long as rows remain. On
PostgreSQL a query runs in a psycopg2 *named* (server-side) cursor, so a 1,000,000-row result
crosses the network one page at a time; SQLite and Oracle cursors stream natively and MySQL
uses PyMySQL's unbuffered ``SSCursor``. Raw DBAPI cursors, not SQLAlchemy results: values
arrive as the driver gives them, with no type processing that could choke on a SQLite date
text such as ``'10000-01-01'``.

``cancel()`` asks the *server* to stop (PostgreSQL/Oracle ``connection.cancel()``, SQLite
``interrupt()``, MySQL ``KILL QUERY`` from a second connection). A cancel can reach the server
before the statement does, so it is repeated while the statement is still running.
Statements other than queries run in autocommit fashion: committed when they finish.
With ``params`` (reports) the text's ``:name`` binds are rendered in the driver's paramstyle
by SQLAlchemy and the values are sent bound, never spliced into the text.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from sqlalchemy import Engine, text
from sqlglot import exp

from dms_desktop.core.errors import DmsError, describe_db_error
from dms_desktop.core.sqlstore.describe import (
    ResultColumn,
    backend_of,
    checkout,
    dbapi_error,
    is_disconnect,
    result_columns,
)
from dms_desktop.core.sqlstore.errors import QueryCancelled, SqlError, sql_error
from dms_desktop.core.sqlstore.history import HistoryEntry, history, record_history
from dms_desktop.core.sqlstore.validate import is_query, sqlglot_dialect, strip_statement

__all__ = [
    "HistoryEntry",
    "QueryCancelled",
    "QueryRun",
    "explain",
    "explain_statements",
    "history",
    "record_history",
    "sorted_sql",
]

T = TypeVar("T")
_CANCEL_REPEAT_S = 0.25
_CANCEL_TRIES = 20
_LOST = "The connection to the database was lost ({}): run the statement again."


class QueryRun:
    """One execution of one statement; ``start`` then ``fetch`` pages, finally ``close``."""

    def __init__(
        self,
        engine: Engine,
        dialect: str,
        sql: str,
        *,
        fetch_size: int = 500,
        params: Mapping[str, Any] | None = None,
    ) -> None:
        self.engine = engine
        self.dialect = dialect
        self.sql = sql
        self.params = dict(params) if params is not None else None
        self.fetch_size = max(1, fetch_size)
        self.columns: list[ResultColumn] = []
        self.rowcount = -1
        self.elapsed = 0.0
        self._backend = backend_of(engine)
        self._body = strip_statement(sql)
        self._lead = len(sql) - len(sql.lstrip())
        self._prefix = 0  # what the driver puts before our text (psycopg2's DECLARE)
        self._lock = threading.Lock()
        self._raw: Any = None
        self._cur: Any = None
        self._busy = False
        self._cancelled = False
        self._closed = False
        self._server_done = False
        self._started = False
        self._server_id: int | None = None
        self._pending: list[tuple[Any, ...]] = []

    @property
    def session_id(self) -> int | None:
        """The server's id of our session (PostgreSQL backend pid, MySQL thread id)."""
        return self._server_id

    @property
    def exhausted(self) -> bool:
        """No row is left to ``fetch``."""
        return self._server_done and not self._pending

    # --- running -------------------------------------------------------------------------

    def start(self) -> None:
        """Execute on a dedicated connection; a query's first page is read here on PostgreSQL."""
        if not self._body:
            raise SqlError("Nothing to run: the statement is empty.")
        if self._started:
            raise RuntimeError("a QueryRun starts once: make a new one to run again")
        self._started = True
        raw = checkout(self.engine)
        with self._lock:
            self._raw = raw
        query = is_query(self._body, self.dialect)
        try:
            cur = self._cursor(raw.dbapi_connection, query)
        except BaseException:
            self._release(invalidate=False)
            raise
        self._cur = cur
        self._run(lambda: self._execute(cur))
        if query and self._backend == "postgresql":
            # A named cursor describes its columns only after the first FETCH.
            self._pending = self._fetch_raw(self.fetch_size)
        if cur.description:
            description = cur.description
            self.columns = self._run(
                lambda: result_columns(self.engine, raw.dbapi_connection, description)
            )
            self.rowcount = max(self.rowcount, 0)
        else:
            self.rowcount = cur.rowcount
            self._server_done = True
        if self._server_done:
            self._finish()

    def _execute(self, cur: Any) -> None:
        if self.params is None:
            cur.execute(self._body)
            return
        # ``:name`` binds, rendered in the driver's paramstyle; the values stay bound.
        compiled = text(self._body).compile(dialect=self.engine.dialect)
        values = compiled.construct_params(self.params)
        if compiled.positiontup is not None:
            cur.execute(str(compiled), [values[name] for name in compiled.positiontup])
        else:
            cur.execute(str(compiled), values)

    def _cursor(self, dbapi_conn: Any, query: bool) -> Any:
        if self._backend == "postgresql":
            self._server_id = int(dbapi_conn.get_backend_pid())
            if not query:
                return dbapi_conn.cursor()
            name = f"dms_{uuid.uuid4().hex}"
            self._prefix = len(f'DECLARE "{name}" CURSOR WITHOUT HOLD FOR ')
            cur = dbapi_conn.cursor(name=name)
            cur.itersize = self.fetch_size
            _register_safe_dates(cur)
            return cur
        if self._backend == "mysql":
            self._server_id = int(dbapi_conn.thread_id())
            if query:
                from pymysql.cursors import SSCursor

                return dbapi_conn.cursor(SSCursor)
            return dbapi_conn.cursor()
        cur = dbapi_conn.cursor()
        cur.arraysize = self.fetch_size
        if self._backend == "oracle":
            cur.prefetchrows = self.fetch_size + 1
        return cur

    def fetch(self, n: int | None = None) -> list[tuple[Any, ...]]:
        """Up to ``n`` more rows (raw driver values); fewer means the result is exhausted."""
        n = n or self.fetch_size
        rows, self._pending = self._pending[:n], self._pending[n:]
        if len(rows) < n and not self._server_done:
            rows += self._fetch_raw(n - len(rows))
            if self._server_done:
                self._finish()
        return rows

    def _fetch_raw(self, n: int) -> list[tuple[Any, ...]]:
        cur = self._cur
        rows = [tuple(r) for r in self._run(lambda: cur.fetchmany(n))]
        self.rowcount = max(self.rowcount, 0) + len(rows)
        if len(rows) < n:
            self._server_done = True
        return rows

    def _run(self, work: Callable[[], T]) -> T:
        with self._lock:
            refused = self._cancelled or self._closed
            self._busy = not refused
        if refused:
            raise self._stop(QueryCancelled(), invalidate=self._backend == "mysql")
        started = time.perf_counter()
        try:
            result = work()
        except dbapi_error(self.engine) as exc:
            raise self._failure(exc) from exc
        finally:
            self.elapsed += time.perf_counter() - started
            with self._lock:
                self._busy = False
                stopped = self._closed or self._cancelled
        if stopped:  # a cancel that came as the work ended (MariaDB's SLEEP just returns)
            raise self._stop(QueryCancelled(), invalidate=self._backend == "mysql")
        return result

    def _failure(self, exc: Exception) -> DmsError:
        if self._cancelled:
            return self._stop(QueryCancelled(), invalidate=self._backend == "mysql")
        raw = self._raw
        lost = raw is not None and is_disconnect(self.engine, exc, raw.dbapi_connection, self._cur)
        if lost:
            return self._stop(DmsError(_LOST.format(describe_db_error(exc))), invalidate=True)
        error = sql_error(exc, self.sql, prefix=self._prefix - self._lead, sent=self._sent())
        return self._stop(error, invalidate=False)

    def _sent(self) -> str:
        return " " * self._prefix + self._body

    def _stop(self, error: DmsError, *, invalidate: bool) -> DmsError:
        self._server_done = True
        self._pending = []
        self._release(invalidate=invalidate)
        return error

    def _finish(self) -> None:
        """All rows read (or none to read): commit and give the connection back."""
        self._server_done = True
        raw = self._raw
        try:
            self._close_cursor()
            if raw is not None and raw.dbapi_connection is not None:
                raw.commit()
        except dbapi_error(self.engine) as exc:
            raise self._failure(exc) from exc
        self._release(invalidate=False)

    # --- cancel and close ----------------------------------------------------------------

    def cancel(self) -> None:
        """Stop the statement on the server; safe to call from any thread, at any time."""
        with self._lock:
            if self._cancelled or self._raw is None:
                self._cancelled = True
                return
            self._cancelled = True
            busy = self._busy
        if not busy:
            return  # nothing running: the next fetch reports the cancel and cleans up
        self._interrupt()
        threading.Thread(target=self._repeat_interrupt, name="dms-cancel", daemon=True).start()

    def _repeat_interrupt(self) -> None:
        for _ in range(_CANCEL_TRIES):
            time.sleep(_CANCEL_REPEAT_S)
            with self._lock:
                if not self._busy or self._raw is None:
                    return
            self._interrupt()

    def _interrupt(self) -> None:
        raw = self._raw
        dbapi_conn = raw.dbapi_connection if raw is not None else None
        if dbapi_conn is None:
            return
        try:
            if self._backend == "sqlite":
                dbapi_conn.interrupt()
            elif self._backend == "mysql":
                with self.engine.connect() as other:
                    other.exec_driver_sql(f"KILL QUERY {int(self._server_id or 0)}")
            else:
                dbapi_conn.cancel()
        except Exception:  # noqa: BLE001 - the statement may have finished meanwhile
            return

    def close(self) -> None:
        """Release the connection; a running statement is cancelled first."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            busy = self._busy
        if busy:
            self.cancel()  # the running call fails, sees the cancel and releases
            return
        # MySQL would read every remaining row to close an unbuffered result: drop it.
        self._release(invalidate=self._backend == "mysql" and not self._server_done)

    def _close_cursor(self) -> None:
        cur, self._cur = self._cur, None
        if cur is not None:
            cur.close()

    def _release(self, *, invalidate: bool) -> None:
        with self._lock:
            raw, self._raw = self._raw, None
        if raw is None:
            return
        try:
            if invalidate:
                if self._backend == "mysql":
                    _forget_unbuffered(self._cur, raw.dbapi_connection)
                self._cur = None
                raw.invalidate()
                return
            self._close_cursor()
            if raw.dbapi_connection is not None:
                raw.rollback()
        except Exception:  # noqa: BLE001 - a broken connection is thrown away instead
            raw.invalidate()
        finally:
            raw.close()

    def __enter__(self) -> QueryRun:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def _forget_unbuffered(*holders: Any) -> None:
    """PyMySQL drains an unfinished unbuffered result when it is garbage collected, even
    after its socket is closed (an error in ``__del__``): mark it finished, we dropped it."""
    for holder in holders:
        result = getattr(holder, "_result", None)
        if result is not None and getattr(result, "unbuffered_active", False):
            result.unbuffered_active = False


def _register_safe_dates(cur: Any) -> None:
    """Dates Python cannot hold (year 10000, BC) arrive as their text instead of failing."""
    import psycopg2.extensions as ext

    for caster in (ext.PYDATE, ext.PYDATETIME, ext.PYDATETIMETZ):

        def cast(value: str | None, cursor: Any, _caster: Any = caster) -> Any:
            try:
                return _caster(value, cursor)
            except (ValueError, OverflowError):
                return value

        ext.register_type(ext.new_type(caster.values, f"DMS_SAFE_{caster.name}", cast), cur)


# --- explain and sort ------------------------------------------------------------------


def explain_statements(backend: str, sql: str, statement_id: str = "DMS") -> list[str]:
    """The statements that explain ``sql``; the last one returns the plan's rows."""
    body = strip_statement(sql)
    if backend == "oracle":
        return [
            f"EXPLAIN PLAN SET STATEMENT_ID = '{statement_id}' FOR {body}",
            "SELECT plan_table_output FROM TABLE(DBMS_XPLAN.DISPLAY("
            f"'PLAN_TABLE', '{statement_id}', 'TYPICAL'))",
        ]
    if backend == "sqlite":
        return [f"EXPLAIN QUERY PLAN {body}"]
    return [f"EXPLAIN {body}"]


def explain(engine: Engine, dialect: str, sql: str) -> list[str]:
    """The database's plan for ``sql`` as text lines (nothing is executed)."""
    backend = backend_of(engine)
    statement_id = f"DMS{uuid.uuid4().hex[:20].upper()}"
    statements = explain_statements(backend, sql, statement_id)
    lead = len(sql) - len(sql.lstrip())
    raw = checkout(engine)
    try:
        dbapi_conn: Any = raw.dbapi_connection
        cur = dbapi_conn.cursor()
        try:
            for i, statement in enumerate(statements):
                try:
                    cur.execute(statement)
                except dbapi_error(engine) as exc:
                    prefix = statement.index(strip_statement(sql)) if i == 0 else 0
                    raise sql_error(exc, sql, prefix=prefix - lead, sent=statement) from exc
            rows: list[Any] = list(cur.fetchall())
            header = [d[0] for d in cur.description or ()]
        finally:
            cur.close()
        raw.rollback()
    finally:
        raw.close()
    if backend == "sqlite":
        return _sqlite_plan(rows)
    if backend == "mysql":
        return _table_lines(header, rows)
    return [str(r[0]) for r in rows]


def _sqlite_plan(rows: list[Any]) -> list[str]:
    """EXPLAIN QUERY PLAN rows (id, parent, _, detail) as an indented tree."""
    depth: dict[int, int] = {0: -1}
    lines = []
    for node, parent, _unused, detail in rows:
        depth[node] = depth.get(parent, -1) + 1
        lines.append("  " * depth[node] + str(detail))
    return lines


def _table_lines(header: list[str], rows: list[Any]) -> list[str]:
    cells = [header, *[["NULL" if v is None else str(v) for v in r] for r in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    return [" | ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)) for row in cells]


def sorted_sql(sql: str, column_name: str, descending: bool, dialect: str) -> str:
    """``sql`` ordered by one of its result columns; the name is always quoted by sqlglot."""
    column = exp.to_identifier(column_name, quoted=True).sql(sqlglot_dialect(dialect))
    return (
        f"SELECT * FROM (\n{strip_statement(sql)}\n) q ORDER BY {column}"
        f"{' DESC' if descending else ''}"
    )
