"""Run now: load the saved mapping in the background, with progress and Cancel, then show
the counts and the engine's message. A cancelled run still reports (CANCELLED, target
unchanged), so the engine gets its own cancel state instead of the worker's."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from dms_desktop.core.engine.run import RunResult
from dms_desktop.gui.errors import user_message
from dms_desktop.gui.jobs.display import status_colour
from dms_desktop.gui.mapper.host import MappingHost, message_label
from dms_desktop.gui.mapper.work import RunControl, run_now
from dms_desktop.gui.widgets import set_message
from dms_desktop.gui.workers import Task, run_in_background

COUNTS = (
    ("read", "Read"),
    ("inserted", "Inserted"),
    ("updated", "Updated"),
    ("expired", "Closed"),
    ("deleted", "Deleted"),
    ("rejected", "Rejected"),
    ("unmatched", "No lookup match"),
)


class RunPanel(QWidget):
    sig_finished = Signal(object)  # the RunResult

    def __init__(self, host: MappingHost, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("runPanel")
        self.host = host
        self.task: Task | None = None
        self.control: RunControl | None = None
        self.result: RunResult | None = None
        self.allowed = host.context.user.can("jobs", "run")

        self.run_button = QPushButton("Run now", self)
        self.run_button.setObjectName("runNowButton")
        self.run_button.setProperty("primary", True)
        self.run_button.clicked.connect(self.start)
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel)
        if not self.allowed:
            self.run_button.setEnabled(False)
            self.run_button.setToolTip(host.context.user.missing("jobs", "run"))
        hint = QLabel("Loads the saved version into the target, in one transaction.", self)
        hint.setObjectName("mutedLabel")
        bar = QHBoxLayout()
        bar.addWidget(self.run_button)
        bar.addWidget(self.cancel_button)
        bar.addSpacing(8)
        bar.addWidget(hint, 1)
        self.progress = QProgressBar(self)
        self.progress.setTextVisible(False)
        self.progress.setFixedHeight(6)
        self.progress.hide()
        self.step = QLabel("", self)
        self.step.setObjectName("mutedLabel")

        self.status = QLabel("", self)
        self.status.setObjectName("runStatus")
        font = self.status.font()
        font.setPointSizeF(font.pointSizeF() * 1.5)
        font.setBold(True)
        self.status.setFont(font)
        self.counts_frame = QFrame(self)
        self.counts_frame.setObjectName("tile")
        grid = QGridLayout(self.counts_frame)
        grid.setContentsMargins(16, 12, 16, 12)
        grid.setHorizontalSpacing(28)
        self.count_labels: dict[str, QLabel] = {}
        for column, (attr, title) in enumerate(COUNTS):
            caption = QLabel(title, self.counts_frame)
            caption.setObjectName("tileLabel")
            value = QLabel("–", self.counts_frame)
            value.setObjectName("tileValue")
            value.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
            grid.addWidget(caption, 0, column)
            grid.addWidget(value, 1, column)
            self.count_labels[attr] = value
        grid.setColumnStretch(len(COUNTS), 1)
        self.counts_frame.hide()
        self.message = message_label(self)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 0)
        layout.setSpacing(10)
        layout.addLayout(bar)
        layout.addWidget(self.progress)
        layout.addWidget(self.step)
        layout.addSpacing(6)
        layout.addWidget(self.status)
        layout.addWidget(self.counts_frame)
        layout.addWidget(self.message)
        layout.addStretch(1)

    @property
    def busy(self) -> bool:
        return self.task is not None and not self.task.finished

    def start(self) -> None:
        if self.busy or not self.allowed:
            return
        self.host.then_saved(self._run, "A run loads the saved version, so")

    def _run(self) -> None:
        saved = self.host.saved()
        if saved is None or self.busy:
            return
        context = self.host.context
        self.control = RunControl()
        self.result = None
        self._show_status("RUNNING", f"Running {saved.ref} (version {saved.version})…")
        self.counts_frame.hide()
        set_message(self.message, "")
        self.step.setText("Starting…")
        self.progress.setRange(0, 0)  # busy: the engine reports steps and rows, not fractions
        self.progress.show()
        self.run_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.task = run_in_background(
            run_now,
            context.ws,
            context.user,
            saved.ref,
            self.control,
            on_done=self._finished,
            on_error=self._failed,
            progress=self._progress,
        )

    def cancel(self) -> None:
        if self.control is not None and self.busy:
            self.control.cancel()
            self.step.setText("Cancelling: the target stays as it was…")
            self.cancel_button.setEnabled(False)

    def _progress(self, fraction: float, text: str) -> None:
        if fraction >= 0:
            self.progress.setRange(0, 100)
            self.progress.setValue(int(fraction * 100))
        self.step.setText(text)

    def _idle(self) -> None:
        self.progress.hide()
        self.run_button.setEnabled(self.allowed)
        self.cancel_button.setEnabled(False)

    def _finished(self, result: RunResult) -> None:
        self.result = result
        self._idle()
        self.step.setText(f"Run {result.prclogid} · {result.seconds:.1f} s")
        self._show_status(result.status, f"{result.ref}: {result.status}")
        for attr, label in self.count_labels.items():
            label.setText(f"{getattr(result.counts, attr):,}")
        counted = any(getattr(result.counts, attr) for attr, _title in COUNTS)
        # A cancelled run rolled back: its counts describe nothing that happened.
        self.counts_frame.setVisible(result.ok or (result.status == "FAILED" and counted))
        severity = "error" if result.status == "FAILED" else "info"
        set_message(self.message, result.message or "", severity)
        self.sig_finished.emit(result)

    def _failed(self, exc: BaseException) -> None:
        self._idle()
        self.step.setText("")
        self._show_status("FAILED", "The run did not start")
        set_message(self.message, user_message(exc)[0])
        self.sig_finished.emit(None)

    def _show_status(self, status: str, text: str) -> None:
        colour = status_colour(status)
        self.status.setText(text)
        if colour is not None:
            self.status.setStyleSheet(f"color: {colour.name()};")

    def cancel_tasks(self) -> None:
        self.cancel()
