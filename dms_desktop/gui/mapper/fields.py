"""The columns of the mapping grid and how their values travel as text (paste, copy, tooltips).

Qt-free on purpose: the grid model, the delegates, the undo commands and the tests share one
description of each field instead of repeating it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from dms_desktop.core.mapping.model import COMBINE_CODES, SCD_TYPES, MappingColumn

TEXT, TYPE, BOOL, INT, CHOICE, LOGIC = "text", "type", "bool", "int", "choice", "logic"
Change = tuple[int, str, Any, Any]  # row, attribute, old value, new value
_TRUE = {"Y", "YES", "TRUE", "1", "X", "✓"}
_INT = re.compile(r"^\s*(\d+)(?:\.0*)?\s*$")  # spreadsheets paste 1 as "1" or "1.0"


@dataclass(frozen=True)
class Field:
    attr: str  # the MappingColumn attribute (and the validation problem's field)
    title: str
    kind: str
    width: int
    tip: str
    choices: tuple[str, ...] = ()


FIELDS: tuple[Field, ...] = (
    Field("name", "Column", TEXT, 170, "Target column name (unquoted identifier)"),
    Field("data_type", "Data type", TYPE, 140, "Target data type, for the target's database"),
    Field("key", "Key", BOOL, 44, "Business key (what a row is matched by)"),
    Field("key_seq", "Key seq", INT, 72, "Position of the column in the business key"),
    Field("scd_type", "SCD", CHOICE, 52, "Dimensions: 1 overwrite, 2 keep history", SCD_TYPES),
    Field("logic", "Logic", LOGIC, 280, "SQL expression over the source query's columns"),
    Field("combine", "Combine", CHOICE, 84, "Aggregate (the other columns group)", COMBINE_CODES),
    Field("lookup_table", "Lookup table", TEXT, 120, "Target-side table the value is looked up in"),
    Field("key_column", "Lookup key", TEXT, 110, "Column of the lookup table matched by the logic"),
    Field("value_column", "Lookup value", TEXT, 110, "Column of the lookup table to take"),
    Field("exec_seq", "Exec seq", INT, 70, "Order of the column in the target table"),
    Field("description", "Description", TEXT, 240, "What the column means"),
)
ATTRS = tuple(f.attr for f in FIELDS)
COLUMN_OF = {f.attr: i for i, f in enumerate(FIELDS)}
NAME, DATA_TYPE, KEY, KEY_SEQ, SCD, LOGIC_COL = (COLUMN_OF[a] for a in ATTRS[:6])


def blank_column() -> MappingColumn:
    return MappingColumn(name="", data_type="")


def value_to_text(field: Field, value: Any) -> str:
    """The cell's value as a spreadsheet cell holds it."""
    if field.kind == BOOL:
        return "Y" if value else ""
    return "" if value is None else str(value)


def text_to_value(field: Field, text: str) -> Any:
    """A typed or pasted text as the field's value; ValueError when it cannot be one."""
    raw = (text or "").strip()
    if field.kind == BOOL:
        return raw.upper() in _TRUE
    if field.kind == INT:
        if not raw:
            return None
        match = _INT.match(raw)
        if match is None:
            raise ValueError(f"{field.title}: {raw!r} is not a whole number")
        number = int(match.group(1))
        return number or None
    if field.kind == CHOICE:
        raw = raw.upper()
        if raw.endswith(".0"):
            raw = raw[:-2]
        return raw or None
    if field.attr in ("name", "data_type"):
        return raw
    return (text or "").strip() or None


def is_header_row(cells: list[str]) -> bool:
    """A pasted first row that names the grid's columns (a spreadsheet's header)."""
    titles = {f.title.lower() for f in FIELDS} | set(ATTRS)
    filled = [c.strip().lower() for c in cells if c.strip()]
    return bool(filled) and all(c in titles for c in filled)


def parse_tsv(text: str) -> list[list[str]]:
    """Rows of cells from a spreadsheet's clipboard: tabs, newlines, quoted multi-line cells."""
    rows: list[list[str]] = []
    row: list[str] = []
    cell: list[str] = []
    i, n = 0, len(text)
    at_start = True
    while i < n:
        ch = text[i]
        if at_start and ch == '"':
            i += 1
            while i < n:
                if text[i] == '"' and i + 1 < n and text[i + 1] == '"':
                    cell.append('"')
                    i += 2
                elif text[i] == '"':
                    i += 1
                    break
                else:
                    cell.append(text[i])
                    i += 1
            at_start = False
            continue
        if ch == "\t":
            row.append("".join(cell))
            cell, at_start = [], True
        elif ch in "\r\n":
            if ch == "\r" and i + 1 < n and text[i + 1] == "\n":
                i += 1
            row.append("".join(cell))
            rows.append(row)
            row, cell, at_start = [], [], True
        else:
            cell.append(ch)
            at_start = False
        i += 1
    if cell or row:
        row.append("".join(cell))
        rows.append(row)
    return rows


def tsv_cell(text: str) -> str:
    """A cell for the clipboard: quoted when it holds a tab, a line break or a quote."""
    if any(c in text for c in '\t\n\r"'):
        return '"' + text.replace('"', '""') + '"'
    return text


# sqlglot's own names for functions that users write differently (or not at all).
_INTERNAL_FUNCTIONS = frozenset(
    """PAD STR_POSITION DECODE_CASE TS_OR_DS_TO_DATE TS_OR_DS_TO_TIMESTAMP TIME_STR_TO_DATE
    TIME_STR_TO_TIME TIME_TO_STR STR_TO_TIME TIMESTAMP_TRUNC DAY_OF_MONTH DAY_OF_WEEK
    DAY_OF_YEAR WEEK_OF_YEAR""".split()  # noqa: SIM905
)


@cache
def logic_functions() -> tuple[str, ...]:
    """SQL functions the logic validation accepts, for completion."""
    from dms_desktop.core.mapping.logic import ALLOWED_FUNCTIONS, ALLOWED_NAMES

    names = set(ALLOWED_NAMES) | {"LPAD", "RPAD", "SUBSTR"}
    for function in ALLOWED_FUNCTIONS:
        names.update(function.sql_names())
    return tuple(sorted(n for n in names if n not in _INTERNAL_FUNCTIONS))
