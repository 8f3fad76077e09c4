"""Turn schedules into queued firings, with the documented missed-firing policy.

Every enabled schedule with a frequency is checked at each tick (APScheduler wakes the
service at the exact firing times; a periodic sync is the safety net). Firings due since the
schedule's last queued firing are handled like this:

* the most recent due firing is queued if it is at most ``grace`` late (coalesced: a service
  that was down for a day runs a daily job once, not once per missed day);
* every other due firing, and the most recent one when it is later than ``grace``, is
  recorded as a CANCELLED request saying it was missed: never a silent drop.

A schedule never fired before starts counting from when it was saved (no backfill).
The UNIQUE(jobschid, scheduled_for) of DMS_PRCREQ makes all of this safe to run from any
number of services at once.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import Connection, func, select

from dms_desktop.core.jobs import frequency, queue
from dms_desktop.core.jobs.service import rule_of
from dms_desktop.core.metadata.engine import write_tx
from dms_desktop.core.metadata.tables import dms_job, dms_jobsch, dms_prcreq
from dms_desktop.core.workspace import Workspace

log = logging.getLogger(__name__)
DEFAULT_GRACE_S = 3600
MAX_MISSED_ROWS = 1000  # per schedule and tick; older misses are summarised in one row


def schedules(ws: Workspace) -> list[dict[str, object]]:
    """Enabled schedules with a frequency, with their last queued firing."""
    last = (
        select(dms_prcreq.c.jobschid, func.max(dms_prcreq.c.scheduled_for).label("last"))
        .where(dms_prcreq.c.reqtyp == "SCHEDULE")
        .group_by(dms_prcreq.c.jobschid)
        .subquery()
    )
    query = (
        select(dms_jobsch, dms_job.c.maxretry, last.c.last)
        .join(dms_job, dms_job.c.jobid == dms_jobsch.c.jobid)
        .outerjoin(last, last.c.jobschid == dms_jobsch.c.jobschid)
        .where(
            dms_jobsch.c.curflg == "Y",
            dms_job.c.curflg == "Y",
            dms_jobsch.c.enableflg == "Y",
            dms_job.c.stflg == "A",
            dms_jobsch.c.frqcd.is_not(None),
        )
    )
    with ws.engine.connect() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]


def enqueue_due(
    ws: Workspace, now: datetime, grace_s: int = DEFAULT_GRACE_S, by: str = "scheduler"
) -> int:
    """Queue what is due now for every schedule; returns how many requests were queued."""
    queued = 0
    for row in schedules(ws):
        try:
            rule = rule_of(row, ws.settings.timezone)
        except Exception as exc:  # noqa: BLE001 - one bad schedule must not stop the others
            log.warning("Schedule %s is not valid (%s): skipped", row["jobschid"], exc)
            continue
        if rule is None:
            continue
        since = row["last"] or row["recupdt"] or row["reccrdt"]
        assert isinstance(since, datetime)
        due = frequency.last_firing(rule, now, since)
        if not due:
            continue
        queued += _queue(ws, row, due, now, grace_s, by)
    return queued


def _queue(
    ws: Workspace, row: dict[str, object], due: list[datetime], now: datetime, grace_s: int, by: str
) -> int:
    jobid, jobschid = int(row["jobid"]), int(row["jobschid"])  # type: ignore[call-overload]
    grace = timedelta(seconds=int(row.get("misfiregrc") or grace_s))  # type: ignore[call-overload]
    latest = due[-1]
    run = latest if now - latest <= grace else None
    missed = [t for t in due if t != run][-MAX_MISSED_ROWS:]
    attempts = int(row.get("maxretry") or 0) + 1  # type: ignore[call-overload]
    queued = 0
    with write_tx(ws.engine) as conn:
        for moment in missed:
            why = (
                f"missed while no scheduler ran; coalesced into {run:%Y-%m-%d %H:%M}"
                if run
                else f"missed by more than the grace window ({grace})"
            )
            queue.enqueue(
                conn,
                jobid,
                jobschid,
                moment,
                reqtyp="SCHEDULE",
                requested_by=by,
                status=queue.CANCELLED,
                message=why,
            )
        if run is not None and queue.enqueue(
            conn, jobid, jobschid, run, reqtyp="SCHEDULE", requested_by=by, max_attempts=attempts
        ):
            queued += 1
    if missed:
        log.warning("Schedule %s: %d missed firing(s) recorded", jobschid, len(missed))
    return queued


def enqueue_dependents(conn: Connection, claim: queue.Claim, by: str) -> list[int]:
    """Success of a parent queues its dependents for the same run date. Called in the
    transaction that marks the parent done: both happen, or neither does."""
    if claim.jobschid is None:
        return []
    children = conn.execute(
        select(dms_jobsch.c.jobid, dms_jobsch.c.jobschid, dms_job.c.maxretry)
        .join(dms_job, dms_job.c.jobid == dms_jobsch.c.jobid)
        .where(
            dms_jobsch.c.dpnd_jobschid == claim.jobschid,
            dms_jobsch.c.curflg == "Y",
            dms_jobsch.c.enableflg == "Y",
        )
    ).all()
    queued = []
    for jobid, jobschid, retries in children:
        prcreqid = queue.enqueue(
            conn,
            jobid,
            jobschid,
            claim.scheduled_for,
            reqtyp="DEPENDENCY",
            requested_by=by,
            max_attempts=int(retries or 0) + 1,  # the child's own retries
            parent=claim.prcreqid,
        )
        if prcreqid is not None:
            queued.append(prcreqid)
    return queued
