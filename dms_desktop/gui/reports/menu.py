"""The Reports menu: every report definition, each opening the Reports page on it.

The list is read in a worker each time the menu opens; the menu shows the last list at once
and is rebuilt when the fresh one arrives (a menu may change while it is open).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu

from dms_desktop.core.reports import ReportDef, ReportService
from dms_desktop.gui.resources import icon
from dms_desktop.gui.workers import TaskSlot

if TYPE_CHECKING:
    from dms_desktop.gui.main_window import MainWindow

LOADING = "Loading reports…"


def list_reports(window: MainWindow) -> list[ReportDef]:
    return ReportService(window.ws, window.user).list()


class ReportsMenu(QObject):
    def __init__(self, window: MainWindow, menu: QMenu) -> None:
        super().__init__(window)
        self.window = window
        self.menu = menu
        self.reports: list[ReportDef] | None = None
        self.report_actions: dict[str, QAction] = {}
        self._task = TaskSlot()
        self.allowed = window.user.can("reports", "view")
        self.open_page = menu.addAction(icon("reports"), "&Open Reports")
        self.open_page.triggered.connect(lambda _c=False: window.show_module("reports"))
        self.open_page.setEnabled(self.allowed)
        menu.addSeparator()
        self.placeholder = menu.addAction(
            LOADING if self.allowed else "Your role does not allow reports"
        )
        self.placeholder.setEnabled(False)
        menu.aboutToShow.connect(self.refresh)

    def refresh(self) -> None:
        if self.allowed and not self._task.busy:
            self._task.start(
                list_reports, self.window, on_done=self.show_reports, on_error=self._failed
            )

    def cancel(self) -> None:
        self._task.cancel()

    def show_reports(self, reports: list[ReportDef]) -> None:
        self.reports = reports
        for action in self.report_actions.values():
            self.menu.removeAction(action)
            action.deleteLater()
        self.report_actions = {}
        self.placeholder.setVisible(not reports)
        self.placeholder.setText("No report definitions")
        builtins = [r for r in reports if r.builtin]
        own = [r for r in reports if not r.builtin]
        for group in (builtins, own):
            if group is own and builtins and own:
                separator = self.menu.addSeparator()
                self.report_actions["\0separator"] = separator
            for defn in group:
                action = self.menu.addAction(icon("lock" if defn.builtin else "reports"), defn.name)
                tip = defn.description or ""
                action.setToolTip(f"{tip}\nBuilt-in (read-only)".strip() if defn.builtin else tip)
                action.setStatusTip(action.toolTip())
                action.triggered.connect(lambda _c=False, name=defn.name: self.open_report(name))
                self.report_actions[defn.name] = action

    def _failed(self, _exc: BaseException) -> None:
        self.placeholder.setText("Could not read the reports")
        self.placeholder.setVisible(True)

    def open_report(self, name: str) -> bool:
        if not self.window.show_module("reports"):
            return False
        page = self.window.page("reports")
        opener = getattr(page, "open_report", None)
        if callable(opener):
            opener(name)
        return True
