"""The dashboard's pyqtgraph charts: runs per day stacked by status, durations of one job
(median and 95th percentile per day), rows per day.

Each chart is a card (``#tile``) with a title, a legend in words and the plot. Bars sit at
positions 0..n-1, one per day of the period; colours follow the theme (status colours of
Jobs/Monitor, series colours with a light and a dark variant) and are redrawn when the
palette changes. Panning, zooming and pyqtgraph's context menu are off: these are read-outs.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from html import escape

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QPointF, Qt, Signal
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from dms_desktop.core.dashboard import STATUSES, Dashboard
from dms_desktop.gui.dashboard.axes import (
    CountAxis,
    DayAxis,
    SecondsAxis,
    compact_count,
    day_text,
    nice_top,
    seconds_text,
)
from dms_desktop.gui.jobs.display import status_colour
from dms_desktop.gui.theme import is_dark

BAR_WIDTH = 0.72
STATUS_TITLES = {"SUCCESS": "Success", "FAILED": "Failed", "CANCELLED": "Cancelled",
                 "RUNNING": "Running"}  # fmt: skip
_SERIES = {  # series -> (light theme, dark theme)
    "median": ("#2563eb", "#60a5fa"),
    "p95": ("#c2410c", "#fb923c"),
    "loaded": ("#2563eb", "#3b82f6"),
    "read": ("#4b5563", "#c0c5cc"),
    "other": ("#6e7781", "#8b949e"),
}


def series_colour(name: str) -> QColor:
    light, dark = _SERIES[name]
    return QColor(dark if is_dark() else light)


def legend_html(entries: list[tuple[str, QColor]], line: bool = False) -> str:
    mark = "━" if line else "■"
    return "&nbsp;&nbsp;&nbsp;".join(
        f'<span style="color:{colour.name()}">{mark}</span>&nbsp;{escape(text)}'
        for text, colour in entries
    )


class DayChart(QFrame):
    """A titled card holding one plot over the days of the period."""

    def __init__(self, title: str, left_axis: pg.AxisItem, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("tile")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 10, 14, 8)
        layout.setSpacing(4)
        self.head = QHBoxLayout()
        self.head.setSpacing(8)
        self.title = QLabel(title, self)
        self.title.setObjectName("sectionTitle")
        self.legend = QLabel(self)
        self.legend.setObjectName("mutedLabel")
        self.legend.setTextFormat(Qt.TextFormat.RichText)
        # A narrow card clips the legend rather than widening the page.
        self.legend.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.title.setMinimumWidth(40)
        self.head.addWidget(self.title)
        self.head.addStretch(1)
        layout.addLayout(self.head)
        layout.addWidget(self.legend)
        self.day_axis = DayAxis()
        self.plot = pg.PlotWidget(self, axisItems={"bottom": self.day_axis, "left": left_axis})
        self.plot.setMinimumSize(160, 150)
        self.plot.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        item = self.plot.getPlotItem()
        item.setMenuEnabled(False)
        item.hideButtons()
        item.setMouseEnabled(x=False, y=False)
        item.showGrid(x=False, y=True, alpha=0.35)
        item.getAxis("left").setWidth(52)
        layout.addWidget(self.plot, 1)
        self.days: list[date] = []
        self.empty_text = "No runs in this period"
        self.plot.scene().sigMouseMoved.connect(self._hover)
        self._style()

    @property
    def view_box(self) -> pg.ViewBox:
        return self.plot.getPlotItem().getViewBox()

    def set_days(self, days: list[date]) -> None:
        self.days = list(days)
        self.day_axis.set_days(self.days)

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self._style()
            self.redraw()

    def _style(self) -> None:
        palette = self.palette()
        self.plot.setBackground(palette.color(QPalette.ColorRole.Base))
        line = pg.mkPen(palette.color(QPalette.ColorRole.Mid))
        text = pg.mkPen(palette.color(QPalette.ColorRole.PlaceholderText))
        for name in ("left", "bottom"):
            axis = self.plot.getAxis(name)
            axis.setPen(line)
            axis.setTextPen(text)

    def redraw(self) -> None:
        raise NotImplementedError

    def _frame(self, top: float) -> None:
        """Show every day and 0..top; a note in the middle when there is nothing to draw."""
        n = max(1, len(self.days))
        self.view_box.setRange(xRange=(-0.6, n - 0.4), yRange=(0, top), padding=0)
        if top <= 1.0 and not self._has_data():
            note = pg.TextItem(
                self.empty_text,
                color=self.palette().color(QPalette.ColorRole.PlaceholderText),
                anchor=(0.5, 0.5),
            )
            note.setPos((n - 1) / 2, top / 2)
            self.plot.addItem(note, ignoreBounds=True)

    def _has_data(self) -> bool:
        return False

    def day_at(self, scene_pos: QPointF) -> tuple[int, float] | None:
        """(day index, value) under a scene position inside the plot, or None."""
        box = self.view_box
        if not box.sceneBoundingRect().contains(scene_pos) or not self.days:
            return None
        point = box.mapSceneToView(scene_pos)
        i = int(round(point.x()))
        if not 0 <= i < len(self.days) or abs(point.x() - i) > 0.5:
            return None
        return i, point.y()

    def day_tooltip(self, _i: int) -> str:
        return ""

    def _hover(self, scene_pos: QPointF) -> None:
        hit = self.day_at(scene_pos)
        text = self.day_tooltip(hit[0]) if hit is not None else ""
        if text:
            local = self.plot.mapFromScene(scene_pos)
            QToolTip.showText(self.plot.mapToGlobal(local), text, self.plot)
        else:
            QToolTip.hideText()


class RunsChart(DayChart):
    """Runs per day, stacked by status; a click on a bar opens that day (and status)."""

    sig_day_clicked = Signal(object, object)  # date, status under the pointer (None: above)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Runs per day", CountAxis(), parent)
        self.counts: list[dict[str, int]] = []
        self.plot.scene().sigMouseClicked.connect(self._clicked)
        self.plot.setCursor(Qt.CursorShape.PointingHandCursor)

    def show_board(self, board: Dashboard) -> None:
        self.set_days(board.days)
        where = {day: i for i, day in enumerate(board.days)}
        self.counts = [{} for _ in board.days]
        for entry in board.runs_per_day:
            i = where.get(entry.day)
            if i is not None:
                self.counts[i][entry.status] = self.counts[i].get(entry.status, 0) + entry.runs
        self.redraw()

    def statuses(self) -> list[str]:
        seen = {s for day in self.counts for s in day}
        return [*STATUSES, *sorted(seen - set(STATUSES))]

    def _colour(self, status: str) -> QColor:
        return status_colour(status) or series_colour("other")

    def redraw(self) -> None:
        self.plot.clear()
        n = len(self.counts)
        x = np.arange(n, dtype=float)
        base = np.zeros(n)
        legend = []
        for status in self.statuses():
            heights = np.array([day.get(status, 0) for day in self.counts], dtype=float)
            colour = self._colour(status)
            if status in STATUSES or heights.any():
                legend.append((STATUS_TITLES.get(status, status.title()), colour))
            if not heights.any():
                continue
            self.plot.addItem(
                pg.BarGraphItem(
                    x=x,
                    height=heights,
                    y0=base.copy(),
                    width=BAR_WIDTH,
                    brush=colour,
                    pen=pg.mkPen(None),
                )  # fmt: skip
            )
            base += heights
        self.legend.setText(legend_html(legend))
        self._frame(nice_top(float(base.max()) if n else 0.0))

    def _has_data(self) -> bool:
        return any(self.counts)

    def total(self, i: int) -> int:
        return sum(self.counts[i].values())

    def status_at(self, i: int, y: float) -> str | None:
        """The status of the bar segment at height ``y`` of day ``i``; None above the bar."""
        bottom = 0
        for status in self.statuses():
            top = bottom + self.counts[i].get(status, 0)
            if bottom <= y < top:
                return status
            bottom = top
        return None

    def day_tooltip(self, i: int) -> str:
        day = self.counts[i]
        if not day:
            return f"{day_text(self.days[i], True)}: no runs"
        parts = ", ".join(
            f"{day[s]:,} {STATUS_TITLES.get(s, s).lower()}" for s in self.statuses() if s in day
        )
        return f"{day_text(self.days[i], True)}: {self.total(i):,} runs ({parts})\nClick: open in Monitor"

    def _clicked(self, event: object) -> None:
        button = getattr(event, "button", lambda: None)()
        if button != Qt.MouseButton.LeftButton:
            return
        hit = self.day_at(event.scenePos())  # type: ignore[attr-defined]
        if hit is None or not self.total(hit[0]):
            return
        i, y = hit
        self.sig_day_clicked.emit(self.days[i], self.status_at(i, y))


class DurationChart(DayChart):
    """Median and 95th percentile of one job's run time per day; the job is chosen above."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Duration", SecondsAxis(), parent)
        self.job_combo = QComboBox(self)
        self.job_combo.setObjectName("durationJobCombo")
        self.job_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.job_combo.setMinimumContentsLength(12)
        self.job_combo.setToolTip("The job whose durations the chart shows")
        self.job_combo.currentIndexChanged.connect(lambda _i: self.redraw())
        self.head.addWidget(self.job_combo)
        self.series: dict[str, dict[int, tuple[float | None, float | None, int]]] = {}
        self.empty_text = "No finished runs in this period"

    def show_board(self, board: Dashboard) -> None:
        self.set_days(board.days)
        where = {day: i for i, day in enumerate(board.days)}
        series: dict[str, dict[int, tuple[float | None, float | None, int]]] = defaultdict(dict)
        runs: dict[str, int] = defaultdict(int)
        for entry in board.durations:
            i = where.get(entry.day)
            if i is not None:
                series[entry.job][i] = (entry.median_seconds, entry.p95_seconds, entry.runs)
                runs[entry.job] += entry.runs
        self.series = dict(series)
        jobs = sorted(self.series, key=lambda job: (-runs[job], job.lower()))
        wanted = self.job_combo.currentText()
        if board.job:
            wanted = next(
                (j for j in jobs if board.job.lower() in (j.lower(), j.split(" / ")[-1].lower())),
                wanted,
            )
        self.job_combo.blockSignals(True)
        self.job_combo.clear()
        self.job_combo.addItems(jobs)
        self.job_combo.setCurrentIndex(max(0, jobs.index(wanted)) if wanted in jobs else 0)
        self.job_combo.setEnabled(bool(jobs))
        self.job_combo.blockSignals(False)
        self.redraw()

    def current_series(self) -> dict[int, tuple[float | None, float | None, int]]:
        return self.series.get(self.job_combo.currentText(), {})

    def redraw(self) -> None:
        self.plot.clear()
        points = sorted(self.current_series().items())
        median, p95 = series_colour("median"), series_colour("p95")
        self.legend.setText(legend_html([("Median", median), ("95th percentile", p95)], True))
        top = 0.0
        for index, colour, style in ((0, median, Qt.PenStyle.SolidLine),
                                     (1, p95, Qt.PenStyle.DashLine)):  # fmt: skip
            xs = [float(i) for i, values in points if values[index] is not None]
            ys = [float(values[index] or 0.0) for _i, values in points if values[index] is not None]
            if not xs:
                continue
            top = max(top, *ys)
            self.plot.plot(
                xs, ys, pen=pg.mkPen(colour, width=2, style=style), symbol="o", symbolSize=5,
                symbolBrush=colour, symbolPen=pg.mkPen(None),
            )  # fmt: skip
        self._frame(nice_top(top))

    def _has_data(self) -> bool:
        return bool(self.current_series())

    def day_tooltip(self, i: int) -> str:
        values = self.current_series().get(i)
        if values is None:
            return ""
        median, p95, runs = values
        return (
            f"{self.job_combo.currentText()}, {day_text(self.days[i], True)}: {runs:,} runs\n"
            f"median {seconds_text(median)}, 95th percentile {seconds_text(p95)}"
        )


