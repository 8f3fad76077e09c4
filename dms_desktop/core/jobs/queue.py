"""The request queue (DMS_PRCREQ): the database is the coordinator.

* A firing is inserted under UNIQUE(jobschid, scheduled_for): any number of services may try,
  one row results.
* A worker claims atomically: PostgreSQL ``FOR UPDATE SKIP LOCKED`` (Oracle the same with a
  cursor-style claim), SQLite ``BEGIN IMMEDIATE``. The partial unique index on active requests
  keeps one running request per job whatever the race.
* A claim is a lease: the worker renews it by heartbeat; a heartbeat that finds the lease gone
  (reaped, or the request cancelled) tells the worker to abort. The reaper turns expired
  leases into a retry (with backoff) or a failure.
* A failed load is retried the same way: with attempts left (DMS_JOB.MAXRETRY), the request
  goes back to NEW, available after RETRYDELAY x 2^(attempt-1) seconds (``retry_or_fail``,
  shared by the reaper and ``finish``); the last failure fails it. Cancelled runs never retry.
* Finishing is fenced: only the current owner of the lease can mark the request done.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
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
DEFAULT_RETRY_DELAY_S = 30  # a job's RETRYDELAY when it has none (0 is "at once")
CLAIM_RACES = 5


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
    c = dms_prcreq.c
    return (
        select(
            c.prcreqid,
            c.jobid,
            c.jobschid,
            c.scheduled_for,
            c.attempt,
            c.max_attempts,
            c.reqtyp,
            c.requested_by,
        )
        .where(
            c.status == NEW,
            or_(c.available_at.is_(None), c.available_at <= now),
            ~busy,
        )
        .order_by(c.priority, c.scheduled_for, c.prcreqid)
    )


def skip_locked(query: Any, dialect: str) -> Any:
    """Lock the DMS_PRCREQ rows a query reads, skipping rows another transaction holds."""
    if dialect == "postgresql":
        return query.with_for_update(skip_locked=True, of=dms_prcreq)
    if dialect == "oracle":  # Oracle names a column of the table to lock
        return query.with_for_update(skip_locked=True, of=dms_prcreq.c.prcreqid)
    return query  # SQLite: BEGIN IMMEDIATE already serialises writers


def claim_query(dialect: str, now: datetime) -> Any:
    """PostgreSQL: the first candidate, locked. Oracle refuses FETCH FIRST with FOR UPDATE:
    its claim is a cursor over every candidate from which one row is fetched (rows lock as
    they are fetched: the driver's prefetch may hold one or two more, skipped by others)."""
    query = _candidate(now)
    return skip_locked(query if dialect == "oracle" else query.limit(1), dialect)


def claim(ws: Workspace, worker: str, lease_s: int = DEFAULT_LEASE_S) -> Claim | None:
    """The next request for ``worker``, leased for ``lease_s`` seconds; None when none is ready.

    Two workers may pick two requests of one job at once (neither sees the other's claim
    before it commits): the unique index on active requests refuses the second, which then
    looks again rather than report an empty queue while other jobs wait."""
    for _ in range(CLAIM_RACES):
        try:
            return _claim_once(ws, worker, lease_s)
        except IntegrityError:
            continue  # another worker started this job meanwhile (one active run per job)
    return None


def _claim_once(ws: Workspace, worker: str, lease_s: int) -> Claim | None:
    now = clock.utcnow()
    with write_tx(ws.engine) as conn:
        row = conn.execute(claim_query(ws.engine.dialect.name, now)).first()
        if row is None:
            return None
        conn.execute(
            update(dms_prcreq)
            .where(dms_prcreq.c.prcreqid == row.prcreqid)
            .values(
                status=CLAIMED,
                worker=worker,
                claimed_at=now,
                heartbeat_at=now,
                lease_until=now + timedelta(seconds=lease_s),
                attempt=dms_prcreq.c.attempt + 1,
            )
        )
    return Claim(
        row.prcreqid,
        row.jobid,
        row.jobschid,
        row.scheduled_for,
        row.attempt + 1,
        row.max_attempts,
        row.reqtyp,
        row.requested_by,
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
    """Renew the lease; False means the lease is lost (reaped or cancelled): abort.

    A process frozen inside this transaction (SIGSTOP, a suspended VM) would hold its row
    locked and keep the reaper off it for good: PostgreSQL ends such a session once it has
    sat idle in the transaction for a lease, and the row is free again."""
    now = clock.utcnow()
    with write_tx(ws.engine) as conn:
        if conn.dialect.name == "postgresql":
            ms = max(1, lease_s) * 1000
            conn.exec_driver_sql(f"SET LOCAL idle_in_transaction_session_timeout = {ms}")
        renewed = conn.execute(
            update(dms_prcreq)
            .where(_owned(prcreqid, worker), dms_prcreq.c.lease_until >= now)
            .values(heartbeat_at=now, lease_until=now + timedelta(seconds=lease_s))
        ).rowcount
    return bool(renewed)


def retry_or_fail(
    now: datetime,
    attempt: int,
    max_attempts: int,
    delay: int | None,
    why: str,
    *,
    counted: bool = True,
) -> tuple[str, dict[str, Any]]:
    """The one retry policy: another attempt after backoff while attempts are left (RETRY),
    else a failure (FAILED). Returns the outcome and the DMS_PRCREQ values to write.
    ``counted=False``: a job without retries fails with ``why`` alone."""
    if attempt < max_attempts:
        base = DEFAULT_RETRY_DELAY_S if delay is None else int(delay)
        wait = base * 2 ** max(0, attempt - 1)
        return "RETRY", dict(
            status=NEW,
            worker=None,
            lease_until=None,
            available_at=now + timedelta(seconds=wait),
            message=f"Attempt {attempt} of {max_attempts}: {why}; retry in {wait} s"[:4000],
        )
    text = f"Attempt {attempt}: {why}; no retries left" if counted or max_attempts > 1 else why
    return FAILED, dict(status=FAILED, lease_until=None, finished_at=now, message=text[:4000])


def finish(
    ws: Workspace,
    prcreqid: int,
    worker: str,
    ok: bool,
    message: str | None,
    prclogid: int | None,
    then: Callable[[Connection], None] | None = None,
    *,
    retry: bool = True,
) -> str | None:
    """Mark the request DONE, or after a failure queue its retry (``retry_or_fail``: the
    job's MAXRETRY/RETRYDELAY; ``retry=False`` for a cancelled run) or mark it FAILED.
    Returns the outcome (DONE, RETRY, FAILED), None when this worker no longer owns it
    (falsy, as the bool this used to return).

    ``then`` runs in the same transaction once the request is marked done (the scheduler
    queues a successful job's dependents there): both happen, or neither does."""
    now = clock.utcnow()
    with write_tx(ws.engine) as conn:
        values: dict[str, Any]
        if ok:
            outcome = DONE
            values = dict(status=DONE, finished_at=now, message=(message or "")[:4000] or None)
        else:
            row = conn.execute(
                select(dms_prcreq.c.attempt, dms_prcreq.c.max_attempts, dms_job.c.retrydelay)
                .outerjoin(dms_job, dms_job.c.jobid == dms_prcreq.c.jobid)
                .where(dms_prcreq.c.prcreqid == prcreqid)
            ).first()
            attempt, most, delay = row if row is not None else (1, 1, None)
            outcome, values = retry_or_fail(
                now,
                int(attempt),
                int(most) if retry else 0,
                delay,
                message or "failed",
                counted=False,
            )
        marked = conn.execute(
            update(dms_prcreq)
            .where(_owned(prcreqid, worker))
            .values({**values, "prclogid": prclogid, "lease_until": None})
        ).rowcount
        if marked and ok and then is not None:
            then(conn)
    return outcome if marked else None


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
    """Expired leases → a retry after backoff, or a failure; their RUNNING logs close.

    Each decision is fenced on the lease still being expired when it is written: another
    service's reaper, or a late worker finishing its run, may have decided it meanwhile."""
    now = clock.utcnow()
    decided: list[tuple[int, str]] = []
    expired = and_(dms_prcreq.c.status.in_(ACTIVE), dms_prcreq.c.lease_until < now)
    query = (
        select(
            dms_prcreq.c.prcreqid,
            dms_prcreq.c.attempt,
            dms_prcreq.c.max_attempts,
            dms_prcreq.c.worker,
            dms_job.c.retrydelay,
        )
        .outerjoin(dms_job, dms_job.c.jobid == dms_prcreq.c.jobid)
        .where(expired)
    )
    # A row locked by a frozen worker (stopped mid-heartbeat) waits for the next pass instead
    # of freezing this service's housekeeping, its clock included.
    query = skip_locked(query, ws.engine.dialect.name)
    with write_tx(ws.engine) as conn:
        rows = conn.execute(query).all()
        for prcreqid, attempt, max_attempts, worker, delay in rows:
            lost = f"worker {worker} lost its lease (stopped or killed)"
            fence = and_(
                dms_prcreq.c.prcreqid == prcreqid,
                dms_prcreq.c.attempt == attempt,
                dms_prcreq.c.worker == worker,
                expired,
            )
            outcome, values = retry_or_fail(now, attempt, max_attempts, delay, lost)
            if not conn.execute(update(dms_prcreq).where(fence).values(values)).rowcount:
                continue  # decided by someone else meanwhile
            decided.append((prcreqid, outcome))
            conn.execute(
                update(dms_prclog)
                .where(
                    dms_prclog.c.prcreqid == prcreqid,
                    dms_prclog.c.worker == worker,
                    dms_prclog.c.status == "RUNNING",
                )
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
