"""Excel workbooks (.xlsx), streamed with openpyxl's read-only mode.

Formulas are read as the values Excel saved with them (``data_only``); a workbook written
by a program that cannot calculate (no saved values) is reported, with the first such cell.
Dates arrive as dates (ISO text), numbers with Excel's 15 significant digits.

Merged header cells: read-only mode does not expose merges, so the sheet's XML is scanned
once for ``<mergeCell>`` (memory flat). A merged header cell names every column it spans,
and a header whose first row holds horizontal merges spans two rows: "Budget 2026" over
Q1..Q4 gives "Budget 2026 Q1" ... "Budget 2026 Q4". Without a header row given, the header
is the first row (of the first 30) filled at least half as wide as the widest row, so title
lines above a table are skipped.
"""

from __future__ import annotations

import math
import re
import zipfile
from collections.abc import Iterator
from dataclasses import replace
from itertools import islice
from pathlib import Path
from typing import Any

from dms_desktop.core.errors import DmsError
from dms_desktop.core.uploads.model import FileOptions
from dms_desktop.core.uploads.readers import (
    Chunk,
    EmptyFile,
    SourceFile,
    fit_rows,
    text_of,
    unique_names,
)

SCAN_ROWS = 30
_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?"')
_NO_VALUE = re.compile(
    rb'<(?:\w+:)?c\s+r="([A-Z]+\d+)"[^>]*>\s*<(?:\w+:)?f[^>]*(?:/>|>[^<]*</(?:\w+:)?f>)'
    rb"\s*(?:<(?:\w+:)?v\s*/>|<(?:\w+:)?v>\s*</(?:\w+:)?v>)?\s*</(?:\w+:)?c>"
)
Merge = tuple[int, int, int, int]  # first row, first column, last row, last column (1-based)


def column_index(letters: bytes | str) -> int:
    text = letters.decode() if isinstance(letters, bytes) else letters
    number = 0
    for char in text:
        number = number * 26 + ord(char) - 64
    return number


def scan_sheet(path: Path, member: str) -> tuple[list[Merge], list[str]]:
    """Merged ranges and formula cells without a saved value (first few), in one pass."""
    merges: list[Merge] = []
    no_value: list[str] = []
    tail = b""
    with zipfile.ZipFile(path) as archive, archive.open(member.lstrip("/")) as xml:
        while block := xml.read(1 << 20):
            data = tail + block
            for m in _MERGE.finditer(data):
                c1, r1 = column_index(m.group(1)), int(m.group(2))
                c2 = column_index(m.group(3)) if m.group(3) else c1
                r2 = int(m.group(4)) if m.group(4) else r1
                merges.append((r1, c1, r2, c2))
            if len(no_value) < 5:
                no_value += [m.group(1).decode() for m in _NO_VALUE.finditer(data)]
            # Keep the end: a match cut by the block edge completes with the next block (one
            # found twice is dropped below).
            tail = data[-4096:]
    return sorted(set(merges)), list(dict.fromkeys(no_value))[:5]


