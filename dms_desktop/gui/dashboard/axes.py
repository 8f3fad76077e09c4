"""Axis labels and value texts of the dashboard: days on x, counts and durations on y."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date

import pyqtgraph as pg

DAY_LABEL_PX = 50  # room one day label needs on the x axis
_DAY_STEPS = (1, 2, 7, 14, 28, 56, 91, 182, 364)


def compact_count(value: float) -> str:
    """1234567 -> '1.2M': short labels for axes and tiles."""
    size = abs(value)
    for limit, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if size >= limit:
            text = f"{value / limit:.1f}".rstrip("0").rstrip(".")
            return f"{text}{suffix}"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def seconds_text(seconds: float | None) -> str:
    """A duration people read at a glance: '8.4 s', '3:07', '1:02:45'."""
    if seconds is None:
        return "–"
    if seconds < 60:
        return f"{seconds:.1f} s"
    whole = int(round(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def axis_seconds(seconds: float) -> str:
    if seconds >= 3600:
        return f"{seconds / 3600:.1f} h".replace(".0 ", " ")
    if seconds >= 60:
        return f"{seconds / 60:.1f} min".replace(".0 ", " ")
    return f"{seconds:.0f} s" if seconds >= 1 or seconds == 0 else f"{seconds:.1f} s"


def day_text(day: date, with_year: bool = False) -> str:
    return f"{day:%b} {day.day}" + (f", {day.year}" if with_year else "")


class DayAxis(pg.AxisItem):
    """Bottom axis over bar positions 0..n-1, labelled with their calendar days."""

    def __init__(self) -> None:
        super().__init__("bottom")
        self.days: list[date] = []
        self.enableAutoSIPrefix(False)

    def set_days(self, days: Sequence[date]) -> None:
        self.days = list(days)
        self.picture = None
        self.update()

    def tickSpacing(self, minVal: float, maxVal: float, size: float) -> list[tuple[float, float]]:  # noqa: N802, N803
        fits = max(1, int(size / DAY_LABEL_PX))
        span = max(1.0, maxVal - minVal)
        step = next((s for s in _DAY_STEPS if span / s <= fits), _DAY_STEPS[-1])
        # Ticks half a step in from the last day, so the outer labels are not cut off.
        last = len(self.days) - 1 if self.days else 0
        return [(float(step), float((last - step // 2) % step))]

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:  # noqa: N802
        out = []
        several_years = bool(self.days) and self.days[0].year != self.days[-1].year
        for value in values:
            i = int(round(value))
            if abs(value - i) > 1e-6 or not 0 <= i < len(self.days):
                out.append("")
                continue
            day = self.days[i]
            out.append(day_text(day, several_years and day.month == 1 and spacing >= 28))
        return out


class CountAxis(pg.AxisItem):
    """Left axis of counts: whole numbers only, compact ('250k')."""

    def __init__(self) -> None:
        super().__init__("left")
        self.enableAutoSIPrefix(False)

    def tickSpacing(self, minVal: float, maxVal: float, size: float) -> list[tuple[float, float]]:  # noqa: N802, N803
        levels: list[tuple[float, float]] = super().tickSpacing(minVal, maxVal, size)
        whole = [(max(1.0, step), offset) for step, offset in levels]
        return whole[:1]

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:  # noqa: N802
        return [compact_count(v) if float(v).is_integer() else "" for v in values]


class SecondsAxis(pg.AxisItem):
    """Left axis of durations in seconds, labelled in s, min or h."""

    def __init__(self) -> None:
        super().__init__("left")
        self.enableAutoSIPrefix(False)

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:  # noqa: N802
        return [axis_seconds(v) if v >= 0 else "" for v in values]


def nice_top(value: float) -> float:
    """A round upper bound a little above ``value`` (the y range of a chart)."""
    if value <= 0:
        return 1.0
    magnitude = 10 ** math.floor(math.log10(value))
    for factor in (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if value * 1.08 <= factor * magnitude:
            return factor * magnitude
    return 10 * magnitude
