"""What the Jobs views ask of the core, as plain functions for the background workers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from dms_desktop.core.errors import DmsError
from dms_desktop.core.jobs.service import REPORT, UPLOAD, JobInfo, JobService, ScheduleSpec
from dms_desktop.core.mapping.repository import MappingService
from dms_desktop.core.security.permissions import CurrentUser
from dms_desktop.core.workspace import Workspace
from dms_desktop.gui.jobs.schedule_form import describe_rule, rule_for


@dataclass(frozen=True)
class JobRow:
    """A job as the list shows it: the core's JobInfo and its schedule in words."""

    info: JobInfo
    words: str
    follows: datetime | None = None  # no schedule of its own: its chain root's next run

    @property
    def name(self) -> str:
        return self.info.name

    @property
    def parent(self) -> str | None:
        return self.info.parent


def can_run(user: CurrentUser) -> bool:
    """Whether Run now (and Cancel) may be offered: the Jobs "run" right the core checks;
    the core checks again and its refusal is shown."""
    return user.can("jobs", "run")


def schedule_words(info: JobInfo, zone: str) -> str:
    try:
        rule = rule_for(info.schedule, zone)
    except DmsError as exc:
        return f"invalid schedule: {exc.message}"
    text = describe_rule(rule) if rule is not None else "on demand"
    if info.parent:
        text = f"after {info.parent} succeeds" if rule is None else f"{text}; after {info.parent}"
    return text


def chain_next_run(info: JobInfo, by_name: dict[str, JobInfo]) -> datetime | None:
    """For a job that only runs after its parent: the next run of the nearest scheduled
    ancestor (None when the chain has none, or a link in it is disabled)."""
    node, seen = by_name.get(info.parent or ""), {info.name}
    while node is not None and node.name not in seen and node.enabled:
        if node.next_run is not None:
            return node.next_run
        if node.schedule.frequency or not node.parent:
            return None
        seen.add(node.name)
        node = by_name.get(node.parent)
    return None


def load_jobs(ws: Workspace, user: CurrentUser) -> list[JobRow]:
    zone = ws.settings.timezone
    infos = JobService(ws, user).list_jobs()
    by_name = {info.name: info for info in infos}
    rows = []
    for info in infos:
        follows = None
        if info.enabled and info.parent and not info.schedule.frequency:
            follows = chain_next_run(info, by_name)
        rows.append(JobRow(info, schedule_words(info, zone), follows))
    return rows


def load_mappings(ws: Workspace, user: CurrentUser) -> list[tuple[str, str]]:
    """(reference, a line about it) of the current mappings."""
    out = []
    for mapping in MappingService(ws, user).list_mappings():
        line = f"{mapping.table_type.title()} {mapping.table_name}"
        if mapping.description:
            line += f": {mapping.description}"
        out.append((mapping.ref, line))
    return out


@dataclass(frozen=True)
class StepChoices:
    """What a job may run: mappings, reports with a scheduled output, upload definitions
    (a list the user may not read is empty, with the reason)."""

    mappings: list[tuple[str, str]]
    reports: list[tuple[str, str]]
    uploads: list[tuple[str, str]]
    notes: dict[str, str]


def load_choices(ws: Workspace, user: CurrentUser) -> StepChoices:
    from dms_desktop.core.reports.service import ReportService
    from dms_desktop.core.uploads.service import UploadService

    notes: dict[str, str] = {}
    mappings = load_mappings(ws, user)
    reports: list[tuple[str, str]] = []
    uploads: list[tuple[str, str]] = []
    if user.can("reports", "view"):
        for report in ReportService(ws, user).list():
            if report.output_folder and report.output_format:
                where = f"{report.output_format.upper()} to {report.output_folder}"
                reports.append((report.name, where))
        if not reports:
            notes["reports"] = (
                "No report has a scheduled output: give one an output folder and format "
                "in Reports first."
            )
    else:
        notes["reports"] = user.missing("reports", "view")
    if user.can("uploads", "view"):
        for upload in UploadService(ws, user).list():
            uploads.append((upload.name, upload.file or ""))
        if not uploads:
            notes["uploads"] = "No upload definition yet: save one in Uploads first."
    else:
        notes["uploads"] = user.missing("uploads", "view")
    return StepChoices(mappings, reports, uploads, notes)


def create_job(
    ws: Workspace,
    user: CurrentUser,
    name: str,
    what: tuple[str, list[str], str | None],
    description: str | None,
    retries: int,
    retry_delay: int | None,
    spec: ScheduleSpec,
) -> JobInfo:
    """``what``: (MAPPING, refs, None), (REPORT, [report], None) or (UPLOAD, [name], file)."""
    kind, refs, file = what
    options: dict[str, Any] = dict(
        description=description, retries=retries, retry_delay=retry_delay, schedule=spec
    )
    jobs = JobService(ws, user)
    if kind == REPORT:
        return jobs.create_report_job(name, refs[0], **options)
    if kind == UPLOAD:
        return jobs.create_upload_job(name, refs[0], file, **options)
    return jobs.create(name, refs, **options)


def save_job(
    ws: Workspace,
    user: CurrentUser,
    job: JobInfo,
    spec: ScheduleSpec,
    description: str | None,
    retries: int,
    retry_delay: int | None,
    steps: list[str] | None,
) -> JobInfo:
    """Save an edited job: what changed of its definition, then its schedule."""
    jobs = JobService(ws, user)
    changes: dict[str, Any] = {}
    if (description or None) != (job.description or None):
        changes["description"] = description
    if retries != job.retries:
        changes["retries"] = retries
    if retry_delay != job.retry_delay:
        changes["retry_delay"] = retry_delay
    if steps is not None and [s.upper() for s in steps] != [m.upper() for m in job.mappings]:
        changes["steps"] = steps
    if changes:
        jobs.edit(job.name, **changes)
    return jobs.set_schedule(job.name, spec)


def set_enabled(ws: Workspace, user: CurrentUser, name: str, enabled: bool) -> JobInfo:
    return JobService(ws, user).set_enabled(name, enabled)


def delete_job(ws: Workspace, user: CurrentUser, name: str) -> str:
    JobService(ws, user).delete(name)
    return name


def run_now(ws: Workspace, user: CurrentUser, name: str) -> int:
    return JobService(ws, user).run_now(name)


def job_history(ws: Workspace, user: CurrentUser, name: str) -> list[dict[str, Any]]:
    return JobService(ws, user).history(name, limit=200)
