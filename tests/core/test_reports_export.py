"""Report exports read back with independent readers: csv, openpyxl (read mode), pypdf.

Content, types, page count, header and footer text; bad input (failing SQL, wrong
parameters, an unwritable folder), a 0-row result, cancel: nothing half-written is left.
"""

from __future__ import annotations

import csv
import os
import sqlite3
import threading
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from dms_desktop.core.connections.model import ConnectionDef
from dms_desktop.core.connections.service import ConnectionService
from dms_desktop.core.errors import DmsError, ValidationError
from dms_desktop.core.reports import (
    ParameterError,
    ReportColumn,
    ReportDef,
    ReportParam,
    ReportService,
    ReportTemplate,
    export_report,
    render_scheduled,
    run_report,
)
from dms_desktop.core.reports.demo import DEMO_REPORT, demo_reports
from dms_desktop.core.security.permissions import CurrentUser
from dms_desktop.core.sqlstore.errors import QueryCancelled
from dms_desktop.core.tasks import TaskState
from dms_desktop.core.workspace import Workspace

SALES = [  # order_date, customer_sk, quantity, amount, line_count
    ("2025-01-05", 1, 2, "100.50", 2),
    ("2025-01-20", 2, 10, "900.00", 3),
    ("2025-01-21", 3, 1, "49.50", 1),
    ("2025-02-02", 1, 1, "10.00", 1),
    ("2025-03-15", 2, 5, "500.00", 1),  # outside the period used below
]
PERIOD = {"date_from": "2025-01-01", "date_to": "2025-02-28"}
SPIN = (
    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 2000000000) "
    "SELECT x, 'row ' || x AS label FROM c"
)


def make_dw(path: Path) -> None:
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE dim_customer (skey INTEGER PRIMARY KEY, segment TEXT)")
        db.executemany(
            "INSERT INTO dim_customer VALUES (?, ?)",
            [(1, "Consumer"), (2, "Corporate"), (3, "Consumer")],
        )
        db.execute(
            "CREATE TABLE fact_sales (order_date DATE, customer_sk BIGINT, product_sk BIGINT, "
            "quantity INTEGER, amount NUMERIC(16,2), line_count INTEGER)"
        )
        db.executemany(
            "INSERT INTO fact_sales VALUES (?, ?, 1, ?, ?, ?)",
            [(d, c, q, float(a), n) for d, c, q, a, n in SALES],
        )


@pytest.fixture
def dw(workspace: Workspace, admin: CurrentUser, tmp_path: Path) -> int:
    """A small demo-like warehouse as connection DEMO_DW, with the demo report saved."""
    path = tmp_path / "dw.db"
    make_dw(path)
    conid = (
        ConnectionService(workspace, admin)
        .create(ConnectionDef(name="DEMO_DW", dbtype="SQLITE", database=str(path)))
        .conid
    )
    assert conid is not None
    demo_reports(workspace, admin)
    return conid


@pytest.fixture
def out(tmp_path: Path) -> Path:
    folder = tmp_path / "out"
    folder.mkdir()
    return folder


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def _pdf_text(path: Path) -> tuple[int, list[str]]:
    reader = PdfReader(str(path))
    return len(reader.pages), [page.extract_text() for page in reader.pages]


