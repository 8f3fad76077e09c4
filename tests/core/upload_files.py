"""Real files for the upload tests, written the way the programs people use write them."""

from __future__ import annotations

import json
import re
import shutil
import tempfile
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

HEADER = ["id", "name", "amount", "day"]
ROWS = [
    ["1", "Ærø Købmand", "10.50", "2026-01-31"],
    ["2", "Zürich AG", "-3.25", "2026-02-01"],
    ["3", "Café Noël", "0", "2026-02-02"],
]


def csv_text(
    rows: Sequence[Sequence[str]], delimiter: str = ",", header: Sequence[str] = HEADER
) -> str:
    def cell(value: str) -> str:
        if any(c in value for c in (delimiter, '"', "\n", "\r")):
            return '"' + value.replace('"', '""') + '"'
        return value

    lines = [delimiter.join(cell(v) for v in row) for row in [header, *rows]]
    return "\r\n".join(lines) + "\r\n"


def write_csv(
    path: Path,
    rows: Sequence[Sequence[str]] = ROWS,
    *,
    delimiter: str = ",",
    encoding: str = "utf-8",
    header: Sequence[str] = HEADER,
) -> Path:
    path.write_bytes(csv_text(rows, delimiter, header).encode(encoding))
    return path


def write_xlsx(
    path: Path,
    cells: dict[str, Any],
    merges: Sequence[str] = (),
    saved_values: dict[str, Any] | None = None,
    sheet: str = "Data",
) -> Path:
    """A workbook; ``saved_values`` adds the results of formula cells, as Excel saves them."""
    from openpyxl import Workbook

    book = Workbook()
    ws = book.active
    ws.title = sheet
    for ref, value in cells.items():
        ws[ref] = value
    for merged in merges:
        ws.merge_cells(merged)
    book.save(path)
    if saved_values:
        add_saved_values(path, saved_values)
    return path


def add_saved_values(path: Path, values: dict[str, Any]) -> None:
    temp = Path(tempfile.mkdtemp()) / path.name
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(temp, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename.startswith("xl/worksheets/sheet"):
                text = data.decode("utf-8")
                for ref, value in values.items():
                    text = re.sub(
                        rf'(<c r="{ref}"[^>]*>\s*<f>[^<]*</f>)\s*(?:<v\s*/>|<v>\s*</v>)?',
                        rf"\g<1><v>{value}</v>",
                        text,
                    )
                data = text.encode("utf-8")
            dst.writestr(item, data)
    shutil.move(temp, path)


def write_json(path: Path, records: Any, *, lines: bool = False) -> Path:
    if lines:
        path.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    else:
        path.write_text(json.dumps(records, indent=2), encoding="utf-8")
    return path
