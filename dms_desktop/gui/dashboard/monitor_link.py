"""Open the Monitor on what a dashboard click points at: a job, a day, a status.

The Monitor offers no single "show these runs" call yet; when it grows one named
``show_runs(job=…, day=…, status=…)`` it is used as is. Until then the Monitor's own
controls are set: its job filter and its status section (it has no day filter).
"""

from __future__ import annotations

from datetime import date

from PySide6.QtWidgets import QLineEdit, QWidget

from dms_desktop.gui.pages import PageContext

# DMS_PRCLOG status of a run -> the Monitor's section of requests
MONITOR_SECTIONS = {
    "FAILED": "failed",
    "RUNNING": "running",
    "SUCCESS": "finished",
    "CANCELLED": "finished",
}


def monitor_page(anchor: QWidget) -> QWidget | None:
    """The Monitor page of the main window holding ``anchor``, built if needed."""
    page_of = getattr(anchor.window(), "page", None)
    if not callable(page_of):
        return None
    page = page_of("monitor")
    return page if isinstance(page, QWidget) else None


def open_monitor(
    context: PageContext,
    anchor: QWidget,
    *,
    job: str | None = None,
    day: date | None = None,
    status: str | None = None,
) -> QWidget | None:
    """Switch to the Monitor filtered to ``job``/``day``/``status``; the page, or None when
    the user may not view it."""
    if not context.user.can("monitor", "view") or not context.navigate("monitor"):
        return None
    page = monitor_page(anchor)
    if page is None:
        return None
    hook = getattr(page, "show_runs", None)
    if callable(hook):
        hook(job=job, day=day, status=status)
        return page
    job_filter = getattr(page, "job_filter", None)
    if isinstance(job_filter, QLineEdit):
        job_filter.setText(job or "")
    set_filter = getattr(page, "set_filter", None)
    if callable(set_filter):
        set_filter(MONITOR_SECTIONS.get((status or "").upper(), "all"))
    return page
