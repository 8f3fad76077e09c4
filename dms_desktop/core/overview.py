"""The workspace at a glance (Home page, `dms status`): counts and the last runs, in SQL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, select

from dms_desktop.core.metadata.tables import (
    dms_dbcondtls,
    dms_job,
    dms_jobsch,
    dms_mapr,
    dms_prclog,
    users,
)
from dms_desktop.core.workspace import Workspace

LAST_RUNS = 10


@dataclass(frozen=True)
class RunRow:
    mapref: str | None
    status: str
    started: datetime
    ended: datetime | None
    rows_loaded: int | None


@dataclass(frozen=True)
class Overview:
    connections: int
    mappings: int
    jobs: int
    schedules: int
    users: int
    last_runs: list[RunRow]


def workspace_overview(ws: Workspace) -> Overview:
    current = "Y"
    counts = select(
        select(func.count()).where(dms_dbcondtls.c.curflg == current).scalar_subquery(),
        select(func.count()).where(dms_mapr.c.curflg == current).scalar_subquery(),
        select(func.count()).where(dms_job.c.curflg == current).scalar_subquery(),
        select(func.count())
        .where(dms_jobsch.c.curflg == current, dms_jobsch.c.enableflg == "Y")
        .scalar_subquery(),
        select(func.count())
        .select_from(users)
        .where(users.c.is_active.is_(True))
        .scalar_subquery(),
    )
    ins, upd = dms_prclog.c.insrows, dms_prclog.c.updrows
    # NULL while a run has not counted anything yet (RUNNING), not a misleading 0.
    loaded = case(
        (ins.is_(None) & upd.is_(None), None),
        else_=func.coalesce(ins, 0) + func.coalesce(upd, 0),
    )
    runs = (
        select(
            dms_prclog.c.mapref,
            dms_prclog.c.status,
            dms_prclog.c.strtdt,
            dms_prclog.c.enddt,
            loaded,
        )
        .order_by(dms_prclog.c.strtdt.desc(), dms_prclog.c.prclogid.desc())
        .limit(LAST_RUNS)
    )
    with ws.engine.connect() as conn:
        n_con, n_map, n_job, n_sch, n_usr = conn.execute(counts).one()
        last = [RunRow(*row) for row in conn.execute(runs)]
    return Overview(n_con, n_map, n_job, n_sch, n_usr, last)
