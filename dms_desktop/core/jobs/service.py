"""Jobs (DMS_JOB, DMS_JOBDTL) and their schedule (DMS_JOBSCH), one schedule per job.

Jobs and schedules are edited in place: their ids are what the queue, the run history and
the dependencies point at (mappings and SQL keep CURFLG versions; a job is a thin wrapper).
Its steps (DMS_JOBDTL) keep versions: an edit closes the old rows (CURFLG='N') and writes
the new list; DMS_JOB.JOBVER counts the edits. A job runs its mappings in DMS_JOBDTL order,
or one scheduled report (RPTNM), or one upload definition (FLUPLDREF, on the newest file
matching FLNM). A schedule may have no frequency: it then only
runs when asked, or after its parent (DPND_JOBSCHID) succeeds; cycles are refused on save.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select, update
from sqlalchemy.engine import RowMapping

from dms_desktop.core import clock
from dms_desktop.core.errors import AlreadyExists, NotFound, ValidationError
from dms_desktop.core.jobs import frequency, queue
from dms_desktop.core.jobs.model import (
    CURRENT,
    KEEP,
    MAPPING,
    REPORT,
    UPLOAD,
    JobInfo,
    ScheduleSpec,
    _Keep,
    check_name,
    check_retries,
    clean_description,
    rule_of,
)
from dms_desktop.core.metadata.engine import write_tx
from dms_desktop.core.metadata.tables import (
    dms_job,
    dms_jobdtl,
    dms_jobsch,
    dms_mapr,
    dms_prclog,
    dms_prcreq,
)
from dms_desktop.core.security.connection_access import (
    check_connection_access,
    check_mapping_connections,
)
from dms_desktop.core.security.permissions import CurrentUser
from dms_desktop.core.workspace import Workspace

__all__ = [  # the job model is re-exported: callers import it from here
    "CURRENT",
    "KEEP",
    "MAPPING",
    "REPORT",
    "UPLOAD",
    "JobInfo",
    "JobService",
    "ScheduleSpec",
    "rule_of",
]


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
            retry_delay=r["retrydelay"],
            kind=REPORT if r["rptnm"] else UPLOAD if r["flupldref"] else MAPPING,
            report=r["rptnm"],
            upload=r["flupldref"],
            upload_file=r["flnm"],
            version=int(r["jobver"] or 1),
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
        """A job running ``mappings`` in order. The creator must be allowed to use every
        connection they read or write (the service runs them under its own identity)."""
        self.actor.require("jobs", "create")
        check_name(name)
        if not mappings:
            raise ValidationError("A job runs at least one mapping.")
        check_mapping_connections(self.ws, self.actor, mappings)
        with write_tx(self.ws.engine) as conn:
            known = _mapping_rows(conn, mappings)
            first = known[mappings[0].upper()]
            jobid = self._insert(
                conn,
                name,
                description,
                retries,
                retry_delay,
                schedule,
                first.mapref,
                dict(
                    mapref=first.mapref,
                    mapid=first.mapid,
                    trgschm=first.trgschm,
                    trgtbtyp=first.trgtbtyp,
                    trgtbnm=first.trgtbnm,
                    srcsys=first.srcsys,
                    blkprcrows=first.blkprcrows,
                ),
            )
            _write_steps(conn, jobid, [known[m.upper()].mapref for m in mappings], clock.utcnow())
        return self.get(name)

    def create_report_job(
        self,
        name: str,
        report: str,
        *,
        description: str | None = None,
        retries: int = 0,
        retry_delay: int | None = None,
        schedule: ScheduleSpec | None = None,
    ) -> JobInfo:
        """A job rendering the saved report ``report`` to its output folder at each run,
        logged in DMS_PRCLOG like a load (the message names the file written)."""
        self.actor.require("jobs", "create")
        check_name(name)
        from dms_desktop.core.reports.service import ReportService

        defn = ReportService(self.ws, self.actor).get(report)
        if not defn.output_folder or not defn.output_format:
            raise ValidationError(
                f"Report {defn.name} has no output folder or format: set them in the report "
                "(Reports, Schedule output) before scheduling it."
            )
        return self._create_runner(
            name, defn.conid, defn.name, dict(rptnm=defn.name),
            description, retries, retry_delay, schedule,
        )  # fmt: skip

    def create_upload_job(
        self,
        name: str,
        upload: str,
        file: str | None = None,
        *,
        description: str | None = None,
        retries: int = 0,
        retry_delay: int | None = None,
        schedule: ScheduleSpec | None = None,
    ) -> JobInfo:
        """A job running the upload definition ``upload`` on the newest file matching
        ``file`` (e.g. /data/incoming/*.csv; None: the file saved with the definition)."""
        self.actor.require("jobs", "create")
        check_name(name)
        from dms_desktop.core.uploads.service import UploadService

        defn = UploadService(self.ws, self.actor).get(upload)
        pattern = (file or "").strip() or None
        if pattern is None and not defn.file:
            raise ValidationError(
                f"Upload {defn.name} has no file saved: give the file or pattern to load, "
                "e.g. /data/incoming/*.csv."
            )
        if pattern is not None and len(pattern) > 1000:
            raise ValidationError("The file pattern is longer than 1000 characters.")
        return self._create_runner(
            name, defn.conid, defn.name, dict(flupldref=defn.name, flnm=pattern),
            description, retries, retry_delay, schedule,
        )  # fmt: skip

    def _create_runner(
        self,
        name: str,
        conid: int | None,
        label: str,
        what: dict[str, Any],
        description: str | None,
        retries: int,
        retry_delay: int | None,
        schedule: ScheduleSpec | None,
    ) -> JobInfo:
        """A report or upload job: the creator must be allowed to use its connection (the
        service runs it under its own identity)."""
        if conid is not None:
            check_connection_access(self.ws, self.actor, conid)
        with write_tx(self.ws.engine) as conn:
            self._insert(conn, name, description, retries, retry_delay, schedule, label[:50], what)
        return self.get(name)

    def _insert(
        self,
        conn: Connection,
        name: str,
        description: str | None,
        retries: int,
        retry_delay: int | None,
        schedule: ScheduleSpec | None,
        label: str,
        what: dict[str, Any],
    ) -> int:
        """The DMS_JOB and DMS_JOBSCH rows of a new job; ``what`` it runs."""
        check_retries(retries, retry_delay)
        spec = schedule or ScheduleSpec()
        now = clock.utcnow()
        if conn.execute(
            select(dms_job.c.jobid).where(
                func.lower(dms_job.c.jobnm) == name.lower(), dms_job.c.curflg == CURRENT
            )
        ).first():
            raise AlreadyExists(f"Job '{name}' exists: choose another name.")
        pk = conn.execute(
            dms_job.insert().values(
                jobnm=name,
                jobdesc=clean_description(description),
                frqcd=spec.frequency,
                stflg="A",
                maxretry=retries,
                retrydelay=retry_delay,
                curflg=CURRENT,
                reccrdt=now,
                crtdby=self.actor.username,
                **what,
            )
        ).inserted_primary_key
        assert pk is not None
        jobid = int(pk[0])
        conn.execute(
            dms_jobsch.insert().values(
                jobid=jobid,
                mapref=label,
                curflg=CURRENT,
                reccrdt=now,
                crtdby=self.actor.username,
                enableflg="Y",
            )
        )
        self._write_schedule(conn, jobid, spec, now)
        return jobid

    def edit(
        self,
        name: str,
        *,
        description: str | None | _Keep = KEEP,
        retries: int | _Keep = KEEP,
        retry_delay: int | None | _Keep = KEEP,
        steps: Sequence[str] | _Keep = KEEP,
    ) -> JobInfo:
        """Change what a job is: its description, retries, retry delay (None: the default)
        and, for a mapping job, its ordered mappings. Fields left at KEEP stay as they are.
        New steps close the old DMS_JOBDTL rows (kept as history) and bump JOBVER."""
        self.actor.require("jobs", "edit")
        job = self.get(name)
        new_retries = job.retries if isinstance(retries, _Keep) else retries
        new_delay = job.retry_delay if isinstance(retry_delay, _Keep) else retry_delay
        check_retries(new_retries, new_delay)
        values: dict[str, Any] = dict(maxretry=new_retries, retrydelay=new_delay)
        if not isinstance(description, _Keep):
            values["jobdesc"] = clean_description(description)
        refs: list[str] | None = None
        if not isinstance(steps, _Keep):
            refs = [s.strip() for s in steps if s.strip()]
            if job.kind != MAPPING:
                raise ValidationError(
                    f"Job {job.name} runs {job.steps_text}: it has no mappings to change."
                )
            if not refs:
                raise ValidationError("A job runs at least one mapping.")
            check_mapping_connections(self.ws, self.actor, refs)
        now = clock.utcnow()
        with write_tx(self.ws.engine) as conn:
            if refs is not None and [r.upper() for r in refs] != [m.upper() for m in job.mappings]:
                known = _mapping_rows(conn, refs)
                first = known[refs[0].upper()]
                conn.execute(
                    update(dms_jobdtl)
                    .where(dms_jobdtl.c.jobid == job.jobid, dms_jobdtl.c.curflg == CURRENT)
                    .values(curflg="N", recupdt=now)
                )
                _write_steps(conn, job.jobid, [known[r.upper()].mapref for r in refs], now)
                values.update(
                    mapref=first.mapref,
                    mapid=first.mapid,
                    trgschm=first.trgschm,
                    trgtbtyp=first.trgtbtyp,
                    trgtbnm=first.trgtbnm,
                    srcsys=first.srcsys,
                    blkprcrows=first.blkprcrows,
                    jobver=dms_job.c.jobver + 1,
                )
                conn.execute(
                    update(dms_jobsch)
                    .where(dms_jobsch.c.jobschid == job.jobschid)
                    .values(mapref=first.mapref)
                )
            conn.execute(
                update(dms_job)
                .where(dms_job.c.jobid == job.jobid)
                .values(recupdt=now, uptdby=self.actor.username, **values)
            )
        return self.get(job.name)

    def steps_history(self, name: str) -> list[dict[str, Any]]:
        """Every version of the job's mapping list (DMS_JOBDTL), current first."""
        self.actor.require("jobs", "view")
        job = self.get(name)
        with self.ws.engine.connect() as conn:
            rows = conn.execute(
                select(
                    dms_jobdtl.c.reccrdt,
                    dms_jobdtl.c.curflg,
                    dms_jobdtl.c.stepseq,
                    dms_jobdtl.c.mapref,
                )
                .where(dms_jobdtl.c.jobid == job.jobid)
                .order_by(dms_jobdtl.c.reccrdt.desc(), dms_jobdtl.c.stepseq)
            ).all()
        versions: dict[tuple[Any, str], list[str]] = {}
        for created, current, _seq, mapref in rows:
            versions.setdefault((created, current), []).append(mapref)
        return [
            {"saved": created, "current": current == CURRENT, "mappings": refs}
            for (created, current), refs in versions.items()
        ]

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
        """Queue a run; the scheduler (embedded or service) picks it up. Needs the Jobs
        "run" right and every connection the job's mappings (report, upload) use."""
        self.actor.require("jobs", "run")
        job = self.get(name)
        self._check_connections(job)
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

    def cancel(self, prcreqid: int) -> str:
        """Cancel a queued or running request (a running one stops at its next heartbeat);
        returns the request's status afterwards. Needs the Jobs "run" right."""
        self.actor.require("jobs", "run")
        with self.ws.engine.connect() as conn:
            found = conn.execute(
                select(dms_prcreq.c.prcreqid).where(dms_prcreq.c.prcreqid == prcreqid)
            ).first()
        if found is None:
            raise NotFound(f"No run request {prcreqid}: see the Monitor or 'dms job history'.")
        return queue.cancel(self.ws, prcreqid, by=self.actor.username)

    def _check_connections(self, job: JobInfo) -> None:
        if job.kind == MAPPING:
            check_mapping_connections(self.ws, self.actor, job.mappings)
            return
        conid: int | None = None
        if job.kind == REPORT and job.report:
            from dms_desktop.core.reports.service import ReportService

            conid = ReportService(self.ws, self.actor).get(job.report).conid
        elif job.kind == UPLOAD and job.upload:
            from dms_desktop.core.uploads.service import UploadService

            conid = UploadService(self.ws, self.actor).get(job.upload).conid
        if conid is not None:
            check_connection_access(self.ws, self.actor, conid)

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


def _mapping_rows(conn: Connection, mappings: Sequence[str]) -> dict[str, Any]:
    """The current DMS_MAPR rows of ``mappings`` by upper-case reference; NotFound names
    every unknown one."""
    known = {
        r.mapref.upper(): r
        for r in conn.execute(
            select(
                dms_mapr.c.mapref,
                dms_mapr.c.mapid,
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
    return known


def _write_steps(conn: Connection, jobid: int, refs: Sequence[str], now: datetime) -> None:
    conn.execute(
        dms_jobdtl.insert(),
        [
            {"jobid": jobid, "mapref": ref, "stepseq": n, "curflg": CURRENT, "reccrdt": now}
            for n, ref in enumerate(refs, start=1)
        ],
    )
