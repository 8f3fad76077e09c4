"""Jobs: the list with schedule in words, next run and last status, and the actions on a job
(new from mappings, a report or an upload; edit; enable/disable, delete, run now, history).
A button the user's roles do not allow is disabled, its tooltip naming the missing right."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from dms_desktop.gui.errors import user_message
from dms_desktop.gui.jobs.display import local_text, request_status, zone_of
from dms_desktop.gui.jobs.history_dialog import HistoryDialog
from dms_desktop.gui.jobs.job_dialog import JobDialog
from dms_desktop.gui.jobs.run_dialog import RunJobDialog
from dms_desktop.gui.jobs.work import (
    JobRow,
    can_run,
    delete_job,
    load_jobs,
    run_now,
    set_enabled,
)
from dms_desktop.gui.pages import PageContext, PageSpec
from dms_desktop.gui.records import Column, RecordsModel, records_view, selected_row
from dms_desktop.gui.resources import icon
from dms_desktop.gui.widgets import PageHeader, empty_state, refresh_shortcut, set_message
from dms_desktop.gui.workers import TaskSlot

AUTO_REFRESH_MS = 10_000


def next_run_text(row: JobRow, zone: ZoneInfo) -> str:
    if row.info.next_run is not None:
        return local_text(row.info.next_run, zone, seconds=False)
    if row.follows is not None:  # runs when its chain's root has run and succeeded
        return f"after {local_text(row.follows, zone, seconds=False)}"
    return ""


def job_columns(zone_name: str) -> list[Column]:
    zone = zone_of(zone_name)
    return [
        Column("Name", lambda r: r.name),
        Column("Runs", lambda r: r.info.steps_text, tooltip=lambda r: r.info.description),
        Column("Schedule", lambda r: r.words, tooltip=lambda r: r.words),
        Column("Next run", lambda r: next_run_text(r, zone)),
        Column("Last status", lambda r: request_status(r.info.last_status), status=True),
        Column("Last run", lambda r: local_text(r.info.last_run, zone, seconds=False)),
        Column("Enabled", lambda r: "Yes" if r.info.enabled else "No"),
    ]


class JobsPage(QWidget):
    sig_loaded = Signal()  # the list shows the database (tests wait on it)
    sig_run_queued = Signal(int)  # a request id: the main window wakes its scheduler
    sig_action_done = Signal(str)  # the message an action left

    def __init__(self, context: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("page")
        self.context = context
        self._list_task = TaskSlot()
        self._action_task = TaskSlot()
        self._select_after: str | None = None
        self._loaded_once = False
        self.rows: list[JobRow] = []
        self.dialog: QWidget | None = None
        self.confirm_box: QMessageBox | None = None
        user = context.user

        layout = QVBoxLayout(self)
        layout.setContentsMargins(28, 24, 28, 24)
        layout.setSpacing(14)
        layout.addWidget(
            PageHeader(
                "Jobs",
                "Loads, reports and uploads: their schedules, dependencies and last runs "
                f"(times in {context.ws.settings.timezone})",
                self,
            )
        )
        bar = QHBoxLayout()
        bar.setSpacing(6)
        self.new_button = self._button(
            "New job…", "Create a job running mappings, a report or an upload", self.new_job
        )
        self.edit_button = self._button(
            "Edit…",
            "Edit the job: its mappings, description, retries, schedule and dependency",
            self.edit_schedule,
        )
        self.enable_button = self._button("Disable", "Stop or resume its schedule", self.toggle)
        self.delete_button = self._button("Delete", "Delete the selected job", self.delete)
        self.run_button = self._button("Run now", "Queue a run of the selected job", self.run_now)
        self.history_button = self._button("History…", "Its past runs", self.show_history)
        self.refresh_button = self._button("", "Reload the list (F5)", self.refresh)
        self.refresh_button.setIcon(icon("refresh"))
        for button in (self.new_button, self.edit_button, self.enable_button, self.delete_button):
            bar.addWidget(button)
        bar.addSpacing(8)
        bar.addWidget(self.run_button)
        bar.addWidget(self.history_button)
        bar.addStretch(1)
        bar.addWidget(self.refresh_button)
        layout.addLayout(bar)
        rights = {
            self.new_button: "create",
            self.edit_button: "edit",
            self.enable_button: "edit",
            self.delete_button: "delete",
            self.run_button: "run",
        }
        self.allowed = {button: user.can("jobs", right) for button, right in rights.items()}
        self.allowed[self.run_button] = can_run(user)
        self.allowed[self.history_button] = True
        for button, right in rights.items():
            if not self.allowed[button]:
                button.setToolTip(user.missing("jobs", right))

        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        set_message(self.message, "")
        layout.addWidget(self.message)

        self.model = RecordsModel(
            job_columns(context.ws.settings.timezone),
            key=lambda r: r.info.jobid,
            parent=self,
            muted=lambda r: not r.info.enabled,
        )
        self.view = records_view(self.model, self, "jobsView")
        self.view.verticalHeader().setDefaultSectionSize(30)
        header = self.view.horizontalHeader()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)  # the schedule in words
        for column, width in enumerate((140, 170, 280, 165, 90, 125, 78)):
            self.view.setColumnWidth(column, width)
        self.view.doubleClicked.connect(lambda _index: self.edit_schedule())
        self.view.selectionModel().selectionChanged.connect(lambda *_a: self._update_buttons())
        self.empty_label = empty_state(
            "No job yet. New job… turns one or more mappings into a job you can schedule, "
            "chain after another job and run now.",
            self,
        )
        layout.addWidget(self.view, 1)
        layout.addWidget(self.empty_label, 1)
        refresh_shortcut(self, self.refresh)
        self._timer = QTimer(self)
        self._timer.setInterval(AUTO_REFRESH_MS)
        self._timer.timeout.connect(self._auto_refresh)
        self._timer.start()
        self._update_buttons()

    def _button(self, text: str, tip: str, slot: Callable[[], object]) -> QPushButton:
        button = QPushButton(text, self)
        button.setToolTip(tip)
        button.setMinimumWidth(36)  # a narrow window clips the labels instead of growing
        button.clicked.connect(lambda _checked=False: slot())
        return button

    # -- loading -------------------------------------------------------------------------------
    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        super().showEvent(event)
        if not self._loaded_once:
            self._loaded_once = True
            self.refresh()

    def _auto_refresh(self) -> None:
        if self.isVisible() and not self._list_task.busy and not self._action_task.busy:
            self.refresh()

    def refresh(self, select: str | None = None) -> None:
        if select:
            self._select_after = select
        elif self.selected() is not None and self._select_after is None:
            self._select_after = self.selected().name  # type: ignore[union-attr]
        self._list_task.start(
            load_jobs,
            self.context.ws,
            self.context.user,
            on_done=self._show_rows,
            on_error=self._show_error,
        )

    def _show_rows(self, rows: list[JobRow]) -> None:
        self.rows = rows
        self.model.set_rows(rows)
        self.view.setVisible(bool(rows))
        self.empty_label.setVisible(not rows)
        if self._select_after is not None:
            self.select(self._select_after)
            self._select_after = None
        self._update_buttons()
        self.sig_loaded.emit()

    def _show_error(self, exc: BaseException) -> None:
        set_message(self.message, f"Could not load the jobs: {user_message(exc)[0]}")

    @property
    def loading(self) -> bool:
        return self._list_task.busy

    def cancel_tasks(self) -> None:
        self._timer.stop()
        self._list_task.cancel()
        self._action_task.cancel()

    # -- selection -----------------------------------------------------------------------------
    def selected(self) -> JobRow | None:
        row = selected_row(self.view)
        return row if isinstance(row, JobRow) else None

    def select(self, name: str) -> bool:
        for number, row in enumerate(self.rows):
            if row.name.lower() == name.lower():
                self.view.selectRow(number)
                return True
        return False

    def _update_buttons(self) -> None:
        job = self.selected()
        busy = self._action_task.busy
        for button, allowed in self.allowed.items():
            needs_job = button is not self.new_button
            button.setEnabled(allowed and not busy and (job is not None or not needs_job))
        self.enable_button.setText(
            "Enable" if job is not None and not job.info.enabled else "Disable"
        )

    # -- actions -------------------------------------------------------------------------------
    def new_job(self, mappings: Sequence[str] = ()) -> JobDialog:
        """The New job dialog, optionally with ``mappings`` already in its run order."""
        dialog = JobDialog(self.context, self.rows, preselect=mappings, parent=self)
        dialog.sig_saved.connect(lambda info: self._saved(info, "created"))
        self.dialog = dialog
        dialog.open()
        return dialog

    def edit_schedule(self) -> JobDialog | None:
        job = self.selected()
        if job is None or not self.allowed[self.edit_button]:
            return None
        dialog = JobDialog(self.context, self.rows, job=job, parent=self)
        dialog.sig_saved.connect(lambda info: self._saved(info, "saved"))
        self.dialog = dialog
        dialog.open()
        return dialog

    def _saved(self, info: object, verb: str) -> None:
        name = str(getattr(info, "name", ""))
        set_message(self.message, f"Job {name} {verb}.", "info")
        self.refresh(select=name)

    def toggle(self) -> None:
        job = self.selected()
        if job is None:
            return
        enable = not job.info.enabled
        done = f"Job {job.name} {'enabled' if enable else 'disabled'}."
        self._act(set_enabled, job.name, enable, done=done, select=job.name)

    def delete(self) -> QMessageBox | None:
        job = self.selected()
        if job is None:
            return None
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Delete job",
            f"Delete job {job.name}? Its queued runs are cancelled; its history stays.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            self,
        )
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.accepted.connect(
            lambda: self._act(delete_job, job.name, done=f"Job {job.name} deleted.")
        )
        self.confirm_box = box
        box.open()
        return box

    def run_now(self) -> None:
        job = self.selected()
        if job is None:
            return

        def queued(prcreqid: object) -> None:
            self.sig_run_queued.emit(int(prcreqid))  # type: ignore[call-overload]

        self._act(
            run_now,
            job.name,
            done=f"Run of {job.name} queued; follow it in Monitor.",
            select=job.name,
            then=queued,
        )

    def open_run_dialog(self) -> RunJobDialog:
        dialog = RunJobDialog(self.context.ws, self.context.user, parent=self)
        dialog.sig_queued.connect(self._queued_from_dialog)
        self.dialog = dialog
        dialog.open()
        return dialog

    def _queued_from_dialog(self, prcreqid: int, name: str) -> None:
        set_message(self.message, f"Run of {name} queued; follow it in Monitor.", "info")
        self.sig_run_queued.emit(prcreqid)
        self.refresh(select=name)

    def show_history(self) -> HistoryDialog | None:
        job = self.selected()
        if job is None:
            return None
        dialog = HistoryDialog(self.context, job.name, parent=self)
        self.dialog = dialog
        dialog.open()
        return dialog

    def _act(
        self,
        fn: Callable[..., object],
        *args: object,
        done: str,
        select: str | None = None,
        then: Callable[[object], None] | None = None,
    ) -> None:
        def finished(result: object) -> None:
            set_message(self.message, done, "info")
            if then is not None:
                then(result)
            self.refresh(select=select)
            self.sig_action_done.emit(done)

        def failed(exc: BaseException) -> None:
            text = user_message(exc)[0]
            set_message(self.message, text)
            self._update_buttons()
            self.sig_action_done.emit(text)

        self._action_task.start(
            fn, self.context.ws, self.context.user, *args, on_done=finished, on_error=failed
        )
        self._update_buttons()


PAGE = PageSpec(
    module="jobs",
    title="Jobs",
    icon="jobs",
    summary="Loads, reports and uploads: their schedules and dependencies",
    create=JobsPage,
)
