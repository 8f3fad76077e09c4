"""What every wizard step shares: a title, a line of guidance, a message line, readiness."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from dms_desktop.gui.pages import PageContext
from dms_desktop.gui.uploads.work import Draft
from dms_desktop.gui.widgets import set_message


class Step(QWidget):
    """One page of the wizard. ``enter`` shows the draft; ``leave`` writes back into it."""

    sig_ready = Signal(bool)  # whether Next may be pressed
    title = ""
    guidance = ""

    def __init__(self, context: PageContext, draft: Draft, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.draft = draft
        self._ready = False
        self.outer = QVBoxLayout(self)
        self.outer.setContentsMargins(0, 0, 0, 0)
        self.outer.setSpacing(10)
        heading = QLabel(self.title, self)
        heading.setObjectName("sectionTitle")
        hint = QLabel(self.guidance, self)
        hint.setObjectName("mutedLabel")
        hint.setWordWrap(True)
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        set_message(self.message, "")
        for widget in (heading, hint, self.message):
            self.outer.addWidget(widget)

    @property
    def ready(self) -> bool:
        return self._ready

    def set_ready(self, ready: bool) -> None:
        self._ready = ready
        self.sig_ready.emit(ready)

    def say(self, text: str, severity: str = "error") -> None:
        set_message(self.message, text, severity)

    def enter(self) -> None:
        """The step is shown: fill it from the draft (start work in the background)."""

    def leave(self) -> bool:
        """Next was pressed: write into the draft; False keeps the step open."""
        return True

    def cancel_tasks(self) -> None:
        """Stop background work (the page is closing or the wizard restarts)."""
