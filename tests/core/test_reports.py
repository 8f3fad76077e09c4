"""Report definitions: parameters, validation, versions, permissions, built-in reports."""

from __future__ import annotations

import csv
from dataclasses import replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import create_engine, insert

from dms_desktop.core.errors import AlreadyExists, NotFound, PermissionDenied, ValidationError
from dms_desktop.core.metadata.tables import (
    dms_job,
    dms_joberr,
    dms_mapr,
    dms_maprdtl,
    dms_prclog,
    login_audit_log,
)
from dms_desktop.core.reports import (
    ParameterError,
    ReportDef,
    ReportParam,
    ReportService,
    check_definition,
    export_report,
    resolve_params,
)
from dms_desktop.core.reports.builtin import BUILTIN_NAMES, builtin_reports
from dms_desktop.core.reports.params import relative_date
from dms_desktop.core.security.permissions import CurrentUser
from dms_desktop.core.workspace import Workspace

TODAY = date(2026, 3, 10)
PARAMS = (
    ReportParam("since", "date", "Since", "today-7", required=True),
    ReportParam("limit", "number", "Limit", "10"),
    ReportParam("kind", "choice", "Kind", "ALL", choices=("ALL", "FACT", "DIMENSION")),
    ReportParam("who", "text", "Who", required=True),
)
DEFN = ReportDef(
    "R1",
    "SELECT * FROM t WHERE d >= :since AND k = :kind AND w = :who LIMIT :limit",
    params=PARAMS,
)


def test_parameters_convert_and_default() -> None:
    values = resolve_params(DEFN, {"who": "ada", "LIMIT": "2.50", "kind": "fact"}, TODAY)
    assert values == {
        "since": date(2026, 3, 3),
        "limit": Decimal("2.50"),
        "kind": "FACT",
        "who": "ada",
    }
    assert resolve_params(DEFN, {"who": "x", "since": date(2020, 1, 2)}, TODAY)["since"] == date(
        2020, 1, 2
    )
    assert resolve_params(DEFN, {"who": "x", "limit": ""}, TODAY)["limit"] == 10
    assert relative_date("month_start", TODAY) == date(2026, 3, 1)
    assert relative_date("prev_month_end", TODAY) == date(2026, 2, 28)
    assert relative_date("today+1", TODAY) == TODAY + timedelta(days=1)


@pytest.mark.parametrize(
    ("given", "name", "words"),
    [
        ({}, "who", "is required"),
        ({"who": "x", "limit": "ten"}, "limit", "must be a number"),
        ({"who": "x", "limit": True}, "limit", "must be a number"),
        ({"who": "x", "since": "31/12/2025"}, "since", "YYYY-MM-DD"),
        ({"who": "x", "kind": "STAGING"}, "kind", "not one of ALL, FACT, DIMENSION"),
        ({"who": "x", "nope": 1}, "nope", "no parameter 'nope'"),
    ],
)
def test_parameter_errors(given: dict[str, object], name: str, words: str) -> None:
    with pytest.raises(ParameterError) as caught:
        resolve_params(DEFN, given, TODAY)
    assert words in caught.value.problems[name]
    assert caught.value.message.startswith("Report R1: ")


def test_definition_checks() -> None:
    check_definition(DEFN)
    cases = [
        (replace(DEFN, name="1 bad"), "not valid"),
        (replace(DEFN, sql=" "), "no SQL"),
        (replace(DEFN, sql=DEFN.sql + " AND z = :zeta"), ":zeta without a parameter"),
        (replace(DEFN, params=(*PARAMS, ReportParam("c", "choice"))), "without choices"),
        (replace(DEFN, params=(*PARAMS, ReportParam("kind"))), "declared twice"),
        (replace(DEFN, params=(*PARAMS, ReportParam("d", "date", default="soon"))), "Default"),
        (replace(DEFN, file_pattern="{report}_{when}.pdf"), "unknown field"),
        (replace(DEFN, file_pattern="../{report}.pdf"), "not a folder"),
    ]
    for defn, words in cases:
        with pytest.raises(ValidationError, match=words):
            check_definition(defn)
    # a PostgreSQL cast is not a parameter
    check_definition(ReportDef("R2", "SELECT x::date FROM t"))


