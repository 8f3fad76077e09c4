"""Errors of the SQL workbench, carrying where in the user's text things went wrong.

The editor marks ``line``/``column`` (1-based) in the text the user ran. A database reports
positions in the statement it received, which may be the user's text wrapped in a
``SELECT * FROM (...)``: ``sql_error`` takes the wrapper's prefix length and maps the position
back, dropping it when it falls outside the user's text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from dms_desktop.core.errors import DmsError, ValidationError, describe_db_error


@dataclass(frozen=True)
class SqlProblem:
    """One problem in a SQL text; ``line``/``column`` are 1-based, None when unknown."""

    line: int | None
    column: int | None
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}, column {self.column}: " if self.line else ""
        return f"{where}{self.message}"


class SqlError(ValidationError):
    """SQL refused by the parser or the database, with the position when one is known."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None) -> None:
        where = f" (line {line}, column {column})" if line else ""
        super().__init__(f"{message}{where}")
        self.reason = message
        self.line = line
        self.column = column

    @property
    def problem(self) -> SqlProblem:
        return SqlProblem(self.line, self.column, self.reason)


class ConnectionFailed(DmsError):
    """The source database cannot be reached (host, port, credentials, file)."""


class QueryCancelled(DmsError):
    """The user cancelled a running query (the server was told to stop)."""

    def __init__(self, message: str = "Query cancelled.") -> None:
        super().__init__(message)


def line_col(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of a 0-based character offset in ``text``."""
    offset = max(0, min(offset, len(text)))
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def offset_of(text: str, line: int, column: int) -> int:
    """0-based character offset of a 1-based line/column (clamped to the text)."""
    lines = text.split("\n")
    line = max(1, min(line, len(lines)))
    return sum(len(x) + 1 for x in lines[: line - 1]) + max(0, column - 1)


_MYSQL_NEAR = re.compile(r"near '(?P<near>.*)' at line (?P<line>\d+)", re.S)
_MYSQL_MANUAL = re.compile(
    r"; check the manual that corresponds to your \w+ server version for the right syntax "
    r"to use near '(.*)' at line \d+",
    re.S,
)
_PG_LINE = re.compile(r"\s+LINE \d+:")
_SQLITE_NEAR = re.compile(r'near "(?P<near>[^"]+)": syntax error')


def driver_text(exc: BaseException) -> str:
    """The driver's message; PyMySQL's ``str()`` is the repr of ``(code, message)``."""
    orig = getattr(exc, "orig", None) or exc
    args: tuple[Any, ...] = getattr(orig, "args", ())
    if len(args) >= 2 and isinstance(args[0], int) and isinstance(args[1], str):
        return args[1]
    return str(orig)


def _db_offset(exc: BaseException, sent: str, skip: int) -> int | None:
    """0-based offset in the statement ``sent`` that the driver's error points at."""
    orig = getattr(exc, "orig", None) or exc
    diag = getattr(orig, "diag", None)  # psycopg2: 1-based character position
    position = getattr(diag, "statement_position", None) if diag is not None else None
    if position:
        return int(position) - 1
    args: tuple[Any, ...] = getattr(orig, "args", ())
    ora = args[0] if args else None
    offset = getattr(ora, "offset", None)  # python-oracledb: _Error.offset
    if isinstance(offset, int) and offset > 0:
        return offset
    text = driver_text(exc)
    m = _MYSQL_NEAR.search(text)
    if m:
        base = offset_of(sent, int(m.group("line")), 1)
        found = sent.find(m.group("near")[:40], base) if m.group("near") else -1
        return found if found >= 0 else base
    near = _SQLITE_NEAR.search(text)
    if near:
        pattern = re.compile(rf"(?<![\w]){re.escape(near.group('near'))}(?![\w])")
        hit = pattern.search(sent, skip)
        return hit.start() if hit else None
    return None


def sql_error(
    exc: BaseException, sql: str, *, prefix: int = 0, sent: str | None = None
) -> SqlError:
    """A ``SqlError`` from a driver error on ``sent`` = wrapper prefix + ``sql`` + suffix."""
    # PostgreSQL appends "LINE n: <text> ^": the position is given separately, the text
    # may be our wrapper's.
    text = _MYSQL_MANUAL.sub(
        lambda m: f" near '{m.group(1).splitlines()[0][:40]}'", driver_text(exc)
    )
    message = _PG_LINE.split(describe_db_error(Exception(text)))[0].strip()
    offset = _db_offset(exc, sent if sent is not None else sql, max(prefix, 0))
    if offset is None:
        return SqlError(message)
    offset -= prefix
    if not 0 <= offset <= len(sql):
        return SqlError(message)
    return SqlError(message, *line_col(sql, offset))