def test_demo_report_csv_xlsx_pdf(
    workspace: Workspace, admin: CurrentUser, dw: int, out: Path
) -> None:
    now = datetime(2026, 3, 10, 9, 30)
    results = {
        fmt: export_report(workspace, admin, DEMO_REPORT, PERIOD, fmt, out / f"s.{fmt}", now=now)
        for fmt in ("csv", "xlsx", "pdf")
    }
    assert {r.rows for r in results.values()} == {3}
    assert _leftovers(out) == ["s.csv", "s.pdf", "s.xlsx"]

    with (out / "s.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == [
        "Month",
        "Segment",
        "Customers",
        "Order lines",
        "Units",
        "Net sales",
        "Share of month",
    ]
    assert [r[:5] for r in rows[1:]] == [
        ["2025-01", "Consumer", "2", "3", "3"],
        ["2025-01", "Corporate", "1", "3", "10"],
        ["2025-02", "Consumer", "1", "1", "1"],
    ]
    assert float(rows[1][5]) == pytest.approx(150.0) and float(rows[3][6]) == pytest.approx(1.0)

    book = load_workbook(out / "s.xlsx")  # read mode
    sheet = book["Data"]
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][:2] == ("Month", "Segment") and len(values) == 4
    assert values[2][2:6] == (1, 3, 10, 900)  # typed numbers, not text
    assert sheet["A1"].font.b and sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:G4"
    assert sheet["F2"].number_format == "#,##0.00" and sheet["G2"].number_format == "0.0%"
    assert sheet.column_dimensions["F"].width >= 14
    about = dict(book["About"].iter_rows(values_only=True))
    assert about["Report"] == "Sales by month and segment" and about["From"] == "2025-01-01"

    pages, texts = _pdf_text(out / "s.pdf")
    assert pages == 1
    text = texts[0]
    for expected in (
        "DMS Desktop demo warehouse",  # header
        "Sales by month and segment",  # title
        "2025-01-01 to 2025-02-28 · segment: ALL",  # subtitle with parameters
        "Net sales",
        "900.00",
        "150.00",
        "Generated 2026-03-10 09:30 UTC",  # footer with a placeholder
        "Page 1 of 1",
    ):
        assert expected in text, expected
    assert "85.7%" in text  # Corporate: 900 of January's 1,050


def test_long_pdf_repeats_header_and_numbers_pages(
    workspace: Workspace, admin: CurrentUser, dw: int, out: Path
) -> None:
    defn = ReportDef(
        "NUMBERS",
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < :n) "
        "SELECT x AS n, 'line ' || x AS label, x * 1.5 AS amount FROM c",
        conid=dw,
        params=(ReportParam("n", "number", "Rows", "10", required=True),),
        columns=(ReportColumn("amount", "Amount", "number", 1),),
        template=ReportTemplate(
            "Numbers", header="Top of every page", footer="Bottom line", orientation="landscape"
        ),
    )
    result = export_report(workspace, admin, defn, {"n": "250"}, "pdf", out / "n.pdf")
    assert result.rows == 250
    pages, texts = _pdf_text(out / "n.pdf")
    assert pages > 3
    for i, text in enumerate(texts, start=1):
        assert "Top of every page" in text and "Bottom line" in text
        assert "label" in text and "Amount" in text  # the table's header row, every page
        assert f"Page {i} of {pages}" in text
    assert "Numbers" in texts[0] and "Numbers" not in texts[1]
    assert "375.0" in texts[-1]  # 250 * 1.5, formatted with one decimal
    assert PdfReader(str(out / "n.pdf")).pages[0].mediabox.width > 800  # landscape A4


def test_wide_pdf_keeps_numbers_and_dates_whole(
    workspace: Workspace, admin: CurrentUser, dw: int, out: Path
) -> None:
    """Fourteen columns on a portrait page: long texts are cut, numbers and dates never."""
    texts = ", ".join(f"'{'word ' * 12}{i}' AS text{i}" for i in range(8))
    defn = ReportDef(
        "WIDE",
        f"SELECT 1234567.89 AS amount, 987654321 AS rows_read, '2026-11-29 02:00:05' AS started, "
        f"{texts}, 42 AS small, 'OK' AS status, -0.5 AS delta",
        conid=dw,
        columns=(
            ReportColumn("amount", "Amount", "number", 2),
            ReportColumn("rows_read", "Rows read", "integer"),
            ReportColumn("started", "Started", "datetime"),
        ),
        template=ReportTemplate("Wide", orientation="portrait"),
    )
    export_report(workspace, admin, defn, {}, "pdf", out / "wide.pdf")
    _, (page,) = _pdf_text(out / "wide.pdf")
    for whole in ("1,234,567.89", "987,654,321", "2026-11-29 02:00:05", "Rows read", "Amount"):
        assert whole in page, whole
    assert "word word word word word word word word word word word word 0" not in page  # cut