def test_save_versions_and_delete(workspace: Workspace, admin: CurrentUser) -> None:
    service = ReportService(workspace, admin)
    first = service.save(ReportDef("MY_RUNS", "SELECT prclogid FROM dms_prclog"))
    assert first.version == 1 and not first.builtin
    assert service.save(first).version == 1  # nothing changed: no new version
    second = service.save(
        replace(first, description="Runs", sql="SELECT prclogid, status FROM dms_prclog")
    )
    assert second.version == 2
    with pytest.raises(AlreadyExists, match="meanwhile"):
        service.save(replace(first, description="stale"), base_version=1)
    assert [v.version for v in service.versions("my_runs")] == [2, 1]
    assert service.get("MY_RUNS", 1).sql == "SELECT prclogid FROM dms_prclog"
    names = [r.name for r in service.list()]
    assert names[: len(BUILTIN_NAMES)] == list(BUILTIN_NAMES) and "MY_RUNS" in names
    service.delete("MY_RUNS")
    with pytest.raises(NotFound):
        service.get("MY_RUNS")
    assert service.save(ReportDef("MY_RUNS", "SELECT 1 AS one")).version == 3
    with pytest.raises(ValidationError, match="built-in"):
        service.save(ReportDef("RUN_HISTORY", "SELECT 1"))
    with pytest.raises(ValidationError, match="built-in"):
        service.delete("LOGIN_AUDIT")
    with pytest.raises(ValidationError, match="one query"):
        service.save(ReportDef("WRITER", "DELETE FROM dms_prclog"))
    with pytest.raises(NotFound, match="Connection"):
        service.save(ReportDef("ELSEWHERE", "SELECT 1", conid=999))


def test_permissions(workspace: Workspace, admin: CurrentUser) -> None:
    developer = CurrentUser(
        7, "dev", ("Developer",), frozenset(("reports", a) for a in ("view", "create", "edit"))
    )
    service = ReportService(workspace, developer)
    with pytest.raises(PermissionDenied, match="metadata database"):
        service.save(ReportDef("SNOOP", "SELECT password_hash FROM users"))
    assert "LOGIN_AUDIT" not in [r.name for r in service.list()]
    with pytest.raises(PermissionDenied):
        service.get("LOGIN_AUDIT")
    viewer = CurrentUser(8, "v", ("Viewer",), frozenset({("reports", "view")}))
    ReportService(workspace, admin).save(ReportDef("OPEN", "SELECT 1 AS one"))
    with pytest.raises(PermissionDenied):
        ReportService(workspace, viewer).save(ReportDef("OPEN", "SELECT 2 AS two"))


