"""The Excel mapping spec: one sheet per mapping, a header block, then the column grid.

Layout of a sheet (named by the reference): column A holds labels and column B values from
row 1 down to the first blank row (the header block); after it, one header row names the grid
columns and every later non-blank row is a target column. A hidden ``_lists`` sheet feeds the
drop-downs (data types of the sheet's target dialect, Y/N, SCD type, combine code, table type,
frequency). Types are suggestions (Excel warns, other sizes may be typed); the other lists are
strict. Reading turns a sheet back into the JSON document, remembering which cell each value
came from, so a problem names ``sheet 'DIM_CUSTOMER', row 17, Data type``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from dms_desktop.core.mapping.model import (
    COMBINE_CODES,
    FREQUENCY_CODES,
    ON_SOURCE_DELETE,
    SCD_TYPES,
    TABLE_TYPES,
)
from dms_desktop.core.mapping.spec.document import (
    HEADER_FIELDS,
    ROW_FIELDS,
    RawDocument,
    SpecError,
    SpecProblem,
)
from dms_desktop.core.mapping.types import type_choices

HEADER_LABELS = {
    "reference": "Reference",
    "description": "Description",
    "sourceSystem": "Source system",
    "tableName": "Table name",
    "tableType": "Table type",
    "targetSchema": "Target schema",
    "freqCode": "Frequency",
    "bulkProcessRows": "Bulk rows",
    "sqlCode": "Source SQL",
    "targetConnection": "Target connection",
    "onSourceDelete": "On source delete",
    "errorThreshold": "Error threshold",
}
GRID_LABELS = {
    "fieldName": "Column name",
    "dataType": "Data type",
    "primaryKey": "Key",
    "pkSeq": "Key seq",
    "logic": "Logic",
    "scdType": "SCD type",
    "description": "Description",
    "lookupTable": "Lookup table",
    "keyColumn": "Lookup key column",
    "valueColumn": "Lookup value column",
    "combineCode": "Combine",
    "execSequence": "Exec seq",
}
LISTS_SHEET = "_lists"
GRID_ROOM = 1000  # rows below the last column that still get the drop-downs
_WIDTHS = {"fieldName": 24, "dataType": 18, "logic": 48, "description": 36, "lookupTable": 20}
_BOLD = Font(bold=True)
_FILL = PatternFill("solid", fgColor="DDEBF7")
_CELL = re.compile(r"^rows\[(\d+)\]\.(\w+)$")


def _norm(label: Any) -> str:
    return re.sub(r"[^a-z0-9]", "", str(label or "").lower())


_HEADER_BY_LABEL = {_norm(v): k for k, v in HEADER_LABELS.items()} | {
    _norm(k): k for k in HEADER_LABELS
}
_GRID_BY_LABEL = {_norm(v): k for k, v in GRID_LABELS.items()} | {_norm(k): k for k in GRID_LABELS}


# --- writing -------------------------------------------------------------------------------


def _set(cell: Cell, value: Any) -> None:
    cell.value = value
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"  # text, never a formula


class _Lists:
    """The hidden sheet of drop-down values; one column per list, added on demand."""

    def __init__(self, book: Workbook) -> None:
        self.sheet = book.create_sheet(LISTS_SHEET)
        self.sheet.sheet_state = "hidden"
        self.columns: dict[str, str] = {}

    def ref(self, name: str, values: list[str]) -> str:
        if name not in self.columns:
            col = get_column_letter(len(self.columns) + 1)
            self.sheet[f"{col}1"] = name
            for i, value in enumerate(values, start=2):
                self.sheet[f"{col}{i}"] = value
            self.columns[name] = f"'{LISTS_SHEET}'!${col}$2:${col}${len(values) + 1}"
        return self.columns[name]


def _validation(sheet: Worksheet, formula: str, cells: str, *, strict: bool) -> None:
    dv = DataValidation(type="list", formula1=formula, allow_blank=True)
    dv.errorStyle = "stop" if strict else "warning"
    dv.error = "Choose a value from the list." if strict else "Not a suggested value: keep it?"
    dv.add(cells)
    sheet.add_data_validation(dv)


def write_workbook(docs: list[tuple[dict[str, Any], str | None]], path: Path) -> None:
    """One sheet per document; ``str | None`` is the target dialect for the type list."""
    book = Workbook()
    default = book.active
    lists = _Lists(book)
    for doc, dialect in docs:
        _write_sheet(book.create_sheet(str(doc["reference"])[:31]), doc, dialect, lists)
    if default is not None:
        book.remove(default)
    book.move_sheet(LISTS_SHEET, offset=len(book.sheetnames))
    book.active = 0
    book.save(path)


def _write_sheet(sheet: Worksheet, doc: dict[str, Any], dialect: str | None, lists: _Lists) -> None:
    keys = [key for key, _attr, _kind in HEADER_FIELDS]
    for row, key in enumerate(keys, start=1):
        sheet.cell(row, 1, HEADER_LABELS[key]).font = _BOLD
        _set(sheet.cell(row, 2), doc.get(key))
    sheet.cell(1, 4, "DMS mapping spec: keep the labels in column A and the grid header.")
    strict = {
        "tableType": list(TABLE_TYPES),
        "freqCode": list(FREQUENCY_CODES),
        "onSourceDelete": list(ON_SOURCE_DELETE),
    }
    for key, values in strict.items():
        cell = f"B{keys.index(key) + 1}"
        _validation(sheet, lists.ref(key, values), cell, strict=True)
    grid = len(keys) + 2
    fields = [key for key, _attr, _kind in ROW_FIELDS]
    for col, key in enumerate(fields, start=1):
        cell = sheet.cell(grid, col, GRID_LABELS[key])
        cell.font, cell.fill = _BOLD, _FILL
        sheet.column_dimensions[get_column_letter(col)].width = _WIDTHS.get(key, 14)
    for r, item in enumerate(doc.get("rows") or [], start=grid + 1):
        for col, key in enumerate(fields, start=1):
            value = item.get(key)
            if key == "primaryKey":
                value = "Y" if value else "N"
            _set(sheet.cell(r, col), value)
    last = grid + len(doc.get("rows") or []) + GRID_ROOM

    def span(key: str) -> str:
        letter = get_column_letter(fields.index(key) + 1)
        return f"{letter}{grid + 1}:{letter}{last}"

    types = type_choices(dialect)
    _validation(
        sheet, lists.ref(f"types_{dialect or 'any'}", types), span("dataType"), strict=False
    )
    _validation(sheet, lists.ref("yes_no", ["Y", "N"]), span("primaryKey"), strict=True)
    _validation(sheet, lists.ref("scd", list(SCD_TYPES)), span("scdType"), strict=True)
    _validation(sheet, lists.ref("combine", list(COMBINE_CODES)), span("combineCode"), strict=True)
    sheet.freeze_panes = f"B{grid + 1}"


# --- reading -------------------------------------------------------------------------------


def _value(cell: Cell, place: str, problems: list[SpecProblem]) -> Any:
    if cell.data_type == "f":
        problems.append(SpecProblem(place, "holds a formula: type the value itself"))
        return None
    return cell.value


def _blank(sheet: Worksheet, row: int) -> bool:
    return all(c.value in (None, "") for c in sheet[row])


def read_workbook(path: Path) -> list[RawDocument]:
    source = path.name
    try:
        book = load_workbook(path, data_only=False)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds for a bad file
        raise SpecError(
            source, [SpecProblem("the file", f"not an Excel workbook ({exc})")]
        ) from exc
    sheets = [s for s in book.worksheets if not s.title.startswith("_")]
    if not sheets:
        raise SpecError(
            source,
            [SpecProblem("the workbook", "no mapping sheet: add one sheet per mapping")],
        )
    problems: list[SpecProblem] = []
    docs = [_read_sheet(sheet, problems) for sheet in sheets]
    if problems:
        raise SpecError(source, problems)
    return docs


def _read_sheet(sheet: Worksheet, problems: list[SpecProblem]) -> RawDocument:
    name = f"sheet '{sheet.title}'"
    doc: dict[str, Any] = {}
    cells: dict[str, str] = {}
    row = 1
    if _norm(sheet.cell(1, 1).value) not in _HEADER_BY_LABEL:
        problems.append(
            SpecProblem(
                name,
                "no header block: cell A1 should read 'Reference', then one "
                "label per row (Table name, Table type, ...)",
            )
        )
        return RawDocument(doc, lambda path: f"{name}, {path}")
    while row <= sheet.max_row and not _blank(sheet, row):
        label = sheet.cell(row, 1).value
        key = _HEADER_BY_LABEL.get(_norm(label))
        if key is None and _norm(label) in _GRID_BY_LABEL:
            break  # the grid header follows without a blank row
        if key is None:
            problems.append(SpecProblem(f"{name}, cell A{row}", f"unknown label {label!r}"))
        else:
            cells[key] = f"{name}, cell B{row} ({HEADER_LABELS[key]})"
            doc[key] = _value(sheet.cell(row, 2), cells[key], problems)
        row += 1
    while row <= sheet.max_row and _blank(sheet, row):
        row += 1
    columns = _grid_header(sheet, row, name, problems)
    if columns is None:
        return RawDocument(doc, lambda path: cells.get(path, f"{name}, {path}"))
    _merged(sheet, row, name, problems)
    rows: list[dict[str, Any]] = []
    excel_rows: list[int] = []
    for r in range(row + 1, sheet.max_row + 1):
        if _blank(sheet, r):
            continue
        item: dict[str, Any] = {}
        for col, key in columns.items():
            place = f"{name}, row {r}, {GRID_LABELS[key]}"
            item[key] = _value(sheet.cell(r, col), place, problems)
        rows.append(item)
        excel_rows.append(r)
    doc["rows"] = rows

    def where(path: str) -> str:
        m = _CELL.match(path)
        if m and int(m.group(1)) < len(excel_rows):
            label = GRID_LABELS.get(m.group(2), m.group(2))
            return f"{name}, row {excel_rows[int(m.group(1))]}, {label}"
        return cells.get(path, f"{name}, {path}")

    return RawDocument(doc, where)


def _grid_header(
    sheet: Worksheet, row: int, name: str, problems: list[SpecProblem]
) -> dict[int, str] | None:
    if row > sheet.max_row:
        problems.append(SpecProblem(name, "no column grid below the header block"))
        return None
    columns: dict[int, str] = {}
    for cell in sheet[row]:
        if cell.value in (None, ""):
            continue
        key = _GRID_BY_LABEL.get(_norm(cell.value))
        place = f"{name}, cell {cell.coordinate}"
        if key is None:
            problems.append(SpecProblem(place, f"unknown grid column {cell.value!r}"))
        elif key in columns.values():
            problems.append(SpecProblem(place, f"grid column {cell.value!r} appears twice"))
        else:
            columns[int(cell.column)] = key
    missing = [GRID_LABELS[k] for k in ("fieldName", "dataType") if k not in columns.values()]
    if missing:
        problems.append(
            SpecProblem(f"{name}, row {row}", f"the grid header lacks {', '.join(missing)}")
        )
        return None
    return columns


def _merged(sheet: Worksheet, header_row: int, name: str, problems: list[SpecProblem]) -> None:
    for merged in sheet.merged_cells.ranges:
        if merged.max_row >= header_row:
            problems.append(
                SpecProblem(
                    f"{name}, cells {merged.coord}",
                    "merged cells in the column grid: unmerge them (one value per cell)",
                )
            )
