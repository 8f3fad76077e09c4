"""What the Monitor reads: requests (DMS_PRCREQ) with their run logs summed per request in SQL
(DMS_PRCLOG: one row per mapping run), the latest step of running ones (DMS_JOBLOG), and a
run's steps and errors (DMS_JOBERR). Qt-free: called from workers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select

from dms_desktop.core.metadata.tables import (
    dms_job,
    dms_joberr,
    dms_joblog,
    dms_prclog,
    dms_prcreq,
)
from dms_desktop.core.workspace import Workspace

FILTERS: dict[str, tuple[str, ...]] = {
    "all": (),
    "queued": ("NEW", "RETRY"),
    "running": ("CLAIMED", "RUNNING"),
    "finished": ("DONE", "FAILED", "CANCELLED"),
    "succeeded": ("DONE",),
    "failed": ("FAILED",),
}
# A status as other pages name it (run log, request, the words users see) -> a FILTERS key
SECTIONS = {
    "SUCCESS": "succeeded",
    "DONE": "succeeded",
    "FAILED": "failed",
    "RUNNING": "running",
    "CLAIMED": "running",
    "QUEUED": "queued",
    "NEW": "queued",
    "RETRY": "queued",
    "CANCELLED": "finished",
    "MISSED": "finished",
}


def section_of(status: str | None) -> str:
    """The FILTERS key showing runs of ``status`` (a key itself, or a status word)."""
    text = (status or "").strip()
    if text.lower() in FILTERS:
        return text.lower()
    return SECTIONS.get(text.upper(), "all")


ACTIVE = ("NEW", "RETRY", "CLAIMED", "RUNNING")
LIMIT = 500


@dataclass(frozen=True)
class RunRow:
    prcreqid: int
    jobid: int
    job: str
    mappings: str
    trigger: str
    status: str  # DMS_PRCREQ.STATUS
    attempt: int
    max_attempts: int
    requested: datetime | None
    scheduled_for: datetime | None
    started: datetime | None
    ended: datetime | None
    read: int | None
    inserted: int | None
    updated: int | None
    expired: int | None
    rejected: int | None
    message: str | None
    step: str | None = None  # running: the latest step logged
    step_rows: int | None = None

    @property
    def active(self) -> bool:
        return self.status in ACTIVE


def run_time() -> Any:
    """When a request ran, or was due to: its claim, else its run date."""
    return func.coalesce(dms_prcreq.c.claimed_at, dms_prcreq.c.scheduled_for)


def load_runs(
    ws: Workspace,
    which: str = "all",
    job: str = "",
    limit: int = LIMIT,
    between: tuple[datetime, datetime] | None = None,
    exact: bool = False,
) -> list[RunRow]:
    """The newest requests matching ``which`` (a FILTERS key), a job-name fragment (the
    whole name with ``exact``) and, optionally, a [start, end) range of run times (naive UTC)."""
    names = (
        select(dms_job.c.jobid, func.max(dms_job.c.jobnm).label("jobnm"))
        .group_by(dms_job.c.jobid)
        .subquery()
    )
    query = (
        select(dms_prcreq, names.c.jobnm)
        .outerjoin(names, names.c.jobid == dms_prcreq.c.jobid)
        .order_by(dms_prcreq.c.prcreqid.desc())
        .limit(limit)
    )
    if FILTERS.get(which):
        query = query.where(dms_prcreq.c.status.in_(FILTERS[which]))
    if job.strip() and exact:
        query = query.where(func.lower(names.c.jobnm) == job.strip().lower())
    elif job.strip():
        fragment = job.strip().lower()
        query = query.where(func.lower(names.c.jobnm).contains(fragment, autoescape=True))
    if between is not None:
        query = query.where(run_time() >= between[0], run_time() < between[1])
    with ws.engine.connect() as conn:
        requests = list(conn.execute(query).mappings())
        ids = [r["prcreqid"] for r in requests] or [-1]
        sums = {
            r.prcreqid: r
            for r in conn.execute(
                select(
                    dms_prclog.c.prcreqid,
                    func.min(dms_prclog.c.strtdt).label("started"),
                    func.max(dms_prclog.c.enddt).label("ended"),
                    func.sum(dms_prclog.c.srcrows).label("read"),
                    func.sum(dms_prclog.c.insrows).label("inserted"),
                    func.sum(dms_prclog.c.updrows).label("updated"),
                    func.sum(dms_prclog.c.exprows).label("expired"),
                    func.sum(dms_prclog.c.errrows).label("rejected"),
                    func.max(dms_prclog.c.prclogid).label("last_log"),
                )
                .join(dms_prcreq, dms_prcreq.c.prcreqid == dms_prclog.c.prcreqid)
                .where(
                    dms_prclog.c.prcreqid.in_(ids),
                    # a retried request: the counts of its latest attempt
                    or_(
                        dms_prcreq.c.claimed_at.is_(None),
                        dms_prclog.c.strtdt >= dms_prcreq.c.claimed_at,
                    ),
                )
                .group_by(dms_prclog.c.prcreqid)
            )
        }
        maps = _mappings(conn, ids)
        running = [
            s.last_log
            for r in requests
            if r["status"] in ("CLAIMED", "RUNNING") and (s := sums.get(r["prcreqid"]))
        ]
        steps = _latest_steps(conn, running)
    rows = []
    for r in requests:
        s = sums.get(r["prcreqid"])
        step = steps.get(s.last_log) if s is not None else None
        rows.append(
            RunRow(
                prcreqid=r["prcreqid"],
                jobid=r["jobid"],
                job=r["jobnm"] or f"job {r['jobid']}",
                mappings=maps.get(r["prcreqid"], r["mapref"] or ""),
                trigger=r["reqtyp"] or "",
                status=r["status"],
                attempt=int(r["attempt"] or 0),
                max_attempts=int(r["max_attempts"] or 1),
                requested=r["requested_at"],
                scheduled_for=r["scheduled_for"],
                started=s.started if s is not None else r["claimed_at"],
                ended=r["finished_at"],
                read=s.read if s is not None else None,
                inserted=s.inserted if s is not None else None,
                updated=s.updated if s is not None else None,
                expired=s.expired if s is not None else None,
                rejected=s.rejected if s is not None else None,
                message=r["message"],
                step=step[0] if step else None,
                step_rows=step[1] if step else None,
            )
        )
    return rows


def _mappings(conn: Any, ids: list[int]) -> dict[int, str]:
    """The mappings each request ran so far, in order."""
    out: dict[int, list[str]] = {}
    for prcreqid, mapref in conn.execute(
        select(dms_prclog.c.prcreqid, dms_prclog.c.mapref)
        .where(dms_prclog.c.prcreqid.in_(ids))
        .order_by(dms_prclog.c.prclogid)
    ):
        refs = out.setdefault(prcreqid, [])
        if (mapref or "") not in refs:  # a retried request ran its mappings again
            refs.append(mapref or "")
    return {k: ", ".join(v) for k, v in out.items()}


def _latest_steps(conn: Any, prclogids: list[int]) -> dict[int, tuple[str, int | None]]:
    if not prclogids:
        return {}
    latest = (
        select(func.max(dms_joblog.c.joblogid))
        .where(dms_joblog.c.prclogid.in_(prclogids))
        .group_by(dms_joblog.c.prclogid)
    )
    return {
        r.prclogid: (r.stepnm, r.rowcnt)
        for r in conn.execute(
            select(dms_joblog.c.prclogid, dms_joblog.c.stepnm, dms_joblog.c.rowcnt).where(
                dms_joblog.c.joblogid.in_(latest)
            )
        )
    }


@dataclass(frozen=True)
class RunDetails:
    prcreqid: int
    logs: list[dict[str, Any]]  # DMS_PRCLOG rows of the request (one per mapping)
    steps: list[dict[str, Any]]  # DMS_JOBLOG rows, without their SQL (``has_sql``)
    errors: list[dict[str, Any]]  # DMS_JOBERR rows


def load_details(ws: Workspace, prcreqid: int, max_errors: int = 1000) -> RunDetails:
    with ws.engine.connect() as conn:
        logs = [
            dict(r)
            for r in conn.execute(
                select(dms_prclog)
                .where(dms_prclog.c.prcreqid == prcreqid)
                .order_by(dms_prclog.c.prclogid)
            ).mappings()
        ]
        ids = [log["prclogid"] for log in logs] or [-1]
        steps = [
            dict(r)
            for r in conn.execute(
                select(
                    dms_joblog.c.joblogid,
                    dms_joblog.c.prclogid,
                    dms_joblog.c.mapref,
                    dms_joblog.c.stepseq,
                    dms_joblog.c.stepnm,
                    dms_joblog.c.status,
                    dms_joblog.c.strtdt,
                    dms_joblog.c.enddt,
                    dms_joblog.c.rowcnt,
                    dms_joblog.c.message,
                    dms_joblog.c.sqltext.is_not(None).label("has_sql"),
                )
                .where(dms_joblog.c.prclogid.in_(ids))
                .order_by(dms_joblog.c.prclogid, dms_joblog.c.stepseq)
            ).mappings()
        ]
        errors = [
            dict(r)
            for r in conn.execute(
                select(dms_joberr)
                .where(dms_joberr.c.prclogid.in_(ids))
                .order_by(dms_joberr.c.joberrid)
                .limit(max_errors)
            ).mappings()
        ]
    return RunDetails(prcreqid, logs, steps, errors)


def load_step_sql(ws: Workspace, joblogid: int) -> str:
    with ws.engine.connect() as conn:
        text = conn.execute(
            select(dms_joblog.c.sqltext).where(dms_joblog.c.joblogid == joblogid)
        ).scalar_one_or_none()
    return str(text or "")
