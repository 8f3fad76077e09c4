"""What a job runs: mappings in order, one scheduled report, or one upload definition on the
newest file matching a pattern. New jobs choose the kind; an edited job keeps its kind and
may change its mappings."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from dms_desktop.core.jobs.service import MAPPING, REPORT, UPLOAD
from dms_desktop.gui.jobs.mapping_picker import MappingPicker
from dms_desktop.gui.jobs.work import StepChoices

KINDS = ((MAPPING, "Mappings"), (REPORT, "A report"), (UPLOAD, "An upload"))


class StepsBox(QWidget):
    sig_changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self._layout = layout
        self.kind_row = QWidget(self)
        kinds = QHBoxLayout(self.kind_row)
        kinds.setContentsMargins(0, 0, 0, 0)
        kinds.addWidget(QLabel("Runs", self.kind_row))
        self.kind_group = QButtonGroup(self)
        self.kind_buttons: dict[str, QRadioButton] = {}
        for n, (kind, text) in enumerate(KINDS):
            button = QRadioButton(text, self.kind_row)
            button.setObjectName(f"kind{kind.title()}")
            self.kind_group.addButton(button, n)
            self.kind_buttons[kind] = button
            kinds.addWidget(button)
        kinds.addStretch(1)
        self.kind_buttons[MAPPING].setChecked(True)
        layout.addWidget(self.kind_row)

        self.stack = QStackedWidget(self)
        self.picker = MappingPicker(self.stack)
        self.stack.addWidget(self.picker)

        report_form, self.report_combo, self.report_note = self._choice_page("Report", "report")
        upload_form, self.upload_combo, self.upload_note = self._choice_page("Upload", "upload")
        self.file_edit = QLineEdit(upload_form.parentWidget())
        self.file_edit.setObjectName("uploadFileEdit")
        self.file_edit.setToolTip(
            "The file, or a pattern such as /data/incoming/*.csv: each run loads its newest "
            "match. Empty: the file saved with the definition."
        )
        upload_form.insertRow(1, "File", self.file_edit)  # between the choice and its note
        layout.addWidget(self.stack)

        self._upload_files: dict[str, str] = {}
        self.kind_group.idToggled.connect(self._kind_toggled)
        self.picker.sig_changed.connect(self.sig_changed)
        self.report_combo.currentIndexChanged.connect(lambda _i: self.sig_changed.emit())
        self.upload_combo.currentIndexChanged.connect(self._upload_changed)
        self.file_edit.textChanged.connect(lambda _t: self.sig_changed.emit())

    def _choice_page(self, title: str, name: str) -> tuple[QFormLayout, QComboBox, QLabel]:
        """A page of the stack: a combo of saved definitions with a note below it."""
        page = QWidget(self.stack)
        form = QFormLayout(page)
        form.setContentsMargins(0, 0, 0, 0)
        combo = QComboBox(page)
        combo.setObjectName(f"{name}Combo")
        note = QLabel(page)
        note.setObjectName("mutedLabel")
        note.setWordWrap(True)
        form.addRow(title, combo)
        form.addRow("", note)
        self.stack.addWidget(page)
        return form, combo, note

    # -- filling -------------------------------------------------------------------------------
    def set_choices(self, choices: StepChoices, preselect: Sequence[str] = ()) -> None:
        self.picker.set_available(
            [m[0] for m in choices.mappings], [m[1] for m in choices.mappings]
        )
        known = {m[0].upper(): m[0] for m in choices.mappings}
        self.picker.choose([known[r.upper()] for r in preselect if r.upper() in known])
        for combo, items in (
            (self.report_combo, choices.reports),
            (self.upload_combo, choices.uploads),
        ):
            combo.clear()
            for name, about in items:
                combo.addItem(name, name)
                combo.setItemData(combo.count() - 1, about or name, 3)  # ToolTipRole
        self._upload_files = dict(choices.uploads)
        self.report_note.setText(choices.notes.get("reports", ""))
        self.upload_note.setText(choices.notes.get("uploads", ""))
        self._upload_changed()

    def lock_kind(self, kind: str, text: str) -> None:
        """An existing job: its kind is fixed; a report or upload job shows what it runs."""
        self.kind_buttons[kind].setChecked(True)
        self.kind_row.hide()
        if kind != MAPPING:
            self.stack.hide()
            label = QLabel(f"Runs {text}", self)
            label.setObjectName("mutedLabel")
            label.setWordWrap(True)
            self._layout.addWidget(label)

    # -- reading -------------------------------------------------------------------------------
    def kind(self) -> str:
        return KINDS[max(0, self.kind_group.checkedId())][0]

    def what(self) -> tuple[str, list[str], str | None]:
        """(kind, names, file): what the core's create call needs."""
        kind = self.kind()
        if kind == REPORT:
            name = self.report_combo.currentData()
            return kind, [str(name)] if name else [], None
        if kind == UPLOAD:
            name = self.upload_combo.currentData()
            return kind, [str(name)] if name else [], self.file_edit.text().strip() or None
        return kind, self.picker.mappings(), None

    def missing(self) -> str:
        """What is still to choose, in words; empty when complete."""
        kind, names, _file = self.what()
        if names:
            return ""
        if kind == REPORT:
            return self.report_note.text() or "Choose the report to run."
        if kind == UPLOAD:
            return self.upload_note.text() or "Choose the upload definition to run."
        return "Add at least one mapping to run."

    # -- reacting ------------------------------------------------------------------------------
    def _kind_toggled(self, index: int, checked: bool) -> None:
        if checked:
            self.stack.setCurrentIndex(index)
            self.sig_changed.emit()

    def _upload_changed(self, *_args: object) -> None:
        saved = self._upload_files.get(self.upload_combo.currentText())
        self.file_edit.setPlaceholderText(
            f"{saved} (saved with the definition)" if saved else "e.g. /data/incoming/*.csv"
        )
        self.sig_changed.emit()
