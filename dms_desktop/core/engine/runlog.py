"""Run logs in the metadata database: DMS_PRCLOG (per run), DMS_JOBLOG (per step),
DMS_JOBERR (per rejected row). Each write commits at once, so a monitor sees a run live.

Every write (and the run's other metadata reads and writes, see ``metadata``) is retried
while the metadata database is briefly away (a restart, a dropped connection): a blip must
not fail a load whose target is fine.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Executable, update
from sqlalchemy.exc import SQLAlchemyError

from dms_desktop.core import clock
from dms_desktop.core.engine.checks import Rejection
from dms_desktop.core.errors import MetadataUnavailable, describe_db_error
from dms_desktop.core.metadata.engine import write_tx
from dms_desktop.core.metadata.tables import dms_joberr, dms_joblog, dms_prclog
from dms_desktop.core.scheduler.lease import persist, transient
from dms_desktop.core.workspace import Workspace

COUNTERS = ("read", "inserted", "updated", "expired", "deleted", "rejected", "unmatched")
METADATA_PATIENCE_S = 60.0  # then the run fails (or, for its last log write, raises)
T = TypeVar("T")


def metadata(work: Callable[[], T], what: str) -> T:
    """``work()`` on the metadata database, retried with backoff on a lost connection or an
    unavailable server (the scheduler's ``persist``). ``work`` must be safe to repeat: its
    own transaction, rolled back when the connection dropped. Still unavailable after
    METADATA_PATIENCE_S: MetadataUnavailable."""
    try:
        return persist(work, what, METADATA_PATIENCE_S)
    except SQLAlchemyError as exc:
        if not transient(exc):
            raise
        raise MetadataUnavailable(
            f"The metadata database is unavailable ({describe_db_error(exc)}); "
            f"tried for {METADATA_PATIENCE_S:.0f} s."
        ) from exc


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
        started = clock.utcnow()

        def insert() -> int:
            with write_tx(ws.engine) as conn:
                pk = conn.execute(
                    dms_prclog.insert().values(
                        mapref=mapref,
                        jobid=jobid,
                        prcreqid=prcreqid,
                        trgtyp=trigger,
                        status="RUNNING",
                        strtdt=started,
                        runby=runby,
                        worker=worker,
                    )
                ).inserted_primary_key
            assert pk is not None
            return int(pk[0])

        return cls(ws, metadata(insert, f"Run of {mapref}: start"), mapref, jobid)

    def _write(
        self, statement: Executable, what: str, rows: list[dict[str, Any]] | None = None
    ) -> None:
        def work() -> None:
            with write_tx(self.ws.engine) as conn:
                conn.execute(statement, rows)

        metadata(work, f"Run {self.prclogid} of {self.mapref}: {what}")

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
        self._write(
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
            ),
            f"step {seq}",
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
            self._write(dms_joberr.insert(), "rejected rows", rows)

    def error(self, kind: str, message: str) -> None:
        self._write(
            dms_joberr.insert().values(
                prclogid=self.prclogid,
                jobid=self.jobid,
                mapref=self.mapref,
                errtyp=kind,
                errmsg=message[:4000],
                reccrdt=clock.utcnow(),
            ),
            "error",
        )

    def finish(self, status: str, counts: RunCounts, message: str | None) -> None:
        self._write(
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
            ),
            "finish",
        )
