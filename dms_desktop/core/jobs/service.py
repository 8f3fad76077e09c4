"""Jobs (DMS_JOB, DMS_JOBDTL) and their schedule (DMS_JOBSCH), one schedule per job.

Jobs and schedules are edited in place: their ids are what the queue, the run history and
the dependencies point at (mappings and SQL keep CURFLG versions; a job is a thin wrapper).
A job runs its mappings in DMS_JOBDTL order. A schedule may have no frequency: it then only
runs when asked, or after its parent (DPND_JOBSCHID) succeeds; cycles are refused on save.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select, update
from sqlalchemy.engine import RowMapping

from dms_desktop.core import clock
from dms_desktop.core.errors import AlreadyExists, NotFound, ValidationError
from dms_desktop.core.jobs import frequency, queue
from dms_desktop.core.metadata.engine import write_tx
from dms_desktop.core.metadata.tables import (
    dms_job,
    dms_jobdtl,
    dms_jobsch,
    dms_mapr,
    dms_prclog,
    dms_prcreq,
)
from dms_desktop.core.security.permissions import CurrentUser
from dms_desktop.core.workspace import Workspace

_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]{0,99}$")
CURRENT = "Y"


@dataclass(frozen=True)
class ScheduleSpec:
    """What a user sets; validated into a frequency.Rule."""

    frequency: str | None = None  # None: manual / after parent only
    day: str | None = None
    hour: int | None = None
    minute: int | None = None
    months: str | None = None
    every_minutes: int | None = None
    start: datetime | None = None  # naive UTC
    end: datetime | None = None
    zone: str | None = None
    after: str | None = None  # parent job name
    enabled: bool = True


@dataclass(frozen=True)
class JobInfo:
    jobid: int
    name: str
    description: str | None
    mappings: tuple[str, ...]
    jobschid: int
    schedule: ScheduleSpec
    rule_text: str
    parent: str | None
    enabled: bool
    retries: int
    next_run: datetime | None
    last_status: str | None = None
    last_run: datetime | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def rule_of(row: RowMapping | dict[str, Any], zone: str) -> frequency.Rule | None:
    if not row["frqcd"]:
        return None
    return frequency.make_rule(
        row["frqcd"],
        day=row["frqdd"],
        hour=row["frqhh"],
        minute=row["frqmi"],
        months=row["frqmm"],
        every_minutes=row["frqintmi"],
        start=row["strdt"],
        end=row["enddt"],
        zone=row["frqtz"] or zone,
    )


class JobService:
    def __init__(self, ws: Workspace, actor: CurrentUser) -> None:
        self.ws = ws
        self.actor = actor

    @property
    def zone(self) -> str:
        return self.ws.settings.timezone

    # --- reading -------------------------------------------------------------------------

    def _rows(self, conn: Connection) -> list[RowMapping]:
        return list(
            conn.execute(
                select(
                    dms_job,
                    dms_jobsch.c.jobschid,
                    dms_jobsch.c.frqcd.label("sch_frqcd"),
                    dms_jobsch.c.frqdd,
                    dms_jobsch.c.frqhh,
                    dms_jobsch.c.frqmi,
                    dms_jobsch.c.frqmm,
                    dms_jobsch.c.frqintmi,
                    dms_jobsch.c.frqtz,
                    dms_jobsch.c.strdt,
                    dms_jobsch.c.enddt,
                    dms_jobsch.c.enableflg,
                    dms_jobsch.c.dpnd_jobschid,
                )
                .join(dms_jobsch, dms_jobsch.c.jobid == dms_job.c.jobid)
                .where(dms_job.c.curflg == CURRENT, dms_jobsch.c.curflg == CURRENT)
                .order_by(dms_job.c.jobnm)
            ).mappings()
        )

    def list_jobs(self) -> list[JobInfo]:
        self.actor.require("jobs", "view")
        now = clock.utcnow()
        with self.ws.engine.connect() as conn:
            rows = self._rows(conn)
            steps = conn.execute(
                select(dms_jobdtl.c.jobid, dms_jobdtl.c.mapref)
                .where(dms_jobdtl.c.curflg == CURRENT)
                .order_by(dms_jobdtl.c.stepseq)
            ).all()
            last = dict(
                conn.execute(
                    select(dms_prcreq.c.jobid, func.max(dms_prcreq.c.prcreqid))
                    .where(dms_prcreq.c.status.in_((queue.DONE, queue.FAILED, queue.CANCELLED)))
                    .group_by(dms_prcreq.c.jobid)
                ).all()
            )
            outcomes = {
                r.prcreqid: r
                for r in conn.execute(
                    select(
                        dms_prcreq.c.prcreqid, dms_prcreq.c.status, dms_prcreq.c.finished_at
                    ).where(dms_prcreq.c.prcreqid.in_(list(last.values()) or [-1]))
                )
            }
        by_job: dict[int, list[str]] = {}
        for jobid, mapref in steps:
            by_job.setdefault(jobid, []).append(mapref)
        names = {r["jobschid"]: r["jobnm"] for r in rows}
        out = []
        for r in rows:
            outcome = outcomes.get(last.get(r["jobid"], -1))
            out.append(
                self._info(
                    r,
                    by_job.get(r["jobid"], []),
                    names,
                    now,
                    outcome.status if outcome else None,
                    outcome.finished_at if outcome else None,
                )
            )
        return out

    def _info(
        self,
        r: RowMapping,
        maps: list[str],
        names: dict[int, str],
        now: datetime,
        last_status: str | None,
        last_run: datetime | None,
    ) -> JobInfo:
        row = dict(r)
        row["frqcd"] = r["sch_frqcd"]
        rule = rule_of(row, self.zone)
        nxt = frequency.next_firings(rule, now, 1) if rule else []
        enabled = r["enableflg"] == "Y" and r["stflg"] == "A"
        parent = names.get(r["dpnd_jobschid"]) if r["dpnd_jobschid"] else None
        text = frequency.describe(rule) if rule else "on demand"
        if parent:
            text += f"; after {parent} succeeds"
        spec = ScheduleSpec(
            r["sch_frqcd"],
            r["frqdd"],
            r["frqhh"],
            r["frqmi"],
            r["frqmm"],
            r["frqintmi"],
            r["strdt"],
            r["enddt"],
            r["frqtz"],
            parent,
            enabled,
        )
        return JobInfo(
            r["jobid"],
            r["jobnm"],
            r["jobdesc"],
            tuple(maps),
            r["jobschid"],
            spec,
            text,
            parent,
            enabled,
            r["maxretry"],
            nxt[0] if nxt and enabled else None,
            last_status,
            last_run,
        )

    def get(self, name: str) -> JobInfo:
        for job in self.list_jobs():
            if job.name.lower() == name.lower() or str(job.jobid) == name:
                return job
        raise NotFound(f"No job '{name}': see 'dms job list'.")

    # --- writing -------------------------------------------------------------------------

    def create(
        self,
        name: str,
        mappings: list[str],
        *,
        description: str | None = None,
        retries: int = 0,
        retry_delay: int | None = None,
        schedule: ScheduleSpec | None = None,
    ) -> JobInfo:
        self.actor.require("jobs", "create")
        if not _NAME.match(name or ""):
            raise ValidationError(
                f"Job name {name!r} is not valid: up to 100 letters, digits, _ . -, "
                "starting with a letter."
            )
        if not mappings:
            raise ValidationError("A job runs at least one mapping.")
        if not 0 <= retries <= 10:
            raise ValidationError("Retries must be from 0 to 10.")
        spec = schedule or ScheduleSpec()
        now = clock.utcnow()
        with write_tx(self.ws.engine) as conn:
            if conn.execute(
                select(dms_job.c.jobid).where(
                    func.lower(dms_job.c.jobnm) == name.lower(), dms_job.c.curflg == CURRENT
                )
            ).first():
                raise AlreadyExists(f"Job '{name}' exists: choose another name.")
            known = {
                r.mapref.upper(): r
                for r in conn.execute(
                    select(
                        dms_mapr.c.mapref,
                        dms_mapr.c.mapid,
                        dms_mapr.c.frqcd,
                        dms_mapr.c.trgschm,
                        dms_mapr.c.trgtbtyp,
                        dms_mapr.c.trgtbnm,
                        dms_mapr.c.srcsys,
                        dms_mapr.c.blkprcrows,
                    ).where(
                        dms_mapr.c.curflg == CURRENT,
                        func.upper(dms_mapr.c.mapref).in_([m.upper() for m in mappings]),
                    )
                )
            }
            missing = [m for m in mappings if m.upper() not in known]
            if missing:
                raise NotFound(f"Unknown mapping {', '.join(missing)}: see 'dms mapping list'.")
            first = known[mappings[0].upper()]
            pk = conn.execute(
                dms_job.insert().values(
                    jobnm=name,
                    jobdesc=description,
                    mapref=first.mapref,
                    mapid=first.mapid,
                    frqcd=spec.frequency,
                    trgschm=first.trgschm,
                    trgtbtyp=first.trgtbtyp,
                    trgtbnm=first.trgtbnm,
                    srcsys=first.srcsys,
                    blkprcrows=first.blkprcrows,
                    stflg="A",
                    maxretry=retries,
                    retrydelay=retry_delay,
                    curflg=CURRENT,
                    reccrdt=now,
                    crtdby=self.actor.username,
                )
            ).inserted_primary_key
            assert pk is not None
            jobid = int(pk[0])
            conn.execute(
                dms_jobdtl.insert(),
                [
                    {
                        "jobid": jobid,
                        "mapref": known[m.upper()].mapref,
                        "stepseq": n,
                        "curflg": CURRENT,
                        "reccrdt": now,
                    }
                    for n, m in enumerate(mappings, start=1)
                ],
            )
            conn.execute(
                dms_jobsch.insert().values(
                    jobid=jobid,
                    mapref=first.mapref,
                    curflg=CURRENT,
                    reccrdt=now,
                    crtdby=self.actor.username,
                    enableflg="Y",
                )
            )
            self._write_schedule(conn, jobid, spec, now)
        return self.get(name)

    def set_schedule(self, name: str, spec: ScheduleSpec) -> JobInfo:
        self.actor.require("jobs", "edit")
        job = self.get(name)
        with write_tx(self.ws.engine) as conn:
            self._write_schedule(conn, job.jobid, spec, clock.utcnow())
        return self.get(job.name)

    def _write_schedule(
        self, conn: Connection, jobid: int, spec: ScheduleSpec, now: datetime
    ) -> None:
        if spec.frequency:
            frequency.make_rule(
                spec.frequency,
                day=spec.day,
                hour=spec.hour,
                minute=spec.minute,
                months=spec.months,
                every_minutes=spec.every_minutes,
                start=spec.start,
                end=spec.end,
                zone=spec.zone or self.zone,
            )
        elif spec.start and spec.end and spec.end <= spec.start:
            raise ValidationError("The end date must come after the start date.")
        jobschid = conn.execute(
            select(dms_jobsch.c.jobschid).where(
                dms_jobsch.c.jobid == jobid, dms_jobsch.c.curflg == CURRENT
            )
        ).scalar_one()
        parent_id = None
        if spec.after:
            parent_id = conn.execute(
                select(dms_jobsch.c.jobschid)
                .join(dms_job, dms_job.c.jobid == dms_jobsch.c.jobid)
                .where(
                    func.lower(dms_job.c.jobnm) == spec.after.lower(),
                    dms_job.c.curflg == CURRENT,
                    dms_jobsch.c.curflg == CURRENT,
                )
            ).scalar_one_or_none()
            if parent_id is None:
                raise NotFound(f"No job '{spec.after}' to run after.")
            _refuse_cycle(conn, jobschid, parent_id)
        conn.execute(
            update(dms_jobsch)
            .where(dms_jobsch.c.jobschid == jobschid)
            .values(
                frqcd=spec.frequency or None,
                frqdd=spec.day,
                frqhh=spec.hour,
                frqmi=spec.minute,
                frqmm=spec.months,
                frqintmi=spec.every_minutes,
                strdt=spec.start,
                enddt=spec.end,
                frqtz=spec.zone,
                dpnd_jobschid=parent_id,
                enableflg="Y" if spec.enabled else "N",
                recupdt=now,
                uptdby=self.actor.username,
            )
        )
        conn.execute(
            update(dms_job)
            .where(dms_job.c.jobid == jobid)
            .values(frqcd=spec.frequency or None, recupdt=now, uptdby=self.actor.username)
        )

    def set_enabled(self, name: str, enabled: bool) -> JobInfo:
        self.actor.require("jobs", "edit")
        job = self.get(name)
        with write_tx(self.ws.engine) as conn:
            conn.execute(
                update(dms_jobsch)
                .where(dms_jobsch.c.jobschid == job.jobschid)
                .values(enableflg="Y" if enabled else "N", recupdt=clock.utcnow())
            )
            conn.execute(
                update(dms_job)
                .where(dms_job.c.jobid == job.jobid)
                .values(stflg="A" if enabled else "I", recupdt=clock.utcnow())
            )
        return self.get(job.name)

    def delete(self, name: str) -> None:
        self.actor.require("jobs", "delete")
        job = self.get(name)
        now = clock.utcnow()
        with write_tx(self.ws.engine) as conn:
            children = (
                conn.execute(
                    select(dms_job.c.jobnm)
                    .join(dms_jobsch, dms_jobsch.c.jobid == dms_job.c.jobid)
                    .where(
                        dms_jobsch.c.dpnd_jobschid == job.jobschid,
                        dms_jobsch.c.curflg == CURRENT,
                        dms_job.c.curflg == CURRENT,
                    )
                )
                .scalars()
                .all()
            )
            if children:
                raise ValidationError(
                    f"Job {job.name} is the parent of {', '.join(children)}: "
                    "remove that dependency first."
                )
            for table in (dms_job, dms_jobdtl, dms_jobsch):
                conn.execute(
                    update(table).where(table.c.jobid == job.jobid).values(curflg="N", recupdt=now)
                )
            conn.execute(
                update(dms_prcreq)
                .where(dms_prcreq.c.jobid == job.jobid, dms_prcreq.c.status == queue.NEW)
                .values(status=queue.CANCELLED, message="job deleted")
            )

    def run_now(self, name: str) -> int:
        """Queue a run; the scheduler (embedded or service) picks it up."""
        self.actor.require("jobs", "create")
        job = self.get(name)
        with write_tx(self.ws.engine) as conn:
            prcreqid = queue.enqueue(
                conn,
                job.jobid,
                job.jobschid,
                clock.utcnow(),
                reqtyp="MANUAL",
                requested_by=self.actor.username,
                max_attempts=job.retries + 1,
            )
        assert prcreqid is not None
        return prcreqid

    def history(self, name: str, limit: int = 50) -> list[dict[str, Any]]:
        self.actor.require("jobs", "view")
        job = self.get(name)
        with self.ws.engine.connect() as conn:
            rows = (
                conn.execute(
                    select(
                        dms_prcreq.c.prcreqid,
                        dms_prcreq.c.reqtyp,
                        dms_prcreq.c.scheduled_for,
                        dms_prcreq.c.status,
                        dms_prcreq.c.attempt,
                        dms_prcreq.c.finished_at,
                        dms_prcreq.c.message,
                        dms_prclog.c.insrows,
                        dms_prclog.c.updrows,
                    )
                    .outerjoin(dms_prclog, dms_prclog.c.prclogid == dms_prcreq.c.prclogid)
                    .where(dms_prcreq.c.jobid == job.jobid)
                    .order_by(dms_prcreq.c.prcreqid.desc())
                    .limit(limit)
                )
                .mappings()
                .all()
            )
        return [dict(r) for r in rows]


def _refuse_cycle(conn: Connection, jobschid: int, parent_id: int) -> None:
    """Walk up from the new parent; meeting ourselves means a cycle. Names it."""
    parents = dict(
        conn.execute(
            select(dms_jobsch.c.jobschid, dms_jobsch.c.dpnd_jobschid).where(
                dms_jobsch.c.curflg == CURRENT
            )
        ).all()
    )
    names = dict(
        conn.execute(
            select(dms_jobsch.c.jobschid, dms_job.c.jobnm).join(
                dms_job, dms_job.c.jobid == dms_jobsch.c.jobid
            )
        ).all()
    )
    chain = [jobschid, parent_id]
    node: int | None = parent_id
    while node is not None:
        if node == jobschid:
            path = " → ".join(names.get(n, str(n)) for n in chain)
            raise ValidationError(f"That dependency makes a cycle: {path}. Refused.")
        node = parents.get(node)
        if node is not None:
            chain.append(node)
        if len(chain) > 10_000:
            break
