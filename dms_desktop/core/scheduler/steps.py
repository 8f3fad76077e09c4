"""Job steps that are not mapping loads: a scheduled report, an upload definition.

Each run is logged like a load (engine.runlog: one DMS_PRCLOG row, one DMS_JOBLOG step, a
DMS_JOBERR row when it fails), so the Monitor, the dashboard and the history show it with
the loads. A report's message names the file written; an upload's counts are the rows
read, loaded (inserted/updated) and rejected.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from dms_desktop.core import clock
from dms_desktop.core.engine.runlog import RunCounts, RunLog
from dms_desktop.core.errors import DmsError
from dms_desktop.core.jobs import queue
from dms_desktop.core.security.permissions import CurrentUser
from dms_desktop.core.tasks import TaskCancelled, TaskState
from dms_desktop.core.workspace import Workspace

log = logging.getLogger(__name__)
SUCCESS, FAILED, CANCELLED = "SUCCESS", "FAILED", "CANCELLED"


@dataclass(frozen=True)
class StepResult:
    prclogid: int
    status: str
    message: str

    @property
    def ok(self) -> bool:
        return self.status == SUCCESS


def _logged(
    ws: Workspace,
    user: CurrentUser,
    label: str,
    step: str,
    claim: queue.Claim,
    worker: str,
    state: TaskState,
    work: Callable[[RunCounts], str],
) -> StepResult:
    """Run ``work`` (which fills the counts and returns the success message) under a run log."""
    runlog = RunLog.start(
        ws,
        label[:50],
        runby=user.username,
        trigger=claim.reqtyp,
        jobid=claim.jobid,
        prcreqid=claim.prcreqid,
        worker=worker,
    )
    counts = RunCounts()
    began = clock.utcnow()
    try:
        state.check()
        status, message = SUCCESS, work(counts)
    except TaskCancelled:
        status, message = CANCELLED, "Cancelled."
    except DmsError as exc:
        status, message = FAILED, exc.message
    except Exception:  # noqa: BLE001 - recorded on the run; the service lives on
        log.exception("Run %s (%s) failed unexpectedly", runlog.prclogid, step)
        status, message = FAILED, "Unexpected error; the details are in the log file."
    if status == FAILED and state.cancelled:  # whatever the cancel broke on its way
        status, message = CANCELLED, "Cancelled."
    runlog.step(1, step, began, status, counts.read or None, None, message)
    if status == FAILED:
        runlog.error("RUN", message)
    runlog.finish(status, counts, message)
    return StepResult(runlog.prclogid, status, message)


def run_report_step(
    ws: Workspace,
    user: CurrentUser,
    report: str,
    claim: queue.Claim,
    worker: str,
    state: TaskState,
) -> StepResult:
    """Render ``report`` as of the request's run date into its output folder."""
    from dms_desktop.core.reports import render_scheduled

    def work(_counts: RunCounts) -> str:
        path = render_scheduled(ws, user, report, claim.scheduled_for, state)
        return f"Wrote {path}"

    return _logged(ws, user, report, f"Render report {report}", claim, worker, state, work)


def run_upload_step(
    ws: Workspace,
    user: CurrentUser,
    upload: str,
    pattern: str | None,
    claim: queue.Claim,
    worker: str,
    state: TaskState,
) -> StepResult:
    """Run the upload definition on the newest file matching ``pattern`` (or its own)."""
    from dms_desktop.core.uploads.rerun import run_upload_definition

    def work(counts: RunCounts) -> str:
        result = run_upload_definition(ws, user, upload, pattern, state)
        counts.read = result.rows_read
        counts.inserted = result.inserted
        counts.updated = result.updated
        counts.deleted = result.deleted
        counts.rejected = result.rejected
        if result.status == CANCELLED:
            raise TaskCancelled()
        if not result.ok:
            raise DmsError(f"{result.file}: {result.message}" if result.file else result.message)
        return (
            f"{result.file}: {result.rows_read:,} read, {result.inserted + result.updated:,} "
            f"loaded, {result.rejected:,} rejected"
        )

    return _logged(ws, user, upload, f"Upload {upload}", claim, worker, state, work)
