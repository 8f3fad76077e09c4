"""Dashboard: KPI tiles, runs/durations/rows charts and the slowest and most failing jobs.

Every figure is aggregated in SQL by ``core.dashboard.dashboard`` in a worker; the page only
draws what comes back. It refreshes when first shown, every ``REFRESH_MS`` while visible, on
Refresh (F5) and when a filter changes; a click on a bar or a job opens the Monitor on it.
"""

from __future__ import annotations

import time
from datetime import date, datetime
from typing import Any

from PySide6.QtCore import QModelIndex, QTimer, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from dms_desktop.core.dashboard import STATUSES, Dashboard, dashboard
from dms_desktop.gui.dashboard.charts import STATUS_TITLES, DurationChart, RowsChart, RunsChart
from dms_desktop.gui.dashboard.monitor_link import open_monitor
from dms_desktop.gui.dashboard.tiles import (
    KPI_TILES,
    KpiTile,
    failing_model,
    job_name,
    kpi_figures,
    slowest_model,
    stats_view,
)
from dms_desktop.gui.errors import user_message
from dms_desktop.gui.pages import PageContext, PageSpec
from dms_desktop.gui.resources import icon
from dms_desktop.gui.widgets import PageHeader, refresh_shortcut, set_message
from dms_desktop.gui.workers import TaskSlot

REFRESH_MS = 30_000
BUSY_DELAY_MS = 300  # a refresh that takes longer shows the busy bar
PERIODS = (7, 30, 90, 365)
DEFAULT_PERIOD = 30
LONG_PERIOD = 90  # from this many days the busy bar shows at once