def test_zero_rows_is_a_proper_empty_report(
    workspace: Workspace, admin: CurrentUser, dw: int, out: Path
) -> None:
    empty = {"date_from": "2030-01-01", "date_to": "2030-12-31"}
    for fmt in ("csv", "xlsx", "pdf"):
        assert export_report(workspace, admin, DEMO_REPORT, empty, fmt, out / f"e.{fmt}").rows == 0
    with (out / "e.csv").open(encoding="utf-8") as fh:
        assert list(csv.reader(fh)) == [
            ["Month", "Segment", "Customers", "Order lines", "Units", "Net sales", "Share of month"]
        ]
    sheet = load_workbook(out / "e.xlsx")["Data"]
    assert [c.value for c in sheet[1]][:2] == ["Month", "Segment"] and sheet.max_row == 1
    pages, texts = _pdf_text(out / "e.pdf")
    assert pages == 1 and "No rows" in texts[0] and "Net sales" in texts[0]


def test_failing_sql_leaves_nothing(
    workspace: Workspace, admin: CurrentUser, dw: int, out: Path
) -> None:
    bad = ReportDef("BAD", "SELECT nope FROM missing_table", conid=dw)
    for fmt in ("csv", "xlsx", "pdf"):
        with pytest.raises(DmsError, match="missing_table"):
            export_report(workspace, admin, bad, {}, fmt, out / f"bad.{fmt}")
    (out / "keep.csv").write_text("old")
    with pytest.raises(DmsError):
        export_report(workspace, admin, bad, {}, "csv", out / "keep.csv")
    assert (out / "keep.csv").read_text() == "old"  # never replaced by a failed export
    assert _leftovers(out) == ["keep.csv"]


def test_parameter_errors_are_clear(
    workspace: Workspace, admin: CurrentUser, dw: int, out: Path
) -> None:
    with pytest.raises(ParameterError) as caught:
        export_report(
            workspace,
            admin,
            DEMO_REPORT,
            {"date_from": "yesterday-ish", "segment": "Pirates", "colour": "red"},
            "csv",
            out / "p.csv",
        )
    problems = caught.value.problems
    assert set(problems) == {"date_from", "segment", "colour"}
    assert "YYYY-MM-DD" in problems["date_from"]
    assert "Consumer" in problems["segment"] and "no parameter 'colour'" in problems["colour"]
    assert _leftovers(out) == []


def test_unwritable_or_missing_folder(
    workspace: Workspace, admin: CurrentUser, dw: int, out: Path
) -> None:
    with pytest.raises(ValidationError, match="does not exist"):
        export_report(workspace, admin, DEMO_REPORT, PERIOD, "csv", out / "nope" / "x.csv")
    if os.geteuid() == 0:  # root writes anywhere: /proc refuses new files even to root
        locked = Path("/proc")
    else:
        locked = out / "locked"
        locked.mkdir(mode=0o500)
    with pytest.raises(DmsError, match=r"Cannot write"):
        export_report(workspace, admin, DEMO_REPORT, PERIOD, "xlsx", locked / "x.xlsx")
    with pytest.raises(ValidationError, match="csv, xlsx or pdf"):
        export_report(workspace, admin, DEMO_REPORT, PERIOD, "docx", out / "x.docx")


def test_cancel_stops_the_query_and_leaves_nothing(
    workspace: Workspace, admin: CurrentUser, dw: int, out: Path
) -> None:
    spin = ReportDef("SPIN", SPIN, conid=dw)
    state = TaskState()
    threading.Timer(0.5, state.cancel).start()
    with pytest.raises(QueryCancelled):
        export_report(workspace, admin, spin, {}, "xlsx", out / "spin.xlsx", state)
    assert _leftovers(out) == []


