"""A report as a spreadsheet: openpyxl write-only, so rows stream to disk, not into memory.

The data sheet is a clean table a reader can filter and pivot: a bold header row that stays
in view, an auto-filter over the data, column widths and typed cells (numbers, dates) with
the column's format. Title, subtitle and parameters go to a second sheet ("About") and to the
workbook properties, not above the table. Over Excel's 1,048,576 rows the data continues on
"Data 2", "Data 3"...
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from contextlib import suppress
from datetime import datetime
from pathlib import Path
from typing import Any

from dms_desktop.core.reports.formats import OutputColumn, excel_converter, fit_widths
from dms_desktop.core.sqlstore import export
from dms_desktop.core.sqlstore.export import Sink

HEADER_FILL = "DDE3EA"
_EXCEL_INT = 10**15
_EXCEL_MIN_DATETIME = datetime(1900, 1, 1)
_TITLE_CHARS = 31  # Excel's limit for a sheet name


class XlsxReportSink(Sink):
    def __init__(
        self,
        path: Path,
        layout: Callable[[Sequence[str]], list[OutputColumn]],
        about: list[tuple[str, str]],
        title: str,
    ) -> None:
        from openpyxl import Workbook

        self.path = path
        self.layout = layout
        self.about = about
        self.book = Workbook(write_only=True)
        self.book.properties.title = title
        self.columns: list[OutputColumn] = []
        self.sheet: Any = None
        self.sheets: list[tuple[Any, int]] = []  # (sheet, rows written) of the data sheets
        self.sheet_rows = 0
        self._convert: list[Callable[[Any], Any]] = []

    # --- sink ----------------------------------------------------------------------------

    def header(self, names: Sequence[str]) -> None:
        self.columns = self.layout(names)
        self._convert = [excel_converter(c) for c in self.columns]

    def rows(self, rows: Sequence[Sequence[Any]]) -> None:
        if not rows:
            return
        if self.sheet is None:  # widths go before the first row: fit them to the first page
            self.columns = fit_widths(self.columns, rows)
            self._new_sheet()
        # Column by column: one look at a page's types decides whether values need work.
        columns = [self._prepare(i, values) for i, values in enumerate(zip(*rows, strict=True))]
        for row in zip(*columns, strict=True):
            if self.sheet_rows >= export.EXCEL_MAX_ROWS:
                self._new_sheet()
            self.sheet.append(row)
            self.sheet_rows += 1

    def _prepare(self, i: int, values: tuple[Any, ...]) -> Sequence[Any]:
        """The column's values as Excel takes them; untouched when they already are."""
        col = self.columns[i]
        present = [v for v in values if v is not None]
        if not present:
            return values
        kinds = set(map(type, present))
        if len(kinds) == 1:
            kind = kinds.pop()
            typed_kind = col.numeric or col.kind in ("date", "datetime")
            if kind is str and not typed_kind and _plain_texts(present):
                return values
            if kind is int and _small_ints(present):
                return values
            if kind is float and all(map(math.isfinite, present)):
                return values
            if kind is datetime and col.kind != "date" and _excel_datetimes(present):
                return values
        convert = self._convert[i]
        return [convert(v) for v in values]

    def close(self, ok: bool) -> None:
        if not ok:
            self._discard()
            return
        if self.sheet is None:  # no row at all: still a proper, empty table
            self._new_sheet()
        self._finish_sheet()
        self._about_sheet()
        try:
            self.book.save(self.path)
        except BaseException:
            self._discard()  # close the sheets' writers and drop their temporary files
            raise

    # --- sheets --------------------------------------------------------------------------

    def _new_sheet(self) -> None:
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Font, PatternFill
        from openpyxl.utils import get_column_letter

        self._finish_sheet()
        number = len(self.sheets) + 1
        sheet = self.book.create_sheet("Data" if number == 1 else f"Data {number}")
        for i, col in enumerate(self.columns, start=1):
            sheet.column_dimensions[get_column_letter(i)].width = col.width + 2
        sheet.freeze_panes = "A2"
        bold, fill = Font(bold=True), PatternFill("solid", fgColor=HEADER_FILL)
        head = []
        for col in self.columns:
            cell = WriteOnlyCell(sheet, value=export.excel_text(col.title))
            cell.font, cell.fill = bold, fill
            head.append(cell)
        sheet.append(head)
        sheet._values_to_row = _CellWriter(sheet, self.columns)  # noqa: SLF001 - see _CellWriter
        self.sheet, self.sheet_rows = sheet, 1
        self.sheets.append((sheet, 1))

    def _finish_sheet(self) -> None:
        from openpyxl.utils import get_column_letter

        if self.sheet is None:
            return
        self.sheets[-1] = (self.sheet, self.sheet_rows)
        if self.columns:
            last = get_column_letter(len(self.columns))
            self.sheet.auto_filter.ref = f"A1:{last}{max(self.sheet_rows, 1)}"

    def _about_sheet(self) -> None:
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Font

        sheet = self.book.create_sheet("About")
        sheet.column_dimensions["A"].width = 22
        sheet.column_dimensions["B"].width = 70
        for label, value in self.about:
            cell = WriteOnlyCell(sheet, value=label)
            cell.font = Font(bold=True)
            sheet.append([cell, export.excel_text(value)])

    def _discard(self) -> None:
        for sheet in self.book.worksheets:  # finish, then drop openpyxl's temporary files
            with suppress(Exception):
                sheet.close()
            writer = getattr(sheet, "_writer", None)
            if writer is not None:
                with suppress(OSError, ValueError):
                    writer.cleanup()