class DashboardPage(QWidget):
    sig_refreshed = Signal(object)  # the Dashboard now shown (tests wait on it)
    sig_monitor_opened = Signal(object)  # the Monitor page a click opened

    def __init__(self, context: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("page")
        self.context = context
        self.board: Dashboard | None = None
        self._task = TaskSlot()
        self._loaded_at = 0.0
        self._known_jobs: set[str] = set()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(28, 24, 28, 16)
        layout.setSpacing(12)
        header = PageHeader(
            "Dashboard",
            "How the loads are doing: runs, failures, durations and volumes; "
            f"days in {context.ws.settings.timezone}",
            self,
        )
        self.busy_bar = QProgressBar(self)
        self.busy_bar.setObjectName("dashboardBusy")
        self.busy_bar.setRange(0, 0)
        self.busy_bar.setFixedWidth(110)
        self.busy_bar.setTextVisible(False)
        self.busy_bar.hide()
        self.updated_label = QLabel("", self)
        self.updated_label.setObjectName("mutedLabel")
        self.refresh_button = QPushButton(icon("refresh"), "Refresh", self)
        self.refresh_button.setToolTip("Reload the figures now (F5)")
        self.refresh_button.clicked.connect(lambda _c=False: self.refresh())
        for widget in (self.busy_bar, self.updated_label, self.refresh_button):
            header.add_widget(widget)
        layout.addWidget(header)
        layout.addLayout(self._build_filters())

        self.message = QLabel(self)
        self.message.setWordWrap(True)
        set_message(self.message, "")
        layout.addWidget(self.message)

        tiles = QHBoxLayout()
        tiles.setSpacing(12)
        self.tiles: dict[str, KpiTile] = {}
        for key in KPI_TILES:
            tile = KpiTile(key, self)
            self.tiles[key] = tile
            tiles.addWidget(tile)
        failures = self.tiles["failures"]
        if context.user.can("monitor", "view"):
            failures.set_clickable(True)
            failures.sig_clicked.connect(lambda: self.open_monitor(status="FAILED"))
        layout.addLayout(tiles)

        scroll = QScrollArea(self)
        scroll.setObjectName("dashboardScroll")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        body = QWidget(scroll)
        body.setObjectName("page")
        grid = QGridLayout(body)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(12)
        self.runs_chart = RunsChart(body)
        self.runs_chart.sig_day_clicked.connect(self._day_clicked)
        self.rows_chart = RowsChart(body)
        self.duration_chart = DurationChart(body)
        slowest, failing = self._build_tables(body)
        # Runs per day wide, with the failing jobs beside it; durations, volumes and the
        # slowest jobs below: everything in view at 1280 x 800.
        grid.addWidget(self.runs_chart, 0, 0, 1, 2)
        grid.addWidget(failing, 0, 2)
        grid.addWidget(self.duration_chart, 1, 0)
        grid.addWidget(self.rows_chart, 1, 1)
        grid.addWidget(slowest, 1, 2)
        for column, stretch in enumerate((3, 3, 4)):
            grid.setColumnStretch(column, stretch)
        for row in (0, 1):
            grid.setRowMinimumHeight(row, 210)
            grid.setRowStretch(row, 1)
        scroll.setWidget(body)
        layout.addWidget(scroll, 1)

        refresh_shortcut(self, self.refresh)
        self._timer = QTimer(self)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self._tick)
        self._timer.start()
        self._busy_delay = QTimer(self)
        self._busy_delay.setSingleShot(True)
        self._busy_delay.setInterval(BUSY_DELAY_MS)
        self._busy_delay.timeout.connect(self._show_busy)
        self._filter_delay = QTimer(self)  # several filter signals in a row: one refresh
        self._filter_delay.setSingleShot(True)
        self._filter_delay.setInterval(0)
        self._filter_delay.timeout.connect(self.refresh)

    # -- construction --------------------------------------------------------------------------
    def _build_filters(self) -> QHBoxLayout:
        bar = QHBoxLayout()
        bar.setSpacing(8)
        self.period_combo = QComboBox(self)
        self.period_combo.setObjectName("periodCombo")
        for days in PERIODS:
            self.period_combo.addItem(f"Last {days} days", days)
        self.period_combo.setCurrentIndex(PERIODS.index(DEFAULT_PERIOD))
        self.period_combo.currentIndexChanged.connect(lambda _i: self._filter_changed())
        self.job_combo = QComboBox(self)
        self.job_combo.setObjectName("jobFilterCombo")
        self.job_combo.setEditable(True)
        self.job_combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.job_combo.setMinimumWidth(200)
        self.job_combo.addItem("")
        line = self.job_combo.lineEdit()
        line.setPlaceholderText("All jobs")
        line.setClearButtonEnabled(True)
        self.job_combo.setToolTip("A job name or a mapping reference; empty: every job")
        self.job_combo.activated.connect(lambda _i: self._filter_changed())
        line.returnPressed.connect(self._filter_changed)
        line.textChanged.connect(lambda text: None if text else self._filter_changed())
        self.status_combo = QComboBox(self)
        self.status_combo.setObjectName("statusFilterCombo")
        self.status_combo.addItem("All statuses", None)
        for status in STATUSES:
            self.status_combo.addItem(STATUS_TITLES[status], status)
        self.status_combo.currentIndexChanged.connect(lambda _i: self._filter_changed())
        self.live_check = QCheckBox("Auto refresh", self)
        self.live_check.setChecked(True)
        self.live_check.setToolTip(f"Refresh every {REFRESH_MS // 1000} s while visible")
        for text, widget in (("Period", self.period_combo), ("Job", self.job_combo),
                             ("Status", self.status_combo)):  # fmt: skip
            label = QLabel(text, self)
            label.setBuddy(widget)
            bar.addWidget(label)
            bar.addWidget(widget)
            bar.addSpacing(8)
        bar.addStretch(1)
        bar.addWidget(self.live_check)
        return bar

    def _build_tables(self, parent: QWidget) -> tuple[QFrame, QFrame]:
        self.slowest_model = slowest_model(self)
        self.failing_model = failing_model(self, self.context.ws.settings.timezone)
        cards = []
        for title, model, name in (
            ("Slowest jobs (median run time)", self.slowest_model, "slowestJobsView"),
            ("Most failing jobs", self.failing_model, "failingJobsView"),
        ):
            card = QFrame(parent)
            card.setObjectName("tile")
            inner = QVBoxLayout(card)
            inner.setContentsMargins(14, 10, 14, 12)
            inner.setSpacing(6)
            label = QLabel(title, card)
            label.setObjectName("sectionTitle")
            view = stats_view(model, card, name)
            view.clicked.connect(lambda index, v=view: self._job_clicked(v, index))
            inner.addWidget(label)
            inner.addWidget(view, 1)
            cards.append((card, view))
        (slowest, self.slowest_view), (failing, self.failing_view) = cards
        return slowest, failing

    # -- filters ---------------------------------------------------------------------------------
    def filters(self) -> tuple[int, str | None, str | None]:
        """(period in days, job or None, status or None) as the controls say."""
        period = int(self.period_combo.currentData() or DEFAULT_PERIOD)
        job = self.job_combo.currentText().strip() or None
        status = self.status_combo.currentData()
        return period, job, status

    def set_filters(
        self, period: int | None = None, job: str | None = None, status: str | None = None
    ) -> None:
        """Set the controls (one refresh follows)."""
        if period is not None and period in PERIODS:
            self.period_combo.setCurrentIndex(PERIODS.index(period))
        if job is not None:
            self.job_combo.setEditText(job)
        if status is not None:
            self.status_combo.setCurrentIndex(max(0, self.status_combo.findData(status or None)))
        self._filter_changed()

    def _filter_changed(self) -> None:
        self._filter_delay.start()

    # -- loading ---------------------------------------------------------------------------------
    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        super().showEvent(event)
        stale = time.monotonic() - self._loaded_at > REFRESH_MS / 1000
        if (self.board is None or stale) and not self._task.busy:
            self.refresh()

    def _tick(self) -> None:
        if self.isVisible() and self.live_check.isChecked() and not self._task.busy:
            self.refresh()

    @property
    def loading(self) -> bool:
        return self._task.busy

    def refresh(self) -> None:
        period, job, status = self.filters()
        self.updated_label.setText("Loading…")
        if period >= LONG_PERIOD:
            self._show_busy()
        else:
            self._busy_delay.start()
        self._task.start(
            dashboard,
            self.context.ws,
            self.context.user,
            period,
            job,
            status,
            on_done=self.show_board,
            on_error=self._failed,
            progress=self._progress,
        )

    def _show_busy(self) -> None:
        if self._task.busy or not self._busy_delay.isActive():
            self.busy_bar.show()

    def _stop_busy(self) -> None:
        self._busy_delay.stop()
        self.busy_bar.hide()

    def _progress(self, _fraction: float, text: str) -> None:
        if text:
            self.updated_label.setText(f"Loading… {text.lower()}")

    def cancel_tasks(self) -> None:
        self._timer.stop()
        self._busy_delay.stop()
        self._filter_delay.stop()
        self._task.cancel()

    def show_board(self, board: Dashboard) -> None:
        self.board = board
        self._loaded_at = time.monotonic()
        self._stop_busy()
        set_message(self.message, "")
        for key, (value, hint) in kpi_figures(board.kpis).items():
            self.tiles[key].set_figure(value, hint)
        self.runs_chart.show_board(board)
        self.rows_chart.show_board(board)
        self.duration_chart.show_board(board)
        self.slowest_model.set_rows(board.slowest)
        self.failing_model.set_rows(board.failing)
        self._remember_jobs([*board.slowest, *board.failing, *board.durations])
        self.updated_label.setText(f"Updated {datetime.now():%H:%M:%S}")
        self.sig_refreshed.emit(board)

    def _remember_jobs(self, rows: list[Any]) -> None:
        names = {job_name(r) for r in rows} - self._known_jobs - {""}
        if not names:
            return
        self._known_jobs |= names
        text = self.job_combo.currentText()
        line = self.job_combo.lineEdit()
        for widget in (self.job_combo, line):
            widget.blockSignals(True)
        self.job_combo.clear()
        self.job_combo.addItems(["", *sorted(self._known_jobs, key=str.lower)])
        self.job_combo.setEditText(text)
        for widget in (self.job_combo, line):
            widget.blockSignals(False)

    def _failed(self, exc: BaseException) -> None:
        self._stop_busy()
        set_message(self.message, f"Could not load the dashboard: {user_message(exc)[0]}")
        self.updated_label.setText("")

    # -- going to the Monitor --------------------------------------------------------------------
    def open_monitor(
        self, *, job: str | None = None, day: date | None = None, status: str | None = None
    ) -> QWidget | None:
        """The Monitor on ``job`` (default: the job filter), ``day`` and ``status``."""
        _period, job_filter, status_filter = self.filters()
        page = open_monitor(
            self.context,
            self,
            job=job if job is not None else job_filter,
            day=day,
            status=status or status_filter,
        )
        if page is not None:
            self.sig_monitor_opened.emit(page)
        return page

    def _day_clicked(self, day: date, status: str | None) -> None:
        self.open_monitor(day=day, status=status)

    def _job_clicked(self, view: QTableView, index: QModelIndex) -> None:
        model = view.model()
        stat = model.row_at(index.row()) if hasattr(model, "row_at") else None
        if stat is None:
            return
        failed = view is self.failing_view
        self.open_monitor(job=job_name(stat), status="FAILED" if failed else None)


PAGE = PageSpec(
    module="dashboard",
    title="Dashboard",
    icon="dashboard",
    summary="Trends across runs",
    create=DashboardPage,
)
