"""How a report column looks: its title, its text (preview, PDF) and its Excel cell.

One place decides, so the grid preview, the PDF and the spreadsheet agree. SQLite hands
dates back as text: a column declared ``date``/``datetime`` is parsed, so the spreadsheet
still gets real date cells.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from datetime import time as dtime
from decimal import Decimal, InvalidOperation
from typing import Any

from dms_desktop.core.reports.model import ReportColumn, ReportDef
from dms_desktop.core.sqlstore.export import csv_value, xlsx_value

DATE_FORMAT = "%Y-%m-%d"
DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S"
NUMERIC_KINDS = ("integer", "number", "percent")
_EXCEL_CODES = {
    "%Y": "yyyy",
    "%y": "yy",
    "%m": "mm",
    "%d": "dd",
    "%H": "hh",
    "%M": "mm",
    "%S": "ss",
    "%B": "mmmm",
    "%b": "mmm",
    "%A": "dddd",
    "%a": "ddd",
}
_DEFAULT_WIDTH = {"date": 11, "datetime": 19, "integer": 10, "number": 12, "percent": 9}


@dataclass(frozen=True)
class OutputColumn:
    """A result column with its resolved look."""

    name: str
    title: str
    kind: str
    decimals: int | None
    date_format: str | None
    width: int
    fixed: bool = False  # the definition gave the width: the data does not change it

    @property
    def numeric(self) -> bool:
        return self.kind in NUMERIC_KINDS

    def text(self, value: Any) -> str:
        return format_text(self, value)

    def excel_format(self) -> str | None:
        return excel_format(self)


def output_columns(defn: ReportDef, names: Sequence[str]) -> list[OutputColumn]:
    """The result's columns in result order, decorated by the definition's columns."""
    out = []
    for name in names:
        spec = defn.column(name) or ReportColumn(name)
        title = spec.title or name
        width = spec.width or max(len(title), _DEFAULT_WIDTH.get(spec.kind, 14))
        out.append(
            OutputColumn(
                name,
                title,
                spec.kind,
                spec.decimals,
                spec.date_format,
                min(width, 200),
                spec.width is not None,
            )
        )
    return out


def fit_widths(
    columns: list[OutputColumn], sample: Sequence[Sequence[Any]], cap: int = 60
) -> list[OutputColumn]:
    """Widths from the data: the title, or 9 in 10 of the sample's texts, whichever is wider."""
    if not sample:
        return columns
    fitted = []
    for i, col in enumerate(columns):
        if col.fixed:
            fitted.append(col)
            continue
        lengths = sorted(len(col.text(row[i])) for row in sample[:1000])
        typical = lengths[min(len(lengths) - 1, int(len(lengths) * 0.9))]
        width = max(4, min(cap, max(len(col.title), typical)))
        fitted.append(replace(col, width=width))
    return fitted


def _as_temporal(value: Any, kind: str) -> Any:
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.strip())
        except ValueError:
            return value
        return parsed.date() if kind == "date" else parsed
    if kind == "date" and isinstance(value, datetime):
        return value.date()
    return value


def _as_number(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return Decimal(value.strip())
        except InvalidOperation:
            return value
    return value


def typed(col: OutputColumn, value: Any) -> Any:
    """The value as its column's kind says (date text parsed, number text read)."""
    if value is None:
        return None
    if col.kind in ("date", "datetime"):
        return _as_temporal(value, col.kind)
    if col.numeric:
        return _as_number(value)
    return value


def format_text(col: OutputColumn, value: Any) -> str:
    """The text a reader sees: thousands separators, decimals, date formats applied."""
    value = typed(col, value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, int | float | Decimal) and col.numeric:
        return _number_text(col, value)
    if isinstance(value, datetime):
        pattern = col.date_format or (DATE_FORMAT if col.kind == "date" else DATETIME_FORMAT)
        return value.strftime(pattern)
    if isinstance(value, date):
        return value.strftime(col.date_format or DATE_FORMAT)
    if isinstance(value, float):
        return f"{value:.10g}"
    if isinstance(value, dtime):
        return value.isoformat()
    return str(csv_value(value))


def _number_text(col: OutputColumn, value: int | float | Decimal) -> str:
    if col.kind == "percent":
        return f"{float(value) * 100:,.{1 if col.decimals is None else col.decimals}f}%"
    if col.kind == "integer":
        return f"{round(value):,}"
    if col.decimals is None:
        return f"{value:,}" if isinstance(value, int | Decimal) else f"{value:,.10g}"
    return f"{value:,.{col.decimals}f}"


def excel_format(col: OutputColumn) -> str | None:
    """The Excel number format of the column; None: Excel's General."""
    decimals = col.decimals
    if col.kind == "integer":
        return "#,##0"
    if col.kind == "number":
        if decimals is None:
            return None  # General: as many decimals as the value has
        return "#,##0" + ("." + "0" * decimals if decimals else "")
    if col.kind == "percent":
        d = 1 if decimals is None else decimals
        return "0" + ("." + "0" * d if d else "") + "%"
    if col.kind in ("date", "datetime"):
        default = DATE_FORMAT if col.kind == "date" else DATETIME_FORMAT
        return strftime_to_excel(col.date_format or default)
    return None


def strftime_to_excel(pattern: str) -> str:
    """``%Y-%m-%d %H:%M`` -> ``yyyy-mm-dd hh:mm`` (codes Excel lacks are dropped)."""
    return re.sub(r"%.", lambda m: _EXCEL_CODES.get(m.group(0), ""), pattern)


def excel_converter(col: OutputColumn) -> Callable[[Any], Any]:
    """value -> what an Excel cell can hold without loss (typed for declared kinds)."""
    if col.kind in ("date", "datetime") or col.numeric:

        def convert(value: Any) -> Any:
            return xlsx_value(typed(col, value))

        return convert
    return xlsx_value
