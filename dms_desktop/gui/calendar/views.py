"""The calendar's month and week grids, painted: each cell shows chips of runs (coloured by
status; planned runs outlined) and "+N more"; a click picks the day."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QHelpEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
)
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from dms_desktop.gui.jobs.display import PLANNED, status_colour

HEADER_H = 26
CHIP_H = 17
CHIP_GAP = 2
DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
HOUR_H = 22
GUTTER_W = 48


@dataclass(frozen=True)
class Chip:
    text: str
    status: str
    tooltip: str = ""
    count: int = 1  # runs behind the chip


# Most telling first: a crowded cell is summarised by status in this order.
SUMMARY = (
    ("FAILED", "failed"),
    ("RUNNING", "running"),
    ("QUEUED", "queued"),
    ("SUCCESS", "succeeded"),
    ("MISSED", "missed"),
    ("CANCELLED", "cancelled"),
    (PLANNED, "planned"),
)


def summarise(chips: Sequence[Chip]) -> list[Chip]:
    """One chip per status: "12 succeeded", "1 failed", "4 planned"."""
    counts: dict[str, int] = {}
    for chip in chips:
        counts[chip.status] = counts.get(chip.status, 0) + chip.count
    return [Chip(f"{counts[s]} {word}", s, count=counts[s]) for s, word in SUMMARY if s in counts]


def one_line(chips: Sequence[Chip]) -> Chip:
    """A week-view hour with several entries: the most telling status, all counts in words."""
    summary = summarise(chips)
    return Chip(", ".join(c.text for c in summary), summary[0].status, count=len(chips))


def cell_tooltip(chips: Sequence[Chip]) -> str:
    return "\n".join(chip.tooltip or chip.text for chip in chips)


def _paint_chip(painter: QPainter, rect: QRectF, chip: Chip, palette: QPalette) -> None:
    colour = status_colour(chip.status) or palette.color(QPalette.ColorRole.Mid)
    fill = QColor(colour)
    fill.setAlpha(38 if chip.status != PLANNED else 0)
    painter.setPen(
        QPen(colour, 1, Qt.PenStyle.DashLine) if chip.status == PLANNED else Qt.PenStyle.NoPen
    )
    painter.setBrush(fill)
    painter.drawRoundedRect(rect.adjusted(0.5, 0.5, -0.5, -0.5), 3, 3)
    if chip.status != PLANNED:
        painter.fillRect(QRectF(rect.left(), rect.top(), 3, rect.height()), colour)
    painter.setPen(palette.color(QPalette.ColorRole.Text))
    metrics = painter.fontMetrics()
    text_rect = rect.adjusted(6, 0, -3, 0)
    text = metrics.elidedText(chip.text, Qt.TextElideMode.ElideRight, int(text_rect.width()))
    painter.drawText(
        text_rect, int(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft), text
    )


def shown_chips(chips: Sequence[Chip], capacity: int) -> tuple[list[Chip], int]:
    """The chips a cell of ``capacity`` lines shows, and how many are left out: every entry
    when they fit, else one per status (failures first), else the first with "+N more"."""
    if len(chips) <= capacity:
        return list(chips), 0
    summary = summarise(chips)
    if len(summary) <= capacity:
        return summary, 0
    return summary[: capacity - 1], len(summary) - capacity + 1


def _paint_chips(
    painter: QPainter, area: QRectF, chips: Sequence[Chip], palette: QPalette, single: bool
) -> None:
    if single:
        shown, more = ([chips[0]] if len(chips) == 1 else [one_line(chips)]), 0
    else:
        capacity = max(1, int((area.height() + CHIP_GAP) // (CHIP_H + CHIP_GAP)))
        shown, more = shown_chips(chips, capacity)
    y = area.top()
    for chip in shown:
        _paint_chip(painter, QRectF(area.left(), y, area.width(), CHIP_H), chip, palette)
        y += CHIP_H + CHIP_GAP
    if more > 0:
        painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
        rect = QRectF(area.left() + 4, y, area.width() - 4, CHIP_H)
        painter.drawText(rect, int(Qt.AlignmentFlag.AlignVCenter), f"+{more} more")


class MonthView(QWidget):
    """Six weeks from the Monday on or before the 1st; cells are indexed 0..41."""

    sig_day_clicked = Signal(object)  # date

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("monthView")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMouseTracking(True)
        self.month = date.today().replace(day=1)
        self.first = self.month
        self.today = date.today()
        self.selected: date | None = None
        self.cells: dict[int, list[Chip]] = {}
        self.set_month(self.month)

    def set_month(self, month: date, today: date | None = None) -> None:
        self.month = month.replace(day=1)
        self.first = self.month - timedelta(days=self.month.weekday())
        self.today = today or date.today()
        self.cells = {}
        self.update()

    def set_cells(self, cells: dict[int, list[Chip]]) -> None:
        self.cells = cells
        self.update()

    def day_of(self, index: int) -> date:
        return self.first + timedelta(days=index)

    def index_of(self, day: date) -> int:
        return (day - self.first).days

    def cell_rect(self, index: int) -> QRectF:
        width = (self.width() - 1) / 7
        height = (self.height() - HEADER_H - 1) / 6
        row, column = divmod(index, 7)
        return QRectF(column * width, HEADER_H + row * height, width, height)

    def chips_on(self, day: date) -> list[Chip]:
        return self.cells.get(self.index_of(day), [])

    def sizeHint(self) -> QSize:
        return QSize(840, 560)

    def minimumSizeHint(self) -> QSize:
        return QSize(280, 220)

    def select(self, day: date | None) -> None:
        self.selected = day
        self.update()

    def index_at(self, point: QPointF) -> int:
        return next((n for n in range(42) if self.cell_rect(n).contains(point)), -1)

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            chips = self.cells.get(self.index_at(QPointF(event.pos())), [])
            if chips:
                QToolTip.showText(event.globalPos(), cell_tooltip(chips), self)
            else:
                QToolTip.hideText()
            return True
        return super().event(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if event.button() != Qt.MouseButton.LeftButton:
            return
        point = event.position()
        for index in range(42):
            if self.cell_rect(index).contains(point):
                day = self.day_of(index)
                self.select(day)
                self.sig_day_clicked.emit(day)
                return

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        palette = self.palette()
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), palette.color(QPalette.ColorRole.Base))
        grid = palette.color(QPalette.ColorRole.Midlight)
        muted = palette.color(QPalette.ColorRole.PlaceholderText)
        accent = palette.color(QPalette.ColorRole.Highlight)
        width = (self.width() - 1) / 7
        painter.setPen(muted)
        for column, name in enumerate(DAY_NAMES):
            rect = QRectF(column * width, 0, width, HEADER_H)
            painter.drawText(rect, int(Qt.AlignmentFlag.AlignCenter), name)
        for index in range(42):
            rect = self.cell_rect(index)
            day = self.day_of(index)
            if day.month != self.month.month:
                painter.fillRect(rect, palette.color(QPalette.ColorRole.AlternateBase))
            painter.setPen(QPen(grid, 1))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(rect)
            number = QRectF(rect.left() + 4, rect.top() + 3, 22, 18)
            if day == self.today:
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(accent)
                painter.drawEllipse(number.center(), 10, 9)
                painter.setPen(palette.color(QPalette.ColorRole.HighlightedText))
            else:
                painter.setPen(
                    muted
                    if day.month != self.month.month
                    else palette.color(QPalette.ColorRole.Text)
                )
            painter.drawText(number, int(Qt.AlignmentFlag.AlignCenter), str(day.day))
            area = rect.adjusted(4, 24, -4, -4)
            _paint_chips(painter, area, self.cells.get(index, []), palette, single=False)
            if day == self.selected:
                painter.setPen(QPen(accent, 2))
                painter.setBrush(Qt.BrushStyle.NoBrush)
                painter.drawRect(rect.adjusted(1, 1, -1, -1))
        painter.end()


class WeekView(QWidget):
    """Seven days by 24 hours; cells are indexed day * 24 + hour."""

    sig_day_clicked = Signal(object)  # date

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("weekView")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.first = date.today() - timedelta(days=date.today().weekday())
        self.today = date.today()
        self.selected: date | None = None
        self.cells: dict[int, list[Chip]] = {}
        self.setMinimumHeight(24 * HOUR_H + 1)

    def set_week(self, monday: date, today: date | None = None) -> None:
        self.first = monday
        self.today = today or date.today()
        self.cells = {}
        self.update()

    def set_cells(self, cells: dict[int, list[Chip]]) -> None:
        self.cells = cells
        self.update()

    def day_of(self, index: int) -> date:
        return self.first + timedelta(days=index // 24)

    def cell_rect(self, index: int) -> QRectF:
        width = (self.width() - GUTTER_W - 1) / 7
        day, hour = divmod(index, 24)
        return QRectF(GUTTER_W + day * width, hour * HOUR_H, width, HOUR_H)

    def sizeHint(self) -> QSize:
        return QSize(840, 24 * HOUR_H + 1)

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            index = next(
                (n for n in range(7 * 24) if self.cell_rect(n).contains(QPointF(event.pos()))), -1
            )
            chips = self.cells.get(index, [])
            if chips:
                QToolTip.showText(event.globalPos(), cell_tooltip(chips), self)
            else:
                QToolTip.hideText()
            return True
        return super().event(event)

    def select(self, day: date | None) -> None:
        self.selected = day
        self.update()

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if event.button() != Qt.MouseButton.LeftButton:
            return
        x = event.position().x() - GUTTER_W
        if x < 0:
            return
        day = self.first + timedelta(days=min(6, int(x // ((self.width() - GUTTER_W - 1) / 7))))
        self.select(day)
        self.sig_day_clicked.emit(day)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        palette = self.palette()
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), palette.color(QPalette.ColorRole.Base))
        grid = palette.color(QPalette.ColorRole.Midlight)
        muted = palette.color(QPalette.ColorRole.PlaceholderText)
        accent = palette.color(QPalette.ColorRole.Highlight)
        width = (self.width() - GUTTER_W - 1) / 7
        for hour in range(24):
            painter.setPen(muted)
            label = QRectF(0, hour * HOUR_H + 2, GUTTER_W - 6, HOUR_H)
            painter.drawText(
                label,
                int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop),
                f"{hour:02d}:00",
            )
        for index in range(7 * 24):
            rect = self.cell_rect(index)
            painter.setPen(QPen(grid, 1))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(rect)
            chips = self.cells.get(index)
            if chips:
                _paint_chips(painter, rect.adjusted(3, 4, -3, -4), chips, palette, single=True)
        if self.selected is not None and 0 <= (self.selected - self.first).days < 7:
            column = (self.selected - self.first).days
            painter.setPen(QPen(accent, 2))
            painter.drawRect(QRectF(GUTTER_W + column * width + 1, 1, width - 2, self.height() - 2))
        painter.end()


class WeekHeader(QWidget):
    """The day names above the week grid; outside its scroll area, so they stay in view."""

    def __init__(self, grid: WeekView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.grid = grid
        self.setFixedHeight(HEADER_H)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        palette = self.palette()
        painter = QPainter(self)
        muted = palette.color(QPalette.ColorRole.PlaceholderText)
        accent = palette.color(QPalette.ColorRole.Highlight)
        width = (self.grid.width() - GUTTER_W - 1) / 7
        for day in range(7):
            current = self.grid.first + timedelta(days=day)
            rect = QRectF(GUTTER_W + day * width, 0, width, HEADER_H)
            painter.setPen(accent if current == self.grid.today else muted)
            painter.drawText(
                rect, int(Qt.AlignmentFlag.AlignCenter), f"{DAY_NAMES[day]} {current:%d %b}"
            )
        painter.end()
