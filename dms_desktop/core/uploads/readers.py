"""The common shape of the file readers: columns, then rows in chunks, all values as text.

Every reader streams: it holds one chunk of rows at a time, never the file. Values arrive as
text ("" for empty) whatever the format, so rules and checks work the same on CSV, Excel
and JSON. Each row carries the number the user sees: the spreadsheet row (header included)
for CSV and Excel, the line for JSON Lines, the element (1-based) of a JSON array.

Rows are fitted to the header's width: a short row is padded with empty values (Excel and
many exports drop trailing empty cells); a row with more non-empty values than the header
has columns is refused with its row number (the values would otherwise land in the wrong
columns); rows with no value at all are skipped.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from types import TracebackType
from typing import Any

from dms_desktop.core.errors import DmsError, ValidationError
from dms_desktop.core.uploads.model import EXTENSIONS, FILE_KINDS, FileOptions, Issue

NUL = "\x00"
NUL_REASON = "contains a NUL character, which databases do not store"


class EmptyFile(DmsError):
    """The file holds nothing to read."""


class Chunk:
    """Rows of a file held column by column (what rules and checks work on).

    A chunk of plain delimited text (no quotes) also keeps its ``text`` and splits it into
    values only when asked (``columns``): a load whose checks pass on the text as a whole
    never makes a Python object per value.
    """

    def __init__(
        self,
        rownums: list[int],
        columns: list[list[str]] | None = None,
        bad: list[tuple[Issue, list[str]]] | None = None,
        *,
        text: str | None = None,
        split: Callable[[], Chunk] | None = None,
    ) -> None:
        self.rownums = rownums
        self._columns = columns
        self.bad = bad or []
        self.text = text  # the rows as delimited text, when they were read as such
        self._split = split

    @property
    def columns(self) -> list[list[str]]:
        """One list per file column, as long as ``rownums`` (splitting the text may drop
        unusable rows: read ``rownums`` and ``bad`` after this)."""
        if self._columns is None:
            assert self._split is not None
            done = self._split()
            self.rownums, self._columns, self.bad = done.rownums, done.columns, done.bad
            self.text = self.text if done.text is not None else None
        return self._columns

    @classmethod
    def from_rows(
        cls,
        rownums: list[int],
        rows: list[list[str]],
        width: int,
        bad: list[tuple[Issue, list[str]]] | None = None,
    ) -> Chunk:
        bad = bad or []
        if rows and any(NUL in v for row in rows for v in row):
            keep = [i for i, row in enumerate(rows) if not any(NUL in v for v in row)]
            kept = set(keep)
            bad += [
                (Issue(rownums[i], "", "", NUL_REASON), list(rows[i]))
                for i in range(len(rows))
                if i not in kept
            ]
            rownums, rows = [rownums[i] for i in keep], [rows[i] for i in keep]
        columns = [list(c) for c in zip(*rows, strict=True)] if rows else [[] for _ in range(width)]
        return cls(rownums, columns, bad)

    def row(self, index: int) -> list[str]:
        return [c[index] for c in self.columns]

    def rows(self, limit: int | None = None) -> list[list[str]]:
        columns = self.columns
        count = len(self.rownums) if limit is None else min(limit, len(self.rownums))
        return [[c[i] for c in columns] for i in range(count)]


class SourceFile:
    """Base of the readers; subclasses fill the attributes and implement ``_chunks``."""

    kind = ""

    def __init__(self, path: Path, options: FileOptions) -> None:
        self.path = path
        self.options = options
        self.columns: list[str] = []
        self.notes: list[str] = []  # what was detected, for confirmation
        self.warnings: list[str] = []  # what the user should look at
        self.size = max(path.stat().st_size, 1)

    def chunks(self, size: int) -> Iterator[Chunk]:
        raise NotImplementedError

    def fraction(self) -> float:
        """How far reading has got, 0.0 to 1.0."""
        return 0.0

    def close(self) -> None:
        """Release the file."""

    def __enter__(self) -> SourceFile:
        return self

    def __exit__(
        self,
        _type: type[BaseException] | None,
        _exc: BaseException | None,
        _tb: TracebackType | None,
    ) -> None:
        self.close()


def kind_of(path: Path, options: FileOptions) -> str:
    if options.kind:
        kind = options.kind.upper()
        if kind not in FILE_KINDS:
            raise ValidationError(f"Unknown file type {options.kind}: use CSV, XLSX or JSON.")
        return kind
    found = EXTENSIONS.get(path.suffix.lower())
    if found is None:
        if path.suffix.lower() == ".xls":
            raise ValidationError(
                f"{path.name} is an old Excel 97-2003 file: save it as .xlsx (or CSV) in Excel."
            )
        raise ValidationError(
            f"Cannot tell the type of {path.name} from its name: choose CSV, XLSX or JSON."
        )
    return found


def open_source(path: Path | str, options: FileOptions | None = None) -> SourceFile:
    """The reader for ``path``; detection happens here (see ``notes``)."""
    path = Path(path).expanduser()
    options = options or FileOptions()
    if not path.exists():
        raise ValidationError(f"File {path} does not exist.")
    if path.is_dir():
        raise ValidationError(f"{path} is a folder: choose a file.")
    kind = kind_of(path, options)
    if path.stat().st_size == 0:
        raise EmptyFile(f"{path.name} is empty: there is nothing to load.")
    if kind == "CSV":
        from dms_desktop.core.uploads.csvfile import CsvSource

        return CsvSource(path, options)
    if kind == "XLSX":
        from dms_desktop.core.uploads.xlsxfile import XlsxSource

        return XlsxSource(path, options)
    from dms_desktop.core.uploads.jsonfile import JsonSource

    return JsonSource(path, options)


# --- shared helpers ---------------------------------------------------------------------

_BLANK = re.compile(r"\s+")


def unique_names(raw: Sequence[str]) -> tuple[list[str], list[str]]:
    """Column names from header cells: blanks become column_N, repeats get _2, _3...

    Returns the names and notes about what was renamed.
    """
    names: list[str] = []
    notes: list[str] = []
    seen: dict[str, int] = {}
    for position, cell in enumerate(raw, start=1):
        name = _BLANK.sub(" ", cell).strip()
        if not name:
            name = f"column_{position}"
            notes.append(f"Column {position} has no header: named {name}.")
        key = name.lower()
        if key in seen:
            seen[key] += 1
            new = f"{name}_{seen[key]}"
            while new.lower() in seen:
                seen[key] += 1
                new = f"{name}_{seen[key]}"
            notes.append(f"Header {name!r} repeats (column {position}): named {new}.")
            name = new
            key = new.lower()
        seen[key] = seen.get(key, 1)
        names.append(name)
    return names, notes


def fit_rows(
    rows: list[list[str]], first: int, width: int, rownums: list[int] | None = None
) -> Chunk:
    """Fit rows to ``width`` (see the module docstring); ``first`` numbers them when
    ``rownums`` is not given."""
    numbers = rownums if rownums is not None else list(range(first, first + len(rows)))
    lengths = list(map(len, rows))
    if width and lengths.count(width) == len(lengths) and all(map(any, rows)):
        return Chunk.from_rows(numbers, rows, width)
    kept: list[list[str]] = []
    kept_numbers: list[int] = []
    bad: list[tuple[Issue, list[str]]] = []
    for number, row, length in zip(numbers, rows, lengths, strict=True):
        if not any(row):
            continue
        if length < width:
            row = list(row) + [""] * (width - length)
        elif length > width:
            extra = row[width:]
            if any(extra):
                bad.append(
                    (
                        Issue(
                            number,
                            "",
                            " | ".join(row)[:200],
                            f"has {length} values but the header has {width} columns "
                            f"(check the delimiter and quotes)",
                        ),
                        list(row),
                    )
                )
                continue
            row = row[:width]
        kept.append(row)
        kept_numbers.append(number)
    return Chunk.from_rows(kept_numbers, kept, width, bad)


def text_of(value: Any) -> str:
    """A cell or JSON value as text: ISO dates, plain decimals (Excel's 15 significant
    digits, so 0.1+0.2 reads 0.3), true/false."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return str(value)
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        text = format(value, ".15g")
        if "e" in text:
            text = format(Decimal(text), "f")
        return text
    if isinstance(value, datetime):
        if value.time() == time(0) and value.tzinfo is None:
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return str(value)
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)
