"""A dashboard refresh over 1,000,000 DMS_PRCLOG rows reads aggregates, not the log.

The rows are generated set-based on the server (generate_series). Every statement the
refresh sends and every row it receives is counted at the DBAPI cursor.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import event, text

from dms_desktop.core.dashboard import dashboard
from dms_desktop.core.security.permissions import CurrentUser
from dms_desktop.core.workspace import Workspace

pytestmark = [pytest.mark.pg, pytest.mark.slow]  # a million log rows: `make test-all`

ROWS = 1_000_000
JOBS = 40
NOW = datetime(2026, 3, 10, 12, 0)


def fill_log(ws: Workspace, rows: int, jobs: int = JOBS) -> None:
    """``rows`` runs of ``jobs`` jobs, one every 31 s back from NOW (a year for 1,000,000)."""
    prefix = f'"{ws.schema}".' if ws.schema else ""
    with ws.engine.begin() as conn:
        # Building the log's indexes once after the insert is faster than maintaining them.
        indexes = conn.execute(
            text(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'dms_prclog' "
                "AND schemaname = :schema AND indexname LIKE 'ix_%'"
            ),
            {"schema": ws.schema or "public"},
        ).all()
        for name, _ in indexes:
            conn.execute(text(f'DROP INDEX {prefix}"{name}"'))
        conn.execute(
            text(
                f"INSERT INTO {prefix}dms_job (jobnm, mapref, curflg, reccrdt) "
                "SELECT 'JOB_' || n, 'MAP_' || n, 'Y', :now FROM generate_series(0, :jobs - 1) n"
            ),
            {"now": NOW, "jobs": jobs},
        )
        conn.execute(
            text(
                f"INSERT INTO {prefix}dms_prclog (jobid, mapref, trgtyp, status, strtdt, enddt, "
                "srcrows, insrows, updrows, errrows) "
                "SELECT j.jobid, 'MAP_' || (n % :jobs), 'SCHEDULE', "
                "CASE WHEN n % 23 = 0 THEN 'FAILED' WHEN n % 101 = 0 THEN 'CANCELLED' "
                "ELSE 'SUCCESS' END, "
                ":now - n * INTERVAL '31 seconds', "
                ":now - n * INTERVAL '31 seconds' + (5 + n % 300) * INTERVAL '1 second', "
                "1000 + n % 5000, 800, 100, CASE WHEN n % 23 = 0 THEN 5 ELSE 0 END "
                f"FROM generate_series(1, :rows) n JOIN {prefix}dms_job j "
                "ON j.jobnm = 'JOB_' || (n % :jobs)"
            ),
            {"now": NOW, "rows": rows, "jobs": jobs},
        )
        for _, definition in indexes:
            conn.execute(text(definition))
    with ws.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f"VACUUM ANALYZE {prefix}dms_prclog"))


class Traffic:
    """Statements sent and rows received through one engine."""

    def __init__(self) -> None:
        self.statements = 0
        self.rows = 0

    def before(self, *_args: Any) -> None:
        self.statements += 1

    def after(self, _conn: Any, cursor: Any, *_args: Any) -> None:
        if cursor.description is not None:
            self.rows += max(cursor.rowcount, 0)


@pytest.fixture
def traffic(workspace: Workspace) -> Iterator[Traffic]:
    seen = Traffic()
    event.listen(workspace.engine, "before_cursor_execute", seen.before)
    event.listen(workspace.engine, "after_cursor_execute", seen.after)
    yield seen
    event.remove(workspace.engine, "before_cursor_execute", seen.before)
    event.remove(workspace.engine, "after_cursor_execute", seen.after)


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_refresh_over_a_million_runs_transfers_little(
    workspace: Workspace, admin: CurrentUser, traffic: Traffic
) -> None:
    fill_log(workspace, ROWS)
    traffic.statements = traffic.rows = 0
    started = time.perf_counter()
    board = dashboard(workspace, admin, now=NOW)
    elapsed = time.perf_counter() - started
    print(
        f"\n1,000,000 runs: refresh {elapsed:.2f}s, {traffic.statements} statements, "
        f"{traffic.rows} rows"
    )
    assert traffic.statements <= 16  # a constant: the aggregate queries plus the session checks
    assert traffic.rows <= 2_000
    # 30 days of one run every 31 s, today (12 h) included
    expected = 29 * 86400 // 31 + 12 * 3600 // 31
    assert abs(board.kpis.runs - expected) <= 2
    assert len({d.day for d in board.runs_per_day}) == 30
    assert len(board.failing) == 10 and len(board.slowest) == 10
    assert len(board.durations) == 20 * 30  # the 20 busiest jobs, every day
    assert 0.9 < (board.kpis.success_rate or 0) < 0.97

    traffic.statements = traffic.rows = 0
    year = dashboard(workspace, admin, period_days=365, now=NOW, job="JOB_7")
    assert year.kpis.runs == ROWS // JOBS and traffic.rows <= 2_000  # 365 days x 3 statuses...