def _seed_metadata(ws: Workspace) -> None:
    now = datetime(2026, 3, 9, 10, 0)
    with ws.engine.begin() as conn:
        jobid = conn.execute(
            insert(dms_job).values(jobnm="NIGHTLY", mapref="FACT_X", curflg="Y", reccrdt=now)
        ).inserted_primary_key[0]  # type: ignore[index]
        mapid = conn.execute(
            insert(dms_mapr).values(
                mapref="FACT_X",
                trgtbnm="FACT_X",
                trgtbtyp="FACT",
                trgschm="DW",
                maprsqlcd="SQL_X",
                curflg="Y",
                reccrdt=now,
            )
        ).inserted_primary_key[0]  # type: ignore[index]
        conn.execute(
            insert(dms_maprdtl),
            [
                {
                    "mapid": mapid,
                    "mapref": "FACT_X",
                    "trgclnm": "ID",
                    "trgcldtyp": "INTEGER",
                    "trgkeyflg": "Y",
                    "trgkeyseq": 1,
                    "maplogic": "id",
                    "mapcmbcd": None,
                    "excseq": 1,
                    "curflg": "Y",
                    "reccrdt": now,
                },
                {
                    "mapid": mapid,
                    "mapref": "FACT_X",
                    "trgclnm": "AMOUNT",
                    "trgcldtyp": "NUMERIC(12,2)",
                    "trgkeyflg": "N",
                    "trgkeyseq": None,
                    "maplogic": "qty * price",
                    "mapcmbcd": "SUM",
                    "excseq": 2,
                    "curflg": "Y",
                    "reccrdt": now,
                },
            ],
        )
        ok = conn.execute(
            insert(dms_prclog).values(
                jobid=jobid,
                mapref="FACT_X",
                status="SUCCESS",
                strtdt=now,
                enddt=now + timedelta(seconds=90),
                srcrows=10,
                insrows=8,
                updrows=2,
            )
        ).inserted_primary_key[0]  # type: ignore[index]
        failed = conn.execute(
            insert(dms_prclog).values(
                jobid=jobid,
                mapref="FACT_X",
                status="FAILED",
                strtdt=now + timedelta(hours=1),
                enddt=now + timedelta(hours=1, seconds=5),
                message="2 rows rejected",
                srcrows=3,
                errrows=2,
            )
        ).inserted_primary_key[0]  # type: ignore[index]
        conn.execute(
            insert(dms_joberr),
            [
                {
                    "prclogid": failed,
                    "errtyp": "NOT_NULL",
                    "errkey": f"ID={i}",
                    "errcol": "AMOUNT",
                    "errmsg": "AMOUNT is empty",
                    "reccrdt": now,
                }
                for i in (1, 2)
            ],
        )
        conn.execute(
            insert(login_audit_log).values(
                username="mallory", event="LOGIN_FAILURE", event_time=now, host="h1"
            )
        )
    assert ok


def _csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_builtin_reports_over_the_metadata(
    workspace: Workspace, admin: CurrentUser, tmp_path: Path
) -> None:
    _seed_metadata(workspace)
    period = {"date_from": "2026-03-01", "date_to": "2026-03-09"}

    def run(name: str, **params: str) -> list[dict[str, str]]:
        target = tmp_path / f"{name}.csv"
        export_report(workspace, admin, name, params, "csv", target, today=TODAY)
        return _csv_rows(target)

    history = run("RUN_HISTORY", **period)
    assert [(r["Job"], r["Status"], r["Read"]) for r in history] == [
        ("NIGHTLY", "FAILED", "3"),
        ("NIGHTLY", "SUCCESS", "10"),
    ]
    assert float(history[1]["Seconds"]) == pytest.approx(90)
    assert run("RUN_HISTORY", **period, status="FAILED", job="FACT_X")[0]["Status"] == "FAILED"
    assert run("RUN_HISTORY", date_from="2026-03-10", date_to="2026-03-10") == []

    failed = run("FAILED_RUNS", **period)
    assert [(r["Key"], r["Error"]) for r in failed] == [
        ("ID=1", "AMOUNT is empty"),
        ("ID=2", "AMOUNT is empty"),
    ]
    spec = run("MAPPING_SPEC", mapping="FACT_X")
    assert [(r["Column"], r["Key"], r["Logic"], r["Aggregate"]) for r in spec] == [
        ("ID", "1", "id", ""),
        ("AMOUNT", "", "qty * price", "SUM"),
    ]
    volume = run("DATA_VOLUME", **period)
    assert [(v["Target table"], v["Runs"], v["Successful"], v["Inserted"]) for v in volume] == [
        ("FACT_X", "2", "1", "8")
    ]
    audit = run("LOGIN_AUDIT", **period, event="LOGIN_FAILURE")
    assert [(a["User"], a["Host"]) for a in audit] == [("mallory", "h1")]
    for name in BUILTIN_NAMES:  # every built-in also renders to PDF and XLSX
        for fmt in ("pdf", "xlsx"):
            export_report(workspace, admin, name, {}, fmt, tmp_path / f"{name}.{fmt}")


def test_builtin_sql_compiles_for_oracle_with_a_schema() -> None:
    engine = create_engine("oracle+oracledb://u:p@localhost/svc")
    reports = builtin_reports(engine, "dwt")
    assert [r.name for r in reports] == list(BUILTIN_NAMES)
    for r in reports:
        assert "FROM dwt." in r.sql.replace("\n", " ") and r.builtin
        check_definition(r)