class RowsChart(DayChart):
    """Rows loaded (inserted + updated) per day as bars, rows read as a line."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Rows per day", CountAxis(), parent)
        self.loaded: list[int] = []
        self.read: list[int] = []
        self.empty_text = "No rows moved in this period"

    def show_board(self, board: Dashboard) -> None:
        self.set_days(board.days)
        where = {day: i for i, day in enumerate(board.days)}
        self.loaded = [0] * len(board.days)
        self.read = [0] * len(board.days)
        for entry in board.rows_per_day:
            i = where.get(entry.day)
            if i is not None:
                self.loaded[i] += entry.rows_loaded
                self.read[i] += entry.rows_read
        self.redraw()

    def redraw(self) -> None:
        self.plot.clear()
        loaded, read = series_colour("loaded"), series_colour("read")
        self.legend.setText(
            legend_html([("Loaded", loaded)])
            + "&nbsp;&nbsp;&nbsp;"
            + legend_html([("Read", read)], True)
        )
        n = len(self.loaded)
        x = np.arange(n, dtype=float)
        if any(self.loaded):
            self.plot.addItem(
                pg.BarGraphItem(
                    x=x,
                    height=np.array(self.loaded, dtype=float),
                    width=BAR_WIDTH,
                    brush=loaded,
                    pen=pg.mkPen(None),
                )  # fmt: skip
            )
        if any(self.read):
            self.plot.plot(x, np.array(self.read, dtype=float), pen=pg.mkPen(read, width=2))
        self._frame(nice_top(float(max([*self.loaded, *self.read, 0]))))

    def _has_data(self) -> bool:
        return any(self.loaded) or any(self.read)

    def day_tooltip(self, i: int) -> str:
        return (
            f"{day_text(self.days[i], True)}: {self.loaded[i]:,} rows loaded "
            f"({compact_count(self.loaded[i])}), {self.read[i]:,} read"
        )
