"""The demo uploads: exchange rates from a European CSV, a budget from an Excel workbook.

``demo_uploads`` copies the two sample files of ``resources/demo`` into the demo workspace's
``incoming`` folder and saves an upload definition for each onto the demo warehouse; the
tables are created by the first run. Running it twice changes nothing.

* FX_RATES: ``exchange_rates*.csv`` (the newest file matching), semicolons, Windows-1252,
  dates 31.12.2025, decimal commas; upserted into FX_RATES by date and currency;
* BUDGET_2026: ``budget_2026.xlsx``, a title row and a merged two-row header, a formula
  column; replaces BUDGET_2026.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from dms_desktop.core.connections.service import ConnectionService
from dms_desktop.core.errors import NotFound
from dms_desktop.core.security.permissions import CurrentUser
from dms_desktop.core.uploads.model import ColumnRule, ColumnSpec, FileOptions, UploadDef
from dms_desktop.core.uploads.service import UploadService
from dms_desktop.core.workspace import Workspace

RATES_FILE = "exchange_rates.csv"
BUDGET_FILE = "budget_2026.xlsx"
_PACKAGE = Path(__file__).resolve().parents[2]  # .../dms_desktop


def demo_files_dir() -> Path:
    """``<repo>/resources/demo`` in a checkout, ``dms_desktop/resources/demo`` packaged."""
    for candidate in (_PACKAGE.parent / "resources" / "demo", _PACKAGE / "resources" / "demo"):
        if candidate.is_dir():
            return candidate
    raise NotFound(f"No demo files beside or inside {_PACKAGE}.")


def _rates(conid: int, folder: Path) -> UploadDef:
    comma = ColumnRule(decimal=",", thousands=".")
    return UploadDef(
        name="FX_RATES",
        description="Daily reference rates (ECB) from the treasury spreadsheet export",
        conid=conid,
        table="fx_rates",
        mode="UPSERT",
        file=str(folder / "exchange_rates*.csv"),
        create_table=True,
        options=FileOptions(kind="CSV", encoding="cp1252", delimiter=";", skip_rows=0),
        columns=(
            ColumnSpec(
                "rate_date", "Datum", "DATE", key=True, rule=ColumnRule(date_format="%d.%m.%Y")
            ),
            ColumnSpec("currency", "Währung", "CHAR(3)", key=True, rule=ColumnRule(case="upper")),
            ColumnSpec("rate", "Kurs (1 € =)", "NUMERIC(18,6)", required=True, rule=comma),
            ColumnSpec("turnover_eur", "Umsatz in €", "NUMERIC(18,2)", rule=comma),
            ColumnSpec("source", "Quelle", "VARCHAR(20)", rule=ColumnRule(default="ECB")),
        ),  # fmt: skip
    )


def _budget(conid: int, folder: Path) -> UploadDef:
    return UploadDef(
        name="BUDGET_2026",
        description="Cost centre budget 2026, quarters under a merged header",
        conid=conid,
        table="budget_2026",
        mode="REPLACE",
        file=str(folder / BUDGET_FILE),
        create_table=True,
        options=FileOptions(kind="XLSX", sheet="Budget 2026"),
        columns=(
            ColumnSpec("cost_centre", "Cost centre", "VARCHAR(10)", key=True),
            ColumnSpec("department", "Department", "VARCHAR(40)", required=True),
            ColumnSpec("q1", "Budget 2026 Q1", "NUMERIC(14,2)"),
            ColumnSpec("q2", "Budget 2026 Q2", "NUMERIC(14,2)"),
            ColumnSpec("q3", "Budget 2026 Q3", "NUMERIC(14,2)"),
            ColumnSpec("q4", "Budget 2026 Q4", "NUMERIC(14,2)"),
            ColumnSpec("total", "Total", "NUMERIC(14,2)"),
            ColumnSpec("approved_on", "Approved on", "DATE"),
        ),
    )


def demo_uploads(ws: Workspace, admin: CurrentUser, dw_connection: str = "DEMO_DW") -> list[str]:
    """Copy the sample files and save the demo definitions (those missing); their names."""
    folder = ws.settings.data_dir / "demo" / "incoming"
    folder.mkdir(parents=True, exist_ok=True)
    source = demo_files_dir()
    for name in (RATES_FILE, BUDGET_FILE):
        if not (folder / name).exists():
            shutil.copyfile(source / name, folder / name)
    dw = ConnectionService(ws, admin).get(dw_connection)
    assert dw.conid is not None
    service = UploadService(ws, admin)
    existing = {d.name for d in service.list()}
    saved: list[str] = []
    for defn in (_rates(dw.conid, folder), _budget(dw.conid, folder)):
        if defn.name not in existing:
            service.save(defn)
            saved.append(defn.name)
    return saved
