"""The database side of a load: a stage, key checks on it, one set-based merge.

Valid rows go to a temporary stage table typed like the target, with their file row number
(``dms_row``): PostgreSQL by COPY (text format, ``NULL ''``) fed straight from the checks,
other databases by ``executemany`` per chunk. Key uniqueness is then checked in SQL on the
stage (memory stays flat however many keys), and the merge is one statement (two for
upsert: update the changed rows, insert the new) in the load's single transaction, so a
reader sees the table before or after the load, never half of it.

PostgreSQL gets ``temp_buffers`` raised for the session when it is still allowed (before
its first temporary table): the stage then stays in memory instead of spilling to disk; the
connection is dropped from the pool afterwards so the memory goes back.
"""

from __future__ import annotations

import bisect
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Connection,
    Table,
    and_,
    delete,
    exists,
    insert,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.exc import DBAPIError
from sqlalchemy.schema import CreateTable, DropTable

from dms_desktop.core.engine.transfer import column_list, driver_errors, placeholders
from dms_desktop.core.tasks import TaskState
from dms_desktop.core.uploads.model import TargetColumn
from dms_desktop.core.uploads.target import sa_table

ROW = "dms_row"
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_NEEDS_ESCAPE = ("\\", "\t", "\n", "\r")
UPDATE_FROM = ("postgresql", "sqlite", "mysql")
# canonical values of these never hold tabs, line breaks or backslashes (see checks.py)
SAFE_FAMILIES = ("int", "decimal", "float", "date", "timestamp", "boolean")


@dataclass
class MergeCounts:
    inserted: int = 0
    updated: int = 0
    deleted: int = 0


@dataclass
class Block:
    """Rows on their way to the stage: file row numbers and canonical values per column, plus
    the rows as delimited text when no value changed (sent to COPY as they are)."""

    rownums: list[int]
    columns: list[list[str]]
    text: str | None = None
    delimiter: str = ","
    payload: bytes | None = None  # COPY text made already (the fast path)


class Stage:
    """A temporary table like the target (plus ``dms_row``) for one load.

    On PostgreSQL ``dms_row`` is an identity numbering rows in the order COPY receives them
    (so unchanged rows go as the file wrote them, without a number added per line); the
    stage keeps the spans mapping those numbers back to file rows. Elsewhere it is the file
    row itself.
    """

    def __init__(self, conn: Connection, columns: Sequence[TargetColumn]) -> None:
        self.conn = conn
        self.backend = conn.dialect.name
        self.names = [c.name for c in columns]
        self.columns = list(columns)
        self._spans: list[tuple[int, int, list[int] | None]] = []  # first seq, first row, rows
        self._seq = 0
        row_type = {
            "sqlite": "INTEGER",
            "postgresql": "BIGINT GENERATED ALWAYS AS IDENTITY",
        }.get(self.backend, "BIGINT")
        cols = [TargetColumn(ROW, row_type, "int", 8), *columns]
        temporary = self.backend != "oracle"
        self.table: Table = sa_table(
            f"dms_upl_{uuid.uuid4().hex[:12]}",
            None,
            [TargetColumn(c.name, c.type_text, c.family, c.size, c.scale) for c in cols],
            prefixes=["TEMPORARY"] if temporary else [],
        )
        if self.backend == "postgresql":
            self.table.dialect_options["postgresql"]["on_commit"] = "DROP"
        conn.execute(CreateTable(self.table))

    @property
    def quoted(self) -> str:
        return str(self.conn.dialect.identifier_preparer.format_table(self.table))

    def row_of(self, number: int) -> int:
        """The file row of a stage row's ``dms_row``."""
        if self.backend != "postgresql":
            return number
        index = bisect.bisect_right(self._spans, number, key=lambda span: span[0]) - 1
        first_seq, first_row, rows = self._spans[index]
        offset = number - first_seq
        return rows[offset] if rows is not None else first_row + offset

    def _numbered(self, rownums: list[int]) -> None:
        contiguous = rownums[-1] - rownums[0] == len(rownums) - 1
        self._spans.append((self._seq + 1, rownums[0], None if contiguous else list(rownums)))
        self._seq += len(rownums)

    def fill(self, blocks: Iterable[Block]) -> int:
        """Write every block; returns the rows staged."""
        if self.backend == "postgresql":
            return self._copy(blocks)
        return self._executemany(blocks)

    def _copy(self, blocks: Iterable[Block]) -> int:
        return copy_blocks(self.conn, self.table, self.columns, blocks, self._numbered)

    def _executemany(self, blocks: Iterable[Block]) -> int:
        dialect = self.conn.dialect
        names = (ROW, *self.names)
        sql = (
            f"INSERT INTO {self.quoted} ({column_list(dialect, names)}) "
            f"VALUES ({placeholders(dialect.paramstyle, len(names))})"
        )
        booleans = [i for i, c in enumerate(self.columns) if c.family == "boolean"]
        rows = 0
        cursor = self.conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        try:
            for block in blocks:
                if not block.rownums:
                    continue
                bound: list[list[Any]] = [[v or None for v in col] for col in block.columns]
                for i in booleans:  # SQLite and MySQL store booleans as 1/0
                    bound[i] = [None if not v else int(v == "true") for v in block.columns[i]]
                with driver_errors(self.conn.dialect, sql):
                    cursor.executemany(sql, list(zip(block.rownums, *bound, strict=True)))
                rows += len(block.rownums)
        finally:
            cursor.close()
        return rows

    def drop(self) -> None:
        """Drop the stage inside the transaction (PostgreSQL drops it at commit)."""
        if self.backend != "postgresql":
            self.conn.execute(DropTable(self.table))


