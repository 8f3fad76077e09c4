"""Per-column rules, applied to a whole column of a chunk at once (lists, not rows).

Order: constant, trim, NULL values, value map, regex replace, upper/lower, default when
empty; the number and date formats are applied by the type checks (checks.py), which know
the target type. Empty text is NULL. Work is done per column with ``map`` and joined-text
tests, so a rule that changes nothing costs one scan of the column.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from dms_desktop.core.errors import ValidationError
from dms_desktop.core.uploads.model import ColumnRule

SEP = "\x00"  # joins a column's values for one-pass tests (checked absent from the values)


_KNOWN_CODES = set("dmYyHMSfbBpIj%")
DATE_FORMATS = (
    "%Y-%m-%d",
    "%d.%m.%Y",
    "%d/%m/%Y",
    "%m/%d/%Y",
    "%d-%m-%Y",
    "%Y%m%d",
    "%d-%b-%Y",
    "%d %b %Y",
    "%Y/%m/%d",
)
TIMESTAMP_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %I:%M:%S %p",
)


@dataclass(frozen=True)
class DateFormat:
    """A checked strftime-style format (e.g. ``%d.%m.%Y``)."""

    text: str
    has_time: bool

    def parse(self, value: str) -> datetime:
        return datetime.strptime(value, self.text)


def date_format(text: str) -> DateFormat:
    """Compile ``text``; ValidationError says what is wrong."""
    codes = re.findall(r"%(.)", text)
    unknown = [c for c in codes if c not in _KNOWN_CODES]
    if not codes or unknown:
        raise ValidationError(
            f"Date format {text!r} is not understood: use codes like %d.%m.%Y or %Y-%m-%d "
            "(%d day, %m month, %Y year, %H hour, %M minute, %S second, %b month name)."
        )
    return DateFormat(text, any(c in "HISMfp" for c in codes))


def _compile_regex(rule: ColumnRule) -> re.Pattern[str] | None:
    if not rule.regex:
        return None
    try:
        return re.compile(rule.regex)
    except re.error as exc:
        raise ValidationError(f"Regular expression {rule.regex!r} is not valid: {exc}.") from exc


class RuleProgram:
    """The rules of one column, compiled once and applied per chunk."""

    def __init__(self, rule: ColumnRule, file_nulls: Sequence[str] = ()) -> None:
        self.rule = rule
        # NULL markers match whatever the case: NULL, null and Null are one marker
        self.nulls = frozenset(v.lower() for v in (*file_nulls, *rule.null_values) if v != "")
        self.regex = _compile_regex(rule)
        self.replace_with = rule.replace_with
        if self.regex is not None:
            try:
                self.regex.sub(self.replace_with, "")
            except (re.error, IndexError) as exc:
                raise ValidationError(
                    f"Replacement {rule.replace_with!r} does not fit {rule.regex!r}: {exc}."
                ) from exc
        self.case: Callable[[str], str] | None = {"upper": str.upper, "lower": str.lower}.get(
            rule.case
        )
        if rule.case not in ("", "upper", "lower"):
            raise ValidationError(f"Case rule {rule.case!r}: use upper or lower.")

    @property
    def trim_only(self) -> bool:
        """Trimming is the only rule (a check that trims as it parses may then skip it)."""
        rule = self.rule
        return (
            rule.constant is None
            and not self.nulls
            and not rule.value_map
            and self.regex is None
            and self.case is None
            and rule.default is None
        )

    def apply(self, values: list[str], *, trim: bool = True) -> list[str]:
        """The values after the rules: the very list given when no rule changed a value."""
        rule = self.rule
        if rule.constant is not None:
            return [rule.constant] * len(values)
        out = values
        if rule.trim and trim:
            stripped = list(map(str.strip, out))  # str.strip returns the value itself when
            if stripped != out:  # nothing is stripped, so this compares identities
                out = stripped
        if self.nulls:
            nulls = self.nulls
            out = [("" if v.lower() in nulls else v) for v in out]
        if rule.value_map:
            mapping = rule.value_map
            out = [mapping.get(v, v) for v in out]
        if self.regex is not None:
            sub, repl = self.regex.sub, self.replace_with
            out = [sub(repl, v) if v else v for v in out]
        if self.case is not None:
            out = list(map(self.case, out))
        if rule.default is not None:
            default = rule.default
            out = [v or default for v in out]
        return out
