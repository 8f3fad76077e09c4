"""What the dashboard shows: plain, immutable figures the GUI draws and the CLI prints."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any

STATUSES = ("SUCCESS", "FAILED", "CANCELLED", "RUNNING")
"""The run statuses of DMS_PRCLOG, in the order the stacked bars use."""


@dataclass(frozen=True)
class Kpis:
    runs_today: int
    runs: int
    successes: int
    failures: int
    success_rate: float | None  # successes / finished runs of the period, 0..1; None: no run
    rows_read: int
    rows_loaded: int  # inserted + updated
    median_seconds: float | None
    p95_seconds: float | None


@dataclass(frozen=True)
class DayStatusCount:
    day: date
    status: str
    runs: int


@dataclass(frozen=True)
class DayVolume:
    day: date
    runs: int
    rows_read: int
    rows_inserted: int
    rows_updated: int
    rows_rejected: int

    @property
    def rows_loaded(self) -> int:
        return self.rows_inserted + self.rows_updated


@dataclass(frozen=True)
class JobDayDuration:
    """Duration of one job's finished runs on one day (median and 95th percentile)."""

    day: date
    job: str
    jobid: int | None
    mapref: str | None
    runs: int
    median_seconds: float | None
    p95_seconds: float | None


@dataclass(frozen=True)
class JobStat:
    """One job (a mapping run by a job, or by hand) over the whole period."""

    job: str
    jobid: int | None
    mapref: str | None
    runs: int
    failures: int
    median_seconds: float | None = None
    p95_seconds: float | None = None
    max_seconds: float | None = None
    last_run: datetime | None = None
    last_failure: datetime | None = None


@dataclass(frozen=True)
class Dashboard:
    """Every figure of one refresh; times are naive UTC, days are local (DMS_TIMEZONE)."""

    generated_at: datetime
    since: datetime
    period_days: int
    timezone: str
    job: str | None
    status: str | None
    days: list[date]
    kpis: Kpis
    runs_per_day: list[DayStatusCount] = field(default_factory=list)
    rows_per_day: list[DayVolume] = field(default_factory=list)
    durations: list[JobDayDuration] = field(default_factory=list)
    slowest: list[JobStat] = field(default_factory=list)
    failing: list[JobStat] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: dates and times as ISO text."""
        data: dict[str, Any] = _jsonable(asdict(self))
        return data


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return value
