"""The layout (template) of a report and where its scheduled runs write."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from dms_desktop.core.reports import ReportDef, ReportTemplate
from dms_desktop.core.reports.model import DEFAULT_PATTERN, FORMATS, PATTERN_FIELDS

PLACEHOLDER_HINT = "{param}, {report} and {generated} are filled in"


def _picker(edit: QLineEdit, button: QPushButton) -> QHBoxLayout:
    row = QHBoxLayout()
    row.setSpacing(6)
    row.addWidget(edit, 1)
    row.addWidget(button)
    return row


class LayoutForm(QWidget):
    """Title, subtitle, logo, header, footer, page numbers and orientation of the PDF."""

    sig_changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        form = QFormLayout(self)
        form.setContentsMargins(4, 10, 4, 4)
        self.title_edit = QLineEdit(self)
        self.title_edit.setPlaceholderText("The report's name when empty")
        self.subtitle_edit = QLineEdit(self)
        self.subtitle_edit.setPlaceholderText("e.g. {date_from} to {date_to}")
        self.logo_edit = QLineEdit(self)
        self.logo_edit.setPlaceholderText("A PNG or JPEG shown top left of the first page")
        self.logo_button = QPushButton("Browse…", self)
        self.logo_button.clicked.connect(lambda _c=False: self._pick_logo())
        self.header_edit = QLineEdit(self)
        self.header_edit.setPlaceholderText("Small text at the top of every page")
        self.footer_edit = QLineEdit(self)
        self.footer_edit.setPlaceholderText("Default: the report's name and when it was generated")
        self.page_numbers_check = QCheckBox("Page x of y in the footer", self)
        self.orientation_combo = QComboBox(self)
        self.orientation_combo.addItem("Portrait", "portrait")
        self.orientation_combo.addItem("Landscape", "landscape")
        hint = QLabel(PLACEHOLDER_HINT, self)
        hint.setObjectName("mutedLabel")
        form.addRow("Title", self.title_edit)
        form.addRow("Subtitle", self.subtitle_edit)
        form.addRow("Logo", _picker(self.logo_edit, self.logo_button))
        form.addRow("Header", self.header_edit)
        form.addRow("Footer", self.footer_edit)
        form.addRow("", self.page_numbers_check)
        form.addRow("Orientation", self.orientation_combo)
        form.addRow("", hint)
        for edit in (self.title_edit, self.subtitle_edit, self.logo_edit, self.header_edit,
                     self.footer_edit):  # fmt: skip
            edit.textChanged.connect(lambda _t: self.sig_changed.emit())
        self.page_numbers_check.toggled.connect(lambda _b: self.sig_changed.emit())
        self.orientation_combo.currentIndexChanged.connect(lambda _i: self.sig_changed.emit())

    def _pick_logo(self) -> None:
        path, _chosen = QFileDialog.getOpenFileName(
            self, "Choose a logo", self.logo_edit.text(), "Images (*.png *.jpg *.jpeg)"
        )
        if path:
            self.logo_edit.setText(path)

    def set_template(self, template: ReportTemplate) -> None:
        self.title_edit.setText(template.title or "")
        self.subtitle_edit.setText(template.subtitle or "")
        self.logo_edit.setText(template.logo or "")
        self.header_edit.setText(template.header or "")
        self.footer_edit.setText(template.footer or "")
        self.page_numbers_check.setChecked(template.page_numbers)
        self.orientation_combo.setCurrentIndex(
            max(0, self.orientation_combo.findData(template.orientation))
        )

    def template(self) -> ReportTemplate:
        def text(edit: QLineEdit) -> str | None:
            return edit.text().strip() or None

        return ReportTemplate(
            title=text(self.title_edit),
            subtitle=text(self.subtitle_edit),
            logo=text(self.logo_edit),
            header=text(self.header_edit),
            footer=text(self.footer_edit),
            page_numbers=self.page_numbers_check.isChecked(),
            orientation=self.orientation_combo.currentData() or "portrait",
        )

    def set_read_only(self, read_only: bool) -> None:
        for edit in (self.title_edit, self.subtitle_edit, self.logo_edit, self.header_edit,
                     self.footer_edit):  # fmt: skip
            edit.setReadOnly(read_only)
        for widget in (self.logo_button, self.page_numbers_check, self.orientation_combo):
            widget.setEnabled(not read_only)


class OutputForm(QWidget):
    """Folder, file name pattern and format of the files a scheduled run writes."""

    sig_changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        form = QFormLayout(self)
        form.setContentsMargins(4, 10, 4, 4)
        self.folder_edit = QLineEdit(self)
        self.folder_edit.setPlaceholderText("Where scheduled runs write their file")
        self.folder_button = QPushButton("Browse…", self)
        self.folder_button.clicked.connect(lambda _c=False: self._pick_folder())
        self.pattern_edit = QLineEdit(self)
        self.pattern_edit.setPlaceholderText(DEFAULT_PATTERN)
        self.format_combo = QComboBox(self)
        self.format_combo.addItem("(not scheduled)", None)
        for fmt in FORMATS:
            self.format_combo.addItem(fmt.upper(), fmt)
        hint = QLabel(
            "Fields: "
            + ", ".join("{" + f + "}" for f in PATTERN_FIELDS)
            + ". Schedule the report from Jobs, like a load.",
            self,
        )
        hint.setObjectName("mutedLabel")
        hint.setWordWrap(True)
        form.addRow("Folder", _picker(self.folder_edit, self.folder_button))
        form.addRow("File name", self.pattern_edit)
        form.addRow("Format", self.format_combo)
        form.addRow("", hint)
        self.folder_edit.textChanged.connect(lambda _t: self.sig_changed.emit())
        self.pattern_edit.textChanged.connect(lambda _t: self.sig_changed.emit())
        self.format_combo.currentIndexChanged.connect(lambda _i: self.sig_changed.emit())

    def _pick_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Output folder", self.folder_edit.text())
        if folder:
            self.folder_edit.setText(folder)

    def set_output(self, defn: ReportDef) -> None:
        self.folder_edit.setText(defn.output_folder or "")
        self.pattern_edit.setText(defn.file_pattern or "")
        fmt = defn.output_format
        self.format_combo.setCurrentIndex(max(0, self.format_combo.findData(fmt)) if fmt else 0)

    def output(self) -> dict[str, str | None]:
        return {
            "output_folder": self.folder_edit.text().strip() or None,
            "file_pattern": self.pattern_edit.text().strip() or None,
            "output_format": self.format_combo.currentData(),
        }

    def set_read_only(self, read_only: bool) -> None:
        self.folder_edit.setReadOnly(read_only)
        self.pattern_edit.setReadOnly(read_only)
        self.folder_button.setEnabled(not read_only)
        self.format_combo.setEnabled(not read_only)
