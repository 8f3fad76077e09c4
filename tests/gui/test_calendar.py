"""Calendar: a past run on its day, planned runs from a schedule, the day's list, the week
view and navigation; day cuts stay right across a DST change."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from PySide6.QtCore import Qt

from dms_desktop.core.jobs.service import JobService, ScheduleSpec
from dms_desktop.core.scheduler.service import SchedulerService, ServiceOptions
from dms_desktop.core.security.permissions import CurrentUser
from dms_desktop.core.workspace import Workspace
from dms_desktop.gui.calendar.page import CalendarPage
from dms_desktop.gui.calendar.queries import cut
from dms_desktop.gui.pages import PageContext

LEFT = Qt.MouseButton.LeftButton


def test_past_and_planned_runs_by_month_and_week(
    qtbot,
    ws: Workspace,
    admin: CurrentUser,
    loads: list[str],  # type: ignore[no-untyped-def]
) -> None:
    service = JobService(ws, admin)
    service.create("DAILY", ["LOAD_A"], schedule=ScheduleSpec("DL", hour=12, minute=30))
    service.create("AFTER", ["LOAD_B"], schedule=ScheduleSpec(after="DAILY"))
    service.run_now("DAILY")
    assert SchedulerService(ws, ServiceOptions(use_clock=False)).drain() == 2  # and AFTER

    page = CalendarPage(PageContext(ws, admin))
    qtbot.addWidget(page)
    page.resize(1200, 760)
    with qtbot.waitSignal(page.sig_loaded, timeout=5000):
        page.show()
    today = page.today()
    assert page.period_label.fullText() == f"{today:%B %Y}"
    past = page.month_view.chips_on(today)
    assert any(c.status == "SUCCESS" and "DAILY" in c.text for c in past)
    tomorrow = page.month_view.chips_on(today + timedelta(days=1))
    assert sorted((c.status, c.text) for c in tomorrow) == [
        ("PLANNED", "12:30 AFTER (after DAILY)"),  # a dependent follows its parent's times
        ("PLANNED", "12:30 DAILY"),
    ]
    page.month_view.grab()  # paints chips, today and the other month's days

    index = page.month_view.index_of(today)
    point = page.month_view.cell_rect(index).center().toPoint()
    with qtbot.waitSignal(page.sig_day_loaded, timeout=5000) as day:
        qtbot.mouseClick(page.month_view, LEFT, pos=point)
    items = day.args[0]
    runs = [i for i in items if i.run is not None]
    assert [(i.job, i.run.status) for i in runs] == [("DAILY", "DONE"), ("AFTER", "DONE")]
    row = next(n for n, i in enumerate(page.day_model.rows) if i.run is not None)
    assert page.day_model.index(row, 2).data() == "SUCCESS"
    assert page.day_model.index(row, 3).data() == "20"
    page.day_view.selectRow(row)
    assert "20 inserted" in page.day_detail.text()

    with qtbot.waitSignal(page.sig_loaded, timeout=5000) as loaded:
        qtbot.mouseClick(page.week_button, LEFT)
    assert loaded.args[0].hourly and page.stack.currentIndex() == 1
    assert page.period_label.fullText().startswith("Week ")
    hour_cells = page.week_view.cells
    tomorrow_noon = (today + timedelta(days=1) - page.week_view.first).days * 24 + 12
    if (today + timedelta(days=1)).weekday() != 0:  # tomorrow is in this week
        assert any(c.status == "PLANNED" for c in hour_cells.get(tomorrow_noon, []))
    assert any(any(c.status == "SUCCESS" for c in chips) for chips in hour_cells.values())
    page.week_view.grab()

    with qtbot.waitSignal(page.sig_loaded, timeout=5000):
        qtbot.mouseClick(page.month_button, LEFT)
    with qtbot.waitSignal(page.sig_loaded, timeout=5000):
        qtbot.mouseClick(page.next_button, LEFT)
    next_month = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
    assert page.period_label.fullText() == f"{next_month:%B %Y}"
    assert not page.month_view.chips_on(today)  # a past run is not planned again
    with qtbot.waitSignal(page.sig_loaded, timeout=5000):
        qtbot.mouseClick(page.today_button, LEFT)
    assert page.period_label.fullText() == f"{today:%B %Y}"


def test_day_cuts_follow_dst_in_the_workspace_zone() -> None:
    spring = cut(date(2026, 3, 29), 1, "Europe/Berlin", hourly=False)
    assert spring == [(datetime(2026, 3, 28, 23, 0), datetime(2026, 3, 29, 22, 0))]  # 23 h
    autumn = cut(date(2026, 10, 25), 1, "Europe/Berlin", hourly=False)
    assert autumn[0][1] - autumn[0][0] == timedelta(hours=25)
    hours = cut(date(2026, 3, 29), 1, "Europe/Berlin", hourly=True)
    assert len(hours) == 24 and hours[0][0] == spring[0][0] and hours[-1][1] == spring[0][1]
    assert all(lo <= hi for lo, hi in hours)
