"""Looking at a file before loading it: preview rows, inferred column types, auto-mapping.

Types are inferred from the first rows (10,000 by default): whole numbers (text when any has
a leading zero: codes such as 00123 keep their zeros), decimals with their precision and
scale, dates and timestamps in ISO or a common format, true/false, else text sized to the
longest value with room to grow. Decimal commas and thousands separators are recognised per
column and agreed across the file: "1.234" alone is 1234 in a file whose other numbers use a
decimal comma, and 1.234 otherwise. Everything detected is listed in ``notes`` for the user
to confirm; the whole file is validated against the chosen types when it loads.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from dms_desktop.core.mapping.types import parse_type
from dms_desktop.core.sqlstore.validate import sqlglot_dialect
from dms_desktop.core.tasks import TaskState
from dms_desktop.core.uploads.model import ColumnRule, ColumnSpec, FileOptions, Issue, TargetColumn
from dms_desktop.core.uploads.readers import open_source
from dms_desktop.core.uploads.rules import DATE_FORMATS, TIMESTAMP_FORMATS
from dms_desktop.core.uploads.target import normalised, plain_name

PREVIEW_ROWS = 200
SAMPLE_ROWS = 10_000
_INT = re.compile(r"[+-]?\d+")
_LEADING_ZERO = re.compile(r"[+-]?0\d")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ISO_TS = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?")
_BOOLS = {"true", "false"}
_GROUPS = (".", " ", "\u00a0", "'", ",")
_TEXT_SIZES = (10, 20, 50, 100, 255, 1000, 4000)


def _number(decimal: str, thousands: str) -> re.Pattern[str]:
    d = re.escape(decimal)
    digits = rf"(?:\d{{1,3}}(?:{re.escape(thousands)}\d{{3}})+|\d+)" if thousands else r"\d+"
    return re.compile(rf"[+-]?(?:{digits}(?:{d}\d+)?|{d}\d+)")


@dataclass
class ColumnGuess:
    name: str
    family: str  # int decimal float date timestamp boolean string empty
    size: int | None = None  # text length, integer width (4/8) or decimal precision
    scale: int | None = None
    decimal: str = ""  # "," when numbers use a decimal comma
    thousands: str = ""
    date_format: str = ""  # "" for ISO
    empty: int = 0
    examples: list[str] = field(default_factory=list)

    def type_text(self, dialect: str) -> str:
        """The suggested target type in ``dialect`` (checked by mapping.types)."""
        key = sqlglot_dialect(dialect)
        oracle, mysql = key == "oracle", key == "mysql"
        if self.family == "int":
            if oracle:
                return "NUMBER(10)" if self.size == 4 else "NUMBER(19)"
            return "INTEGER" if self.size == 4 or key == "sqlite" else "BIGINT"
        if self.family == "decimal":
            scale = self.scale or 0
            precision = min(max(18, (self.size or 0) + 2), 38)
            precision = max(precision, scale + 1)
            name = "NUMBER" if oracle else "DECIMAL" if mysql else "NUMERIC"
            return f"{name}({precision},{scale})"
        if self.family == "date":
            return "DATE"
        if self.family == "timestamp":
            return "DATETIME" if mysql else "TIMESTAMP"
        if self.family == "boolean":
            return "VARCHAR2(5)" if oracle else "BOOLEAN"
        length = next((s for s in _TEXT_SIZES if s >= (self.size or 0) * 1.25), None)
        if length is None or (oracle and length > 4000):
            return "CLOB" if oracle else "TEXT"
        text = f"{'VARCHAR2' if oracle else 'VARCHAR'}({length if self.family != 'empty' else 100})"
        parse_type(text, key)
        return text

    def rule(self, family: str | None = None) -> ColumnRule:
        """Trim, plus the detected number or date format when the target type uses it."""
        family = family or self.family
        numeric = family in ("int", "decimal", "float")
        dated = family in ("date", "timestamp")
        return ColumnRule(
            decimal=self.decimal if numeric and self.decimal == "," else "",
            thousands=self.thousands if numeric else "",
            date_format=self.date_format if dated else "",
        )


@dataclass
class FileProfile:
    path: str
    kind: str
    options: FileOptions  # as resolved: encoding, delimiter, sheet, header rows...
    columns: list[str]
    rownums: list[int]
    rows: list[list[str]]  # the preview
    guesses: list[ColumnGuess]
    notes: list[str]
    warnings: list[str]
    sheets: list[str]
    sampled: int
    problems: list[Issue]  # rows of the sample the reader could not use


def inspect_file(
    path: Path | str,
    options: FileOptions | None = None,
    state: TaskState | None = None,
    *,
    preview_rows: int = PREVIEW_ROWS,
    sample_rows: int = SAMPLE_ROWS,
) -> FileProfile:
    """Detect, preview and infer (reads at most ``sample_rows`` rows)."""
    options = options or FileOptions()
    if state is not None:
        state.report(-1.0, "Reading the file…")
    with open_source(path, options) as source:
        rownums: list[int] = []
        columns: list[list[str]] = [[] for _ in source.columns]
        problems: list[Issue] = []
        for chunk in source.chunks(min(sample_rows, 5000)):
            if state is not None:
                state.check()
            rownums += chunk.rownums
            for mine, theirs in zip(columns, chunk.columns, strict=True):
                mine += theirs
            problems += [issue for issue, _raw in chunk.bad]
            if len(rownums) >= sample_rows:
                break
        rownums = rownums[:sample_rows]
        columns = [c[:sample_rows] for c in columns]
        nulls = {v.lower() for v in options.null_values} - {""}
        present = [
            [v for v in (x.strip() for x in values) if v and v.lower() not in nulls]
            for values in columns
        ]
        forced = options.decimal or None
        guesses = [
            guess_column(name, values, forced)
            for name, values in zip(source.columns, present, strict=True)
        ]
        decimal = forced or file_decimal(present, guesses)
        for i, guess in enumerate(guesses):
            if guess.family in ("decimal", "int") and guess.decimal and guess.decimal != decimal:
                guesses[i] = guess_column(guess.name, present[i], decimal)
        for guess, values, kept in zip(guesses, columns, present, strict=True):
            guess.empty = len(values) - len(kept)
        notes = [*source.notes, *_number_notes(guesses, options)]
        dated = [g.name for g in guesses if g.date_format]
        if dated:
            formats = sorted({g.date_format for g in guesses if g.date_format})
            notes.append(f"Dates: {', '.join(formats)} (detected in {_listed(dated)})")
        return FileProfile(
            path=str(path),
            kind=source.kind,
            options=source.options,
            columns=list(source.columns),
            rownums=rownums[:preview_rows],
            rows=[list(r) for r in zip(*(c[:preview_rows] for c in columns), strict=True)]
            if columns
            else [],
            guesses=guesses,
            notes=notes,
            warnings=list(source.warnings),
            sheets=list(getattr(source, "sheets", [])),
            sampled=len(rownums),
            problems=problems,
        )


def _listed(names: Sequence[str]) -> str:
    return ", ".join(names[:6]) + (f" and {len(names) - 6} more" if len(names) > 6 else "")


def guess_column(name: str, present: Sequence[str], decimal: str | None = None) -> ColumnGuess:
    """The family of a column from its non-empty values (numbers with ``decimal`` only,
    when given)."""
    guess = ColumnGuess(name, "empty", examples=list(dict.fromkeys(present))[:5])
    if not present:
        return guess
    longest = max(map(len, present))
    whole = all(_INT.fullmatch(v) for v in present)
    if whole and not any(_LEADING_ZERO.match(v) for v in present) and longest <= 18:
        big = any(abs(int(v)) >= 2**31 for v in present)
        guess.family, guess.size = "int", 8 if big else 4
        return guess
    if longest > 64:  # no number or date is this long: text (and no 10 MB regex matches)
        guess.family, guess.size = "string", longest
        return guess
    number = _numbers(present, decimal)
    if number is not None:
        guess.family, guess.decimal, guess.thousands = "decimal", number[0], number[1]
        _measure(guess, present)
        if not guess.scale and (guess.size or 0) <= 18:  # 1.234 grouped: a whole number
            guess.family, guess.size, guess.scale = "int", 4 if (guess.size or 0) <= 9 else 8, None
        return guess
    for family, formats, iso in (
        ("date", DATE_FORMATS, _ISO_DATE),
        ("timestamp", TIMESTAMP_FORMATS, _ISO_TS),
    ):
        found = _date_format(present, formats, iso)
        if found is not None:
            guess.family, guess.date_format = family, found
            return guess
    if all(v.lower() in _BOOLS for v in present):
        guess.family = "boolean"
        return guess
    guess.family, guess.size = "string", longest
    return guess


def _numbers(present: Sequence[str], only: str | None = None) -> tuple[str, str] | None:
    """(decimal, thousands) under which every value is a number, preferring a point."""
    if any(_LEADING_ZERO.match(v) and "." not in v and "," not in v for v in present):
        return None
    for decimal in (only,) if only else (".", ","):
        for thousands in ("", *(g for g in _GROUPS if g != decimal)):
            pattern = _number(decimal, thousands)
            if all(pattern.fullmatch(v) for v in present):
                used = any(decimal in v for v in present) or any(thousands in v for v in present)
                if used or (decimal == "." and not thousands):
                    return decimal, thousands
    return None


def _measure(guess: ColumnGuess, present: Sequence[str]) -> None:
    whole = scale = 0
    for value in present:
        text = value.lstrip("+-")
        if guess.thousands:
            text = text.replace(guess.thousands, "")
        head, _sep, tail = text.partition(guess.decimal or ".")
        whole, scale = max(whole, len(head.lstrip("0"))), max(scale, len(tail))
    guess.size, guess.scale = whole + scale, scale


def _date_format(
    present: Sequence[str], formats: Sequence[str], iso: re.Pattern[str]
) -> str | None:
    if all(iso.fullmatch(v) for v in present):
        try:
            for v in present:
                datetime.fromisoformat(v)
            return ""
        except ValueError:
            return None
    for fmt in formats:
        try:
            for v in present:
                datetime.strptime(v, fmt)
        except ValueError:
            continue
        return fmt
    return None


def _uses(values: Sequence[str], decimal: str) -> bool:
    """Does a value use ``decimal`` as a decimal separator beyond doubt (not 1.234 style)?"""
    grouped = re.compile(rf"[+-]?\d{{1,3}}(?:{re.escape(decimal)}\d{{3}})+")
    return any(decimal in v and not grouped.fullmatch(v) for v in values)


def file_decimal(present: Sequence[Sequence[str]], guesses: Sequence[ColumnGuess]) -> str:
    """ "," when some numeric column surely uses a decimal comma and none surely a point."""
    pairs = list(zip(present, guesses, strict=True))
    comma = any(g.decimal == "," and _uses(p, ",") for p, g in pairs)
    point = any(g.decimal == "." and _uses(p, ".") for p, g in pairs)
    return "," if comma and not point else "."


def _number_notes(guesses: Sequence[ColumnGuess], options: FileOptions) -> list[str]:
    names = [g.name for g in guesses if g.decimal == "," and g.family in ("decimal", "int")]
    if not names:
        return []
    seps = sorted({g.thousands for g in guesses if g.decimal == "," and g.thousands})
    grouping = f", thousands {' '.join(repr(s) for s in seps)}" if seps else ""
    origin = "" if options.decimal else f" (detected in {_listed(names)})"
    return [f"Numbers: decimal comma{grouping}{origin}"]


def auto_map(
    file_columns: Sequence[str], targets: Sequence[TargetColumn], guesses: Sequence[ColumnGuess]
) -> list[ColumnSpec]:
    """Target columns matched to file columns by normalised name (unmatched left out)."""
    by_key: dict[str, int] = {}
    for position, name in enumerate(file_columns):
        by_key.setdefault(normalised(name), position)
    specs: list[ColumnSpec] = []
    for target in targets:
        index = by_key.get(normalised(target.name))
        if index is None:
            continue
        guess = (
            guesses[index] if index < len(guesses) else ColumnGuess(file_columns[index], "string")
        )
        specs.append(
            ColumnSpec(
                target=target.name,
                source=file_columns[index],
                data_type=target.type_text,
                required=not target.nullable,
                rule=guess.rule(target.family),
            )
        )
    return specs


def propose_columns(profile: FileProfile, dialect: str) -> list[ColumnSpec]:
    """Columns of a new table for the file: plain names, inferred types, detected formats."""
    taken: set[str] = set()
    specs: list[ColumnSpec] = []
    for guess in profile.guesses:
        specs.append(
            ColumnSpec(
                target=plain_name(guess.name, dialect, taken),
                source=guess.name,
                data_type=guess.type_text(dialect),
                rule=guess.rule(),
            )
        )
    return specs
