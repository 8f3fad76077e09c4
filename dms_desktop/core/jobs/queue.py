"""The request queue (DMS_PRCREQ): the database is the coordinator.

* A firing is inserted under UNIQUE(jobschid, scheduled_for): any number of services may try,
  one row results.
* A worker claims atomically: PostgreSQL ``FOR UPDATE SKIP LOCKED`` (Oracle the same with a
  cursor-style claim), SQLite ``BEGIN IMMEDIATE``. The partial unique index on active requests
  keeps one running request per job whatever the race.
* A claim is a lease: the worker renews it by heartbeat; a heartbeat that finds the lease gone
  (reaped, or the request cancelled) tells the worker to abort. The reaper turns expired
  leases into a retry (with backoff) or a failure.
* Finishing is fenced: only the current owner of the lease can mark the request done.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, exists, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from dms_desktop.core import clock
from dms_desktop.core.metadata.engine import write_tx
from dms_desktop.core.metadata.tables import dms_job, dms_prclog, dms_prcreq
from dms_desktop.core.workspace import Workspace

NEW, CLAIMED, RUNNING, DONE, FAILED, CANCELLED = (
    "NEW",
    "CLAIMED",
    "RUNNING",
    "DONE",
    "FAILED",
    "CANCELLED",
)
ACTIVE = (CLAIMED, RUNNING)
DEFAULT_LEASE_S = 60


@dataclass(frozen=True)
class Claim:
    prcreqid: int
    jobid: int
    jobschid: int | None
    scheduled_for: datetime
    attempt: int
    max_attempts: int
    reqtyp: str
    requested_by: str | None


def worker_name(suffix: str = "") -> str:
    import os

    return f"{socket.gethostname()}:{os.getpid()}{':' + suffix if suffix else ''}"


def enqueue(
    conn: Connection,
    jobid: int,
    jobschid: int | None,
    scheduled_for: datetime,
    *,
    reqtyp: str,
    requested_by: str | None,
    max_attempts: int = 1,
    parent: int | None = None,
    status: str = NEW,
    message: str | None = None,
) -> int | None:
    """Insert one request; None when that firing is already queued (by anyone)."""
    values: dict[str, Any] = dict(
        jobid=jobid,
        jobschid=jobschid,
        scheduled_for=scheduled_for,
        reqtyp=reqtyp,
        status=status,
        requested_by=requested_by,
        requested_at=clock.utcnow(),
        max_attempts=max_attempts,
        parent_prcreqid=parent,
        message=message,
        available_at=scheduled_for if reqtyp == "SCHEDULE" else None,
    )
    savepoint = conn.begin_nested()
    try:
        pk = conn.execute(dms_prcreq.insert().values(values)).inserted_primary_key
    except IntegrityError:
        savepoint.rollback()
        return None
    savepoint.commit()
    assert pk is not None
    return int(pk[0])


def _candidate(now: datetime) -> Any:
    """The next claimable request: NEW, available, its job not already running."""
    other = dms_prcreq.alias("other")
    busy = exists(
        select(other.c.prcreqid).where(
            other.c.jobid == dms_prcreq.c.jobid, other.c.status.in_(ACTIVE)
        )
    )
    return (
        select(dms_prcreq.c.prcreqid)
        .where(
            dms_prcreq.c.status == NEW,
            or_(dms_prcreq.c.available_at.is_(None), dms_prcreq.c.available_at <= now),
            ~busy,
        )
        .order_by(dms_prcreq.c.priority, dms_prcreq.c.scheduled_for, dms_prcreq.c.prcreqid)
    )


def claim(ws: Workspace, worker: str, lease_s: int = DEFAULT_LEASE_S) -> Claim | None:
    now = clock.utcnow()
    query = _candidate(now).limit(1)
    if ws.engine.dialect.name in ("postgresql", "oracle"):
        query = query.with_for_update(skip_locked=True, of=dms_prcreq)
    try:
        with write_tx(ws.engine) as conn:
            prcreqid = conn.execute(query).scalar_one_or_none()
            if prcreqid is None:
                return None
            conn.execute(
                update(dms_prcreq)
                .where(dms_prcreq.c.prcreqid == prcreqid)
                .values(
                    status=CLAIMED,
                    worker=worker,
                    claimed_at=now,
                    heartbeat_at=now,
                    lease_until=now + timedelta(seconds=lease_s),
                    attempt=dms_prcreq.c.attempt + 1,
                )
            )
            row = (
                conn.execute(select(dms_prcreq).where(dms_prcreq.c.prcreqid == prcreqid))
                .mappings()
                .one()
            )
    except IntegrityError:
        return None  # another worker started this job meanwhile (one active run per job)
    return Claim(
        row["prcreqid"],
        row["jobid"],
        row["jobschid"],
        row["scheduled_for"],
        row["attempt"],
        row["max_attempts"],
        row["reqtyp"],
        row["requested_by"],
    )


def _owned(prcreqid: int, worker: str) -> Any:
    return and_(
        dms_prcreq.c.prcreqid == prcreqid,
        dms_prcreq.c.worker == worker,
        dms_prcreq.c.status.in_(ACTIVE),
    )


def start(ws: Workspace, prcreqid: int, worker: str) -> bool:
    with write_tx(ws.engine) as conn:
        return bool(
            conn.execute(
                update(dms_prcreq).where(_owned(prcreqid, worker)).values(status=RUNNING)
            ).rowcount
        )


def heartbeat(ws: Workspace, prcreqid: int, worker: str, lease_s: int = DEFAULT_LEASE_S) -> bool:
    """Renew the lease; False means the lease is lost (reaped or cancelled): abort."""
    now = clock.utcnow()
    with write_tx(ws.engine) as conn:
        renewed = conn.execute(
            update(dms_prcreq)
            .where(_owned(prcreqid, worker), dms_prcreq.c.lease_until >= now)
            .values(heartbeat_at=now, lease_until=now + timedelta(seconds=lease_s))
        ).rowcount
    return bool(renewed)


def finish(
    ws: Workspace, prcreqid: int, worker: str, ok: bool, message: str | None, prclogid: int | None
) -> bool:
    """Mark the request done or failed; False when this worker no longer owns it."""
    with write_tx(ws.engine) as conn:
        return bool(
            conn.execute(
                update(dms_prcreq)
                .where(_owned(prcreqid, worker))
                .values(
                    status=DONE if ok else FAILED,
                    finished_at=clock.utcnow(),
                    prclogid=prclogid,
                    message=(message or "")[:4000] or None,
                    lease_until=None,
                )
            ).rowcount
        )


def release(ws: Workspace, prcreqid: int, worker: str) -> None:
    """Give a claimed request back (graceful stop before it ran): no attempt is spent."""
    with write_tx(ws.engine) as conn:
        conn.execute(
            update(dms_prcreq)
            .where(_owned(prcreqid, worker))
            .values(status=NEW, worker=None, lease_until=None, attempt=dms_prcreq.c.attempt - 1)
        )


def cancel(ws: Workspace, prcreqid: int, by: str) -> str:
    """Cancel a queued or running request; a running one stops at its next heartbeat."""
    with write_tx(ws.engine) as conn:
        status = conn.execute(
            select(dms_prcreq.c.status).where(dms_prcreq.c.prcreqid == prcreqid)
        ).scalar_one_or_none()
        if status in (NEW, *ACTIVE):
            conn.execute(
                update(dms_prcreq)
                .where(dms_prcreq.c.prcreqid == prcreqid)
                .values(
                    status=CANCELLED,
                    finished_at=clock.utcnow(),
                    lease_until=None,
                    message=f"Cancelled by {by}",
                )
            )
            return CANCELLED
        return str(status)


def reap(ws: Workspace) -> list[tuple[int, str]]:
    """Expired leases → a retry after backoff, or a failure; their RUNNING logs close."""
    now = clock.utcnow()
    decided: list[tuple[int, str]] = []
    with write_tx(ws.engine) as conn:
        rows = conn.execute(
            select(
                dms_prcreq.c.prcreqid,
                dms_prcreq.c.attempt,
                dms_prcreq.c.max_attempts,
                dms_prcreq.c.worker,
                dms_job.c.retrydelay,
            )
            .outerjoin(dms_job, dms_job.c.jobid == dms_prcreq.c.jobid)
            .where(dms_prcreq.c.status.in_(ACTIVE), dms_prcreq.c.lease_until < now)
        ).all()
        for prcreqid, attempt, max_attempts, worker, delay in rows:
            lost = f"worker {worker} lost its lease (stopped or killed)"
            if attempt < max_attempts:
                wait = (delay or 30) * 2 ** max(0, attempt - 1)
                conn.execute(
                    update(dms_prcreq)
                    .where(dms_prcreq.c.prcreqid == prcreqid)
                    .values(
                        status=NEW,
                        worker=None,
                        lease_until=None,
                        available_at=now + timedelta(seconds=wait),
                        message=f"Attempt {attempt}: {lost}; retry in {wait} s",
                    )
                )
                decided.append((prcreqid, "RETRY"))
            else:
                conn.execute(
                    update(dms_prcreq)
                    .where(dms_prcreq.c.prcreqid == prcreqid)
                    .values(
                        status=FAILED,
                        lease_until=None,
                        finished_at=now,
                        message=f"Attempt {attempt}: {lost}; no retries left",
                    )
                )
                decided.append((prcreqid, FAILED))
            conn.execute(
                update(dms_prclog)
                .where(dms_prclog.c.prcreqid == prcreqid, dms_prclog.c.status == "RUNNING")
                .values(status="FAILED", enddt=now, message=lost)
            )
    return decided


def depth(ws: Workspace) -> dict[str, int]:
    with ws.engine.connect() as conn:
        rows = conn.execute(
            select(dms_prcreq.c.status, func.count())
            .where(dms_prcreq.c.status.in_((NEW, *ACTIVE)))
            .group_by(dms_prcreq.c.status)
        ).all()
    return {str(status): int(n) for status, n in rows}
