"""Frequency codes → firing times, in a time zone, correct across DST.

A schedule names a wall-clock time in its zone (DMS_TIMEZONE or its own). Each candidate is
built as a local date + time and resolved with zoneinfo (PEP 495):

* a time that does not exist (spring forward, 02:30 in Europe/Berlin) fires once, at the
  same offset as before the jump (03:30 local): never skipped;
* a time that exists twice (fall back) fires once, at its first occurrence.

Codes (DMS_JOBSCH fields in brackets):
YR yearly (month FRQMM, day FRQDD), HY half-yearly (months FRQMM, default 1,7; day FRQDD),
QT quarterly (first month FRQMM, default 1; day FRQDD), MN monthly (day FRQDD or L = last
day), FN fortnightly (weekday FRQDD, every second week counted from the start date),
WK weekly (weekday FRQDD), DL daily, ID interval (every FRQINTMI minutes from the start).
A day beyond the month's end (31 in April) fires on the month's last day; it is never
silently skipped. Times are FRQHH:FRQMI. All datetimes in and out are naive UTC.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dms_desktop.core.errors import ValidationError

CODES = ("YR", "HY", "QT", "MN", "FN", "WK", "DL", "ID")
WEEKDAYS = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTH_NAMES = tuple(calendar.month_name)
SEARCH_YEARS = 30  # a rule with no firing in this window is refused


@dataclass(frozen=True)
class Rule:
    """A validated frequency: what the fields of a DMS_JOBSCH row mean."""

    code: str
    hour: int = 0
    minute: int = 0
    day: int | None = None  # day of month; -1 = last day
    weekday: int | None = None  # 0 = Monday
    months: tuple[int, ...] = ()
    every_minutes: int | None = None
    start: datetime | None = None  # naive UTC
    end: datetime | None = None
    zone: str = "UTC"

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.zone)


def _int(value: object, what: str, lo: int, hi: int) -> int:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise ValidationError(f"{what} must be a whole number from {lo} to {hi}.") from None
    if not lo <= number <= hi:
        raise ValidationError(f"{what} must be from {lo} to {hi} (got {number}).")
    return number


def _weekday(value: object) -> int:
    text = str(value or "").strip().upper()[:3]
    if text in WEEKDAYS:
        return WEEKDAYS.index(text)
    if text.isdigit() and 1 <= int(text) <= 7:
        return int(text) - 1
    raise ValidationError("The weekday must be MON…SUN (or 1 = Monday … 7 = Sunday).")


def _months(value: object, default: tuple[int, ...], count: int) -> tuple[int, ...]:
    if value in (None, ""):
        return default
    months = tuple(_int(m, "A month", 1, 12) for m in str(value).replace(";", ",").split(","))
    if len(months) != count:
        raise ValidationError(f"Give {count} month{'s' if count > 1 else ''} (got {value}).")
    return months


def make_rule(
    code: str | None,
    *,
    day: object = None,
    hour: object = 0,
    minute: object = 0,
    months: object = None,
    every_minutes: object = None,
    start: datetime | None = None,
    end: datetime | None = None,
    zone: str | None = None,
) -> Rule:
    """Validate the fields of a schedule; the message names the field and the rule."""
    code = (code or "").upper()
    if code not in CODES:
        raise ValidationError(f"Unknown frequency '{code}': use one of {', '.join(CODES)}.")
    zone = zone or "UTC"
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError(f"Unknown time zone '{zone}': use e.g. Europe/Berlin.") from None
    if start and end and end <= start:
        raise ValidationError("The end date must come after the start date.")
    hh = _int(hour if hour is not None else 0, "The hour", 0, 23)
    mi = _int(minute if minute is not None else 0, "The minute", 0, 59)
    base = {"hour": hh, "minute": mi, "start": start, "end": end, "zone": zone}
    if code == "ID":
        every = _int(every_minutes, "The interval (minutes)", 1, 10080)
        return Rule(code, every_minutes=every, start=start, end=end, zone=zone)
    if code == "DL":
        return Rule(code, **base)  # type: ignore[arg-type]
    if code in ("WK", "FN"):
        if code == "FN" and start is None:
            raise ValidationError("A fortnightly schedule needs a start date (week one).")
        return Rule(code, weekday=_weekday(day), **base)  # type: ignore[arg-type]
    text = str(day if day is not None else "").strip().upper()
    dom = -1 if text in ("L", "LAST") else _int(text or None, "The day of the month", 1, 31)
    if code == "MN":
        month_set = tuple(range(1, 13))
    elif code == "QT":  # FRQMM: the first month of the quarter cycle
        first = _months(months, (1,), 1)[0]
        month_set = tuple((first - 1 + k * 3) % 12 + 1 for k in range(4))
    elif code == "HY":
        month_set = _months(months, (1, 7), 2)
    else:
        month_set = _months(months, (1,), 1)
    return Rule(code, day=dom, months=tuple(sorted(month_set)), **base)  # type: ignore[arg-type]


def to_utc(local: datetime, tz: ZoneInfo) -> datetime:
    """A wall-clock time in ``tz`` as naive UTC (a time in a DST gap resolves forward)."""
    aware = local.replace(tzinfo=tz, fold=0)
    return aware.astimezone(UTC).replace(tzinfo=None)


def _local_date(moment: datetime, tz: ZoneInfo) -> date:
    return moment.replace(tzinfo=UTC).astimezone(tz).date()


def _dates(rule: Rule, first: date) -> Iterator[date]:
    """Candidate local dates from ``first`` on, in order."""
    day = first
    if rule.code in ("DL", "WK", "FN"):
        anchor = _local_date(rule.start, rule.tz) if rule.start else first
        anchor_monday = anchor - timedelta(days=anchor.weekday())
        while True:
            if rule.code == "DL":
                yield day
            elif day.weekday() == rule.weekday:
                weeks = (day - anchor_monday).days // 7
                if rule.code == "WK" or weeks % 2 == 0:
                    yield day
            day += timedelta(days=1)
    year, month = first.year, first.month
    while True:
        if month in rule.months:
            last = calendar.monthrange(year, month)[1]
            dom = last if rule.day in (-1, None) else min(rule.day or 1, last)
            candidate = date(year, month, dom)
            if candidate >= first:
                yield candidate
        month += 1
        if month > 12:
            year, month = year + 1, 1


def firings(rule: Rule, after: datetime) -> Iterator[datetime]:
    """Firing times (naive UTC) strictly after ``after``, within start/end."""
    lower = max(after, rule.start) if rule.start else after
    if rule.code == "ID":
        assert rule.every_minutes
        origin = rule.start or datetime(2000, 1, 1)
        step = timedelta(minutes=rule.every_minutes)
        n = max(0, (lower - origin) // step)
        moment = origin + n * step
        while moment <= after or (rule.start and moment < rule.start):
            moment += step
        while not rule.end or moment <= rule.end:
            yield moment
            moment += step
        return
    tz = rule.tz
    limit = _local_date(lower, tz).replace(year=_local_date(lower, tz).year + SEARCH_YEARS)
    for day in _dates(rule, _local_date(lower, tz) - timedelta(days=1)):
        if day > limit:
            return
        moment = to_utc(datetime.combine(day, time(rule.hour, rule.minute)), tz)
        if moment <= after or (rule.start and moment < rule.start):
            continue
        if rule.end and moment > rule.end:
            return
        yield moment


def next_firings(rule: Rule, after: datetime, count: int = 10) -> list[datetime]:
    out: list[datetime] = []
    for moment in firings(rule, after):
        out.append(moment)
        if len(out) == count:
            break
    return out


def last_firing(rule: Rule, now: datetime, since: datetime) -> list[datetime]:
    """Every firing in (since, now]: what a service that was down has missed."""
    out = []
    for moment in firings(rule, since):
        if moment > now:
            break
        out.append(moment)
    return out


def _local(moment: datetime, tz: ZoneInfo) -> datetime:
    return moment.replace(tzinfo=UTC).astimezone(tz).replace(tzinfo=None)


def describe(rule: Rule) -> str:
    """The rule in words, every time and date in the rule's zone (the stored start and end
    are naive UTC): "every second Tuesday at 02:00, Europe/Berlin, from 2026-03-01"."""
    at = f"at {rule.hour:02d}:{rule.minute:02d}"
    tz = rule.tz
    if rule.code == "ID":
        text = f"every {rule.every_minutes} minutes"
    elif rule.code == "DL":
        text = f"every day {at}"
    elif rule.code == "WK":
        text = f"every {WEEKDAY_NAMES[rule.weekday or 0]} {at}"
    elif rule.code == "FN":
        text = f"every second {WEEKDAY_NAMES[rule.weekday or 0]} {at}"
    else:
        day = "the last day" if rule.day == -1 else f"day {rule.day}"
        if rule.code == "MN":
            text = f"every month on {day} {at}"
        else:
            months = ", ".join(MONTH_NAMES[m][:3] for m in rule.months)
            text = f"{day} of {months} {at}"
        if rule.day not in (-1, None) and (rule.day or 0) > 28:
            text += " (the month's last day when shorter)"
    shown = "%Y-%m-%d %H:%M" if rule.code == "ID" else "%Y-%m-%d"  # an interval counts from
    bounds = ""
    if rule.start:
        bounds += f", from {_local(rule.start, tz):{shown}}"
    if rule.end:
        bounds += f" until {_local(rule.end, tz):{shown}}"
    return f"{text}, {rule.zone}{bounds}"
