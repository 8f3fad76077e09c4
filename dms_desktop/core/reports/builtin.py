"""Built-in reports over the metadata database: defined in code, read-only, always listed.

Their SQL is built with SQLAlchemy Core and compiled for the workspace's backend and
DMS_SCHEMA, with ``:name`` binds for the parameters, so it runs through the same path as a
user's report (and a user can copy it as the start of their own). Times are UTC as stored.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    Dialect,
    Engine,
    MetaData,
    Select,
    Table,
    case,
    func,
    literal,
    literal_column,
    or_,
)
from sqlalchemy import select as sa_select
from sqlalchemy.sql.elements import ColumnElement

from dms_desktop.core.dashboard.sqlfn import day_of, seconds_between
from dms_desktop.core.metadata import tables
from dms_desktop.core.reports.model import ReportColumn, ReportDef, ReportParam, ReportTemplate

STATUS_CHOICES = ("ALL", "SUCCESS", "FAILED", "CANCELLED", "RUNNING")
EVENT_CHOICES = (
    "ALL",
    "LOGIN_SUCCESS",
    "LOGIN_FAILURE",
    "LOCKOUT",
    "LOGOUT",
    "UNLOCK",
    "PASSWORD_CHANGE",
    "USER_CREATED",
)
# Beyond "reports"/"view": what else a built-in needs (user names and hosts are sensitive).
EXTRA_PERMISSION: dict[str, tuple[str, str]] = {"LOGIN_AUDIT": ("admin", "view")}

FROM = ReportParam("date_from", "date", "From", "today-30", required=True)
TO = ReportParam("date_to", "date", "To", "today", required=True)
JOB = ReportParam("job", "text", "Job or mapping")
_TEMPLATE_SUB = "{date_from} to {date_to}"


def _p(name: str) -> ColumnElement[Any]:
    return literal_column(f":{name}")


def _in_period(ts: ColumnElement[Any]) -> list[ColumnElement[bool]]:
    """From ``date_from`` 00:00 to the end of ``date_to`` (the lower bound uses the index)."""
    return [ts >= _p("date_from"), day_of(ts, literal(0)) <= _p("date_to")]


def _cols(*specs: tuple[str, str, str] | tuple[str, str, str, int]) -> tuple[ReportColumn, ...]:
    out = []
    for spec in specs:
        name, title, kind = spec[:3]
        decimals = spec[3] if len(spec) > 3 else None
        out.append(ReportColumn(name, title, kind, decimals))  # type: ignore[arg-type]
    return tuple(out)


def _run_history(t: dict[str, Table]) -> tuple[Select[Any], ReportDef]:
    p, j = t["dms_prclog"].alias("p"), t["dms_job"].alias("j")
    stmt = (
        sa_select(
            p.c.prclogid.label("run_id"),
            func.coalesce(j.c.jobnm, p.c.mapref).label("job"),
            p.c.mapref.label("mapping"),
            p.c.status,
            p.c.trgtyp.label("trigger_type"),
            p.c.strtdt.label("started"),
            p.c.enddt.label("ended"),
            seconds_between(p.c.strtdt, p.c.enddt).label("seconds"),
            p.c.srcrows.label("rows_read"),
            p.c.insrows.label("inserted"),
            p.c.updrows.label("updated"),
            p.c.errrows.label("rejected"),
            p.c.runby.label("run_by"),
            p.c.message,
        )
        .select_from(p.outerjoin(j, j.c.jobid == p.c.jobid))
        .where(
            *_in_period(p.c.strtdt),
            or_(_p("status") == "ALL", p.c.status == _p("status")),
            or_(_p("job").is_(None), j.c.jobnm == _p("job"), p.c.mapref == _p("job")),
        )
        .order_by(p.c.strtdt.desc(), p.c.prclogid.desc())
    )
    status = ReportParam("status", "choice", "Status", "ALL", True, STATUS_CHOICES)
    return stmt, ReportDef(
        "RUN_HISTORY",
        "",
        "Job run history: every run with its status, duration and row counts.",
        params=(FROM, TO, status, JOB),
        columns=_cols(
            ("run_id", "Run", "integer"),
            ("job", "Job", "text"),
            ("mapping", "Mapping", "text"),
            ("status", "Status", "text"),
            ("trigger_type", "Trigger", "text"),
            ("started", "Started (UTC)", "datetime"),
            ("ended", "Ended (UTC)", "datetime"),
            ("seconds", "Seconds", "number", 1),
            ("rows_read", "Read", "integer"),
            ("inserted", "Inserted", "integer"),
            ("updated", "Updated", "integer"),
            ("rejected", "Rejected", "integer"),
            ("run_by", "Run by", "text"),
            ("message", "Message", "text"),
        ),
        template=ReportTemplate(
            "Job run history", _TEMPLATE_SUB + ", status {status}", orientation="landscape"
        ),
    )


def _failed_runs(t: dict[str, Table]) -> tuple[Select[Any], ReportDef]:
    p, j, e = t["dms_prclog"].alias("p"), t["dms_job"].alias("j"), t["dms_joberr"].alias("e")
    stmt = (
        sa_select(
            p.c.prclogid.label("run_id"),
            func.coalesce(j.c.jobnm, p.c.mapref).label("job"),
            p.c.mapref.label("mapping"),
            p.c.strtdt.label("started"),
            p.c.message.label("run_message"),
            e.c.errtyp.label("error_type"),
            e.c.errkey.label("error_key"),
            e.c.errcol.label("error_column"),
            e.c.errmsg.label("error_message"),
        )
        .select_from(
            p.outerjoin(j, j.c.jobid == p.c.jobid).outerjoin(e, e.c.prclogid == p.c.prclogid)
        )
        .where(
            p.c.status == "FAILED",
            *_in_period(p.c.strtdt),
            or_(_p("job").is_(None), j.c.jobnm == _p("job"), p.c.mapref == _p("job")),
        )
        .order_by(p.c.strtdt.desc(), p.c.prclogid.desc(), e.c.joberrid)
    )
    return stmt, ReportDef(
        "FAILED_RUNS",
        "",
        "Failed runs with their errors: one line per rejected row or error of each failed run.",
        params=(FROM, TO, JOB),
        columns=_cols(
            ("run_id", "Run", "integer"),
            ("job", "Job", "text"),
            ("mapping", "Mapping", "text"),
            ("started", "Started (UTC)", "datetime"),
            ("run_message", "Run message", "text"),
            ("error_type", "Error type", "text"),
            ("error_key", "Key", "text"),
            ("error_column", "Column", "text"),
            ("error_message", "Error", "text"),
        ),
        template=ReportTemplate("Failed runs", _TEMPLATE_SUB, orientation="landscape"),
    )


def _mapping_spec(t: dict[str, Table]) -> tuple[Select[Any], ReportDef]:
    m, d = t["dms_mapr"].alias("m"), t["dms_maprdtl"].alias("d")
    stmt = (
        sa_select(
            m.c.mapref.label("mapping"),
            m.c.trgtbnm.label("target_table"),
            m.c.trgtbtyp.label("table_type"),
            m.c.maprsqlcd.label("source_sql"),
            d.c.excseq.label("seq"),
            d.c.trgclnm.label("column_name"),
            d.c.trgcldtyp.label("data_type"),
            case((d.c.trgkeyflg == "Y", d.c.trgkeyseq)).label("key_seq"),
            d.c.maplogic.label("logic"),
            d.c.lkptbnm.label("lookup_table"),
            d.c.keyclnm.label("lookup_key"),
            d.c.valclnm.label("lookup_value"),
            d.c.mapcmbcd.label("aggregate"),
            d.c.scdtyp.label("scd_type"),
            d.c.trgcldesc.label("description"),
        )
        .select_from(m.join(d, d.c.mapid == m.c.mapid))
        .where(m.c.curflg == "Y", or_(_p("mapping").is_(None), m.c.mapref == _p("mapping")))
        .order_by(m.c.mapref, d.c.excseq, d.c.mapdtlid)
    )
    return stmt, ReportDef(
        "MAPPING_SPEC",
        "",
        "Mapping specification: per mapping its target columns, types, keys, logic and SCD.",
        params=(ReportParam("mapping", "text", "Mapping (empty: all)"),),
        columns=_cols(
            ("mapping", "Mapping", "text"),
            ("target_table", "Target", "text"),
            ("table_type", "Type", "text"),
            ("source_sql", "Source SQL", "text"),
            ("seq", "#", "integer"),
            ("column_name", "Column", "text"),
            ("data_type", "Data type", "text"),
            ("key_seq", "Key", "integer"),
            ("logic", "Logic", "text"),
            ("lookup_table", "Lookup", "text"),
            ("lookup_key", "Lookup key", "text"),
            ("lookup_value", "Lookup value", "text"),
            ("aggregate", "Aggregate", "text"),
            ("scd_type", "SCD", "text"),
            ("description", "Description", "text"),
        ),
        template=ReportTemplate("Mapping specification", orientation="landscape"),
    )


def _data_volume(t: dict[str, Table]) -> tuple[Select[Any], ReportDef]:
    p, m = t["dms_prclog"].alias("p"), t["dms_mapr"].alias("m")
    table = func.coalesce(m.c.trgtbnm, p.c.mapref)
    ok = func.sum(case((p.c.status == "SUCCESS", 1), else_=0))
    loaded = func.sum(func.coalesce(p.c.insrows, 0) + func.coalesce(p.c.updrows, 0))
    stmt = (
        sa_select(
            m.c.trgschm.label("target_schema"),
            table.label("target_table"),
            m.c.trgtbtyp.label("table_type"),
            func.count().label("runs"),
            ok.label("successful_runs"),
            func.sum(p.c.srcrows).label("rows_read"),
            func.sum(p.c.insrows).label("inserted"),
            func.sum(p.c.updrows).label("updated"),
            func.sum(p.c.exprows).label("expired"),
            func.sum(p.c.delrows).label("deleted"),
            func.sum(p.c.errrows).label("rejected"),
            func.max(p.c.strtdt).label("last_load"),
        )
        .select_from(p.outerjoin(m, (m.c.mapref == p.c.mapref) & (m.c.curflg == "Y")))
        .where(*_in_period(p.c.strtdt))
        .group_by(m.c.trgschm, table, m.c.trgtbtyp)
        .order_by(loaded.desc(), table)
    )
    return stmt, ReportDef(
        "DATA_VOLUME",
        "",
        "Data volume by target table: runs and rows read, inserted, updated, expired, deleted.",
        params=(FROM, TO),
        columns=_cols(
            ("target_schema", "Schema", "text"),
            ("target_table", "Target table", "text"),
            ("table_type", "Type", "text"),
            ("runs", "Runs", "integer"),
            ("successful_runs", "Successful", "integer"),
            ("rows_read", "Read", "integer"),
            ("inserted", "Inserted", "integer"),
            ("updated", "Updated", "integer"),
            ("expired", "Expired", "integer"),
            ("deleted", "Deleted", "integer"),
            ("rejected", "Rejected", "integer"),
            ("last_load", "Last load (UTC)", "datetime"),
        ),
        template=ReportTemplate("Data volume by target table", _TEMPLATE_SUB),
    )


def _login_audit(t: dict[str, Table]) -> tuple[Select[Any], ReportDef]:
    a = t["login_audit_log"].alias("a")
    stmt = (
        sa_select(
            a.c.event_time,
            a.c.username,
            a.c.event,
            a.c.host,
            a.c.detail,
        )
        .where(
            *_in_period(a.c.event_time),
            or_(_p("username").is_(None), func.lower(a.c.username) == func.lower(_p("username"))),
            or_(_p("event") == "ALL", a.c.event == _p("event")),
        )
        .order_by(a.c.event_time.desc(), a.c.id.desc())
    )
    return stmt, ReportDef(
        "LOGIN_AUDIT",
        "",
        "Login audit: logins, failures, lockouts and password changes (administrators).",
        params=(
            FROM,
            TO,
            ReportParam("username", "text", "User"),
            ReportParam("event", "choice", "Event", "ALL", True, EVENT_CHOICES),
        ),
        columns=_cols(
            ("event_time", "Time (UTC)", "datetime"),
            ("username", "User", "text"),
            ("event", "Event", "text"),
            ("host", "Host", "text"),
            ("detail", "Detail", "text"),
        ),
        template=ReportTemplate("Login audit", _TEMPLATE_SUB + ", event {event}"),
    )


BUILDERS: tuple[Callable[[dict[str, Table]], tuple[Select[Any], ReportDef]], ...] = (
    _run_history,
    _failed_runs,
    _mapping_spec,
    _data_volume,
    _login_audit,
)
BUILTIN_NAMES = ("RUN_HISTORY", "FAILED_RUNS", "MAPPING_SPEC", "DATA_VOLUME", "LOGIN_AUDIT")


@lru_cache(maxsize=16)
def _tables(schema: str | None) -> dict[str, Table]:
    if schema is None:
        return dict(tables.metadata.tables)
    copy = MetaData()
    return {name: t.to_metadata(copy, schema=schema) for name, t in tables.metadata.tables.items()}


def builtin_reports(engine: Engine, schema: str | None) -> list[ReportDef]:
    """The built-in definitions with their SQL compiled for ``engine`` and ``schema``."""
    return list(_compiled(engine.dialect, schema))


@lru_cache(maxsize=16)
def _compiled(dialect: Dialect, schema: str | None) -> tuple[ReportDef, ...]:
    found = []
    for build in BUILDERS:
        stmt, defn = build(_tables(schema))
        sql = str(stmt.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
        found.append(replace(defn, sql=sql, builtin=True, version=1))
    return tuple(found)
