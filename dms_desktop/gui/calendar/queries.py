"""What the Calendar reads, Qt-free, from workers.

The visible range is cut into local days (month view) or local hours (week view); each cut is
a [start, end) range in naive UTC, so DST days are 23 or 25 hours long and nothing is lost.
Past runs are counted per cut, job and status in SQL (a CASE over the cuts, grouped in an
outer query so every backend accepts it); planned runs come from the schedules' next firings
(a job that runs after another inherits its root's times).
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import and_, case, func, select

from dms_desktop.core import clock
from dms_desktop.core.errors import DmsError
from dms_desktop.core.jobs import frequency
from dms_desktop.core.jobs.frequency import to_utc
from dms_desktop.core.jobs.service import JobService
from dms_desktop.core.metadata.tables import dms_job, dms_prclog, dms_prcreq
from dms_desktop.core.security.permissions import CurrentUser
from dms_desktop.core.workspace import Workspace
from dms_desktop.gui.jobs.display import zone_of
from dms_desktop.gui.jobs.schedule_form import rule_for
from dms_desktop.gui.monitor.queries import RunRow, load_runs, run_time

PLANNED = "PLANNED"
MAX_PLANNED_PER_JOB = 5000
_WORDS = {"DONE": "SUCCESS", "CLAIMED": "RUNNING", "NEW": "QUEUED", "RETRY": "QUEUED"}

Bounds = list[tuple[datetime, datetime]]


@dataclass(frozen=True)
class Entry:
    """Runs of one job with one status in one cut (a day or an hour)."""

    bucket: int
    label: str
    status: str  # SUCCESS FAILED RUNNING QUEUED CANCELLED MISSED PLANNED
    count: int
    first: datetime  # naive UTC, the earliest in the cut


@dataclass
class CalendarData:
    first_day: date
    days: int
    hourly: bool
    bounds: Bounds
    entries: list[Entry] = field(default_factory=list)


def cut(first_day: date, days: int, zone_name: str, hourly: bool) -> Bounds:
    """[start, end) in naive UTC of each local day (or hour) from ``first_day``."""
    zone = zone_of(zone_name)
    starts = []
    for n in range(days):
        day = first_day + timedelta(days=n)
        hours = range(24) if hourly else (0,)
        starts += [to_utc(datetime.combine(day, time(h)), zone) for h in hours]
    end = to_utc(datetime.combine(first_day + timedelta(days=days), time(0)), zone)
    return list(zip(starts, [*starts[1:], end], strict=True))


def _bucket(column: Any, bounds: Bounds) -> Any:
    return case(
        *[(and_(column >= lo, column < hi), n) for n, (lo, hi) in enumerate(bounds)], else_=-1
    )


def past_entries(ws: Workspace, bounds: Bounds) -> list[Entry]:
    lo, hi = bounds[0][0], bounds[-1][1]
    when = run_time()
    word = case(
        (
            and_(dms_prcreq.c.status == "CANCELLED", dms_prcreq.c.message.like("missed%")),
            "MISSED",
        ),
        *[(dms_prcreq.c.status == raw, shown) for raw, shown in _WORDS.items()],
        else_=dms_prcreq.c.status,
    )
    requests = (
        select(
            _bucket(when, bounds).label("bucket"),
            dms_prcreq.c.jobid.label("jobid"),
            word.label("word"),
            when.label("at"),
        )
        .where(when >= lo, when < hi)
        .subquery()
    )
    direct = (  # runs of a mapping outside the queue (dms run): no request
        select(
            _bucket(dms_prclog.c.strtdt, bounds).label("bucket"),
            dms_prclog.c.mapref.label("mapref"),
            dms_prclog.c.status.label("word"),
            dms_prclog.c.strtdt.label("at"),
        )
        .where(
            dms_prclog.c.prcreqid.is_(None),
            dms_prclog.c.strtdt >= lo,
            dms_prclog.c.strtdt < hi,
        )
        .subquery()
    )
    names = select(dms_job.c.jobid, func.max(dms_job.c.jobnm)).group_by(dms_job.c.jobid)
    with ws.engine.connect() as conn:
        by_job = conn.execute(
            select(
                requests.c.bucket,
                requests.c.jobid,
                requests.c.word,
                func.count(),
                func.min(requests.c.at),
            ).group_by(requests.c.bucket, requests.c.jobid, requests.c.word)
        ).all()
        by_mapping = conn.execute(
            select(
                direct.c.bucket, direct.c.mapref, direct.c.word, func.count(), func.min(direct.c.at)
            ).group_by(direct.c.bucket, direct.c.mapref, direct.c.word)
        ).all()
        job_names = dict(conn.execute(names).all())
    out = [
        Entry(b, str(job_names.get(j, f"job {j}")), str(w), int(n), t)
        for b, j, w, n, t in by_job
        if b >= 0
    ]
    out += [Entry(b, str(m or "?"), str(w), int(n), t) for b, m, w, n, t in by_mapping if b >= 0]
    return out


def planned_firings(
    ws: Workspace, user: CurrentUser, start: datetime, end: datetime, now: datetime
) -> list[tuple[datetime, str]]:
    """(naive UTC time, label) of every planned run in [max(start, now), end)."""
    zone = ws.settings.timezone
    jobs = [job for job in JobService(ws, user).list_jobs() if job.enabled]
    after = max(start, now) - timedelta(microseconds=1)
    times: dict[str, list[datetime]] = {}
    for job in jobs:
        try:
            rule = rule_for(job.schedule, zone)
        except DmsError:
            continue
        if rule is None:
            continue
        own: list[datetime] = []
        for moment in frequency.firings(rule, after):
            if moment >= end or len(own) >= MAX_PLANNED_PER_JOB:
                break
            own.append(moment)
        times[job.name] = own
    parents = {job.name: job.parent for job in jobs}
    out = [(t, name) for name, own in times.items() for t in own]
    for job in jobs:  # a job without its own times runs after its parent's
        if job.name in times or not job.parent:
            continue
        node: str | None = job.parent
        seen = {job.name}
        while node and node not in times and node not in seen:
            seen.add(node)
            node = parents.get(node)
        if node in times:
            out += [(t, f"{job.name} (after {job.parent})") for t in times[node]]
    return sorted(out)


def planned_entries(firings: list[tuple[datetime, str]], bounds: Bounds) -> list[Entry]:
    starts = [lo for lo, _hi in bounds]
    counts: dict[tuple[int, str], list[Any]] = {}
    for moment, label in firings:
        bucket = bisect.bisect_right(starts, moment) - 1
        if not 0 <= bucket < len(bounds) or moment >= bounds[bucket][1]:
            continue
        slot = counts.setdefault((bucket, label), [0, moment])
        slot[0] += 1
    return [Entry(b, label, PLANNED, n, first) for (b, label), (n, first) in counts.items()]


def load_calendar(
    ws: Workspace, user: CurrentUser, first_day: date, days: int, hourly: bool
) -> CalendarData:
    bounds = cut(first_day, days, ws.settings.timezone, hourly)
    data = CalendarData(first_day, days, hourly, bounds)
    data.entries = past_entries(ws, bounds)
    firings = planned_firings(ws, user, bounds[0][0], bounds[-1][1], clock.utcnow())
    data.entries += planned_entries(firings, bounds)
    return data


@dataclass(frozen=True)
class DayItem:
    """One line of a day's list: a past run (``run``) or a planned one."""

    at: datetime  # naive UTC
    job: str
    status: str
    run: RunRow | None = None