def test_preview_stream(workspace: Workspace, admin: CurrentUser, dw: int) -> None:
    with run_report(workspace, admin, DEMO_REPORT, PERIOD, fetch_size=2) as run:
        first = run.fetch(2)
        assert [c.title for c in run.columns][:3] == ["Month", "Segment", "Customers"]
        assert run.columns[5].text(first[1][5]) == "900.00"
        rest = run.fetch(10)
        assert len(first) + len(rest) == 3 and run.exhausted


def test_scheduled_render_writes_the_pattern(
    workspace: Workspace, admin: CurrentUser, dw: int, out: Path
) -> None:
    service = ReportService(workspace, admin)
    defn = service.get(DEMO_REPORT)
    with pytest.raises(ValidationError, match="output folder"):
        render_scheduled(workspace, admin, DEMO_REPORT, datetime(2025, 2, 28, 6, 0))
    from dataclasses import replace

    from dms_desktop.core.admin.params import ParamService

    # the workspace-wide default folder (System configuration) serves a definition without one
    ParamService(workspace, admin).set("REPORTS.OUTPUT_FOLDER", str(out / "default"))
    service.save(replace(defn, output_format="csv"))
    written = render_scheduled(workspace, admin, DEMO_REPORT, datetime(2025, 2, 28, 6, 0))
    assert written.parent == out / "default" and written.stat().st_size > 0

    service.save(
        replace(
            defn,
            output_folder=str(out / "monthly"),
            output_format="xlsx",
            file_pattern="{report}_{date}",
        )
    )
    path = render_scheduled(workspace, admin, DEMO_REPORT, datetime(2025, 2, 28, 6, 0))
    assert path == out / "monthly" / f"{DEMO_REPORT}_2025-02-28.xlsx"
    about = dict(load_workbook(path)["About"].iter_rows(values_only=True))
    assert about["To"] == "2025-02-28"  # "today" counted from the firing, not the clock
    assert load_workbook(path)["Data"].max_row == 4
    assert date.fromisoformat(about["From"]) == date(2025, 1, 1)


def test_xlsx_awkward_values(workspace: Workspace, admin: CurrentUser, dw: int, out: Path) -> None:
    defn = ReportDef(
        "ODD",
        "SELECT '=1+1' AS formula, '#N/A' AS code, 'bell' || char(7) AS ctrl, "
        "12345678901234567 AS big, 2.5 AS ratio, '2025-01-31 10:15:00' AS at, "
        "'2025-02-01' AS day, NULL AS empty "
        "UNION ALL SELECT 'plain', 'x', 'y', 1, 0.25, NULL, NULL, NULL",
        conid=dw,
        columns=(
            ReportColumn("at", "At", "datetime", date_format="%d.%m.%Y %H:%M"),
            ReportColumn("day", "Day", "date"),
            ReportColumn("ratio", "Ratio", "percent", 0),
        ),
    )
    export_report(workspace, admin, defn, {}, "xlsx", out / "odd.xlsx")
    sheet = load_workbook(out / "odd.xlsx")["Data"]
    first = [c for c in sheet[2]]
    assert first[0].value == "=1+1" and first[0].data_type == "s"  # text, not a formula
    assert first[1].value == "#N/A" and first[1].data_type == "s"
    assert first[2].value == "bell"  # the control character Excel refuses is dropped
    assert first[3].value == "12345678901234567"  # Excel would round it: kept as text
    assert first[4].value == 2.5 and first[4].number_format == "0%"
    assert first[5].value == datetime(2025, 1, 31, 10, 15)  # SQLite text, typed
    assert first[5].number_format == "dd.mm.yyyy hh:mm"
    assert first[6].value == datetime(2025, 2, 1) and first[6].number_format == "yyyy-mm-dd"
    second = [c.value for c in sheet[3]]
    assert second[:5] == ["plain", "x", "y", 1, 0.25] and second[5:] == [None, None, None]
