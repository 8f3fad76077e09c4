"""Export a whole query result to CSV or XLSX by running it again, streaming.

Memory stays flat: rows go from a server-side cursor to the file a page at a time. The file is
written under a temporary name beside the target and renamed at the end, so a cancelled or
failed export never leaves a half-written file under the user's name.

PostgreSQL to CSV uses ``COPY (query) TO STDOUT``: the server formats the CSV and the client
only copies bytes, several times faster than formatting rows in Python. Values then have
PostgreSQL's text forms (booleans ``t``/``f``, bytea as ``\\x…`` hex, ``""`` for an empty
string); elsewhere NULL is empty, dates ISO-8601, bytes hex and decimals exact.
XLSX follows Excel's limits: text over 32,767 characters is truncated with a marker, dates
before 1900 (Excel cannot show them) and numbers Excel would round are written as text.
"""

from __future__ import annotations

import csv
import json
import math
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import date, datetime
from datetime import time as dtime
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Engine

from dms_desktop.core.errors import DmsError, ValidationError
from dms_desktop.core.sqlstore.describe import (
    ResultColumn,
    backend_of,
    checkout,
    dbapi_error,
    is_disconnect,
)
from dms_desktop.core.sqlstore.errors import QueryCancelled, sql_error
from dms_desktop.core.sqlstore.runner import QueryRun
from dms_desktop.core.sqlstore.validate import is_query, strip_statement
from dms_desktop.core.tasks import TaskState

FETCH_ROWS = 10_000
EXCEL_MAX_TEXT = 32_767
EXCEL_MAX_ROWS = 1_048_576
TRUNCATED = "… [truncated]"
_EXCEL_MIN_DATE = date(1900, 1, 1)
_EXCEL_MAX_DIGITS = 15
_PLAIN = (str, int, float, type(None))
# csv writes these with str() in C, which is what the export wants (str of a date or time is
# its ISO form): no Python-level pass over their columns.
_PLAIN_TYPES = frozenset((*_PLAIN, datetime, date, dtime))
_COPY_PREFIX = "COPY (\n"
_WATCH_S = 0.1


@dataclass(frozen=True)
class ExportResult:
    rows: int
    path: Path
    elapsed: float


def export_query(
    engine: Engine,
    dialect: str,
    sql: str,
    path: Path,
    state: TaskState | None = None,
    *,
    fetch_size: int = FETCH_ROWS,
) -> ExportResult:
    """Run ``sql`` again and write every row to ``path`` (.csv or .xlsx).

    Reports ``report(-1, "N rows")`` as it goes (the total is unknown). On cancel the server
    stops the query, the partial file is deleted and ``QueryCancelled`` is raised.
    """
    path = Path(path)
    kind = path.suffix.lower()
    if kind not in (".csv", ".xlsx"):
        raise ValidationError(f"Export to .csv or .xlsx, not '{path.suffix or path.name}'.")
    if not path.parent.is_dir():
        raise ValidationError(f"Folder {path.parent} does not exist: choose another one.")
    if not is_query(strip_statement(sql), dialect):
        raise ValidationError("Only a query (SELECT or WITH ... SELECT) can be exported.")

    def write(temp: Path) -> int:
        if kind == ".csv" and backend_of(engine) == "postgresql":
            return _copy_csv(engine, sql, temp, state)
        sink = CsvSink(temp) if kind == ".csv" else XlsxSink(temp)
        return _stream(engine, dialect, sql, sink, state, fetch_size)

    return write_atomically(path, write)


def write_atomically(path: Path, write: Callable[[Path], int]) -> ExportResult:
    """Call ``write(temp)`` on a temporary file beside ``path``, then rename it to ``path``.

    On any failure or cancel the temporary file is deleted and ``path`` is left as it was;
    an OSError becomes a ``DmsError`` naming the file. ``write`` returns the rows written.
    """
    started = time.perf_counter()
    temp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.part")
    try:
        rows = write(temp)
        os.replace(temp, path)
    except BaseException as exc:
        with suppress(OSError):
            temp.unlink()
        if isinstance(exc, OSError):
            raise DmsError(f"Cannot write {path}: {exc.strerror or exc}.") from exc
        raise
    return ExportResult(rows, path, time.perf_counter() - started)


@contextmanager
def _cancel_watch(state: TaskState | None, cancel: Callable[[], None]) -> Iterator[None]:
    """Turn ``state.cancel()`` into a server cancel, even while a fetch is blocked."""
    if state is None:
        yield
        return
    done = threading.Event()

    def watch() -> None:
        while not done.wait(_WATCH_S):
            if state.cancelled:
                cancel()
                return

    watcher = threading.Thread(target=watch, name="dms-export-cancel", daemon=True)
    watcher.start()
    try:
        yield
    finally:
        done.set()
        watcher.join()


