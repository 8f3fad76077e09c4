"""Screenshots of the Dashboard and of Reports (called by screenshots.py): a month of run
history for the charts, the demo loads and report, its parameters, preview and PDF page."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

Save = Callable[[Any, str], Path]
Wait = Callable[..., None]


def sample_history(ws, days: int = 30) -> None:  # type: ignore[no-untyped-def]
    """A month of nightly and intraday runs of the demo mappings, with a few failures (each
    retried) and a fact load that slowly grows, so the Dashboard has something to show."""
    from dms_desktop.core.clock import utcnow
    from dms_desktop.core.metadata.engine import write_tx
    from dms_desktop.core.metadata.tables import dms_prclog

    rng = random.Random(7)
    now = utcnow().replace(microsecond=0)
    today = now.replace(hour=0, minute=0, second=0)
    failures = {
        ("FACT_SALES", 23): "Lookup DIM_CUSTOMER: 1,204 sales without a current customer version",
        ("FACT_SALES", 11): "Target database locked: could not begin the merge within 30 s",
        ("FACT_SALES", 4): "Source query failed: no such column: l.discount_pct",
        ("DIM_CUSTOMER", 17): "Duplicate business keys in the source: CUST-00042, CUST-00107",
    }
    # mapping, starts (hour, minute), seconds, rows read, share inserted, share updated
    plan = [
        ("STG_ORDER_LINES", [(0, 30), (6, 30), (12, 30), (18, 30)], 38, 46_000, 1.0, 0.0),
        ("DIM_CUSTOMER", [(2, 0)], 95, 1_500, 0.2, 0.15),
        ("DIM_PRODUCT", [(2, 4)], 18, 320, 0.05, 0.1),
        ("FACT_SALES", [(2, 20)], 300, 182_000, 1.0, 0.0),
    ]
    rows: list[dict[str, Any]] = []
    for back in range(days - 1, -1, -1):
        day = today - timedelta(days=back)
        weekend = day.weekday() >= 5
        for mapref, starts, seconds, read, ins, upd in plan:
            for hour, minute in starts:
                start = day + timedelta(hours=hour, minutes=minute, seconds=rng.randint(0, 40))
                if start >= now:
                    continue
                grow = 1 + 0.012 * (days - back) if mapref == "FACT_SALES" else 1.0
                took = seconds * grow * rng.uniform(0.85, 1.2) * (0.6 if weekend else 1.0)
                volume = int(read * rng.uniform(0.8, 1.15) * (0.45 if weekend else 1.0))
                message = failures.get((mapref, back)) if (hour, minute) == starts[0] else None
                status = "FAILED" if message else "SUCCESS"
                if mapref == "STG_ORDER_LINES" and back == 8 and hour == 12:
                    status, message = "CANCELLED", "Cancelled by demo"
                run = {
                    "mapref": mapref,
                    "status": status,
                    "trgtyp": "SCHEDULE",
                    "strtdt": start,
                    "enddt": start + timedelta(seconds=took * (0.4 if message else 1)),
                    "srcrows": volume,
                    "insrows": 0 if message else int(volume * ins),
                    "updrows": 0 if message else int(volume * upd),
                    "errrows": 1 if status == "FAILED" else 0,
                    "message": message or "Illustration for the screenshots",
                    "runby": "dms-scheduler",
                }
                rows.append(run)
                if status == "FAILED":  # the retry half an hour later succeeds
                    retry = start + timedelta(minutes=30)
                    rows.append(
                        {
                            **run,
                            "status": "SUCCESS",
                            "trgtyp": "RETRY",
                            "strtdt": retry,
                            "enddt": retry + timedelta(seconds=took),
                            "insrows": int(volume * ins),
                            "errrows": 0,
                            "message": "Retry succeeded",
                        }
                    )
    with write_tx(ws.engine) as conn:
        conn.execute(dms_prclog.insert(), rows)


def load_demo_warehouse(ws) -> None:  # type: ignore[no-untyped-def]
    """Run the demo loads (staging, dimensions, fact) and save the demo report over them,
    before the Mapper pictures change the mappings."""
    from dms_desktop.core.demo.seed import DEMO_PASSWORD, DEMO_USER
    from dms_desktop.core.engine.run import run_mapping
    from dms_desktop.core.reports.demo import demo_reports
    from dms_desktop.core.security.auth import AuthService

    user = AuthService(ws).login(DEMO_USER, DEMO_PASSWORD)
    for ref in ("STG_ORDER_LINES", "DIM_CUSTOMER", "DIM_PRODUCT", "FACT_SALES"):
        result = run_mapping(ws, user, ref)
        print(f"loaded {ref}: {result.status} {result.message or ''}".rstrip())
    demo_reports(ws, user)


def dashboard_shots(  # type: ignore[no-untyped-def]
    window, save: Save, wait_for: Wait, settle: Wait, suffix: str = ""
) -> None:
    """The Dashboard over the month of runs (sample_history plus the demo loads)."""
    window.show_module("dashboard")
    page = window.page("dashboard")
    page.refresh()
    wait_for(lambda: page.board is not None and not page.loading)
    settle(300)
    save(window, f"dashboard{suffix}")


def render_pdf_page(pdf: Path, out: Path) -> bool:
    """The first page of ``pdf`` as a PNG, with pypdfium2: Qt's QtPdf is not part of
    PySide6-Essentials and poppler's pdftoppm is not on every machine."""
    try:
        import pypdfium2 as pdfium  # type: ignore[import-untyped]
    except ImportError:
        print("skipped the PDF page: pip install pypdfium2 to render it")
        return False
    document = pdfium.PdfDocument(str(pdf))
    try:
        document[0].render(scale=150 / 72).to_pil().save(out)
    finally:
        document.close()
    print(f"wrote {out.name}")
    return True


def report_shots(  # type: ignore[no-untyped-def]
    window, folder: Path, save: Save, wait_for: Wait, settle: Wait
) -> None:
    """The demo report: its definition, the parameters, the preview, the PDF's first page,
    and the Reports menu listing every definition."""
    from dms_desktop.core.reports import export_report
    from dms_desktop.core.reports.demo import DEMO_REPORT

    window.show_module("reports")
    page = window.page("reports")
    wait_for(lambda: page.catalog is not None and not page.loading)
    page.load(select=DEMO_REPORT)
    wait_for(lambda: not page.loading and page.editor.base.name == DEMO_REPORT)
    settle(300)
    out = save(window, "reports_editor").parent
    dialog = page.run()
    save(dialog, "reports_parameters")
    dialog.run()
    wait_for(lambda: page.preview.run is not None and not dialog.isVisible())
    settle(300)
    save(window, "reports_preview")
    run = page.preview.run
    pdf = folder / f"{DEMO_REPORT}.pdf"
    export_report(window.ws, window.user, run.definition, run.given, "pdf", pdf)
    render_pdf_page(pdf, out / "reports_pdf_page1.png")

    menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Reports")
    menu.popup(window.mapToGlobal(window.menuBar().geometry().bottomLeft()))
    wait_for(lambda: bool(window.menus.reports.report_actions))
    save(menu, "menu_reports")
    menu.hide()