def load_day(ws: Workspace, user: CurrentUser, day: date) -> list[DayItem]:
    """Past and planned runs of one local day, in time order."""
    ((lo, hi),) = cut(day, 1, ws.settings.timezone, hourly=False)
    items = [
        DayItem(r.started or r.scheduled_for or lo, r.job, r.status, r)
        for r in load_runs(ws, between=(lo, hi), limit=1000)
    ]
    with ws.engine.connect() as conn:
        for log in conn.execute(
            select(dms_prclog)
            .where(
                dms_prclog.c.prcreqid.is_(None),
                dms_prclog.c.strtdt >= lo,
                dms_prclog.c.strtdt < hi,
            )
            .order_by(dms_prclog.c.strtdt)
            .limit(1000)
        ).mappings():
            run = RunRow(
                prcreqid=-int(log["prclogid"]),
                jobid=int(log["jobid"] or 0),
                job=str(log["mapref"] or ""),
                mappings=str(log["mapref"] or ""),
                trigger=str(log["trgtyp"] or ""),
                status={"SUCCESS": "DONE"}.get(log["status"], log["status"]),
                attempt=1,
                max_attempts=1,
                requested=log["strtdt"],
                scheduled_for=log["strtdt"],
                started=log["strtdt"],
                ended=log["enddt"],
                read=log["srcrows"],
                inserted=log["insrows"],
                updated=log["updrows"],
                expired=log["exprows"],
                rejected=log["errrows"],
                message=log["message"],
            )
            items.append(DayItem(log["strtdt"], run.job, run.status, run))
    now = clock.utcnow()
    items += [DayItem(t, label, PLANNED) for t, label in planned_firings(ws, user, lo, hi, now)]
    return sorted(items, key=lambda item: item.at)
