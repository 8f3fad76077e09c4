"""Help > About DMS Desktop: version, metadata database, runtime versions, licence, log file."""

from __future__ import annotations

import platform
import sys

import PySide6
from PySide6.QtCore import Qt, qVersion
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from dms_desktop import APP_NAME, __version__
from dms_desktop.gui.errors import current_log_path
from dms_desktop.gui.widgets import DialogBanner, fit_height

LICENCE = "Proprietary licence. Built with Qt and PySide6 under the LGPLv3."
ABOUT_WIDTH = 560
TAGLINE = "Define, run, schedule and monitor the loads of your data warehouse."


def about_rows(database: str) -> list[tuple[str, str]]:
    log_path = current_log_path()
    return [
        ("Version", __version__),
        ("Metadata database", database),
        ("Python", f"{platform.python_version()} ({sys.platform})"),
        ("Qt", qVersion()),
        ("PySide6", PySide6.__version__),
        ("Licence", LICENCE),
        ("Log file", str(log_path) if log_path else "not set up"),
    ]


class AboutDialog(QDialog):
    def __init__(self, database: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("aboutDialog")
        self.setWindowTitle(f"About {APP_NAME}")
        self.setMinimumWidth(ABOUT_WIDTH)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(DialogBanner(f"{APP_NAME} {__version__}", TAGLINE, parent=self))

        body = QVBoxLayout()
        body.setContentsMargins(24, 18, 24, 18)
        body.setSpacing(14)
        form = QFormLayout()
        form.setHorizontalSpacing(16)
        form.setVerticalSpacing(8)
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
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        buttons.accepted.connect(self.accept)
        body.addWidget(buttons)
        layout.addLayout(body)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        fit_height(self, max(self.width(), ABOUT_WIDTH))
        super().showEvent(event)
