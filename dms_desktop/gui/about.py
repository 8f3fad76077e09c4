"""Help > About DMS Desktop: version, metadata database, runtime versions, the product's licence
and the licences of every bundled third-party component, log file.

The licences are read from the installed distributions' metadata in a worker (dozens of small
files), so the list is the one of this build, not a hand-kept copy.
"""

from __future__ import annotations

import platform
import sys

import PySide6
from PySide6.QtCore import Qt, qVersion
from PySide6.QtGui import QShowEvent, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from dms_desktop import APP_NAME, __version__
from dms_desktop.core.admin.licences import Component, product_licence, third_party_licences
from dms_desktop.gui.errors import current_log_path
from dms_desktop.gui.widgets import DialogBanner, fit_height
from dms_desktop.gui.workers import run_in_background

ACTIVATION = "None needed: no licence key, no activation."
ABOUT_WIDTH = 720
TAGLINE = "Define, run, schedule and monitor the loads of your data warehouse."
COMPONENT_COLUMNS = ("Component", "Version", "Licence", "Bundles")
LOADING = "reading the installed distributions…"


def about_rows(database: str) -> list[tuple[str, str]]:
    log_path = current_log_path()
    return [
        ("Version", __version__),
        ("Metadata database", database),
        ("Python", f"{platform.python_version()} ({sys.platform})"),
        ("Qt", qVersion()),
        ("PySide6", PySide6.__version__),
        ("Licence", LOADING),
        ("Activation", ACTIVATION),
        ("Log file", str(log_path) if log_path else "not set up"),
    ]


def read_licences() -> tuple[str, list[Component]]:
    return product_licence(), third_party_licences()


class AboutDialog(QDialog):
    def __init__(self, database: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("aboutDialog")
        self.setWindowTitle(f"About {APP_NAME}")
        self.setMinimumWidth(ABOUT_WIDTH)
        self.components: list[Component] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(DialogBanner(f"{APP_NAME} {__version__}", TAGLINE, parent=self))

        body = QVBoxLayout()
        body.setContentsMargins(24, 18, 24, 18)
        body.setSpacing(12)
        form = QFormLayout()
        form.setHorizontalSpacing(16)
        form.setVerticalSpacing(6)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft)
        self.values: dict[str, QLabel] = {}
        for name, value in about_rows(database):
            caption = QLabel(name, self)
            caption.setObjectName("mutedLabel")
            label = QLabel(value, self)
            label.setWordWrap(True)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            form.addRow(caption, label)
            self.values[name] = label
        body.addLayout(form)
        heading = QLabel("Third-party components and their licences", self)
        heading.setObjectName("sectionTitle")
        body.addWidget(heading)
        self.model = QStandardItemModel(0, len(COMPONENT_COLUMNS), self)
        self.model.setHorizontalHeaderLabels(list(COMPONENT_COLUMNS))
        self.table = QTableView(self)
        self.table.setObjectName("licenceTable")
        self.table.setModel(self.model)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(24)
        header = self.table.horizontalHeader()
        header.setStretchLastSection(True)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for column, width in enumerate((160, 75, 235)):
            self.table.setColumnWidth(column, width)
        self.table.setFixedHeight(250)
        body.addWidget(self.table)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        buttons.accepted.connect(self.accept)
        body.addWidget(buttons)
        layout.addLayout(body)
        self.task = run_in_background(read_licences, on_done=self._show_licences)

    def _show_licences(self, result: tuple[str, list[Component]]) -> None:
        licence, components = result
        self.values["Licence"].setText(
            f"{licence}. The components below keep their own licences; Qt and PySide6 are "
            "used under the LGPLv3 (dynamically linked, replaceable)."
        )
        self.components = components
        for component in components:
            cells = [component.name, component.version, component.licence, component.note]
            items = [QStandardItem(text) for text in cells]
            for item in items:
                item.setToolTip(" · ".join(c for c in cells if c))
            self.model.appendRow(items)
        fit_height(self, max(self.width(), ABOUT_WIDTH))

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        fit_height(self, max(self.width(), ABOUT_WIDTH))
        super().showEvent(event)
