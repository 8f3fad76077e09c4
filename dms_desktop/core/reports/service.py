"""Report definitions in DMS_RPT, with version history, plus the built-in ones.

Saving a change closes the current row (``curflg='N'``) and writes the next version, in one
transaction, as for managed SQL; deleting closes it. Built-in reports are listed with the
stored ones but cannot be saved over or deleted.

A user's report on the metadata database can read every table there (accounts, encrypted
connection secrets): only a user who may view Administration may save one. Running it then
needs only the Reports view permission.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy import Connection, RowMapping, func, select

from dms_desktop.core.clock import utcnow
from dms_desktop.core.errors import AlreadyExists, NotFound, ValidationError
from dms_desktop.core.metadata.engine import write_tx
from dms_desktop.core.metadata.tables import dms_dbcondtls, dms_rpt
from dms_desktop.core.reports.builtin import BUILTIN_NAMES, EXTRA_PERMISSION, builtin_reports
from dms_desktop.core.reports.model import (
    ReportDef,
    check_definition,
    columns_from_json,
    columns_to_json,
    params_from_json,
    params_to_json,
    template_from_json,
    template_to_json,
)
from dms_desktop.core.security.permissions import CurrentUser
from dms_desktop.core.sqlstore.validate import is_query, strip_statement
from dms_desktop.core.workspace import Workspace

CURRENT, HISTORY = "Y", "N"
_DIALECTS = {
    "postgresql": "postgres",
    "sqlite": "sqlite",
    "oracle": "oracle",
    "mysql": "mysql",
    "duckdb": "duckdb",
}
ReportList = list[ReportDef]


def metadata_dialect(ws: Workspace) -> str:
    """The sqlglot dialect of the metadata database."""
    return _DIALECTS.get(ws.engine.dialect.name, ws.engine.dialect.name)


def _from_row(row: RowMapping) -> ReportDef:
    fmt = row["outfmt"]
    return ReportDef(
        name=row["rptnm"],
        sql=row["rptsql"],
        description=row["rptdesc"],
        conid=row["rptconid"],
        params=params_from_json(row["rptparams"]),
        columns=columns_from_json(row["rptcols"]),
        template=template_from_json(row["rpttmpl"]),
        output_folder=row["outfldr"],
        file_pattern=row["outptrn"],
        output_format=fmt.lower() if fmt else None,
        version=int(row["rptver"]),
        updated=row["recupdt"] or row["reccrdt"],
        updated_by=row["uptdby"] or row["crtdby"],
    )


def _values(defn: ReportDef) -> dict[str, Any]:
    return {
        "rptnm": defn.name,
        "rptdesc": (defn.description or "").strip() or None,
        "rptconid": defn.conid,
        "rptsql": strip_statement(defn.sql.replace("\r\n", "\n")),
        "rptparams": params_to_json(defn.params),
        "rptcols": columns_to_json(defn.columns),
        "rpttmpl": template_to_json(defn.template),
        "outfldr": (defn.output_folder or "").strip() or None,
        "outptrn": (defn.file_pattern or "").strip() or None,
        "outfmt": defn.output_format.upper() if defn.output_format else None,
    }


class ReportService:
    def __init__(self, ws: Workspace, actor: CurrentUser) -> None:
        self.ws = ws
        self.actor = actor

    # --- reading -------------------------------------------------------------------------

    def builtins(self) -> ReportList:
        """The built-in reports this user may run."""
        return [
            r
            for r in builtin_reports(self.ws.engine, self.ws.schema)
            if r.name not in EXTRA_PERMISSION or self.actor.can(*EXTRA_PERMISSION[r.name])
        ]

    def list(self) -> ReportList:
        """Built-in reports first, then the stored ones (current versions), by name."""
        self.actor.require("reports", "view")
        with self.ws.engine.connect() as conn:
            rows = (
                conn.execute(
                    select(dms_rpt)
                    .where(dms_rpt.c.curflg == CURRENT)
                    .order_by(func.lower(dms_rpt.c.rptnm))
                )
                .mappings()
                .all()
            )
        return [*self.builtins(), *(_from_row(r) for r in rows)]

    def get(self, name: str, version: int | None = None) -> ReportDef:
        self.actor.require("reports", "view")
        builtin = self._builtin(name)
        if builtin is not None:
            extra = EXTRA_PERMISSION.get(builtin.name)
            if extra is not None:
                self.actor.require(*extra)
            return builtin
        with self.ws.engine.connect() as conn:
            return _from_row(self._row(conn, name, version))

    def versions(self, name: str) -> ReportList:
        """Every stored version, newest first."""
        self.actor.require("reports", "view")
        with self.ws.engine.connect() as conn:
            rows = (
                conn.execute(
                    select(dms_rpt)
                    .where(func.lower(dms_rpt.c.rptnm) == name.lower())
                    .order_by(dms_rpt.c.rptver.desc())
                )
                .mappings()
                .all()
            )
        if not rows:
            raise NotFound(f"Report '{name}' does not exist: see 'dms report list'.")
        return [_from_row(r) for r in rows]

    def _builtin(self, name: str) -> ReportDef | None:
        return next(
            (
                r
                for r in builtin_reports(self.ws.engine, self.ws.schema)
                if r.name.lower() == name.lower()
            ),
            None,
        )

    def _row(self, conn: Connection, name: str, version: int | None) -> RowMapping:
        query = select(dms_rpt).where(func.lower(dms_rpt.c.rptnm) == name.lower())
        if version is None:
            query = query.where(dms_rpt.c.curflg == CURRENT)
        else:
            query = query.where(dms_rpt.c.rptver == version)
        row = conn.execute(query.order_by(dms_rpt.c.rptid.desc())).mappings().first()
        if row is None:
            which = f" version {version}" if version is not None else ""
            raise NotFound(f"Report '{name}'{which} does not exist: see 'dms report list'.")
        return row

    # --- writing -------------------------------------------------------------------------

    def save(self, defn: ReportDef, *, base_version: int | None = None) -> ReportDef:
        """Create the report (version 1) or store a new version when anything changed.

        ``base_version``: the version the editor started from; a save over someone else's
        newer version is refused instead of silently replacing it.
        """
        defn = replace(defn, name=(defn.name or "").strip())
        check_definition(defn)
        if defn.name.upper() in BUILTIN_NAMES:
            raise ValidationError(
                f"{defn.name} is a built-in report: save your version under another name."
            )
        if not is_query(strip_statement(defn.sql), self._dialect(defn)):
            raise ValidationError("A report runs one query (SELECT or WITH ... SELECT).")
        if defn.conid is None:
            self.actor.require(
                "admin",
                "view",
                why="Only administrators may save a report on the metadata database (it can "
                "read accounts and secrets): choose a connection, or use a built-in report.",
            )
        values = _values(defn)
        now = utcnow()
        with write_tx(self.ws.engine) as conn:
            if defn.conid is not None:
                self._check_connection(conn, defn.conid)
            current = (
                conn.execute(
                    select(dms_rpt).where(
                        func.lower(dms_rpt.c.rptnm) == defn.name.lower(),
                        dms_rpt.c.curflg == CURRENT,
                    )
                )
                .mappings()
                .first()
            )
            if current is None:
                self.actor.require("reports", "create")
                last = conn.execute(
                    select(func.max(dms_rpt.c.rptver)).where(
                        func.lower(dms_rpt.c.rptnm) == defn.name.lower()
                    )
                ).scalar()
                version = int(last or 0) + 1
            else:
                self.actor.require("reports", "edit")
                if base_version is not None and base_version != current["rptver"]:
                    raise AlreadyExists(
                        f"Report {defn.name} was saved by {current['uptdby'] or current['crtdby']}"
                        f" meanwhile (version {current['rptver']}): reload it, then edit again."
                    )
                if all(current[k] == v for k, v in values.items() if k != "rptnm"):
                    return _from_row(current)
                version = int(current["rptver"]) + 1
                conn.execute(
                    dms_rpt.update()
                    .where(dms_rpt.c.rptid == current["rptid"], dms_rpt.c.curflg == CURRENT)
                    .values(curflg=HISTORY, recupdt=now, uptdby=self.actor.username)
                )
            conn.execute(
                dms_rpt.insert().values(
                    **values,
                    rptver=version,
                    curflg=CURRENT,
                    reccrdt=now,
                    crtdby=self.actor.username,
                )
            )
            return _from_row(self._row(conn, defn.name, None))

    def delete(self, name: str) -> None:
        """Close the current version; the history stays readable."""
        self.actor.require("reports", "delete")
        if name.upper() in BUILTIN_NAMES:
            raise ValidationError(f"{name} is a built-in report: it cannot be deleted.")
        with write_tx(self.ws.engine) as conn:
            row = self._row(conn, name, None)
            conn.execute(
                dms_rpt.update()
                .where(dms_rpt.c.rptid == row["rptid"])
                .values(curflg=HISTORY, recupdt=utcnow(), uptdby=self.actor.username)
            )

    def _dialect(self, defn: ReportDef) -> str:
        if defn.conid is None:
            return metadata_dialect(self.ws)
        with self.ws.engine.connect() as conn:
            dbtype = conn.execute(
                select(dms_dbcondtls.c.dbtyp).where(dms_dbcondtls.c.conid == defn.conid)
            ).scalar()
        return _DIALECTS.get(str(dbtype or "").lower(), "postgres")

    @staticmethod
    def _check_connection(conn: Connection, conid: int) -> None:
        found = conn.execute(
            select(dms_dbcondtls.c.conid).where(
                dms_dbcondtls.c.conid == conid, dms_dbcondtls.c.curflg == CURRENT
            )
        ).first()
        if found is None:
            raise NotFound(f"Connection {conid} does not exist: choose another connection.")
