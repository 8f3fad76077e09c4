"""The upload wizard: File → Preview → Mapping and rules → Validation → Load.

A bar of step names shows where the user is (steps already passed can be clicked); Back and
Next move one step, Next only when the step is ready (its background work done, its input
complete). Every step writes into one ``Draft``.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from dms_desktop.core.uploads import UploadDef
from dms_desktop.gui.pages import PageContext
from dms_desktop.gui.uploads.file_step import FileStep
from dms_desktop.gui.uploads.load_step import LoadStep
from dms_desktop.gui.uploads.mapping_step import MappingStep
from dms_desktop.gui.uploads.preview_step import PreviewStep
from dms_desktop.gui.uploads.steps import Step
from dms_desktop.gui.uploads.validation_step import ValidationStep
from dms_desktop.gui.uploads.work import Draft

FILE, PREVIEW, MAPPING, VALIDATION, LOAD = range(5)
NAMES = ("File", "Preview", "Mapping and rules", "Validation", "Load")
# Colours from the palette: the bar follows the light and dark themes.
BAR_STYLE = """
#stepBar { border-bottom: 1px solid palette(mid); }
QLabel#stepChip { padding: 6px 12px; color: palette(placeholder-text); }
QLabel#stepChip[state="done"] { color: palette(text); }
QLabel#stepChip[state="current"] {
    color: palette(link); font-weight: 600; border-bottom: 2px solid palette(link);
}
"""


class StepChip(QLabel):
    sig_clicked = Signal(int)

    def __init__(self, index: int, parent: QWidget | None = None) -> None:
        super().__init__(f"{index + 1}  {NAMES[index]}", parent)
        self.index = index
        self.setObjectName("stepChip")

    def set_state(self, state: str) -> None:
        self.setProperty("state", state)
        self.setCursor(
            Qt.CursorShape.PointingHandCursor if state == "done" else Qt.CursorShape.ArrowCursor
        )
        self.style().unpolish(self)
        self.style().polish(self)

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if self.property("state") == "done":
            self.sig_clicked.emit(self.index)
        super().mousePressEvent(event)


class UploadWizard(QWidget):
    sig_step = Signal(int)  # the step now shown
    sig_saved = Signal(object)  # an UploadDef saved from the last step

    def __init__(self, context: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.draft = Draft()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(12)
        bar = QFrame(self)
        bar.setObjectName("stepBar")
        bar.setStyleSheet(BAR_STYLE)
        chips = QHBoxLayout(bar)
        chips.setContentsMargins(0, 0, 0, 0)
        chips.setSpacing(4)
        self.chips = [StepChip(i, bar) for i in range(len(NAMES))]
        for chip in self.chips:
            chip.sig_clicked.connect(self.go)
            chips.addWidget(chip)
        chips.addStretch(1)
        layout.addWidget(bar)
        self.stack = QStackedWidget(self)
        self.file_step = FileStep(context, self.draft, self.stack)
        self.preview_step = PreviewStep(context, self.draft, self.stack)
        self.mapping_step = MappingStep(context, self.draft, self.stack)
        self.validation_step = ValidationStep(context, self.draft, self.stack)
        self.load_step = LoadStep(context, self.draft, self.stack)
        self.steps: list[Step] = [self.file_step, self.preview_step, self.mapping_step,
                                  self.validation_step, self.load_step]  # fmt: skip
        for step in self.steps:
            self.stack.addWidget(step)
            step.sig_ready.connect(lambda _r, s=step: self._update_buttons(s))
        self.load_step.sig_saved.connect(self.sig_saved)
        layout.addWidget(self.stack, 1)
        nav = QHBoxLayout()
        self.back_button = QPushButton("Back", self)
        self.next_button = QPushButton("Next", self)
        self.next_button.setProperty("primary", True)
        self.restart_button = QPushButton("Start over", self)
        self.restart_button.setToolTip("Start again with another file")
        self.back_button.clicked.connect(lambda _c=False: self.back())
        self.next_button.clicked.connect(lambda _c=False: self.next())
        self.restart_button.clicked.connect(lambda _c=False: self.restart())
        nav.addWidget(self.restart_button)
        nav.addStretch(1)
        nav.addWidget(self.back_button)
        nav.addWidget(self.next_button)
        layout.addLayout(nav)
        self.go(FILE)

    @property
    def index(self) -> int:
        return self.stack.currentIndex()

    @property
    def current(self) -> Step:
        return self.steps[self.index]

    def go(self, index: int) -> None:
        self.stack.setCurrentIndex(index)
        for chip in self.chips:
            chip.set_state(
                "current" if chip.index == index else "done" if chip.index < index else ""
            )
        self.steps[index].enter()
        self._update_buttons(self.steps[index])
        self.sig_step.emit(index)

    def next(self) -> None:
        if self.index < LOAD and self.current.ready and self.current.leave():
            self.go(self.index + 1)

    def back(self) -> None:
        if self.index > FILE:
            self.current.cancel_tasks()
            self.go(self.index - 1)

    def _update_buttons(self, step: Step) -> None:
        if step is not self.current:
            return
        self.back_button.setEnabled(self.index > FILE)
        self.next_button.setVisible(self.index < LOAD)
        self.next_button.setEnabled(step.ready)

    def restart(self, draft: Draft | None = None) -> None:
        """Start over (with a draft prepared by the caller, e.g. from a definition)."""
        for step in self.steps:
            step.cancel_tasks()
        self.draft = draft or Draft()
        for step in self.steps:
            step.draft = self.draft
        self.file_step.reset()
        self.load_step.result = None
        self.go(FILE)

    def open_definition(self, defn: UploadDef, path: str) -> None:
        """Rerun a saved upload on ``path``: its layout, table, mapping and rules prefilled."""
        draft = Draft()
        draft.open(defn)
        self.restart(draft)
        self.file_step.set_path(path, defn.options)

    def cancel_tasks(self) -> None:
        for step in self.steps:
            step.cancel_tasks()
