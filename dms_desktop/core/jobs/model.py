"""What a job is, as the services and the GUI see it: the schedule a user sets, a job with
its schedule in words, and the checks on the fields a user types."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any

from sqlalchemy.engine import RowMapping

from dms_desktop.core.errors import ValidationError
from dms_desktop.core.jobs import frequency

_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]{0,99}$")
CURRENT = "Y"
MAPPING, REPORT, UPLOAD = "MAPPING", "REPORT", "UPLOAD"
MAX_RETRIES = 10


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
    retry_delay: int | None = None  # seconds before the first retry (None: the default)
    kind: str = MAPPING  # MAPPING, REPORT or UPLOAD
    report: str | None = None  # REPORT: the report rendered
    upload: str | None = None  # UPLOAD: the upload definition run
    upload_file: str | None = None  # UPLOAD: file or pattern (None: the definition's own)
    version: int = 1

    @property
    def steps_text(self) -> str:
        """What the job runs, in words."""
        if self.kind == REPORT:
            return f"report {self.report}"
        if self.kind == UPLOAD:
            return f"upload {self.upload}" + (f" on {self.upload_file}" if self.upload_file else "")
        return " → ".join(self.mappings)


class _Keep(Enum):
    KEEP = "keep"


KEEP = _Keep.KEEP  # JobService.edit: leave this field as it is


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


def check_name(name: str) -> None:
    if not _NAME.match(name or ""):
        raise ValidationError(
            f"Job name {name!r} is not valid: up to 100 letters, digits, _ . -, "
            "starting with a letter."
        )


def check_retries(retries: int, retry_delay: int | None) -> None:
    if not 0 <= retries <= MAX_RETRIES:
        raise ValidationError(f"Retries must be from 0 to {MAX_RETRIES} (got {retries}).")
    if retry_delay is not None and not 0 <= retry_delay <= 86_400:
        raise ValidationError(
            f"The retry delay must be from 0 to 86400 seconds (got {retry_delay})."
        )


def clean_description(text: str | None) -> str | None:
    text = (text or "").strip() or None
    if text is not None and len(text) > 500:
        raise ValidationError("The description is longer than 500 characters.")
    return text
