"""Running editor statements in a worker thread: plain Python, no Qt (the Orange3 pattern).

The GUI keeps a ``RunHandle`` and may call ``cancel()`` on it from its own thread at any time;
the worker attaches each ``QueryRun`` it starts to the handle, so the cancel reaches the
statement running right now (a server-side cancel, not an abandoned thread).
"""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine

from dms_desktop.core.connections.service import ConnectionService
from dms_desktop.core.errors import DmsError
from dms_desktop.core.security.permissions import CurrentUser
from dms_desktop.core.sqlstore.errors import QueryCancelled, SqlError, line_col, offset_of
from dms_desktop.core.sqlstore.runner import QueryRun, explain, record_history
from dms_desktop.core.sqlstore.validate import is_query, split_statements
from dms_desktop.core.workspace import Workspace

log = logging.getLogger(__name__)
SUMMARY_CHARS = 60


@dataclass(frozen=True)
class Target:
    """A connection of the workspace that statements run on; resolved in the worker."""

    ws: Workspace
    user: CurrentUser
    conid: int
    dialect: str

    def engine(self) -> Engine:
        return ConnectionService(self.ws, self.user).engine(self.conid)


@dataclass(frozen=True)
class Piece:
    """One statement to run; ``base`` is its character offset in the editor (None: unknown)."""

    sql: str
    base: int | None = 0


@dataclass
class Outcome:
    run: QueryRun | None  # the open result to show, or None when no statement returned rows
    rows: list[tuple[Any, ...]] = field(default_factory=list)  # its first page
    sql: str = ""  # the statement whose rows are shown (sort and export run it again)
    messages: list[str] = field(default_factory=list)  # one line per statement
    last_message: str = ""  # what the last statement did, for a result without rows
    more: bool = False  # the shown result has rows left to fetch as the user scrolls


class StatementFailed(DmsError):
    """A statement failed (or was cancelled); ``offset`` is where, in the editor's text."""

    def __init__(
        self, cause: DmsError, offset: int | None, messages: list[str], cancelled: bool = False
    ) -> None:
        super().__init__(cause.message)
        self.cause = cause
        self.offset = offset
        self.messages = messages
        self.cancelled = cancelled


class RunHandle:
    """Thread-safe link between the GUI's Cancel and the worker's current ``QueryRun``."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._run: QueryRun | None = None
        self._cancelled = False

    def attach(self, run: QueryRun) -> None:
        with self._lock:
            if self._cancelled:
                raise QueryCancelled()
            self._run = run

    def cancel(self) -> None:
        """Stop the running statement; returns at once (the server is told, not waited on)."""
        with self._lock:
            self._cancelled = True
            run = self._run
        if run is not None:
            run.cancel()

    @property
    def cancelled(self) -> bool:
        return self._cancelled


def rows_text(count: int) -> str:
    return f"{count:,} row{'' if count == 1 else 's'}"


def summary(sql: str) -> str:
    text = " ".join(sql.split())
    return text if len(text) <= SUMMARY_CHARS else text[: SUMMARY_CHARS - 1] + "…"


def script_pieces(script: str, dialect: str) -> list[Piece]:
    return [Piece(st.text, st.start) for st in split_statements(script, dialect)]


def _remember(target: Target, sql: str, run: QueryRun | None, status: str, message: str) -> None:
    """Add the statement to the connection's history; a failure here never fails the run."""
    elapsed = int(run.elapsed * 1000) if run is not None else None
    rows = run.rowcount if run is not None and run.exhausted and run.rowcount >= 0 else None
    try:
        record_history(
            target.ws, target.conid, target.user.username, sql, elapsed, rows, status, message
        )
    except Exception:  # noqa: BLE001 - history is a convenience
        log.warning("could not record the SQL history", exc_info=True)


