"""Monitor: queued, running and finished runs, refreshed live from a worker while the page is
visible; a run's steps, errors and log; Cancel (queued or running) and Rerun (failed), both
needing the Jobs "run" right. ``show_runs(job, day, status)`` filters the list: the
Dashboard calls it when a bar or a job is clicked."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QTabBar,
    QVBoxLayout,
    QWidget,
)

from dms_desktop.core.jobs.frequency import to_utc
from dms_desktop.core.jobs.service import JobService
from dms_desktop.core.security.permissions import CurrentUser
from dms_desktop.core.workspace import Workspace
from dms_desktop.gui.errors import user_message
from dms_desktop.gui.jobs.display import zone_of
from dms_desktop.gui.jobs.work import can_run
from dms_desktop.gui.monitor.details import RunDetailsPanel
from dms_desktop.gui.monitor.model import PROGRESS_COLUMN, ProgressDelegate, RunsModel
from dms_desktop.gui.monitor.queries import (
    FILTERS,
    LIMIT,
    RunDetails,
    RunRow,
    load_details,
    load_runs,
    section_of,
)
from dms_desktop.gui.pages import PageContext, PageSpec
from dms_desktop.gui.records import records_view, selected_row
from dms_desktop.gui.resources import icon
from dms_desktop.gui.widgets import PageHeader, refresh_shortcut, set_message
from dms_desktop.gui.workers import TaskSlot

REFRESH_MS = 2000
ANIMATION_MS = 80
FILTER_TITLES = {  # the sections of the table
    "all": "All",
    "queued": "Queued",
    "running": "Running",
    "finished": "Finished",
    "succeeded": "Succeeded",
    "failed": "Failed",
}


def cancel_run(ws: Workspace, user: CurrentUser, prcreqid: int) -> str:
    return JobService(ws, user).cancel(prcreqid)


def rerun(ws: Workspace, user: CurrentUser, job: str) -> int:
    return JobService(ws, user).run_now(job)


class MonitorPage(QWidget):
    sig_refreshed = Signal()  # the table shows the database (tests wait on it)
    sig_details_loaded = Signal(object)  # RunDetails of the selected run
    sig_run_queued = Signal(int)  # Rerun queued a request: the main window wakes its scheduler
    sig_action_done = Signal(str)

    def __init__(self, context: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("page")
        self.context = context
        self._runs_task = TaskSlot()
        self._details_task = TaskSlot()
        self._action_task = TaskSlot()
        self.which = "all"
        self.day: date | None = None  # runs of one day (workspace zone) only
        self._exact_job = False  # the job filter holds a whole name (set by show_runs)
        self._load_failed = False
        user = context.user

        layout = QVBoxLayout(self)
        layout.setContentsMargins(28, 24, 28, 24)
        layout.setSpacing(12)
        layout.addWidget(
            PageHeader(
                "Monitor",
                f"Queued, running and finished runs, live; times in {context.ws.settings.timezone}",
                self,
            )
        )
        bar = QHBoxLayout()
        bar.setSpacing(6)
        self.filter_tabs = QTabBar(self)
        self.filter_tabs.setObjectName("runFilterTabs")
        self.filter_tabs.setDocumentMode(True)
        self.filter_tabs.setExpanding(False)
        self.filter_tabs.setUsesScrollButtons(True)
        self.filter_keys = list(FILTERS)
        for key in self.filter_keys:
            self.filter_tabs.addTab(FILTER_TITLES[key])
        self.filter_tabs.currentChanged.connect(
            lambda index: self.set_filter(self.filter_keys[index])
        )
        bar.addWidget(self.filter_tabs, 1)
        bar.addSpacing(8)
        self.job_filter = QLineEdit(self)
        self.job_filter.setPlaceholderText("Job name contains…")
        self.job_filter.setClearButtonEnabled(True)
        self.job_filter.setMaximumWidth(220)
        self.job_filter.setMinimumWidth(60)
        self.job_filter.textChanged.connect(lambda _t: self.refresh())
        self.job_filter.textEdited.connect(self._typed_job)
        bar.addWidget(self.job_filter, 1)
        self.day_chip = QPushButton("", self)
        self.day_chip.setObjectName("dayFilterChip")
        self.day_chip.setToolTip("Only the runs of this day: click to show every day")
        self.day_chip.clicked.connect(lambda _c=False: self.show_day(None))
        self.day_chip.hide()
        bar.addWidget(self.day_chip)
        self.live_check = QCheckBox("Live", self)
        self.live_check.setChecked(True)
        self.live_check.setToolTip(f"Refresh every {REFRESH_MS // 1000} s while visible")
        self.updated_label = QLabel("", self)
        self.updated_label.setObjectName("mutedLabel")
        self.updated_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.cancel_button = QPushButton("Cancel run", self)
        self.cancel_button.setToolTip("Cancel the selected queued or running run")
        self.cancel_button.clicked.connect(self.cancel_selected)
        self.rerun_button = QPushButton("Rerun", self)
        self.rerun_button.setToolTip("Queue the job of the selected failed run again")
        self.rerun_button.clicked.connect(self.rerun_selected)
        self.refresh_button = QPushButton(icon("refresh"), "", self)
        self.refresh_button.setToolTip("Reload now (F5)")
        self.refresh_button.clicked.connect(lambda _c=False: self.refresh())
        for widget in (
            self.updated_label,
            self.live_check,
            self.cancel_button,
            self.rerun_button,
            self.refresh_button,
        ):
            bar.addWidget(widget)
        for button in (self.cancel_button, self.rerun_button):
            button.setMinimumWidth(36)  # a narrow window clips the labels instead of growing
        layout.addLayout(bar)
        self.can_cancel = self.can_rerun = can_run(user)
        if not can_run(user):
            for button in (self.cancel_button, self.rerun_button):
                button.setToolTip(user.missing("jobs", "run"))

        self.message = QLabel(self)
        self.message.setWordWrap(True)
        set_message(self.message, "")
        layout.addWidget(self.message)

        self.model = RunsModel(context.ws.settings.timezone, self)
        self.view = records_view(self.model, self, "runsView")
        self.view.setItemDelegateForColumn(PROGRESS_COLUMN, ProgressDelegate(self.view))
        widths = (150, 140, 100, 84, 190, 150, 78, 78, 78, 78, 78, 78, 70, 150, 150)
        for column, width in enumerate(widths):
            self.view.setColumnWidth(column, width)
        self.view.selectionModel().selectionChanged.connect(lambda *_a: self._selection_changed())
        self.details = RunDetailsPanel(context.ws, self)
        split = QSplitter(Qt.Orientation.Vertical, self)
        split.addWidget(self.view)
        split.addWidget(self.details)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        split.setChildrenCollapsible(False)
        layout.addWidget(split, 1)

        refresh_shortcut(self, self.refresh)
        self._timer = QTimer(self)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self._tick)
        self._timer.start()
        self._animation = QTimer(self)
        self._animation.setInterval(ANIMATION_MS)
        self._animation.timeout.connect(self._animate)
        self._update_buttons()

    # -- refreshing ----------------------------------------------------------------------------
    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        super().showEvent(event)
        self.refresh()

    def _tick(self) -> None:
        if self.isVisible() and self.live_check.isChecked() and not self._runs_task.busy:
            self.refresh()

    def set_filter(self, which: str) -> None:
        self.which = which
        index = self.filter_keys.index(which)
        if self.filter_tabs.currentIndex() != index:
            self.filter_tabs.setCurrentIndex(index)  # comes back here through the signal
            return
        self.refresh()

    def show_runs(
        self, job: str | None = None, day: date | None = None, status: str | None = None
    ) -> None:
        """Show only the runs of ``job`` (its whole name), on ``day`` (a date in the
        workspace zone) with ``status`` (a section key, or a status word such as SUCCESS
        or FAILED); None clears that filter."""
        self.which = section_of(status)
        self.day = day
        self._exact_job = bool(job)
        self.filter_tabs.blockSignals(True)  # one refresh below, not one per control
        self.filter_tabs.setCurrentIndex(self.filter_keys.index(self.which))
        self.filter_tabs.blockSignals(False)
        self.job_filter.blockSignals(True)
        self.job_filter.setText(job or "")
        self.job_filter.blockSignals(False)
        self._show_day_chip()
        self.refresh()

    def show_day(self, day: date | None) -> None:
        self.day = day
        self._show_day_chip()
        self.refresh()

    def _show_day_chip(self) -> None:
        self.day_chip.setVisible(self.day is not None)
        if self.day is not None:
            self.day_chip.setText(f"{self.day:%a %Y-%m-%d}  ✕")

    def _typed_job(self, _text: str) -> None:
        self._exact_job = False  # the user types a fragment again

    def _between(self) -> tuple[datetime, datetime] | None:
        if self.day is None:
            return None
        zone = zone_of(self.context.ws.settings.timezone)
        start = datetime.combine(self.day, time(0, 0))
        return to_utc(start, zone), to_utc(start + timedelta(days=1), zone)

    def refresh(self) -> None:
        self._runs_task.start(
            load_runs,
            self.context.ws,
            self.which,
            self.job_filter.text(),
            LIMIT,
            self._between(),
            self._exact_job,
            on_done=self._show_runs,
            on_error=self._failed,
        )

    def _show_runs(self, rows: list[RunRow]) -> None:
        current = self.selected()
        self.model.set_rows(rows)
        if current is not None:
            row = self.model.find(current.prcreqid)
            if row >= 0 and not self.view.selectionModel().isRowSelected(row):
                self.view.selectRow(row)
        self._selection_changed(reload_only_if_active=True)
        self.updated_label.setText(f"Updated {datetime.now():%H:%M:%S}")
        if self.model.running_rows():
            self._animation.start()
        else:
            self._animation.stop()
        # The progress column only while something is queued or running.
        self.view.setColumnHidden(PROGRESS_COLUMN, not any(r.active for r in rows))
        if self._load_failed:
            self._load_failed = False
            set_message(self.message, "")
        self.sig_refreshed.emit()

    def _failed(self, exc: BaseException) -> None:
        self._load_failed = True
        set_message(self.message, f"Could not load the runs: {user_message(exc)[0]}")

    def _animate(self) -> None:
        if self.isVisible():
            self.model.advance()

    @property
    def loading(self) -> bool:
        return self._runs_task.busy

    def cancel_tasks(self) -> None:
        self._timer.stop()
        self._animation.stop()
        for task in (self._runs_task, self._details_task, self._action_task):
            task.cancel()
        self.details.cancel_tasks()

    # -- selection and details -----------------------------------------------------------------
    def selected(self) -> RunRow | None:
        row = selected_row(self.view)
        return row if isinstance(row, RunRow) else None

    def select(self, prcreqid: int) -> bool:
        row = self.model.find(prcreqid)
        if row >= 0:
            self.view.selectRow(row)
        return row >= 0

    def _selection_changed(self, reload_only_if_active: bool = False) -> None:
        self._update_buttons()
        run = self.selected()
        if run is None:
            self.details.clear()
            return
        shown = self.details.run
        unchanged = (
            shown is not None and shown.prcreqid == run.prcreqid and shown.status == run.status
        )
        if reload_only_if_active and unchanged and not run.active:
            return  # a finished run's details do not change
        self._details_task.start(
            load_details,
            self.context.ws,
            run.prcreqid,
            on_done=lambda details: self._show_details(run, details),
            on_error=self._failed,
        )

    def _show_details(self, run: RunRow, details: RunDetails) -> None:
        current = self.selected()
        if current is None or current.prcreqid != run.prcreqid:
            return
        self.details.show_details(current, details)
        self.sig_details_loaded.emit(details)

    def _update_buttons(self) -> None:
        run = self.selected()
        busy = self._action_task.busy
        self.cancel_button.setEnabled(
            self.can_cancel and not busy and run is not None and run.active
        )
        self.rerun_button.setEnabled(
            self.can_rerun and not busy and run is not None and run.status == "FAILED"
        )

    # -- actions -------------------------------------------------------------------------------
    def cancel_selected(self) -> None:
        run = self.selected()
        if run is None or not run.active:
            return
        self._act(cancel_run, run.prcreqid, done=f"Run {run.prcreqid} of {run.job} cancelled.")

    def rerun_selected(self) -> None:
        run = self.selected()
        if run is None or run.status != "FAILED":
            return

        def queued(prcreqid: object) -> None:
            self.sig_run_queued.emit(int(prcreqid))  # type: ignore[call-overload]

        self._act(rerun, run.job, done=f"{run.job} queued again.", then=queued)

    def _act(
        self,
        fn: Callable[..., object],
        *args: object,
        done: str,
        then: Callable[[object], None] | None = None,
    ) -> None:
        def finished(result: object) -> None:
            set_message(self.message, done, "info")
            if then is not None:
                then(result)
            self._update_buttons()
            self.refresh()
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
    module="monitor",
    title="Monitor",
    icon="monitor",
    summary="Runs as they happen",
    create=MonitorPage,
)
