"""Dashboard figures, every one aggregated in SQL over DMS_PRCLOG.

A refresh runs a handful of GROUP BY queries (by day and status, by day, by day and job, by
job) on one connection; what crosses the network is bounded by days x statuses and days x
jobs, whatever the size of the log: with 1,000,000 runs a refresh still reads a few hundred
rows. ``ix_dms_prclog_strtdt_status`` and ``ix_dms_prclog_mapref`` keep the period's scan
narrow. Days are calendar days in DMS_TIMEZONE at its current UTC offset (a DST change inside
the period shifts that part by an hour: a chart, not an invoice).

A "job" here is what runs: a mapping, run by a job (``jobid``) or by hand; its label is the
job name, with the mapping when one job runs several.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Connection, Select, and_, bindparam, case, func, or_, select

from dms_desktop.core import clock
from dms_desktop.core.dashboard.model import (
    Dashboard,
    DayStatusCount,
    DayVolume,
    JobDayDuration,
    JobStat,
    Kpis,
)
from dms_desktop.core.dashboard.sqlfn import day_of, percentiles, seconds_between
from dms_desktop.core.errors import ValidationError
from dms_desktop.core.metadata.tables import dms_job, dms_prclog
from dms_desktop.core.security.permissions import CurrentUser
from dms_desktop.core.tasks import TaskState
from dms_desktop.core.workspace import Workspace

TOP_JOBS = 10
DURATION_JOBS = 20  # the busiest jobs get a duration series (bounds the rows read)
MAX_PERIOD_DAYS = 3660
_STEPS = 7
P = dms_prclog.c
FINISHED = ("SUCCESS", "FAILED", "CANCELLED")


def dashboard(
    ws: Workspace,
    actor: CurrentUser,
    period_days: int = 30,
    job: str | None = None,
    status: str | None = None,
    now: datetime | None = None,
    state: TaskState | None = None,
) -> Dashboard:
    """The figures of the last ``period_days`` local days (today included).

    ``job``: a job name or a mapping reference; ``status``: one DMS_PRCLOG status. Safe to
    call from a worker thread; ``state`` gets progress and may cancel (``TaskCancelled``).
    """
    actor.require("dashboard", "view")
    if not 1 <= period_days <= MAX_PERIOD_DAYS:
        raise ValidationError(f"The period is 1 to {MAX_PERIOD_DAYS} days, not {period_days}.")
    status = status.strip().upper() if status and status.strip() else None
    job = job.strip() if job and job.strip() else None
    now = now or clock.utcnow()
    offset = ZoneInfo(ws.settings.timezone).utcoffset(now) or timedelta(0)
    today = (now + offset).date()
    first_day = today - timedelta(days=period_days - 1)
    since = datetime.combine(first_day, datetime.min.time()) - offset
    today_start = datetime.combine(today, datetime.min.time()) - offset
    query = _Queries(ws.engine.dialect.name, since, int(offset.total_seconds()), job, status)
    with ws.engine.connect() as conn:
        steps = _Steps(state)
        kpis = query.kpis(conn, today_start)
        steps.done("Runs by day")
        runs_per_day = [
            DayStatusCount(_as_date(d), s, int(n)) for d, s, n in conn.execute(query.by_status())
        ]
        steps.done("Rows by day")
        rows_per_day = [
            DayVolume(_as_date(d), int(n), *(int(v or 0) for v in sums))
            for d, n, *sums in conn.execute(query.by_day())
        ]
        steps.done("Busiest jobs")
        busiest = conn.execute(query.jobs(order="runs", limit=DURATION_JOBS)).all()
        steps.done("Failing jobs")
        failing_rows = conn.execute(query.jobs(order="failures", limit=TOP_JOBS)).all()
        steps.done("Slowest jobs")
        slowest_rows = conn.execute(query.slowest(TOP_JOBS)).all()
        steps.done("Durations")
        mappings = sorted({r.mapref for r in busiest if r.mapref is not None})
        duration_rows = conn.execute(query.durations(mappings)).all() if busiest else []
        jobids = {r.jobid for r in (*busiest, *failing_rows, *slowest_rows) if r.jobid}
        names = _job_names(conn, jobids)
        steps.done("")
    label = _Labels(names, [*busiest, *failing_rows, *slowest_rows, *duration_rows])
    return Dashboard(
        generated_at=now,
        since=since,
        period_days=period_days,
        timezone=ws.settings.timezone,
        job=job,
        status=status,
        days=[first_day + timedelta(days=i) for i in range(period_days)],
        kpis=kpis,
        runs_per_day=runs_per_day,
        rows_per_day=rows_per_day,
        durations=[
            JobDayDuration(
                _as_date(r.day),
                label(r),
                r.jobid,
                r.mapref,
                int(r.n),
                _float(r.median),
                _float(r.p95),
            )
            for r in duration_rows
        ],
        slowest=[
            JobStat(
                label(r),
                r.jobid,
                r.mapref,
                int(r.n),
                0,
                _float(r.median),
                _float(r.p95),
                _float(r.longest),
            )
            for r in slowest_rows
        ],
        failing=[_job_stat(label(r), r) for r in failing_rows if r.failures],
    )


class _Steps:
    def __init__(self, state: TaskState | None) -> None:
        self.state = state
        self.step = 0

    def done(self, next_text: str) -> None:
        self.step += 1
        if self.state is not None:
            self.state.check()
            self.state.report(self.step / _STEPS, next_text)


class _Queries:
    """The statements of one refresh, sharing the period and the filters."""

    def __init__(
        self, backend: str, since: datetime, offset_s: int, job: str | None, status: str | None
    ) -> None:
        self.backend = backend
        self.day = day_of(P.strtdt, bindparam("offset_s", offset_s)).label("day")
        self.secs = seconds_between(P.strtdt, P.enddt)
        where: list[ColumnElement[bool]] = [P.strtdt >= bindparam("since", since)]
        if status:
            where.append(P.status == bindparam("status", status))
        if job:
            named = select(dms_job.c.jobid).where(func.lower(dms_job.c.jobnm) == job.lower())
            where.append(or_(P.jobid.in_(named), P.mapref.in_(sorted({job, job.upper()}))))
        self.where = and_(*where)
        self.finished = and_(self.where, P.status.in_(FINISHED), P.enddt.is_not(None))

    def kpis(self, conn: Connection, today_start: datetime) -> Kpis:
        def count_if(cond: ColumnElement[bool]) -> ColumnElement[Any]:
            return func.coalesce(func.sum(case((cond, 1), else_=0)), 0)

        counts = select(
            func.count(),
            count_if(P.strtdt >= bindparam("today", today_start)),
            count_if(P.status == "SUCCESS"),
            count_if(P.status == "FAILED"),
            count_if(P.status.in_(FINISHED)),
            func.coalesce(func.sum(P.srcrows), 0),
            func.coalesce(func.sum(func.coalesce(P.insrows, 0) + func.coalesce(P.updrows, 0)), 0),
        ).where(self.where)
        runs, today, ok, failed, finished, read, loaded = (
            int(v or 0) for v in conn.execute(counts).one()
        )
        spread = percentiles(
            self.backend,
            select(self.secs.label("secs")).where(self.finished),
            [],
            "secs",
            {"median": 0.5, "p95": 0.95},
        )
        row = conn.execute(spread).one()
        return Kpis(
            runs_today=today,
            runs=runs,
            successes=ok,
            failures=failed,
            success_rate=ok / finished if finished else None,
            rows_read=read,
            rows_loaded=loaded,
            median_seconds=_float(row.median),
            p95_seconds=_float(row.p95),
        )

    def by_status(self) -> Select[Any]:
        inner = select(self.day, P.status).where(self.where).subquery("d")
        return (
            select(inner.c.day, inner.c.status, func.count())
            .group_by(inner.c.day, inner.c.status)
            .order_by(inner.c.day, inner.c.status)
        )

    def by_day(self) -> Select[Any]:
        inner = (
            select(self.day, P.srcrows, P.insrows, P.updrows, P.errrows)
            .where(self.where)
            .subquery("d")
        )
        c = inner.c
        return (
            select(
                c.day,
                func.count(),
                func.sum(c.srcrows),
                func.sum(c.insrows),
                func.sum(c.updrows),
                func.sum(c.errrows),
            )
            .group_by(c.day)
            .order_by(c.day)
        )

    def jobs(self, order: str, limit: int) -> Select[Any]:
        failed = P.status == "FAILED"
        runs = func.count().label("runs")
        failures = func.coalesce(func.sum(case((failed, 1), else_=0)), 0).label("failures")
        ranked = runs if order == "runs" else failures
        return (
            select(
                P.jobid,
                P.mapref,
                runs,
                failures,
                func.max(P.strtdt).label("last_run"),
                func.max(case((failed, P.strtdt))).label("last_failure"),
            )
            .where(self.where)
            .group_by(P.jobid, P.mapref)
            .order_by(ranked.desc(), P.mapref, P.jobid)
            .limit(limit)
        )

    def slowest(self, limit: int) -> Select[Any]:
        source = select(P.jobid, P.mapref, self.secs.label("secs")).where(self.finished)
        spread = percentiles(
            self.backend, source, ["jobid", "mapref"], "secs", {"median": 0.5, "p95": 0.95}
        ).subquery("s")
        longest = (
            select(P.jobid, P.mapref, func.max(self.secs).label("longest"))
            .where(self.finished)
            .group_by(P.jobid, P.mapref)
            .subquery("m")
        )
        same = and_(
            _same(longest.c.jobid, spread.c.jobid), _same(longest.c.mapref, spread.c.mapref)
        )
        return (
            select(spread, longest.c.longest)
            .join_from(spread, longest, same)
            .order_by(spread.c.median.desc().nulls_last(), spread.c.mapref)
            .limit(limit)
        )

    def durations(self, mappings: Sequence[str]) -> Select[Any]:
        source = select(self.day, P.jobid, P.mapref, self.secs.label("secs")).where(
            self.finished, P.mapref.in_(mappings)
        )
        spread = percentiles(
            self.backend,
            source,
            ["day", "jobid", "mapref"],
            "secs",
            {"median": 0.5, "p95": 0.95},
        ).subquery("s")
        return select(spread).order_by(spread.c.day, spread.c.mapref, spread.c.jobid)


def _same(a: ColumnElement[Any], b: ColumnElement[Any]) -> ColumnElement[bool]:
    """Equal, NULL matching NULL (runs without a job)."""
    return or_(a == b, and_(a.is_(None), b.is_(None)))


def _job_names(conn: Connection, jobids: set[int]) -> dict[int, str]:
    if not jobids:
        return {}
    rows = conn.execute(
        select(dms_job.c.jobid, dms_job.c.jobnm).where(dms_job.c.jobid.in_(sorted(jobids)))
    )
    return {int(i): str(n) for i, n in rows}


class _Labels:
    """Job name, or mapping; "job / mapping" when one job runs several mappings."""

    def __init__(self, names: dict[int, str], rows: Sequence[Any]) -> None:
        self.names = names
        maps: dict[int, set[str | None]] = {}
        for r in rows:
            if r.jobid is not None:
                maps.setdefault(r.jobid, set()).add(r.mapref)
        self.several = {jobid for jobid, refs in maps.items() if len(refs) > 1}

    def __call__(self, row: Any) -> str:
        name = self.names.get(row.jobid) if row.jobid is not None else None
        if name is None:
            return str(row.mapref or f"job {row.jobid}")
        return f"{name} / {row.mapref}" if row.jobid in self.several else name


def _job_stat(label: str, r: Any) -> JobStat:
    return JobStat(
        label,
        r.jobid,
        r.mapref,
        int(r.runs),
        int(r.failures),
        last_run=r.last_run,
        last_failure=r.last_failure,
    )


def _float(value: Any) -> float | None:
    return None if value is None else round(float(value), 3)


def _as_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])