class XlsxSource(SourceFile):
    kind = "XLSX"

    def __init__(self, path: Path, options: FileOptions) -> None:
        super().__init__(path, options)
        try:
            import openpyxl

            self._book: Any = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
            raise DmsError(f"{path.name} is not a readable .xlsx workbook: {exc}.") from exc
        try:
            self._open_sheet(options)
        except BaseException:
            self.close()
            raise

    def _open_sheet(self, options: FileOptions) -> None:
        names = list(self._book.sheetnames)
        sheet = options.sheet or names[0]
        if sheet not in names:
            raise DmsError(
                f"{self.path.name} has no sheet {sheet!r}: its sheets are {', '.join(names)}."
            )
        self.sheets = names
        self._sheet = self._book[sheet]
        self._sheet.reset_dimensions()  # some writers store a wrong size: read every row
        merges, no_value = scan_sheet(self.path, self._sheet._worksheet_path)
        if no_value:
            self.warnings.append(
                f"Formula cells without a saved value (e.g. {', '.join(no_value)}): they read as "
                "empty. Open and save the workbook in Excel so it stores their results."
            )
        self._rows: Iterator[tuple[Any, ...]] = self._sheet.iter_rows(values_only=True)
        self._row = 0
        head = [[text_of(v) for v in r] for r in islice(self._rows, SCAN_ROWS)]
        if not any(any(r) for r in head):
            raise EmptyFile(f"Sheet {sheet!r} of {self.path.name} is empty: nothing to load.")
        filled = _fill_merges(head, merges)
        skip = options.skip_rows if options.skip_rows >= 0 else _header_row(filled) - 1
        header_rows = options.header_rows or _header_span(filled, merges, skip)
        if not options.header:
            header_rows = 0
        self.options = replace(
            options, kind="XLSX", sheet=sheet, skip_rows=skip, header_rows=max(header_rows, 1)
        )
        self.notes.append(f"Sheet: {sheet}{'' if options.sheet else ' (first)'}")
        if options.header:
            detected = "" if options.skip_rows >= 0 else " (detected)"
            rows = f"s {skip + 1}-{skip + header_rows}" if header_rows > 1 else f" {skip + 1}"
            self.notes.append(f"Header: row{rows}{detected}")
            cells = [
                " ".join(dict.fromkeys(r[i].strip() for r in filled[skip : skip + header_rows]
                                       if i < len(r) and r[i].strip()))
                for i in range(max((len(r) for r in filled[skip : skip + header_rows]), default=0))
            ]  # fmt: skip
            while cells and not cells[-1]:
                cells.pop()
            if not cells:
                raise EmptyFile(
                    f"Row {skip + 1} of sheet {sheet!r} is empty: choose the header row."
                )
            self.columns, notes = unique_names(cells)
            self.warnings += notes
        else:
            width = max((len(r) - _trailing_blanks(r) for r in head[skip:]), default=0)
            self.columns = [f"column_{i}" for i in range(1, width + 1)]
        first_data = skip + header_rows
        self._pending = head[first_data:]
        self._row = first_data

    def chunks(self, size: int) -> Iterator[Chunk]:
        width = len(self.columns)
        pending, self._pending = self._pending, []
        while True:
            rows = pending + [
                [text_of(v) for v in r] for r in islice(self._rows, max(size - len(pending), 0))
            ]
            pending = []
            if not rows:
                return
            first = self._row + 1
            self._row += len(rows)
            yield fit_rows(rows, first, width)

    def fraction(self) -> float:
        total = self._sheet.max_row
        if not total:
            return -1.0
        return min(self._row / int(total), 1.0)

    def close(self) -> None:
        book = getattr(self, "_book", None)
        if book is not None:
            book.close()


def _trailing_blanks(row: list[str]) -> int:
    count = 0
    for value in reversed(row):
        if value:
            break
        count += 1
    return count


def _fill_merges(rows: list[list[str]], merges: list[Merge]) -> list[list[str]]:
    """The scanned rows with each merged range's value copied into every cell it spans."""
    out = [list(r) for r in rows]
    for r1, c1, r2, c2 in merges:
        if r1 > len(out):
            continue
        top = out[r1 - 1]
        value = top[c1 - 1] if c1 - 1 < len(top) else ""
        for r in range(r1, min(r2, len(out)) + 1):
            row = out[r - 1]
            if len(row) < c2:
                row.extend([""] * (c2 - len(row)))
            for c in range(c1, c2 + 1):
                row[c - 1] = value
    return out


def _header_row(rows: list[list[str]]) -> int:
    counts = [sum(1 for v in r if v.strip()) for r in rows]
    widest = max(counts, default=0)
    need = max(2 if widest > 1 else 1, math.ceil(widest / 2))
    for number, count in enumerate(counts, start=1):
        if count >= need:
            return number
    return 1


def _header_span(rows: list[list[str]], merges: list[Merge], skip: int) -> int:
    """2 when the header row holds a horizontal merge with names under it, else 1."""
    header = skip + 1
    below = rows[header] if header < len(rows) else []
    for r1, c1, r2, c2 in merges:
        spans = r1 <= header == r2 and c2 > c1
        if spans and any(c - 1 < len(below) and below[c - 1].strip() for c in range(c1, c2 + 1)):
            return 2
    return 1
