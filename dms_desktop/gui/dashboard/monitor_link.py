"""Open the Monitor on what a dashboard click points at: a job, a day, a status
(the Monitor's ``show_runs``)."""

from __future__ import annotations

from datetime import date

from PySide6.QtWidgets import QWidget

from dms_desktop.gui.pages import PageContext


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
    page.show_runs(job=job, day=day, status=status)  # type: ignore[attr-defined]
    return page