def copy_blocks(
    conn: Connection,
    table: Table,
    columns: Sequence[TargetColumn],
    blocks: Iterable[Block],
    numbered: Callable[[list[int]], None] | None = None,
) -> int:
    """PostgreSQL: COPY the blocks into ``table`` (a stage, or the target itself); the rows.
    ``numbered`` hears each block's file rows, in the order COPY receives them."""
    prep = conn.dialect.identifier_preparer
    cols = ", ".join(prep.quote(c.name) for c in columns)
    quoted = prep.format_table(table)
    sql = f"COPY {quoted} ({cols}) FROM STDIN WITH (FORMAT text, NULL '')"
    reader = _CopyReader(blocks, [c.family in SAFE_FAMILIES for c in columns], numbered)
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        with driver_errors(conn.dialect, sql):
            cursor.copy_expert(sql, reader, size=1 << 20)
    except DBAPIError:
        if reader.error is not None:
            raise reader.error from None  # our own failure (cancel, a file error)
        raise
    finally:
        cursor.close()
    return reader.rows


def _is_boolean(column: Any) -> bool:
    return str(getattr(column.type, "text", "")).upper() in ("BOOLEAN", "BOOL")


class _CopyReader:
    """A file-like object COPY reads from: the blocks as COPY text, produced on demand."""

    def __init__(
        self,
        blocks: Iterable[Block],
        safe: Sequence[bool],
        numbered: Callable[[list[int]], None] | None,
    ) -> None:
        self._numbered = numbered
        self._blocks: Iterator[Block] = iter(blocks)
        self._safe = safe
        self.rows = 0
        self.error: BaseException | None = None

    def read(self, _size: int = -1) -> bytes:
        try:
            for block in self._blocks:
                if block.rownums:
                    self.rows += len(block.rownums)
                    if self._numbered is not None:
                        self._numbered(block.rownums)
                    if block.payload is not None:
                        return block.payload
                    return copy_payload(block, self._safe).encode("utf-8")
        except BaseException as exc:
            self.error = exc  # psycopg2 turns it into QueryCanceled: keep the original
            raise
        return b""

    def readline(self, _size: int = -1) -> bytes:
        return self.read()


