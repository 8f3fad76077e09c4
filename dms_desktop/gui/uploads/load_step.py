"""Step 5: the load itself (a worker: progress, Cancel leaves the table as it was), its
summary, and saving the wizard's work as an upload definition to rerun on new files."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from dms_desktop.core.tasks import TaskState
from dms_desktop.core.uploads import UploadDef, UploadResult
from dms_desktop.gui.errors import user_message
from dms_desktop.gui.pages import PageContext
from dms_desktop.gui.uploads.steps import Step
from dms_desktop.gui.uploads.work import Draft, load, run_saved, save_definition
from dms_desktop.gui.workers import TaskSlot

FIGURES = (("read", "Rows read"), ("loaded", "Loaded"), ("rejected", "Rejected"), ("time", "Time"))


class Figure(QFrame):
    def __init__(self, caption: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("tile")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 10, 14, 10)
        self.value = QLabel("–", self)
        self.value.setObjectName("tileValue")
        label = QLabel(caption, self)
        label.setObjectName("tileLabel")
        layout.addWidget(self.value)
        layout.addWidget(label)


class LoadStep(Step):
    title = "5 · Load"
    guidance = (
        "One transaction: other users see the table as it was until the load commits. Cancel "
        "at any time and nothing is loaded."
    )
    sig_loaded = Signal(object)  # the UploadResult of a finished load
    sig_saved = Signal(object)  # the UploadDef saved

    def __init__(self, context: PageContext, draft: Draft, parent: QWidget | None = None) -> None:
        super().__init__(context, draft, parent)
        self._task, self._save_task = TaskSlot(), TaskSlot()
        self.stop = TaskState()
        self.saved_run = False  # the run is a saved definition's (Run now), not the wizard's
        self.result: UploadResult | None = None
        self.plan = QLabel(self)
        self.plan.setWordWrap(True)
        self.outer.addWidget(self.plan)
        bar = QHBoxLayout()
        self.load_button = QPushButton("Load now", self)
        self.load_button.setProperty("primary", True)
        self.load_button.clicked.connect(lambda _c=False: self.start())
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.clicked.connect(lambda _c=False: self.cancel())
        self.progress = QProgressBar(self)
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(False)
        self.status = QLabel(self)
        self.status.setObjectName("mutedLabel")
        bar.addWidget(self.load_button)
        bar.addWidget(self.cancel_button)
        bar.addWidget(self.progress, 1)
        bar.addWidget(self.status, 1)
        self.outer.addLayout(bar)
        tiles = QHBoxLayout()
        self.figures = {key: Figure(caption, self) for key, caption in FIGURES}
        for figure in self.figures.values():
            tiles.addWidget(figure)
        self.outer.addLayout(tiles)
        self.details = QLabel(self)
        self.details.setObjectName("mutedLabel")
        self.details.setWordWrap(True)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.outer.addWidget(self.details)
        self.save_button = QPushButton("Save as definition…", self)
        self.save_button.setToolTip(
            "Keep file layout, table, mapping and rules to rerun on new files"
        )
        self.save_button.clicked.connect(lambda _c=False: self.ask_name())
        self.outer.addWidget(self.save_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.outer.addStretch(1)
        self.name_dialog: QInputDialog | None = None
        self._busy(False)

    def enter(self) -> None:
        draft = self.draft
        defn = draft.definition()
        keys = ", ".join(c.target for c in defn.keys)
        mode = {"APPEND": "appended to", "REPLACE": "replacing the contents of",
                "UPSERT": f"upserted (by {keys}) into"}[defn.mode]  # fmt: skip
        valid = draft.validation
        rows = f"{valid.rows_read - valid.rejected:,} valid rows" if valid else "The rows"
        create = "" if draft.exists else f" The table {defn.table} is created first."
        skip = f" {valid.rejected:,} bad rows are skipped." if valid and valid.rejected else ""
        self.plan.setText(
            f"{rows} of {Path(draft.path).name} {mode} {defn.table}.{create}{skip} Nothing is "
            "visible to others until the load commits."
        )
        done = self.result is not None and self.result.ok
        self.plan.setVisible(not done)
        self.load_button.setVisible(not done)
        self.set_ready(False)

    def start(self) -> None:
        self._begin()
        self._task.start(
            load, self.context, self.draft.definition(), self.draft.path, self.stop,
            on_done=self._done, on_error=self._failed, progress=self._progress,
        )  # fmt: skip

    def run_saved(self, name: str) -> None:
        """Run a saved definition on its newest file, here (from the list's Run now)."""
        self.plan.setText(f"Running upload {name} on the newest file matching its pattern…")
        self._begin()
        self.saved_run = True
        self._task.start(
            run_saved, self.context, name, self.stop,
            on_done=self._done, on_error=self._failed, progress=self._progress,
        )  # fmt: skip

    @property
    def busy(self) -> bool:
        return self._task.busy

    def _begin(self) -> None:
        self.saved_run = False
        self.stop = TaskState()
        self.result = None
        self.say("")
        self.details.setText("")
        for figure in self.figures.values():
            figure.value.setText("–")
        self.status.setText("Starting…")
        self.progress.setValue(0)
        self._busy(True)

    def _busy(self, busy: bool) -> None:
        self.load_button.setVisible(not busy and not (self.result and self.result.ok))
        self.cancel_button.setVisible(busy)
        self.progress.setVisible(busy)

    def _progress(self, fraction: float, text: str) -> None:
        if fraction < 0:
            self.progress.setRange(0, 0)
        else:
            self.progress.setRange(0, 1000)
            self.progress.setValue(int(fraction * 1000))
        self.status.setText(text)

    def _done(self, result: UploadResult) -> None:
        self._busy(False)
        self.result = result
        self.load_button.setEnabled(False)
        self.status.setText("")
        values = {
            "read": f"{result.rows_read:,}",
            "loaded": f"{result.loaded:,}",
            "rejected": f"{result.rejected:,}",
            "time": f"{result.seconds:.1f} s",
        }
        for key, text in values.items():
            self.figures[key].value.setText(text)
        if result.ok:
            self.say(f"✓ {result.message}", "info")
            self.plan.hide()
            self.load_button.hide()
        else:
            self.say(result.message)
            self.load_button.setEnabled(True)
            self.load_button.setVisible(not self.saved_run)
        notes = [*result.notes]
        if result.rejects_file:
            notes.append(f"Rejected rows: {result.rejects_file}")
        self.details.setText("\n".join(notes))
        self.sig_loaded.emit(result)

    def _failed(self, exc: BaseException) -> None:
        self._busy(False)
        self.status.setText("")
        self.say(user_message(exc)[0])
        self.load_button.setEnabled(True)

    def cancel(self) -> None:
        """Stop the load: the transaction rolls back, the table stays as it was."""
        if self._task.busy:
            self.stop.cancel()  # the worker stops and rolls back; its result still arrives
            self.status.setText("Cancelling… nothing will be loaded")

    # -- saving the definition ------------------------------------------------------------
    def ask_name(self) -> QInputDialog:
        dialog = QInputDialog(self)
        dialog.setWindowTitle("Save upload definition")
        dialog.setLabelText("Name of the upload definition (saved again: a new version):")
        dialog.setTextValue(self.draft.definition().name)
        dialog.textValueSelected.connect(self.save)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.name_dialog = dialog
        dialog.open()
        return dialog

    def save(self, name: str) -> None:
        self._save_task.start(
            save_definition, self.context, self.draft.definition(), name.strip(),
            on_done=self._saved, on_error=self._failed,
        )  # fmt: skip

    def _saved(self, defn: UploadDef) -> None:
        self.draft.name, self.draft.upload_id = defn.name, defn.upload_id
        self.say(f"Saved upload definition {defn.name} (version {defn.version}).", "info")
        self.sig_saved.emit(defn)

    def cancel_tasks(self) -> None:
        self._task.cancel()
        self._save_task.cancel()
