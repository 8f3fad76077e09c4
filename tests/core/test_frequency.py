"""Frequency codes → firing times: DST nights, fortnights, month ends, bad input."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from dms_desktop.core.errors import ValidationError
from dms_desktop.core.jobs.frequency import describe, make_rule, next_firings


def _local(moment: datetime, zone: str) -> str:
    from datetime import UTC
    from zoneinfo import ZoneInfo

    return moment.replace(tzinfo=UTC).astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M")


@pytest.mark.parametrize(
    ("zone", "spring", "fall"),
    [
        ("Europe/Berlin", "2026-03-29", "2026-10-25"),
        ("America/New_York", "2026-03-08", "2026-11-01"),
    ],
)
def test_daily_0230_runs_once_on_dst_days(zone: str, spring: str, fall: str) -> None:
    rule = make_rule("DL", hour=2, minute=30, zone=zone)
    for day in (spring, fall):
        start = datetime.fromisoformat(day) - timedelta(days=2)
        times = next_firings(rule, start, 5)
        on_day = [t for t in times if _local(t, zone).startswith(day)]
        assert len(on_day) == 1, (day, times)
        # consecutive firings are about a day apart (23 h or 25 h across the change)
        gaps = {(b - a).total_seconds() / 3600 for a, b in zip(times, times[1:], strict=False)}
        assert gaps <= {23.0, 24.0, 25.0}
    spring_fire = next(
        t
        for t in next_firings(rule, datetime.fromisoformat(spring), 2)
        if _local(t, zone).startswith(spring)
    )
    assert _local(spring_fire, zone).endswith("03:30")  # 02:30 does not exist: shifted


def test_fortnightly_counts_weeks_from_the_start() -> None:
    rule = make_rule("FN", day="TUE", hour=2, start=datetime(2026, 1, 5), zone="Europe/Berlin")
    times = next_firings(rule, datetime(2026, 1, 1), 4)
    assert [t.date().isoformat() for t in times] == [
        "2026-01-06",
        "2026-01-20",
        "2026-02-03",
        "2026-02-17",
    ]
    assert describe(rule).startswith("every second Tuesday at 02:00, Europe/Berlin")


def test_monthly_day_31_runs_on_the_last_day_and_last_day_code() -> None:
    times = next_firings(make_rule("MN", day=31, hour=1), datetime(2026, 1, 1), 4)
    assert [t.day for t in times] == [31, 28, 31, 30]
    times = next_firings(make_rule("QT", day="L", months=2), datetime(2026, 1, 1), 2)
    assert [t.date().isoformat() for t in times] == ["2026-02-28", "2026-05-31"]


def test_yearly_half_yearly_interval_and_bounds() -> None:
    assert [t.month for t in next_firings(make_rule("HY", day=15), datetime(2026, 1, 1), 2)] == [
        1,
        7,
    ]
    assert next_firings(make_rule("YR", day=29, months=2), datetime(2027, 1, 1), 2)[1] == datetime(
        2028, 2, 29
    )
    rule = make_rule(
        "ID", every_minutes=15, start=datetime(2026, 1, 1, 0, 7), end=datetime(2026, 1, 1, 1, 30)
    )
    assert next_firings(rule, datetime(2026, 1, 1, 1, 0), 5) == [
        datetime(2026, 1, 1, 1, 7),
        datetime(2026, 1, 1, 1, 22),
    ]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"code": "XX"}, "Unknown frequency"),
        ({"code": "MN", "day": 32}, "day of the month must be from 1 to 31"),
        ({"code": "WK", "day": "FUNDAY"}, "weekday must be MON"),
        ({"code": "DL", "hour": 24}, "hour must be from 0 to 23"),
        ({"code": "ID"}, "interval"),
        ({"code": "FN", "day": "MON"}, "needs a start date"),
        ({"code": "HY", "day": 1, "months": "1"}, "Give 2 months"),
        (
            {"code": "DL", "start": datetime(2026, 2, 1), "end": datetime(2026, 1, 1)},
            "end date must come after",
        ),
        ({"code": "DL", "zone": "Mars/Base"}, "Unknown time zone"),
    ],
)
def test_bad_fields_say_which_rule(kwargs: dict[str, object], message: str) -> None:
    code = kwargs.pop("code")
    with pytest.raises(ValidationError, match=message):
        make_rule(code, **kwargs)  # type: ignore[arg-type]


def test_describe_shows_times_and_dates_in_the_schedules_zone() -> None:
    """Start 2026-03-01 00:00 Berlin is stored as 2026-02-28 23:00 UTC: the words say March."""
    rule = make_rule(
        "FN",
        day="TUE",
        hour=2,
        start=datetime(2026, 2, 28, 23, 0),
        end=datetime(2026, 12, 31, 22, 59),
        zone="Europe/Berlin",
    )
    assert describe(rule) == (
        "every second Tuesday at 02:00, Europe/Berlin, from 2026-03-01 until 2026-12-31"
    )
    # An interval counts from its start: shown with the local time of day.
    interval = make_rule(
        "ID", every_minutes=30, start=datetime(2026, 7, 1, 22, 15), zone="America/New_York"
    )
    assert describe(interval) == "every 30 minutes, America/New_York, from 2026-07-01 18:15"


def test_monthly_day_31_is_explained_in_words() -> None:
    rule = make_rule("MN", day=31, hour=6, zone="Europe/Berlin")
    assert describe(rule) == (
        "every month on day 31 at 06:00 (the month's last day when shorter), Europe/Berlin"
    )
    times = next_firings(rule, datetime(2026, 4, 1), 2)
    assert [_local(t, "Europe/Berlin") for t in times] == ["2026-04-30 06:00", "2026-05-31 06:00"]
