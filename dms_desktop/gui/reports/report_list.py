"""The list of report definitions: built-ins (a lock) first, then the user's own."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QWidget

from dms_desktop.core.reports import ReportDef
from dms_desktop.gui.resources import icon


class ReportList(QListWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("reportList")

    def set_reports(self, reports: Sequence[ReportDef]) -> None:
        """Replace the items without signalling a change of the current one."""
        self.blockSignals(True)
        self.clear()
        for defn in reports:
            item = QListWidgetItem(icon("lock" if defn.builtin else "reports"), defn.name)
            item.setData(Qt.ItemDataRole.UserRole, defn)
            about = defn.description or ""
            if defn.builtin:
                item.setToolTip(f"Built-in report (read-only)\n{about}".strip())
            else:
                by = f", saved by {defn.updated_by}" if defn.updated_by else ""
                item.setToolTip(f"{about}\nVersion {defn.version}{by}".strip())
            self.addItem(item)
        self.blockSignals(False)

    def names(self) -> list[str]:
        return [self.item(row).text() for row in range(self.count())]

    def find(self, name: str) -> QListWidgetItem | None:
        return next(
            (
                self.item(r)
                for r in range(self.count())
                if self.item(r).text().lower() == name.lower()
            ),
            None,
        )

    def filter(self, text: str) -> None:
        needle = text.strip().lower()
        for row in range(self.count()):
            item = self.item(row)
            defn = item.data(Qt.ItemDataRole.UserRole)
            haystack = f"{defn.name} {defn.description or ''}".lower()
            item.setHidden(bool(needle) and needle not in haystack)

    def set_current_quietly(self, item: QListWidgetItem | None) -> None:
        """Move the current item without asking the page to show it."""
        self.blockSignals(True)
        if item is None:
            self.setCurrentRow(-1)
            self.clearSelection()
        else:
            self.setCurrentItem(item)
        self.blockSignals(False)
