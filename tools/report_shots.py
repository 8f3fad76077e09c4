"""Screenshots of the Dashboard and of Reports (called by screenshots.py): a month of run
history for the charts, the demo loads and report, its parameters, preview and PDF page."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

Save = Callable[[Any, str], Path]
Wait = Callable[..., None]


def dashboard_shots(  # type: ignore[no-untyped-def]
    window, save: Save, wait_for: Wait, settle: Wait, suffix: str = ""
) -> None:
    """The Dashboard over the month of runs (the demo's run history)."""
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