def _where(piece: Piece, error: DmsError) -> int | None:
    if not isinstance(error, SqlError) or piece.base is None:
        return None
    if error.line:
        return piece.base + offset_of(piece.sql, error.line, error.column or 1)
    found = guess_position(piece.sql, error.reason)
    return None if found is None else piece.base + found


_NAMED = re.compile(
    r"no such (?:column|table|function): (?P<a>[\w.$]+)"  # SQLite
    r"|Unknown column '(?P<b>[^']+)'"  # MySQL
    r"|Table '(?:[^'.]+\.)?(?P<c>[^']+)' doesn't exist",  # MySQL
    re.IGNORECASE,
)


def guess_position(sql: str, message: str) -> int | None:
    """Where the name a message complains about appears, for drivers that give no position
    (SQLite's "no such column: x"): the first whole-word occurrence in ``sql``."""
    match = _NAMED.search(message)
    if match is None:
        return None
    name = next(g for g in match.groups() if g)
    for candidate in (name, name.rsplit(".", 1)[-1]):
        hit = re.search(rf"(?<![\w$.]){re.escape(candidate)}(?![\w$])", sql, re.IGNORECASE)
        if hit is not None:
            return hit.start()
    return None


def _line_of(piece: Piece, script: str | None) -> str:
    if piece.base is None or script is None:
        return ""
    return f"Line {line_col(script, piece.base)[0]}: "


def run_pieces(
    target: Target,
    pieces: list[Piece],
    handle: RunHandle,
    page_rows: int,
    script: str | None = None,
) -> Outcome:
    """Run ``pieces`` in order; the rows of the last query are kept open for the grid.

    When statements follow that query, its first page is shown and its cursor closed, so
    it holds no lock while they run.
    """
    engine = target.engine()
    queries = [i for i, p in enumerate(pieces) if is_query(p.sql, target.dialect)]
    keep = queries[-1] if queries else -1
    outcome = Outcome(run=None)
    for i, piece in enumerate(pieces):
        where = _line_of(piece, script) if len(pieces) > 1 else ""
        run = QueryRun(engine, target.dialect, piece.sql, fetch_size=page_rows)
        try:
            handle.attach(run)
            run.start()
            rows = run.fetch(page_rows) if run.columns and i == keep else []
        except DmsError as exc:
            run.close()
            cancelled = isinstance(exc, QueryCancelled) or handle.cancelled
            _remember(target, piece.sql, run, "CANCELLED" if cancelled else "ERROR", exc.message)
            outcome.messages.append(f"{where}{summary(piece.sql)} — {exc.message}")
            raise StatementFailed(exc, _where(piece, exc), outcome.messages, cancelled) from exc
        if run.columns:
            if i == keep:
                done = run.exhausted
                text = rows_text(run.rowcount) if done else f"first {rows_text(len(rows))}"
                outcome.more = not done
                if not done and i < len(pieces) - 1:
                    run.close()
                    outcome.more = False
                    text += " shown (statements follow it: run it alone to scroll further)"
                outcome.run, outcome.rows, outcome.sql = run, rows, piece.sql
            else:
                run.close()
                text = "query ran; only the last query's rows are shown"
        else:
            affected = run.rowcount
            text = f"{rows_text(affected)} affected" if affected >= 0 else "Statement executed"
        outcome.last_message = text[0].upper() + text[1:]
        _remember(target, piece.sql, run, "OK", text)
        outcome.messages.append(f"{where}{summary(piece.sql)} — {text} ({run.elapsed:.2f} s)")
    if handle.cancelled and outcome.run is not None:  # cancelled as it ended: nobody waits
        outcome.run.close()
        raise StatementFailed(QueryCancelled(), None, outcome.messages, cancelled=True)
    return outcome


def explain_plan(target: Target, piece: Piece) -> list[str]:
    """The plan of one statement, as text lines; errors carry their editor position."""
    try:
        return explain(target.engine(), target.dialect, piece.sql)
    except SqlError as exc:
        raise StatementFailed(exc, _where(piece, exc), []) from exc
