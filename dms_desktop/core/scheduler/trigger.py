"""An APScheduler 3 trigger over a DMS frequency rule (DST-correct, fortnightly, …)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from apscheduler.triggers.base import BaseTrigger

from dms_desktop.core.jobs import frequency
from dms_desktop.core.jobs.service import rule_of


class RuleTrigger(BaseTrigger):  # type: ignore[misc]
    def __init__(self, rule: frequency.Rule) -> None:
        self.rule = rule

    @classmethod
    def from_row(cls, row: dict[str, Any], zone: str) -> RuleTrigger | None:
        rule = rule_of(row, zone)
        return cls(rule) if rule else None

    def get_next_fire_time(
        self, previous_fire_time: datetime | None, now: datetime
    ) -> datetime | None:
        after = (previous_fire_time or now).astimezone(UTC).replace(tzinfo=None)
        upcoming = frequency.next_firings(self.rule, after, 1)
        return upcoming[0].replace(tzinfo=UTC) if upcoming else None

    def __str__(self) -> str:
        return frequency.describe(self.rule)
