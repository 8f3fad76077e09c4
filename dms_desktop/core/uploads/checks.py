"""Type checks: each value of a column against its target type, with the reason when not.

Checks run on a whole column of a chunk, at C speed where they can:

* numbers: the column is joined into one byte string whose digits are all turned into 9
  (``bytes.translate``); the few distinct *shapes* left (``9999.99``, ``-99``) are matched
  against what the type certainly holds (e.g. at most 9 digits for INTEGER);
* dates, timestamps, booleans: each distinct value is parsed once (a bounded cache carries
  them across chunks: a million rows hold a few thousand distinct dates);
* text: the longest value against the length.

Only a column that fails goes value by value, to find which rows and why. Valid values
leave in the canonical text every database reads alike: ``1234.56``, ``2026-12-31``,
``2026-12-31 23:59:58``, ``true``/``false``; empty text is NULL. Decimals must fit the
precision and scale (trailing zeros do not count: ``1.50`` fits two decimals): the database
would otherwise round silently or refuse the whole load.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from dms_desktop.core.uploads.model import ColumnRule, TargetColumn
from dms_desktop.core.uploads.rules import SEP, DateFormat, date_format

Bad = dict[int, str]
INT_RANGE = {1: 2**7, 2: 2**15, 4: 2**31, 8: 2**63}
_INT_DIGITS = {1: 2, 2: 4, 4: 9, 8: 18}  # digits that always fit
# What PostgreSQL's boolean input accepts, everywhere: true/false, yes/no, on/off, 1/0 and
# the unambiguous beginnings of those words (t, tr, fa, y, n, of ...), in any case.
_BOOL = {
    **dict.fromkeys(("t", "tr", "tru", "true", "y", "ye", "yes", "on", "1"), "true"),
    **dict.fromkeys(("f", "fa", "fal", "fals", "false", "n", "no", "of", "off", "0"), "false"),
}
_LEAP = re.compile(r"(\d{4}-\d{2}-\d{2}[T ])(?:(24):00:00(?:\.0*)?|(\d{2}:\d{2}):60(\.\d*)?)")
_ISO_TS = r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?)?"
_SAMPLE = datetime(2026, 12, 31, 23, 59, 58)
_NINES = bytes.maketrans(b"0123456789", b"9999999999")
_SEP_BYTES = SEP.encode()
CACHE_SIZE = 100_000  # distinct values remembered per column
PARSED = ("int", "decimal", "float", "date", "timestamp", "boolean")


def _number_re(decimal: str, thousands: str, exponent: bool = False) -> str:
    d = re.escape(decimal)
    digits = rf"(?:\d{{1,3}}(?:{re.escape(thousands)}\d{{3}})+|\d+)" if thousands else r"\d+"
    body = rf"[+-]?(?:{digits}(?:{d}\d*)?|{d}\d+)"
    return body + (r"(?:[eE][+-]?\d+)?" if exponent else "")


def _certain(target: TargetColumn) -> str:
    """A value of this regex certainly fits the (numeric) target type."""
    if target.family == "int":
        return rf"[+-]?\d{{1,{_INT_DIGITS.get(target.size or 8, 18)}}}"
    if target.family == "float":
        return r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
    if not target.size:
        return r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)"
    scale = target.scale or 0
    whole = target.size - scale
    fraction = rf"(?:\.\d{{1,{scale}}})?" if scale else ""
    return rf"[+-]?\d{{1,{whole}}}{fraction}" if whole else rf"[+-]?0?\.\d{{1,{scale}}}"


class _Shapes:
    """Remembers which value shapes (digits as 9) a regex accepts."""

    def __init__(self, pattern: str) -> None:
        self.pattern = re.compile(pattern)
        self.known: dict[bytes, bool] = {b"": True}

    def all_match(self, joined: str) -> bool:
        try:
            raw = joined.encode("latin-1")
        except UnicodeEncodeError:
            return False
        for shape in set(raw.translate(_NINES).split(_SEP_BYTES)):
            ok = self.known.get(shape)
            if ok is None:
                if len(self.known) > CACHE_SIZE:
                    self.known = {b"": True}
                ok = self.known[shape] = self.pattern.fullmatch(shape.decode("latin-1")) is not None
            if not ok:
                return False
        return True


class ColumnCheck:
    """Checks and canonicalises one target column's values, chunk by chunk."""

    def __init__(
        self, target: TargetColumn, rule: ColumnRule, *, required: bool, file_decimal: str = ""
    ) -> None:
        self.target = target
        self.required = required
        self.label = target.type_text
        family = target.family
        self.decimal = rule.decimal or file_decimal or "."
        self.thousands = rule.thousands if rule.thousands != self.decimal else ""
        self._plain = self.decimal == "." and not self.thousands
        self.format: DateFormat | None = (
            date_format(rule.date_format)
            if rule.date_format and family in ("date", "timestamp")
            else None
        )
        self._convert: Callable[[list[str], str], tuple[list[str], Bad]] = {
            "int": self._integers,
            "decimal": self._decimals,
            "float": self._floats,
            "date": self._distinct,
            "timestamp": self._distinct,
            "boolean": self._distinct,
            "string": self._texts,
            "char": self._texts,
        }.get(family, self._any)
        self._one: Callable[[str], str] = {
            "date": self._date,
            "timestamp": lambda v: self._moment(v).isoformat(sep=" "),
            "boolean": self._boolean,
        }.get(family, str)
        exponent = family == "float"
        self._local = _Shapes(_number_re(self.decimal, self.thousands, exponent))
        self._fits = _Shapes(_certain(target)) if family in ("int", "decimal", "float") else None
        self._values: dict[str, str] = {}
        self._errors: dict[str, str] = {}

    @property
    def parses(self) -> bool:
        """Values are parsed (numbers, dates, booleans): surrounding blanks are trimmed as
        they are read, so an explicit trim rule adds nothing."""
        return self.target.family in PARSED

    def run(self, values: list[str]) -> tuple[list[str], Bad]:
        """Canonical values (invalid ones emptied) and {index: reason} of the invalid; the
        very list given when every value was valid and canonical already."""
        values, bad = self._convert(values, SEP.join(values) if self._fits else "")
        if self.required and "" in values:
            why = "is empty, but the column is NOT NULL"
            for i, v in enumerate(values):
                if not v and i not in bad:
                    bad[i] = why
        return values, bad

    # --- numbers -----------------------------------------------------------------------------

    def _canonical_numbers(self, values: list[str], joined: str) -> tuple[list[str], str]:
        """Values in canonical number text when all read in the column's format."""
        if self._plain or not self._local.all_match(joined):
            return values, joined
        canonical = joined.replace(self.thousands, "") if self.thousands else joined
        if self.decimal != ".":
            canonical = canonical.replace(self.decimal, ".")
        return canonical.split(SEP), canonical

    def _numbers(
        self, values: list[str], joined: str, one: Callable[[str], str]
    ) -> tuple[list[str], Bad]:
        values, joined = self._canonical_numbers(values, joined)
        assert self._fits is not None
        if self._fits.all_match(joined):
            return values, {}
        return self._slow(values, one)

    def _integers(self, values: list[str], joined: str) -> tuple[list[str], Bad]:
        return self._numbers(values, joined, self._integer)

    def _decimals(self, values: list[str], joined: str) -> tuple[list[str], Bad]:
        return self._numbers(values, joined, self._decimal)

    def _floats(self, values: list[str], joined: str) -> tuple[list[str], Bad]:
        return self._numbers(values, joined, lambda v: repr(float(self._parse(v))))

    def _integer(self, value: str) -> str:
        number = self._parse(value)
        limit = INT_RANGE.get(self.target.size or 8, 2**63)
        if number != number.to_integral_value():
            raise ValueError("is not a whole number")
        if not -limit <= number < limit:
            raise ValueError(f"is out of range for {self.label} ({-limit} to {limit - 1})")
        return str(int(number))

    def _decimal(self, value: str) -> str:
        number = self._parse(value)
        precision, scale = self.target.size, self.target.scale or 0
        if precision and number:
            _sign, digits, exponent = number.normalize().as_tuple()
            assert isinstance(exponent, int)
            decimals = max(-exponent, 0)
            whole = max(len(digits) + exponent, 0)
            if decimals > scale:
                raise ValueError(f"has {decimals} decimals; {self.label} allows {scale}")
            if whole > precision - scale:
                raise ValueError(
                    f"has {whole} digits before the decimal point; {self.label} allows "
                    f"{precision - scale}"
                )
        return format(number, "f")

    def _parse(self, value: str) -> Decimal:
        text = value.strip()
        if not re.fullmatch(_number_re(self.decimal, self.thousands, True), text):
            raise ValueError(self._not_a_number(value))
        if self.thousands:
            text = text.replace(self.thousands, "")
        try:
            number = Decimal(text.replace(self.decimal, "."))
        except InvalidOperation as exc:
            raise ValueError(self._not_a_number(value)) from exc
        if not number.is_finite():
            raise ValueError("is not a finite number")
        return number

    def _not_a_number(self, value: str) -> str:
        example = "1234.56"
        if self.decimal == ",":
            example = f"1{self.thousands}234,56" if self.thousands else "1234,56"
        elif self.thousands:
            example = f"1{self.thousands}234.56"
        hint = ""
        if self._plain and re.fullmatch(r"[+-]?\d+,\d+", value.strip()):
            hint = " (a decimal comma? set the column's number format)"
        return f"is not a number in the format {example}{hint}"

    # --- dates, timestamps, booleans: each distinct value once ---------------------------------

    def _distinct(self, values: list[str], joined: str) -> tuple[list[str], Bad]:
        known, errors = self._values, self._errors
        distinct = set(values)
        new = [v for v in distinct if v not in known and v not in errors]
        if len(known) + len(errors) + len(new) > CACHE_SIZE:
            known.clear()
            errors.clear()
            new = list(distinct)
        for value in new:
            if not value or value.isspace():
                known[value] = ""
                continue
            try:
                known[value] = self._one(value)
            except ValueError as exc:
                errors[value] = str(exc)
        failed = [v for v in distinct if v in errors]
        if any(known.get(v, v) != v for v in distinct):
            out = [known.get(v, "") for v in values]
        else:
            out = values if not failed else [("" if v in errors else v) for v in values]
        if not failed:
            return out, {}
        return out, {i: errors[v] for i, v in enumerate(values) if v in errors}

    def _date(self, value: str) -> str:
        moment = self._moment(value)
        if moment.time() != datetime.min.time():
            raise ValueError(f"has a time of day; {self.label} holds dates only")
        return moment.date().isoformat()

    def _moment(self, value: str) -> datetime:
        text = value.strip()
        try:
            if self.format is not None:
                try:
                    return self.format.parse(text)
                except ValueError:
                    if not re.fullmatch(_ISO_TS, text):
                        raise
            if self.target.family == "date" and len(text) == 10:
                day = date.fromisoformat(text)
                return datetime(day.year, day.month, day.day)
            moment = _from_iso(text)
        except ValueError:
            expected = self.format.text if self.format else "%Y-%m-%d"
            if not self.format and self.target.family == "timestamp":
                expected += " %H:%M:%S"
            example = _SAMPLE.strftime(expected)
            what = "date" if self.target.family == "date" else "timestamp"
            raise ValueError(f"is not a {what} in the format {example} ({expected})") from None
        if moment.tzinfo is not None:
            moment = moment.astimezone(UTC).replace(tzinfo=None)
        return moment

    def _boolean(self, value: str) -> str:
        found = _BOOL.get(value.strip().lower())
        if found is None:
            raise ValueError("is not true/false (yes/no, y/n, 1/0 and on/off work too)")
        return found

    # --- text ------------------------------------------------------------------------------------

    def _texts(self, values: list[str], joined: str) -> tuple[list[str], Bad]:
        size = self.target.size
        if not size or not values or max(map(len, values)) <= size:
            return values, {}
        bad = {
            i: f"is {len(v):,} characters long; {self.label} allows {size:,}"
            for i, v in enumerate(values)
            if len(v) > size
        }
        return ["" if i in bad else v for i, v in enumerate(values)], bad

    def _any(self, values: list[str], joined: str) -> tuple[list[str], Bad]:
        return values, {}

    def _slow(self, values: list[str], convert: Callable[[str], str]) -> tuple[list[str], Bad]:
        out: list[str] = []
        bad: Bad = {}
        for i, v in enumerate(values):
            if not v or v.isspace():
                out.append("")
                continue
            try:
                out.append(convert(v))
            except ValueError as exc:
                bad[i] = str(exc)
                out.append("")
        return out, bad


def _from_iso(text: str) -> datetime:
    """``datetime.fromisoformat``, plus what PostgreSQL also reads: 24:00:00 (the next
    midnight) and a leap second :60 (the next minute)."""
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        leap = _LEAP.fullmatch(text)
        if leap is None:
            raise
    day, midnight, minute, fraction = leap.groups()
    if midnight:
        return datetime.fromisoformat(f"{day}23:00:00") + timedelta(hours=1)
    return datetime.fromisoformat(f"{day}{minute}:59{fraction or ''}") + timedelta(seconds=1)