def copy_payload(block: Block, safe: Sequence[bool] = ()) -> str:
    """COPY text format: tab-separated, backslash escapes, empty text is NULL. Unchanged
    rows go as the file wrote them (the delimiter made a tab) unless they hold a backslash
    or a tab of their own."""
    text, delimiter = block.text, block.delimiter
    if text is not None and "\\" not in text and (delimiter == "\t" or "\t" not in text):
        return text if delimiter == "\t" else text.replace(delimiter, "\t")
    escaped: list[Sequence[str]] = []
    for index, col in enumerate(block.columns):
        if index < len(safe) and safe[index]:
            escaped.append(col)
            continue
        joined = "\x00".join(col)
        if any(ch in joined for ch in _NEEDS_ESCAPE):
            col = joined.translate(_COPY_ESCAPES).split("\x00")
        escaped.append(col)
    return "\n".join(map("\t".join, zip(*escaped, strict=True))) + "\n"


def refused_value(exc: DBAPIError) -> bool:
    """Did the database refuse a value (SQLSTATE class 22: bad text, out of range, too
    long) rather than fail?"""
    code = getattr(exc.orig, "pgcode", None) or ""
    return str(code).startswith("22")


def _match(left: Table, right: Table, keys: Sequence[str]) -> Any:
    return and_(*(left.c[k] == right.c[k] for k in keys))


# --- the merge ---------------------------------------------------------------------------------


def merge(
    conn: Connection, stage: Table, target: Table, mode: str, keys: Sequence[str]
) -> MergeCounts:
    """Move the stage into the target: APPEND, REPLACE (delete all, insert) or UPSERT."""
    names = [c.name for c in target.columns]
    counts = MergeCounts()
    if mode == "REPLACE":
        counts.deleted = int(conn.execute(delete(target)).rowcount or 0)
    if mode == "UPSERT":
        counts.updated = _update(conn, stage, target, names, keys)
        source = select(*[stage.c[n] for n in names]).where(
            ~exists(select(literal(1)).select_from(target).where(_match(target, stage, keys)))
        )
    else:
        source = select(*[stage.c[n] for n in names])
    counts.inserted = int(conn.execute(insert(target).from_select(names, source)).rowcount or 0)
    return counts


def _update(
    conn: Connection, stage: Table, target: Table, names: Sequence[str], keys: Sequence[str]
) -> int:
    others = [n for n in names if n not in keys]
    if not others:
        return 0
    match = _match(target, stage, keys)
    changed = or_(*(target.c[n].is_distinct_from(stage.c[n]) for n in others))
    if conn.dialect.name in UPDATE_FROM:
        statement = update(target).values({n: stage.c[n] for n in others}).where(match, changed)
    else:  # Oracle: correlated subqueries (MERGE would need the key unique in the stage)
        one = select(literal(1)).select_from(stage).where(match, changed)
        statement = (
            update(target)
            .values({n: select(stage.c[n]).where(match).scalar_subquery() for n in others})
            .where(exists(one))
        )
    return int(conn.execute(statement).rowcount or 0)


@contextmanager
def cancel_watch(conn: Connection, state: TaskState | None) -> Iterator[None]:
    """While a long statement runs, turn ``state.cancel()`` into a server-side cancel."""
    if state is None:
        yield
        return
    raw: Any = conn.connection.driver_connection
    stop = threading.Event()
    cancel: Callable[[], None] | None = getattr(raw, "cancel", None) or getattr(
        raw, "interrupt", None
    )

    def watch() -> None:
        while not stop.wait(0.1):
            if state.cancelled and cancel is not None:
                cancel()
                return

    watcher = threading.Thread(target=watch, name="dms-upload-cancel", daemon=True)
    watcher.start()
    try:
        yield
    finally:
        stop.set()
        watcher.join()
