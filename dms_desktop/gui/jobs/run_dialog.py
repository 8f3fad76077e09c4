"""Run job…: pick a job and queue a run now (Jobs menu and the tray)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from dms_desktop.core.security.permissions import CurrentUser
from dms_desktop.core.workspace import Workspace
from dms_desktop.gui.errors import user_message
from dms_desktop.gui.jobs.display import mark_primary
from dms_desktop.gui.jobs.work import JobRow, load_jobs, run_now
from dms_desktop.gui.widgets import set_message
from dms_desktop.gui.workers import TaskSlot


class RunJobDialog(QDialog):
    sig_queued = Signal(int, str)  # request id, job name

    def __init__(self, ws: Workspace, user: CurrentUser, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("runJobDialog")
        self.setWindowTitle("Run job")
        self.ws, self.user = ws, user
        self._task = TaskSlot()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 16, 18, 16)
        intro = QLabel("Queue a run now; the scheduler starts it at once.", self)
        intro.setObjectName("mutedLabel")
        self.filter_edit = QLineEdit(self)
        self.filter_edit.setPlaceholderText("Filter jobs")
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.textChanged.connect(self._filter)
        self.jobs_list = QListWidget(self)
        self.jobs_list.setObjectName("runJobList")
        self.jobs_list.itemDoubleClicked.connect(lambda _item: self.run())
        self.jobs_list.currentItemChanged.connect(lambda *_a: self._update())
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        set_message(self.message, "")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.run_button = buttons.addButton("Run now", QDialogButtonBox.ButtonRole.AcceptRole)
        mark_primary(self.run_button)
        buttons.accepted.connect(self.run)
        buttons.rejected.connect(self.reject)
        for widget in (intro, self.filter_edit, self.jobs_list, self.message, buttons):
            layout.addWidget(widget)
        self.resize(420, 420)
        self.run_button.setEnabled(False)
        set_message(self.message, "Loading jobs…", "info")
        self._task.start(load_jobs, ws, user, on_done=self._show_jobs, on_error=self._failed)

    def _show_jobs(self, rows: list[JobRow]) -> None:
        set_message(self.message, "" if rows else "No job yet: create one in Jobs.", "info")
        for row in rows:
            item = QListWidgetItem(row.name, self.jobs_list)
            item.setData(Qt.ItemDataRole.UserRole, row.name)
            item.setToolTip(f"{row.info.steps_text}\n{row.words}")
            if not row.info.enabled:
                item.setText(f"{row.name} (disabled)")
        if rows:
            self.jobs_list.setCurrentRow(0)
        self._update()

    def select(self, name: str) -> bool:
        for n in range(self.jobs_list.count()):
            if self.jobs_list.item(n).data(Qt.ItemDataRole.UserRole) == name:
                self.jobs_list.setCurrentRow(n)
                return True
        return False

    def _filter(self, text: str) -> None:
        needle = text.strip().lower()
        for n in range(self.jobs_list.count()):
            item = self.jobs_list.item(n)
            item.setHidden(bool(needle) and needle not in item.text().lower())

    def _update(self) -> None:
        item = self.jobs_list.currentItem()
        self.run_button.setEnabled(item is not None and not self._task.busy)

    def run(self) -> None:
        item = self.jobs_list.currentItem()
        if item is None or self._task.busy:
            return
        name = str(item.data(Qt.ItemDataRole.UserRole))
        self.run_button.setEnabled(False)
        self._task.start(
            run_now,
            self.ws,
            self.user,
            name,
            on_done=lambda prcreqid: self._queued(prcreqid, name),
            on_error=self._failed,
        )

    def _queued(self, prcreqid: int, name: str) -> None:
        self.sig_queued.emit(prcreqid, name)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        text, _known = user_message(exc)
        set_message(self.message, text)
        self._update()

    def done(self, result: int) -> None:
        self._task.cancel()
        super().done(result)
