"""Calendar: planned runs (from the schedules) and past runs (from the queue and run logs) by
month or week, coloured by status; a click on a day lists its runs in the side panel."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from dms_desktop.gui.calendar.queries import CalendarData, DayItem, load_calendar, load_day
from dms_desktop.gui.calendar.views import HOUR_H, Chip, MonthView, WeekHeader, WeekView
from dms_desktop.gui.errors import user_message
from dms_desktop.gui.jobs.display import (
    PLANNED,
    count_text,
    duration_text,
    request_status,
    status_colour,
    to_local,
    zone_of,
)
from dms_desktop.gui.pages import PageContext, PageSpec
from dms_desktop.gui.records import Column, RecordsModel, records_view, selected_row
from dms_desktop.gui.resources import icon
from dms_desktop.gui.widgets import ElidedLabel, PageHeader, refresh_shortcut, set_message
from dms_desktop.gui.workers import TaskSlot

LEGEND = (
    ("SUCCESS", "Success"),
    ("FAILED", "Failed"),
    ("RUNNING", "Running"),
    ("QUEUED", "Queued"),
    ("CANCELLED", "Cancelled or missed"),
    (PLANNED, "Planned"),
)


def legend_html() -> str:
    parts = []
    for status, text in LEGEND:
        colour = status_colour(status)
        name = colour.name() if colour is not None else "#888888"
        mark = "□" if status == PLANNED else "■"
        parts.append(f'<span style="color:{name}">{mark}</span>&nbsp;{text}')
    return " &nbsp;&nbsp; ".join(parts)


def item_status(item: DayItem) -> str:
    if item.run is None:
        return PLANNED
    return request_status(item.run.status, item.run.message)


def day_columns(zone_name: str) -> list[Column]:
    zone = zone_of(zone_name)

    def at(item: DayItem) -> str:
        local = to_local(item.at, zone)
        return f"{local:%H:%M}" if local else ""

    def rows(item: DayItem) -> str:
        run = item.run
        if run is None or (run.inserted is None and run.updated is None):
            return ""
        return count_text((run.inserted or 0) + (run.updated or 0))

    def tip(item: DayItem) -> str | None:
        return (item.run.message or None) if item.run else None

    return [
        Column("Time", at, tooltip=tip),
        Column("Job", lambda i: i.job, tooltip=tip),
        Column("Status", item_status, status=True, tooltip=tip),
        Column("Rows", rows, numeric=True, tooltip=tip),
    ]


class CalendarPage(QWidget):
    sig_loaded = Signal(object)  # CalendarData shown
    sig_day_loaded = Signal(object)  # the DayItems of the picked day

    def __init__(self, context: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("page")
        self.context = context
        self.zone = zone_of(context.ws.settings.timezone)
        self._task = TaskSlot()
        self._day_task = TaskSlot()
        self._loaded_once = False
        self.mode = "month"
        self.anchor = self.today()
        self.data: CalendarData | None = None
        self.day: date | None = None

        layout = QVBoxLayout(self)
        layout.setContentsMargins(28, 24, 28, 24)
        layout.setSpacing(12)
        layout.addWidget(
            PageHeader(
                "Calendar",
                "Planned runs from the schedules and past runs by status; times in "
                f"{context.ws.settings.timezone}",
                self,
            )
        )
        bar = QHBoxLayout()
        bar.setSpacing(6)
        self.prev_button = QPushButton("◀", self)
        self.prev_button.setToolTip("Previous month or week")
        self.today_button = QPushButton("Today", self)
        self.next_button = QPushButton("▶", self)
        self.next_button.setToolTip("Next month or week")
        self.prev_button.clicked.connect(lambda: self.step_period(-1))
        self.next_button.clicked.connect(lambda: self.step_period(1))
        self.today_button.clicked.connect(self.go_today)
        self.period_label = ElidedLabel("", self)
        self.period_label.setObjectName("sectionTitle")
        for widget in (self.prev_button, self.today_button, self.next_button):
            bar.addWidget(widget)
        bar.addSpacing(10)
        bar.addWidget(self.period_label)
        bar.addStretch(1)
        self.month_button = QPushButton("Month", self)
        self.week_button = QPushButton("Week", self)
        group = QButtonGroup(self)
        for button, mode in ((self.month_button, "month"), (self.week_button, "week")):
            button.setCheckable(True)
            button.clicked.connect(lambda _c=False, m=mode: self.set_mode(m))
            group.addButton(button)
            bar.addWidget(button)
        self.month_button.setChecked(True)
        self.refresh_button = QPushButton(icon("refresh"), "", self)
        self.refresh_button.setToolTip("Reload (F5)")
        self.refresh_button.clicked.connect(lambda _c=False: self.refresh())
        bar.addSpacing(8)
        bar.addWidget(self.refresh_button)
        layout.addLayout(bar)
        self.legend = self._legend()
        layout.addWidget(self.legend)
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        set_message(self.message, "")
        layout.addWidget(self.message)

        self.month_view = MonthView(self)
        self.week_view = WeekView(self)
        self.week_scroll = QScrollArea(self)
        self.week_scroll.setWidgetResizable(True)
        self.week_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.week_scroll.setWidget(self.week_view)
        week_page = QWidget(self)
        week_layout = QVBoxLayout(week_page)
        week_layout.setContentsMargins(0, 0, 0, 0)
        week_layout.setSpacing(0)
        self.week_header = WeekHeader(self.week_view, week_page)
        week_layout.addWidget(self.week_header)
        week_layout.addWidget(self.week_scroll, 1)
        self.stack = QStackedWidget(self)
        self.stack.addWidget(self.month_view)
        self.stack.addWidget(week_page)
        for view in (self.month_view, self.week_view):
            view.sig_day_clicked.connect(self.show_day)

        panel = QWidget(self)
        panel.setMinimumWidth(160)
        panel_layout = QVBoxLayout(panel)
        panel_layout.setContentsMargins(8, 0, 0, 0)
        self.day_title = QLabel("Click a day to list its runs.", panel)
        self.day_title.setObjectName("sectionTitle")
        self.day_model = RecordsModel(day_columns(context.ws.settings.timezone), parent=self)
        self.day_view = records_view(self.day_model, panel, "dayRunsView")
        day_header = self.day_view.horizontalHeader()
        day_header.setStretchLastSection(False)
        day_header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)  # the job
        for column, width in ((0, 52), (2, 84), (3, 60)):
            self.day_view.setColumnWidth(column, width)
        self.day_view.selectionModel().selectionChanged.connect(lambda *_a: self._item_chosen())
        self.day_detail = QLabel(panel)
        self.day_detail.setObjectName("mutedLabel")
        self.day_detail.setWordWrap(True)
        self.day_detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        panel_layout.addWidget(self.day_title)
        panel_layout.addWidget(self.day_view, 1)
        panel_layout.addWidget(self.day_detail)
        split = QSplitter(Qt.Orientation.Horizontal, self)
        split.addWidget(self.stack)
        split.addWidget(panel)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        split.setChildrenCollapsible(False)
        split.setSizes([780, 360])
        layout.addWidget(split, 1)
        refresh_shortcut(self, self.refresh)
        self._show_period()

    def _legend(self) -> QLabel:
        """One wrapping line of coloured marks: narrow windows fold it."""
        label = QLabel(legend_html(), self)
        label.setObjectName("calendarLegend")
        label.setWordWrap(True)
        return label

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange and hasattr(self, "legend"):
            self.legend.setText(legend_html())  # the status colours follow the theme

    # -- the period ----------------------------------------------------------------------------
    def today(self) -> date:
        return datetime.now(self.zone).date()

    def period(self) -> tuple[date, int]:
        """First day and number of days of the visible grid."""
        if self.mode == "week":
            return self.anchor - timedelta(days=self.anchor.weekday()), 7
        first = self.anchor.replace(day=1)
        return first - timedelta(days=first.weekday()), 42

    def _show_period(self) -> None:
        first, days = self.period()
        if self.mode == "week":
            last = first + timedelta(days=6)
            week = first.isocalendar().week
            self.period_label.setFullText(f"Week {week}: {first:%d %b} – {last:%d %b %Y}")
            self.week_view.set_week(first, self.today())
            self.week_header.update()
        else:
            self.period_label.setFullText(f"{self.anchor:%B %Y}")
            self.month_view.set_month(self.anchor, self.today())
        self.stack.setCurrentIndex(0 if self.mode == "month" else 1)

    def set_mode(self, mode: str) -> None:
        self.mode = mode
        (self.month_button if mode == "month" else self.week_button).setChecked(True)
        if self.day is not None:
            self.anchor = self.day
        self._show_period()
        self.refresh()
        if mode == "week":  # a short window scrolls to the working day
            bar = self.week_scroll.verticalScrollBar()
            bar.setValue(min(bar.maximum(), 6 * HOUR_H))

    def step_period(self, step: int) -> None:
        if self.mode == "week":
            self.anchor += timedelta(days=7 * step)
        else:
            month = self.anchor.month - 1 + step
            self.anchor = date(self.anchor.year + month // 12, month % 12 + 1, 1)
        self._show_period()
        self.refresh()

    def go_today(self) -> None:
        self.anchor = self.today()
        self._show_period()
        self.refresh()

    # -- loading -------------------------------------------------------------------------------
    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        super().showEvent(event)
        if not self._loaded_once:
            self._loaded_once = True
            self.refresh()

    def refresh(self) -> None:
        first, days = self.period()
        self._task.start(
            load_calendar,
            self.context.ws,
            self.context.user,
            first,
            days,
            self.mode == "week",
            on_done=self._show_data,
            on_error=self._failed,
        )
        if self.day is not None:
            self.show_day(self.day)

    @property
    def loading(self) -> bool:
        return self._task.busy or self._day_task.busy

    def cancel_tasks(self) -> None:
        self._task.cancel()
        self._day_task.cancel()

    def _failed(self, exc: BaseException) -> None:
        set_message(self.message, f"Could not load the calendar: {user_message(exc)[0]}")

    def _show_data(self, data: CalendarData) -> None:
        set_message(self.message, "")
        self.data = data
        cells: dict[int, list[tuple[datetime, Chip]]] = {}
        for entry in data.entries:
            local = to_local(entry.first, self.zone)
            assert local is not None
            many = f" ×{entry.count}" if entry.count > 1 else ""
            at = "" if data.hourly else f"{local:%H:%M} "
            text = f"{at}{entry.label}{many}"
            word = "planned" if entry.status == PLANNED else entry.status.lower()
            tip = f"{entry.label}: {entry.count} {word}, first at {local:%H:%M}"
            chip = Chip(text, entry.status, tip, entry.count)
            cells.setdefault(entry.bucket, []).append((entry.first, chip))
        chips = {b: [c for _t, c in sorted(v, key=lambda p: p[0])] for b, v in cells.items()}
        view = self.week_view if data.hourly else self.month_view
        view.set_cells(chips)
        self.sig_loaded.emit(data)

    # -- a day ---------------------------------------------------------------------------------
    def show_day(self, day: date) -> None:
        self.day = day
        self.month_view.select(day)
        self.week_view.select(day)
        self.day_title.setText(f"{day:%A %d %B %Y}")
        self._day_task.start(
            load_day,
            self.context.ws,
            self.context.user,
            day,
            on_done=self._show_items,
            on_error=self._failed,
        )

    def _show_items(self, items: list[DayItem]) -> None:
        self.day_model.set_rows(items)
        past = sum(1 for i in items if i.run is not None)
        planned = len(items) - past
        self.day_detail.setText(
            f"{past} run(s), {planned} planned." if items else "Nothing ran or is planned."
        )
        self.sig_day_loaded.emit(items)

    def _item_chosen(self) -> None:
        item = selected_row(self.day_view)
        if not isinstance(item, DayItem):
            return
        run = item.run
        if run is None:
            self.day_detail.setText(f"{item.job}: planned.")
            return
        counts = ", ".join(
            f"{count_text(value)} {word}"
            for value, word in (
                (run.read, "read"),
                (run.inserted, "inserted"),
                (run.updated, "updated"),
                (run.expired, "expired"),
                (run.rejected, "rejected"),
            )
            if value is not None
        )
        took = duration_text(run.started, run.ended)
        head = f"{run.job} ({run.trigger.lower()}): {item_status(item)}" + (
            f" in {took}" if took else ""
        )
        parts = [head, counts, run.message]
        self.day_detail.setText("\n".join(p for p in parts if p))


PAGE = PageSpec(
    module="calendar",
    title="Calendar",
    icon="calendar",
    summary="Planned and past runs by month and week",
    create=CalendarPage,
)