class _CellWriter:
    """Replaces a write-only sheet's ``_values_to_row``: one reusable cell per column.

    openpyxl makes a cell object per styled value and raises and catches an exception for
    each ready-made cell it is given; a table whose columns carry number formats would pay
    that on every cell. Here each column's cell keeps its format and is refilled once the
    previous row was written (the writer consumes the cells as they are yielded). Text that
    looks like a formula or an error code stays text.
    """

    def __init__(self, sheet: Any, columns: Sequence[OutputColumn]) -> None:
        self.sheet = sheet
        self.formats = [c.excel_format() for c in columns]
        self.cells = [self.new_cell() for _ in columns]
        for cell, fmt in zip(self.cells, self.formats, strict=True):
            if fmt is not None:
                cell.number_format = fmt

    def __call__(self, values: Sequence[Any], row_idx: int) -> Iterator[Any]:
        cells, formats = self.cells, self.formats
        for col_idx, value in enumerate(values, 1):
            if value is None:
                continue
            cell = cells[col_idx - 1]
            if formats[col_idx - 1] is None and cell.has_style:
                cell = cells[col_idx - 1] = self.new_cell()  # a date styled it: start afresh
            cell.value = value
            if cell.data_type in ("f", "e") and isinstance(value, str):
                cell.data_type = "s"
            cell.column = col_idx
            cell.row = row_idx
            yield cell

    def new_cell(self) -> Any:
        from openpyxl.cell import WriteOnlyCell

        return WriteOnlyCell(self.sheet)


def _plain_texts(texts: list[str]) -> bool:
    """No character Excel refuses and none too long: one regex pass over the whole page."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if max(map(len, texts)) > export.EXCEL_MAX_TEXT:
        return False
    return ILLEGAL_CHARACTERS_RE.search("".join(texts)) is None


def _small_ints(numbers: list[int]) -> bool:
    return min(numbers) > -_EXCEL_INT and max(numbers) < _EXCEL_INT


def _excel_datetimes(stamps: list[datetime]) -> bool:
    try:
        return min(stamps) >= _EXCEL_MIN_DATETIME  # aware ones cannot compare: TypeError
    except TypeError:
        return False