def _report(state: TaskState | None, rows: int) -> None:
    if state is not None:
        state.report(-1, f"{rows:,} rows")
        if state.cancelled:
            raise QueryCancelled("Export cancelled.")


def _stream(
    engine: Engine,
    dialect: str,
    sql: str,
    sink: Sink,
    state: TaskState | None,
    fetch_size: int,
) -> int:
    return stream_run(QueryRun(engine, dialect, sql, fetch_size=fetch_size), sink, state)


def stream_run(
    run: QueryRun,
    sink: Sink,
    state: TaskState | None,
    header: Callable[[Sequence[ResultColumn]], Sequence[str]] | None = None,
) -> int:
    """Start ``run`` and copy every row into ``sink`` a page at a time; returns the rows.

    ``header`` turns the result columns into the header row (default: their names). The run
    and the sink are closed at the end; a cancel of ``state`` stops the query on the server.
    """
    total = 0
    fetch_size = run.fetch_size
    with run, sink, _cancel_watch(state, run.cancel):
        run.start()
        sink.header(header(run.columns) if header else [c.name for c in run.columns])
        while True:
            rows = run.fetch(fetch_size)
            sink.rows(rows)
            total += len(rows)
            _report(state, total)
            if run.exhausted:
                break
    return total


# --- PostgreSQL COPY -------------------------------------------------------------------


class _CountingFile:
    """The file COPY writes into: counts lines for progress (approximate for multi-line text)."""

    def __init__(self, fh: IO[bytes], state: TaskState | None) -> None:
        self.fh = fh
        self.state = state
        self.lines = 0
        self._next_report = 0

    def write(self, data: bytes) -> int:
        self.lines += data.count(b"\n")
        if self.state is not None and self.lines >= self._next_report:
            self.state.report(-1, f"{max(0, self.lines - 1):,} rows")
            self._next_report = self.lines + FETCH_ROWS
        return self.fh.write(data)


def _copy_csv(engine: Engine, sql: str, temp: Path, state: TaskState | None) -> int:
    body = strip_statement(sql)
    lead = len(sql) - len(sql.lstrip())
    statement = f"{_COPY_PREFIX}{body}\n) TO STDOUT WITH (FORMAT csv, HEADER true)"
    raw = checkout(engine)
    dbapi_conn: Any = raw.dbapi_connection
    cancelled = threading.Event()

    def cancel() -> None:
        cancelled.set()
        with suppress(Exception):
            dbapi_conn.cancel()

    try:
        cur = dbapi_conn.cursor()
        try:
            cur.execute("SET LOCAL DateStyle TO ISO, YMD; SET LOCAL client_encoding TO 'UTF8'")
            with temp.open("wb") as fh, _cancel_watch(state, cancel):
                out = _CountingFile(fh, state)
                try:
                    cur.copy_expert(statement, out, size=1 << 16)
                except dbapi_error(engine) as exc:
                    if cancelled.is_set():
                        raise QueryCancelled("Export cancelled.") from exc
                    if is_disconnect(engine, exc, dbapi_conn, cur):
                        raw.invalidate()
                    raise sql_error(
                        exc, sql, prefix=len(_COPY_PREFIX) - lead, sent=statement
                    ) from exc
            rows = int(cur.rowcount)
        finally:
            if raw.dbapi_connection is not None:
                cur.close()
        if state is not None:
            state.report(-1, f"{rows:,} rows")
        return rows
    finally:
        if raw.dbapi_connection is not None:
            raw.rollback()
        raw.close()


# --- sinks -----------------------------------------------------------------------------


class Sink:
    """Where exported rows go: ``header`` once, ``rows`` per page, ``close(ok)`` at the end."""

    def __enter__(self) -> Sink:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close(ok=exc[0] is None)

    def header(self, names: Sequence[str]) -> None:
        raise NotImplementedError

    def rows(self, rows: Sequence[Sequence[Any]]) -> None:
        raise NotImplementedError

    def close(self, ok: bool) -> None:
        raise NotImplementedError


