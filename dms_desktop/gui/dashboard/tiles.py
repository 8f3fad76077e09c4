"""KPI tiles and the two small job tables of the dashboard."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QFrame, QHeaderView, QLabel, QTableView, QVBoxLayout, QWidget

from dms_desktop.core.dashboard import JobStat, Kpis
from dms_desktop.gui.dashboard.axes import compact_count, seconds_text
from dms_desktop.gui.jobs.display import local_text, to_local, zone_of
from dms_desktop.gui.records import Column, RecordsModel, records_view

# key -> caption, tooltip
KPI_TILES = {
    "runs_today": ("Runs today", "Runs started today (local time), whatever the filters' period"),
    "success_rate": ("Success rate", "Successful runs among the finished runs of the period"),
    "failures": ("Failures", "Failed runs in the period; click to open them in the Monitor"),
    "rows_loaded": ("Rows loaded", "Rows inserted plus updated by the runs of the period"),
    "median": ("Median duration", "Median run time of the finished runs of the period"),
}


class KpiTile(QFrame):
    """One figure: caption, value and a line of context below it."""

    sig_clicked = Signal()

    def __init__(self, key: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        caption, tip = KPI_TILES[key]
        self.key = key
        self.setObjectName("tile")
        self.setToolTip(tip)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        layout.setSpacing(2)
        self.caption = QLabel(caption, self)
        self.caption.setObjectName("tileLabel")
        self.value = QLabel("–", self)
        self.value.setObjectName("tileValue")
        self.value.setAccessibleName(caption)
        self.hint = QLabel("", self)
        self.hint.setObjectName("mutedLabel")
        for label in (self.caption, self.value, self.hint):
            label.setMinimumWidth(30)  # a narrow window squeezes the row of tiles
            layout.addWidget(label)

    def set_figure(self, value: str, hint: str = "") -> None:
        self.value.setText(value)
        self.hint.setText(hint)

    def set_clickable(self, clickable: bool) -> None:
        self.setProperty("clickable", clickable)
        self.setCursor(
            Qt.CursorShape.PointingHandCursor if clickable else Qt.CursorShape.ArrowCursor
        )

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        super().mouseReleaseEvent(event)
        if self.property("clickable") and event.button() == Qt.MouseButton.LeftButton:
            self.sig_clicked.emit()


def kpi_figures(kpis: Kpis) -> dict[str, tuple[str, str]]:
    """The text of each tile: (value, hint)."""
    rate = "–" if kpis.success_rate is None else f"{kpis.success_rate * 100:.1f} %"
    rate_hint = (
        f"{kpis.successes:,} succeeded, {kpis.failures:,} failed"
        if kpis.success_rate is not None
        else "no finished run"
    )
    return {
        "runs_today": (f"{kpis.runs_today:,}", f"{kpis.runs:,} in the period"),
        "success_rate": (rate, rate_hint),
        "failures": (f"{kpis.failures:,}", "failed runs in the period"),
        "rows_loaded": (f"{kpis.rows_loaded:,}", f"{compact_count(kpis.rows_read)} rows read"),
        "median": (
            seconds_text(kpis.median_seconds),
            f"95th percentile {seconds_text(kpis.p95_seconds)}"
            if kpis.p95_seconds is not None
            else "no finished run",
        ),
    }


def job_name(stat: JobStat) -> str:
    """The job to look for in the Monitor: the job's name (labels add '/ mapping' when one job
    runs several mappings), or the mapping of a run started by hand."""
    if stat.jobid is None:
        return stat.mapref or stat.job
    suffix = f" / {stat.mapref}"
    return stat.job[: -len(suffix)] if stat.mapref and stat.job.endswith(suffix) else stat.job


COLUMN_WIDTHS = {"Runs": 54, "Median": 70, "Last failure": 104}


def short_time(moment: datetime | None, zone: ZoneInfo) -> str:
    local = to_local(moment, zone)
    return f"{local:%b} {local.day} {local:%H:%M}" if local is not None else ""


def _rate(stat: JobStat) -> str:
    return f"{stat.failures / stat.runs * 100:.0f} %" if stat.runs else ""


def slowest_model(parent: QWidget) -> RecordsModel:
    return RecordsModel(
        [
            Column("Job", lambda s: s.job, tooltip=lambda s: f"{s.job}\nClick: open in Monitor"),
            Column("Runs", lambda s: f"{s.runs:,}", numeric=True),
            Column("Median", lambda s: seconds_text(s.median_seconds), numeric=True),
            Column("p95", lambda s: seconds_text(s.p95_seconds), numeric=True),
            Column("Max", lambda s: seconds_text(s.max_seconds), numeric=True),
        ],
        key=lambda s: (s.jobid, s.mapref),
        parent=parent,
    )


def failing_model(parent: QWidget, timezone: str) -> RecordsModel:
    zone = zone_of(timezone)
    return RecordsModel(
        [
            Column("Job", lambda s: s.job, tooltip=lambda s: f"{s.job}\nClick: open its failures"),
            Column("Failed", lambda s: f"{s.failures:,}", numeric=True),
            Column(
                "Rate",
                _rate,
                numeric=True,
                tooltip=lambda s: f"{s.failures:,} of {s.runs:,} runs failed",
            ),
            Column(
                "Last failure",
                lambda s: short_time(s.last_failure, zone),
                tooltip=lambda s: local_text(s.last_failure, zone),
            ),
        ],
        key=lambda s: (s.jobid, s.mapref),
        parent=parent,
    )


def stats_view(model: RecordsModel, parent: QWidget, name: str) -> QTableView:
    view = records_view(model, parent, name)
    view.setCursor(Qt.CursorShape.PointingHandCursor)
    view.setMinimumHeight(100)
    # "DEMO_DIMENSIONS / DIM_CUSTOMER": the two ends tell the rows of one job apart
    view.setTextElideMode(Qt.TextElideMode.ElideMiddle)
    view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    header = view.horizontalHeader()
    header.setStretchLastSection(False)
    header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
    header.setMinimumSectionSize(40)
    for column in range(1, model.columnCount()):
        title = str(model.headerData(column, Qt.Orientation.Horizontal) or "")
        header.setSectionResizeMode(column, QHeaderView.ResizeMode.Fixed)
        view.setColumnWidth(column, COLUMN_WIDTHS.get(title, 60))
    return view
