"""Dashboard: run-log figures aggregated in SQL (``dashboard()``), Qt-free."""

from __future__ import annotations

from dms_desktop.core.dashboard.metrics import dashboard
from dms_desktop.core.dashboard.model import (
    STATUSES,
    Dashboard,
    DayStatusCount,
    DayVolume,
    JobDayDuration,
    JobStat,
    Kpis,
)

__all__ = [
    "STATUSES",
    "Dashboard",
    "DayStatusCount",
    "DayVolume",
    "JobDayDuration",
    "JobStat",
    "Kpis",
    "dashboard",
]
