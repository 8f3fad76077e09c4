"""Write the demo upload files to resources/demo/ (run once; the files are committed).

* ``exchange_rates.csv``: what Excel writes in much of Europe: semicolons, Windows-1252
  (a € in the header), dates as 31.12.2025, decimal commas and a thousands point;
* ``budget_2026.xlsx``: a title row, a merged two-row header ("Budget 2026" over Q1-Q4),
  a SUM formula per row with its saved value (as Excel saves it), dates.
"""

from __future__ import annotations

import random
import re
import shutil
import sys
import tempfile
import zipfile
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "resources" / "demo"
CURRENCIES = {"USD": 1.08, "GBP": 0.86, "CHF": 0.94, "JPY": 161.5, "SEK": 11.2, "NOK": 11.6,
              "DKK": 7.46, "PLN": 4.31}  # fmt: skip
CENTRES = [
    ("CC-100", "Sales"), ("CC-110", "Sales"), ("CC-200", "Marketing"), ("CC-300", "Finance"),
    ("CC-310", "Finance"), ("CC-400", "IT"), ("CC-410", "IT"), ("CC-500", "Logistics"),
    ("CC-600", "HR"), ("CC-700", "Facilities"),
]  # fmt: skip


def german(number: float, decimals: int) -> str:
    text = f"{number:,.{decimals}f}"
    return text.replace(",", "_").replace(".", ",").replace("_", ".")


def exchange_rates(path: Path) -> None:
    rng = random.Random(2026)
    lines = ["Datum;Währung;Kurs (1 € =);Umsatz in €;Quelle"]
    day = date(2025, 11, 3)
    rates = dict(CURRENCIES)
    while day <= date(2026, 1, 30):
        if day.weekday() < 5:
            for code in rates:
                rates[code] *= 1 + rng.uniform(-0.004, 0.004)
                volume = rng.uniform(20_000, 4_000_000)
                lines.append(
                    f"{day:%d.%m.%Y};{code};{german(rates[code], 4)};{german(volume, 2)};EZB"
                )
        day += timedelta(days=1)
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))


def with_saved_values(path: Path, values: dict[str, float]) -> None:
    """openpyxl writes formulas without results; Excel saves both: add the results."""
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


def budget(path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    rng = random.Random(7)
    book = Workbook()
    sheet = book.active
    sheet.title = "Budget 2026"
    sheet["A1"] = "Budget 2026 by cost centre (EUR)"
    sheet["A1"].font = Font(bold=True, size=14)
    for ref, text in (("A3", "Cost centre"), ("B3", "Department"), ("C3", "Budget 2026"),
                      ("G3", "Total"), ("H3", "Approved on")):  # fmt: skip
        sheet[ref] = text
        sheet[ref].font = Font(bold=True)
        sheet[ref].alignment = Alignment(horizontal="center", vertical="center")
    for merged in ("A3:A4", "B3:B4", "C3:F3", "G3:G4", "H3:H4"):
        sheet.merge_cells(merged)
    for column, quarter in zip("CDEF", ("Q1", "Q2", "Q3", "Q4"), strict=True):
        sheet[f"{column}4"] = quarter
        sheet[f"{column}4"].font = Font(bold=True)
    totals: dict[str, float] = {}
    for row, (centre, department) in enumerate(CENTRES, start=5):
        quarters = [round(rng.uniform(20_000, 400_000), -2) for _ in range(4)]
        sheet.append([centre, department, *quarters, f"=SUM(C{row}:F{row})",
                      date(2025, 12, 1) + timedelta(days=rng.randint(0, 20))])  # fmt: skip
        sheet[f"H{row}"].number_format = "DD.MM.YYYY"
        totals[f"G{row}"] = sum(quarters)
    for column, width in zip("ABCDEFGH", (14, 14, 12, 12, 12, 12, 14, 14), strict=True):
        sheet.column_dimensions[column].width = width
    book.save(path)
    with_saved_values(path, totals)


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    exchange_rates(OUT / "exchange_rates.csv")
    budget(OUT / "budget_2026.xlsx")
    for name in ("exchange_rates.csv", "budget_2026.xlsx"):
        print(f"wrote {(OUT / name).relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
