"""Managed source queries (DMS_MAPRSQL): save with version history, validate, describe, diff.

Versions follow the seed: saving a change closes the current row (``curflg='N'``) and writes
the next version as the current one, in one transaction; the unique index on current codes
and a check that the closed row was still current make a concurrent save fail instead of
forking the history. Deleting closes the current row too, so the history stays readable and
re-creating the code continues its numbering.

Validation caches the columns the database described (``maprsqlcols``) on the current row so
the mapper can offer them without asking the source database again.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, RowMapping, func, select

from dms_desktop.core.clock import utcnow
from dms_desktop.core.errors import AlreadyExists, NotFound, ValidationError
from dms_desktop.core.metadata.engine import write_tx
from dms_desktop.core.metadata.tables import dms_dbcondtls, dms_mapr, dms_maprsql
from dms_desktop.core.security.permissions import CurrentUser
from dms_desktop.core.sqlstore.describe import (
    ResultColumn,
    columns_from_json,
    columns_to_json,
    describe_columns,
)
from dms_desktop.core.sqlstore.errors import SqlError, SqlProblem
from dms_desktop.core.sqlstore.validate import strip_statement, validate_select
from dms_desktop.core.workspace import Workspace

CODE_RULE = "a letter, then up to 99 letters, digits or '_' (e.g. SQL_001)"
CODE_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,99}$")
MAX_DESCRIPTION = 500
CURRENT, HISTORY = "Y", "N"

EngineProvider = Callable[[int], tuple[Engine, str]]
"""``conid -> (engine, sqlglot dialect)``: how the service reaches a source database."""


@dataclass(frozen=True)
class ManagedSql:
    code: str
    description: str | None
    conid: int | None
    text: str
    version: int
    current: bool
    columns: tuple[ResultColumn, ...]
    updated: datetime | None
    updated_by: str | None
    verified: bool = False
    sqlid: int | None = None


@dataclass(frozen=True)
class ValidationResult:
    ok: bool
    problems: list[SqlProblem]
    columns: list[ResultColumn]


# `list` is a method of SqlService: inside its body the builtin needs these aliases.
ManagedList = list[ManagedSql]
ColumnList = list[ResultColumn]
TextLines = list[str]


def check_code(code: str) -> str:
    code = (code or "").strip()
    if not CODE_RE.match(code):
        raise ValidationError(f"SQL code '{code}' is not valid: use {CODE_RULE}.")
    return code


def _normalise(text: str) -> str:
    """Stored without surrounding blanks or a trailing ';' (the engine wraps it in a subquery)."""
    return strip_statement(text.replace("\r\n", "\n").replace("\r", "\n"))


def _from_row(row: RowMapping) -> ManagedSql:
    return ManagedSql(
        code=row["maprsqlcd"],
        description=row["maprsqldesc"],
        conid=row["sqlconid"],
        text=row["maprsql"],
        version=int(row["sqlver"]),
        current=row["curflg"] == CURRENT,
        columns=tuple(columns_from_json(row["maprsqlcols"])),
        updated=row["recupdt"] or row["reccrdt"],
        updated_by=row["uptdby"] or row["crtdby"],
        verified=row["lgvrfyflg"] == "Y",
        sqlid=int(row["maprsqlid"]),
    )


def _connection_engines(ws: Workspace, actor: CurrentUser) -> EngineProvider:
    """Resolve source connections through the connection service (pooled, cached engines)."""

    def provide(conid: int) -> tuple[Engine, str]:
        from dms_desktop.core.connections.service import ConnectionService

        return ConnectionService(ws, actor).engine_and_dialect(conid)

    return provide


class SqlService:
    def __init__(
        self, ws: Workspace, actor: CurrentUser, engine_provider: EngineProvider | None = None
    ) -> None:
        self.ws = ws
        self.actor = actor
        self.engines = engine_provider or _connection_engines(ws, actor)

    # --- reading -------------------------------------------------------------------------

    def list(self) -> ManagedList:
        """Current version of every managed query, by code."""
        self.actor.require("sql", "view")
        query = select(dms_maprsql).where(dms_maprsql.c.curflg == CURRENT)
        with self.ws.engine.connect() as conn:
            rows = conn.execute(query.order_by(dms_maprsql.c.maprsqlcd)).mappings().all()
        return [_from_row(r) for r in rows]

    def get(self, code: str, version: int | None = None) -> ManagedSql:
        """The current version, or the given one (current or not)."""
        self.actor.require("sql", "view")
        with self.ws.engine.connect() as conn:
            row = self._row(conn, code, version)
        return _from_row(row)

    def versions(self, code: str) -> ManagedList:
        """Every version of a code, newest first."""
        self.actor.require("sql", "view")
        query = select(dms_maprsql).where(dms_maprsql.c.maprsqlcd == code)
        with self.ws.engine.connect() as conn:
            rows = conn.execute(query.order_by(dms_maprsql.c.sqlver.desc())).mappings().all()
        if not rows:
            raise NotFound(f"SQL '{code}' does not exist.")
        return [_from_row(r) for r in rows]

    def diff(self, code: str, v1: int, v2: int) -> TextLines:
        """Unified diff of the text of two versions (``---``/``+++``/``@@`` lines included)."""
        old, new = self.get(code, v1), self.get(code, v2)
        return list(
            difflib.unified_diff(
                old.text.splitlines(),
                new.text.splitlines(),
                fromfile=f"{code} v{v1}",
                tofile=f"{code} v{v2}",
                lineterm="",
            )
        )

    def _row(self, conn: Connection, code: str, version: int | None) -> RowMapping:
        query = select(dms_maprsql).where(dms_maprsql.c.maprsqlcd == code)
        if version is None:
            query = query.where(dms_maprsql.c.curflg == CURRENT)
        else:
            query = query.where(dms_maprsql.c.sqlver == version)
        row = conn.execute(query.order_by(dms_maprsql.c.maprsqlid.desc())).mappings().first()
        if row is None:
            which = f" version {version}" if version is not None else ""
            raise NotFound(f"SQL '{code}'{which} does not exist.")
        return row

    # --- writing -------------------------------------------------------------------------

    def save(
        self,
        code: str,
        text: str,
        conid: int | None,
        description: str | None = None,
        *,
        base_version: int | None = None,
    ) -> ManagedSql:
        """Create the code (version 1) or save a new version when anything changed.

        ``base_version`` is the version the editor started from: when someone saved another
        version meanwhile, the save is refused instead of silently overwriting theirs.
        """
        code = check_code(code)
        body = _normalise(text or "")
        if not body:
            raise ValidationError(f"SQL '{code}' has no text: write the query first.")
        description = (description or "").strip() or None
        if description and len(description) > MAX_DESCRIPTION:
            raise ValidationError(f"The description is longer than {MAX_DESCRIPTION} characters.")
        with write_tx(self.ws.engine) as conn:
            if conid is not None:
                self._check_connection(conn, conid)
            current = (
                conn.execute(
                    select(dms_maprsql).where(
                        dms_maprsql.c.maprsqlcd == code, dms_maprsql.c.curflg == CURRENT
                    )
                )
                .mappings()
                .first()
            )
            keep: dict[str, Any] = {"lgvrfyflg": "N", "maprsqlcols": None}
            if current is None:
                self.actor.require("sql", "create")
                self._check_case_clash(conn, code)
                last = conn.execute(
                    select(func.max(dms_maprsql.c.sqlver)).where(dms_maprsql.c.maprsqlcd == code)
                ).scalar()
                version = int(last or 0) + 1
            else:
                self.actor.require("sql", "edit")
                self._check_base(current, base_version)
                same_query = current["maprsql"] == body and current["sqlconid"] == conid
                if same_query and current["maprsqldesc"] == description:
                    return _from_row(current)
                if same_query:  # only the description changed: the described columns hold
                    keep = {k: current[k] for k in keep}
                self._close(conn, current)
                version = int(current["sqlver"]) + 1
            now = utcnow()
            conn.execute(
                dms_maprsql.insert().values(
                    maprsqlcd=code,
                    maprsqldesc=description,
                    maprsql=body,
                    sqlconid=conid,
                    sqlver=version,
                    curflg=CURRENT,
                    reccrdt=now,
                    crtdby=self.actor.username,
                    **keep,
                )
            )
            return _from_row(self._row(conn, code, None))

    def _check_connection(self, conn: Connection, conid: int) -> None:
        found = conn.execute(
            select(dms_dbcondtls.c.conid).where(
                dms_dbcondtls.c.conid == conid, dms_dbcondtls.c.curflg == CURRENT
            )
        ).first()
        if found is None:
            raise NotFound(f"Connection {conid} does not exist: choose another connection.")

    def _check_case_clash(self, conn: Connection, code: str) -> None:
        other = conn.execute(
            select(dms_maprsql.c.maprsqlcd).where(
                func.upper(dms_maprsql.c.maprsqlcd) == code.upper(),
                dms_maprsql.c.curflg == CURRENT,
            )
        ).scalar()
        if other is not None:
            raise AlreadyExists(
                f"SQL '{other}' already exists: codes differing only in case clash."
            )

    def _check_base(self, current: RowMapping, base_version: int | None) -> None:
        if base_version is not None and int(current["sqlver"]) != base_version:
            raise ValidationError(
                f"SQL '{current['maprsqlcd']}' is at version {current['sqlver']} (saved by "
                f"{current['crtdby'] or 'someone'}) since you opened version {base_version}: "
                "reload it and apply your change again."
            )

    def _close(self, conn: Connection, current: RowMapping) -> None:
        """Make the current row history; refuse when another session closed it first."""
        closed = conn.execute(
            dms_maprsql.update()
            .where(
                dms_maprsql.c.maprsqlid == current["maprsqlid"],
                dms_maprsql.c.curflg == CURRENT,
            )
            .values(curflg=HISTORY, recupdt=utcnow(), uptdby=self.actor.username)
        )
        if closed.rowcount != 1:
            raise ValidationError(
                f"SQL '{current['maprsqlcd']}' was changed by someone else meanwhile: reload it."
            )

    def delete(self, code: str) -> None:
        """Close the current version; refused while a current mapping uses the code."""
        self.actor.require("sql", "delete")
        with write_tx(self.ws.engine) as conn:
            current = self._row(conn, code, None)
            users = (
                conn.execute(
                    select(dms_mapr.c.mapref)
                    .where(dms_mapr.c.maprsqlcd == code, dms_mapr.c.curflg == CURRENT)
                    .order_by(dms_mapr.c.mapref)
                )
                .scalars()
                .all()
            )
            if users:
                shown = ", ".join(users[:5]) + (
                    f" and {len(users) - 5} more" if len(users) > 5 else ""
                )
                raise ValidationError(
                    f"SQL '{code}' is the source of mapping {shown}: point them at another "
                    "query first."
                )
            self._close(conn, current)

    # --- validation ----------------------------------------------------------------------

    def validate(self, code_or_text: str, conid: int | None = None) -> ValidationResult:
        """Parse (sqlglot, the connection's dialect), check it is one SELECT, describe it.

        Given a saved code, validates its current version on its own connection and stores
        the outcome (``lgvrfyflg``) and the described columns on that row.
        """
        self.actor.require("sql", "view")
        saved: ManagedSql | None = None
        key = code_or_text.strip()
        if CODE_RE.match(key):
            with self.ws.engine.connect() as conn:
                try:
                    saved = _from_row(self._row(conn, key, None))
                except NotFound:
                    saved = None
        text = saved.text if saved else code_or_text
        target = saved.conid if saved else conid
        if target is None:
            what = f"SQL '{saved.code}' has" if saved else "The query has"
            raise ValidationError(f"{what} no connection: choose the database it runs on.")
        engine, dialect = self.engines(target)
        problems = validate_select(text, dialect)
        columns: list[ResultColumn] = []
        if not problems:
            try:
                columns = describe_columns(engine, text, dialect)
            except SqlError as exc:
                problems = [exc.problem]
        if saved is not None:
            self._store_validation(saved, not problems, columns)
        return ValidationResult(not problems, problems, columns)

    def _store_validation(self, saved: ManagedSql, ok: bool, columns: ColumnList) -> None:
        with write_tx(self.ws.engine) as conn:
            conn.execute(
                dms_maprsql.update()
                .where(dms_maprsql.c.maprsqlid == saved.sqlid, dms_maprsql.c.curflg == CURRENT)
                .values(
                    lgvrfyflg="Y" if ok else "N",
                    maprsqlcols=columns_to_json(columns) if ok else None,
                )
            )
