"""Run logs in the metadata database: DMS_PRCLOG (per run), DMS_JOBLOG (per step),
DMS_JOBERR (per rejected row). Each write commits at once, so a monitor sees a run live."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import update

from dms_desktop.core import clock
from dms_desktop.core.engine.checks import Rejection
from dms_desktop.core.metadata.engine import write_tx
from dms_desktop.core.metadata.tables import dms_joberr, dms_joblog, dms_prclog
from dms_desktop.core.workspace import Workspace

COUNTERS = ("read", "inserted", "updated", "expired", "deleted", "rejected", "unmatched")


@dataclass
class RunCounts:
    read: int = 0
    inserted: int = 0
    updated: int = 0
    expired: int = 0
    deleted: int = 0
    rejected: int = 0
    unmatched: int = 0

    def add(self, name: str, value: int) -> None:
        setattr(self, name, getattr(self, name) + value)


@dataclass
class RunLog:
    ws: Workspace
    prclogid: int = 0
    mapref: str = ""
    jobid: int | None = None
    steps: list[tuple[str, int | None]] = field(default_factory=list)

    @classmethod
    def start(
        cls,
        ws: Workspace,
        mapref: str,
        *,
        runby: str,
        trigger: str,
        jobid: int | None = None,
        prcreqid: int | None = None,
        worker: str | None = None,
    ) -> RunLog:
        with write_tx(ws.engine) as conn:
            pk = conn.execute(
                dms_prclog.insert().values(
                    mapref=mapref,
                    jobid=jobid,
                    prcreqid=prcreqid,
                    trgtyp=trigger,
                    status="RUNNING",
                    strtdt=clock.utcnow(),
                    runby=runby,
                    worker=worker,
                )
            ).inserted_primary_key
        assert pk is not None
        return cls(ws, int(pk[0]), mapref, jobid)

    def step(
        self,
        seq: int,
        name: str,
        started: datetime,
        status: str,
        rows: int | None,
        sql: str | None,
        message: str | None = None,
    ) -> None:
        with write_tx(self.ws.engine) as conn:
            conn.execute(
                dms_joblog.insert().values(
                    prclogid=self.prclogid,
                    jobid=self.jobid,
                    mapref=self.mapref,
                    stepseq=seq,
                    stepnm=name[:200],
                    status=status,
                    strtdt=started,
                    enddt=clock.utcnow(),
                    rowcnt=rows,
                    sqltext=sql,
                    message=(message or "")[:4000] or None,
                )
            )

    def rejections(self, rejected: Iterable[Rejection]) -> None:
        rows = [
            {
                "prclogid": self.prclogid,
                "jobid": self.jobid,
                "mapref": self.mapref,
                "errtyp": "REJECTED",
                "errkey": r.key[:4000],
                "errcol": r.column[:100],
                "errmsg": (r.reason + (f" (value {r.value!r})" if r.value is not None else ""))[
                    :4000
                ],
                "reccrdt": clock.utcnow(),
            }
            for r in rejected
        ]
        if rows:
            with write_tx(self.ws.engine) as conn:
                conn.execute(dms_joberr.insert(), rows)

    def error(self, kind: str, message: str) -> None:
        with write_tx(self.ws.engine) as conn:
            conn.execute(
                dms_joberr.insert().values(
                    prclogid=self.prclogid,
                    jobid=self.jobid,
                    mapref=self.mapref,
                    errtyp=kind,
                    errmsg=message[:4000],
                    reccrdt=clock.utcnow(),
                )
            )

    def finish(self, status: str, counts: RunCounts, message: str | None) -> None:
        with write_tx(self.ws.engine) as conn:
            conn.execute(
                update(dms_prclog)
                .where(dms_prclog.c.prclogid == self.prclogid)
                .values(
                    status=status,
                    enddt=clock.utcnow(),
                    srcrows=counts.read,
                    insrows=counts.inserted,
                    updrows=counts.updated,
                    exprows=counts.expired,
                    delrows=counts.deleted,
                    errrows=counts.rejected,
                    message=(message or "")[:4000] or None,
                )
            )
