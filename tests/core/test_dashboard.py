"""Dashboard figures on a small, known run log (SQLite and PostgreSQL), filters, Oracle SQL."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import insert
from sqlalchemy.dialects import oracle

from dms_desktop.core.dashboard import dashboard
from dms_desktop.core.dashboard.metrics import _Queries
from dms_desktop.core.errors import PermissionDenied, ValidationError
from dms_desktop.core.metadata.tables import dms_job, dms_prclog
from dms_desktop.core.security.permissions import CurrentUser
from dms_desktop.core.tasks import TaskCancelled, TaskState
from dms_desktop.core.workspace import Workspace

NOW = datetime(2026, 3, 10, 12, 0, 0)
TODAY = NOW.replace(hour=8)
YESTERDAY = TODAY - timedelta(days=1)


def _run(
    mapref: str,
    status: str,
    start: datetime,
    seconds: float | None,
    jobid: int | None = None,
    rows: int = 0,
) -> dict[str, Any]:
    return {
        "jobid": jobid,
        "mapref": mapref,
        "status": status,
        "trgtyp": "MANUAL",
        "strtdt": start,
        "enddt": None if seconds is None else start + timedelta(seconds=seconds),
        "srcrows": rows,
        "insrows": rows // 2,
        "updrows": rows // 4,
        "errrows": 1 if status == "FAILED" else 0,
    }


@pytest.fixture
def logged(workspace: Workspace) -> Workspace:
    with workspace.engine.begin() as conn:
        jobid = conn.execute(
            insert(dms_job).values(jobnm="LOAD_A", mapref="MAP_A", curflg="Y", reccrdt=NOW)
        ).inserted_primary_key[0]  # type: ignore[index]
        runs = [
            *(_run("MAP_A", "SUCCESS", TODAY, s, jobid, 100) for s in (10, 20, 30, 40)),
            _run("MAP_A", "FAILED", TODAY, 100, jobid),
            _run("MAP_B", "SUCCESS", YESTERDAY, 5, rows=40),
            _run("MAP_B", "CANCELLED", YESTERDAY, 7),
            _run("MAP_B", "RUNNING", YESTERDAY, None),
            _run("MAP_A", "SUCCESS", datetime(2026, 1, 1), 1000, jobid, 1000),  # out of period
        ]
        conn.execute(insert(dms_prclog), runs)
    return workspace


def test_known_figures(logged: Workspace, admin: CurrentUser) -> None:
    board = dashboard(logged, admin, now=NOW)
    k = board.kpis
    assert (k.runs, k.runs_today, k.successes, k.failures) == (8, 5, 5, 1)
    assert k.success_rate == pytest.approx(5 / 7)
    assert (k.rows_read, k.rows_loaded) == (440, 4 * 75 + 20 + 10)
    # durations of the 7 finished runs: 5 7 10 20 30 40 100
    assert k.median_seconds == pytest.approx(20)
    assert k.p95_seconds == pytest.approx(82)
    assert len(board.days) == 30 and board.days[-1] == date(2026, 3, 10)

    per_day = {(r.day, r.status): r.runs for r in board.runs_per_day}
    assert per_day == {
        (date(2026, 3, 9), "CANCELLED"): 1,
        (date(2026, 3, 9), "RUNNING"): 1,
        (date(2026, 3, 9), "SUCCESS"): 1,
        (date(2026, 3, 10), "FAILED"): 1,
        (date(2026, 3, 10), "SUCCESS"): 4,
    }
    volumes = {
        v.day: (v.runs, v.rows_read, v.rows_loaded, v.rows_rejected) for v in board.rows_per_day
    }
    assert volumes == {date(2026, 3, 9): (3, 40, 30, 0), date(2026, 3, 10): (5, 400, 300, 1)}

    series = {(d.day, d.job): (d.runs, d.median_seconds, d.p95_seconds) for d in board.durations}
    assert series[(date(2026, 3, 10), "LOAD_A")] == (5, 30, pytest.approx(88))
    assert series[(date(2026, 3, 9), "MAP_B")] == (2, 6, pytest.approx(6.9))
    assert [(s.job, s.median_seconds, s.max_seconds) for s in board.slowest] == [
        ("LOAD_A", 30, 100),
        ("MAP_B", 6, 7),
    ]
    assert [(f.job, f.runs, f.failures) for f in board.failing] == [("LOAD_A", 5, 1)]
    assert board.failing[0].last_failure == TODAY
    assert board.to_dict()["kpis"]["runs"] == 8


def test_filters_and_period(logged: Workspace, admin: CurrentUser) -> None:
    only_b = dashboard(logged, admin, job="MAP_B", now=NOW)
    assert only_b.kpis.runs == 3 and {s.job for s in only_b.slowest} == {"MAP_B"}
    by_name = dashboard(logged, admin, job="load_a", now=NOW)
    assert by_name.kpis.runs == 5
    failed = dashboard(logged, admin, status="failed", now=NOW)
    assert failed.kpis.runs == failed.kpis.failures == 1
    year = dashboard(logged, admin, period_days=365, now=NOW)
    assert year.kpis.runs == 9 and year.slowest[0].max_seconds == 1000
    today_only = dashboard(logged, admin, period_days=1, now=NOW)
    assert today_only.kpis.runs == 5 and today_only.days == [date(2026, 3, 10)]
    with pytest.raises(ValidationError, match="period"):
        dashboard(logged, admin, period_days=0)


def test_empty_log(workspace: Workspace, admin: CurrentUser) -> None:
    board = dashboard(workspace, admin, now=NOW)
    assert board.kpis.runs == 0 and board.kpis.success_rate is None
    assert board.kpis.median_seconds is None
    assert board.runs_per_day == [] and board.slowest == [] and board.failing == []


def test_days_follow_the_time_zone(logged: Workspace, admin: CurrentUser) -> None:
    with logged.engine.begin() as conn:
        conn.execute(
            insert(dms_prclog), [_run("MAP_C", "SUCCESS", datetime(2026, 3, 9, 23, 30), 1)]
        )
    logged.settings = dataclasses.replace(logged.settings, timezone="Europe/Paris")
    board = dashboard(logged, admin, job="MAP_C", now=NOW)
    assert [(r.day, r.runs) for r in board.runs_per_day] == [(date(2026, 3, 10), 1)]
    assert board.kpis.runs_today == 1


def test_progress_cancel_and_permission(logged: Workspace, admin: CurrentUser) -> None:
    seen: list[float] = []
    dashboard(logged, admin, now=NOW, state=TaskState(lambda f, _t: seen.append(f)))
    assert seen and seen[-1] == 1.0
    state = TaskState()
    state.cancel()
    with pytest.raises(TaskCancelled):
        dashboard(logged, admin, now=NOW, state=state)
    nobody = CurrentUser(99, "nobody", (), frozenset())
    with pytest.raises(PermissionDenied):
        dashboard(logged, nobody)


def test_every_statement_compiles_for_oracle() -> None:
    q = _Queries("oracle", NOW, 3600, "LOAD_A", "FAILED")
    dialect = oracle.dialect()
    for stmt in (q.by_status(), q.by_day(), q.jobs("runs", 5), q.slowest(5), q.durations(["A"])):
        sql = str(stmt.compile(dialect=dialect))
        assert "PERCENTILE_CONT" in sql.upper() or "GROUP BY" in sql
    assert "NUMTODSINTERVAL" in str(q.by_day().compile(dialect=dialect))