def csv_value(value: Any) -> Any:
    """A value as CSV text; str, int, float and None pass through (csv formats them)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, _PLAIN):
        return value
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date | dtime):
        return value.isoformat()
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


def _decimal_text(value: Decimal) -> str:
    return format(value, "f")


def _hex(value: bytes | bytearray | memoryview) -> str:
    return bytes(value).hex()


# Types whose text a plain call gives (str() of a datetime is its ISO form with a space).
_FAST: dict[type, Callable[[Any], Any]] = {
    Decimal: _decimal_text,
    bytes: _hex,
    memoryview: _hex,
}


def _decimal_column(values: tuple[Any, ...]) -> Sequence[Any] | None:
    """A column of decimals only (no NULL) as text with str() in C; None when a value needs
    format(): an exponent (str(Decimal('1E-7')) is '1E-7', the export writes 0.0000001)."""
    texts = list(map(str, values))
    return None if "E" in "".join(texts) else texts


def _csv_column(values: tuple[Any, ...]) -> Sequence[Any]:
    kinds = set(map(type, values))
    if kinds <= _PLAIN_TYPES:
        return values
    if kinds == {Decimal} and (texts := _decimal_column(values)) is not None:
        return texts
    kinds.discard(type(None))
    fast = _FAST.get(kinds.pop()) if len(kinds) == 1 else None
    if fast is not None:
        return [None if v is None else fast(v) for v in values]
    return [csv_value(v) for v in values]


class CsvSink(Sink):
    def __init__(self, path: Path) -> None:
        self.fh = path.open("w", encoding="utf-8", newline="")
        self.writer = csv.writer(self.fh, lineterminator="\n")

    def header(self, names: Sequence[str]) -> None:
        self.writer.writerow(names)

    def rows(self, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            # Column by column: one type check per column and page, C loops for the rest.
            self.writer.writerows(zip(*map(_csv_column, zip(*rows, strict=True)), strict=True))

    def close(self, ok: bool) -> None:
        self.fh.close()


def excel_text(text: str) -> str:
    """Text an Excel cell accepts: illegal characters dropped, over-long text truncated."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    text = ILLEGAL_CHARACTERS_RE.sub("", text)
    if len(text) > EXCEL_MAX_TEXT:
        return text[: EXCEL_MAX_TEXT - len(TRUNCATED)] + TRUNCATED
    return text


def xlsx_value(value: Any) -> Any:
    """A value Excel can hold without loss, else its text."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        return excel_text(value)
    if isinstance(value, int):
        return value if abs(value) < 10**_EXCEL_MAX_DIGITS else str(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, Decimal):
        exact = value.is_finite() and len(value.normalize().as_tuple().digits) <= _EXCEL_MAX_DIGITS
        return value if exact else format(value, "f")
    if isinstance(value, datetime):
        if value.tzinfo is not None or value.date() < _EXCEL_MIN_DATE:
            return value.isoformat(sep=" ")
        return value
    if isinstance(value, date):
        return value if value >= _EXCEL_MIN_DATE else value.isoformat()
    if isinstance(value, dtime):
        return value if value.tzinfo is None else value.isoformat()
    return excel_text(str(csv_value(value)))


class XlsxSink(Sink):
    """openpyxl write-only workbook: rows go to a temporary XML file, not into memory."""

    def __init__(self, path: Path) -> None:
        from openpyxl import Workbook

        self.path = path
        self.book = Workbook(write_only=True)
        self.names: list[str] = []
        self.sheet: Any = None
        self.sheet_rows = 0
        self.sheets = 0

    def _new_sheet(self) -> None:
        self.sheets += 1
        self.sheet = self.book.create_sheet(
            "Result" if self.sheets == 1 else f"Result {self.sheets}"
        )
        self.sheet.append(self.names)
        self.sheet_rows = 1

    def header(self, names: Sequence[str]) -> None:
        self.names = [excel_text(n) for n in names]
        self._new_sheet()

    def rows(self, rows: Sequence[Sequence[Any]]) -> None:
        from openpyxl.cell import WriteOnlyCell

        for row in rows:
            if self.sheet_rows >= EXCEL_MAX_ROWS:
                self._new_sheet()
            values: list[Any] = [xlsx_value(v) for v in row]
            for i, v in enumerate(values):
                if isinstance(v, str) and v.startswith("="):  # text, never a formula
                    cell = WriteOnlyCell(self.sheet, value=v)
                    cell.data_type = "s"
                    values[i] = cell
            self.sheet.append(values)
            self.sheet_rows += 1

    def close(self, ok: bool) -> None:
        if self.sheet is None:
            self.names = []
            self._new_sheet()
        if ok:
            self.book.save(self.path)
            return
        for sheet in self.book.worksheets:  # finish, then drop openpyxl's temporary files
            with suppress(Exception):
                sheet.close()
            writer = getattr(sheet, "_writer", None)
            if writer is not None:
                with suppress(OSError, ValueError):
                    writer.cleanup()


_Sink = Sink  # the names before the report writers shared them
_CsvSink = CsvSink
_text_cell = excel_text
_XlsxSink = XlsxSink
