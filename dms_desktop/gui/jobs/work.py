"""What the Jobs views ask of the core, as plain functions for the background workers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from dms_desktop.core.errors import DmsError
from dms_desktop.core.jobs.service import JobInfo, JobService, ScheduleSpec
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
    """Whether Run now may be offered: the Jobs "run" right, or "create" (what the core's
    run_now checks today); the core checks again and its refusal is shown."""
    return user.can("jobs", "run") or user.can("jobs", "create")


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


def create_job(
    ws: Workspace,
    user: CurrentUser,
    name: str,
    mappings: list[str],
    description: str | None,
    retries: int,
    retry_delay: int | None,
    spec: ScheduleSpec,
) -> JobInfo:
    return JobService(ws, user).create(
        name,
        mappings,
        description=description,
        retries=retries,
        retry_delay=retry_delay,
        schedule=spec,
    )


def save_schedule(ws: Workspace, user: CurrentUser, name: str, spec: ScheduleSpec) -> JobInfo:
    return JobService(ws, user).set_schedule(name, spec)


def set_enabled(ws: Workspace, user: CurrentUser, name: str, enabled: bool) -> JobInfo:
    return JobService(ws, user).set_enabled(name, enabled)


def delete_job(ws: Workspace, user: CurrentUser, name: str) -> str:
    JobService(ws, user).delete(name)
    return name


def run_now(ws: Workspace, user: CurrentUser, name: str) -> int:
    return JobService(ws, user).run_now(name)


def job_history(ws: Workspace, user: CurrentUser, name: str) -> list[dict[str, Any]]:
    return JobService(ws, user).history(name, limit=200)
