"""Report parameters: text from a dialog or the command line turned into typed bind values.

Every problem is collected, so a dialog can mark each field (``ParameterError.problems``)
and the command line prints one line naming them all.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from dms_desktop.core.errors import ValidationError
from dms_desktop.core.reports.model import ReportDef, ReportParam

_RELATIVE = re.compile(r"^today\s*(?:([+-])\s*(\d{1,5}))?$")
RELATIVE_DATES = (
    "today",
    "today-N",
    "today+N",
    "month_start",
    "prev_month_start",
    "prev_month_end",
    "year_start",
)


class ParameterError(ValidationError):
    """Parameters refused; ``problems`` maps each parameter name to its message."""

    def __init__(self, report: str, problems: dict[str, str]) -> None:
        super().__init__(f"Report {report}: " + "; ".join(problems.values()) + ".")
        self.problems = problems


def relative_date(word: str, today: date) -> date | None:
    """``today``, ``today-7``, ``month_start``... as a date; None when not such a word."""
    word = word.strip().lower()
    match = _RELATIVE.match(word)
    if match:
        sign, days = match.groups()
        delta = timedelta(days=int(days or 0))
        return today - delta if sign == "-" else today + delta
    month_start = today.replace(day=1)
    prev_month_end = month_start - timedelta(days=1)
    return {
        "month_start": month_start,
        "prev_month_start": prev_month_end.replace(day=1),
        "prev_month_end": prev_month_end,
        "year_start": today.replace(month=1, day=1),
    }.get(word)


def convert(param: ReportParam, value: Any, today: date | None = None) -> Any:
    """One value of ``param``'s type, or ``ValidationError`` saying what is expected."""
    what = f"parameter '{param.title}'"
    if param.type == "number":
        return _number(value, what)
    if param.type == "date":
        return _date(value, what, today or date.today())
    text = str(value).strip() if not isinstance(value, str) else value
    if param.type == "choice":
        for choice in param.choices:
            if text.lower() == choice.lower():
                return choice
        raise ValidationError(f"{what} is '{text}', not one of {', '.join(param.choices)}")
    return text


def _number(value: Any, what: str) -> int | Decimal | float:
    if isinstance(value, bool):
        raise ValidationError(f"{what} must be a number, not {value}")
    if isinstance(value, int | float | Decimal):
        return value
    raw = str(value).strip().replace(" ", "")
    try:
        number = Decimal(raw)
    except InvalidOperation:
        raise ValidationError(f"{what} must be a number (e.g. 42 or 3.5), not '{value}'") from None
    if not number.is_finite():
        raise ValidationError(f"{what} must be a finite number, not '{value}'")
    if number == number.to_integral_value() and "." not in raw and "e" not in raw.lower():
        return int(number)
    return number


def _date(value: Any, what: str, today: date) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    raw = str(value).strip()
    relative = relative_date(raw, today)
    if relative is not None:
        return relative
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ValidationError(
            f"{what} must be a date as YYYY-MM-DD (or today, today-7, month_start), not '{value}'"
        ) from None


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def resolve_params(
    defn: ReportDef, given: Mapping[str, Any] | None, today: date | None = None
) -> dict[str, Any]:
    """Typed values for every parameter: given, else the default, else None (NULL).

    Raises ``ParameterError`` for an unknown name, a missing required value, a value of the
    wrong type or a choice not offered.
    """
    today = today or date.today()
    given = dict(given or {})
    problems: dict[str, str] = {}
    values: dict[str, Any] = {}
    known = {p.name.lower(): p for p in defn.params}
    for name in given:
        if name.lower() not in known:
            offered = ", ".join(p.name for p in defn.params) or "none"
            problems[name] = f"there is no parameter '{name}' (its parameters: {offered})"
    lowered = {k.lower(): v for k, v in given.items()}
    for p in defn.params:
        raw = lowered.get(p.name.lower())
        if _blank(raw):
            raw = p.default
        if _blank(raw):
            if p.required:
                problems[p.name] = f"parameter '{p.title}' is required"
            values[p.name] = None
            continue
        try:
            values[p.name] = convert(p, raw, today)
        except ValidationError as exc:
            problems[p.name] = exc.message
    if problems:
        raise ParameterError(defn.name, problems)
    return values


def bind_values(backend: str, values: Mapping[str, Any]) -> dict[str, Any]:
    """Values as the driver binds them: SQLite gets ISO text for dates (as stored) and
    floats for decimals (it has no decimal type); the others take them as they are."""
    if backend != "sqlite":
        return dict(values)
    out: dict[str, Any] = {}
    for name, v in values.items():
        if isinstance(v, datetime):
            v = v.isoformat(sep=" ")
        elif isinstance(v, date):
            v = v.isoformat()
        elif isinstance(v, Decimal):
            v = float(v)
        out[name] = v
    return out


def display_value(value: Any) -> str:
    """A parameter value as the subtitle shows it."""
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return str(value)
