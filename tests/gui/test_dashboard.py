"""The Dashboard page over a known run log: tiles, filters, charts, going to the Monitor."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt

from dms_desktop.core.clock import utcnow
from dms_desktop.core.metadata.engine import write_tx
from dms_desktop.core.metadata.tables import dms_job, dms_prclog
from dms_desktop.core.workspace import Workspace
from dms_desktop.gui.dashboard.page import DashboardPage
from dms_desktop.gui.main_window import MainWindow
from dms_desktop.gui.theme import palette_for


def _run(
    mapref: str, status: str, start: datetime, seconds: float | None, jobid: int | None, rows: int
) -> dict[str, Any]:
    return {
        "jobid": jobid,
        "mapref": mapref,
        "status": status,
        "trgtyp": "SCHEDULE",
        "strtdt": start,
        "enddt": None if seconds is None else start + timedelta(seconds=seconds),
        "srcrows": rows,
        "insrows": rows,
        "updrows": 0,
        "errrows": 0,
    }


def insert_runs(ws: Workspace) -> datetime:
    """Today: 3 successes and a failure of LOAD_SALES; 10 days ago: 2 manual DIM_CUSTOMER
    successes and a failure; 60 days ago (out of the default 30 days): 5 successes."""
    now = utcnow().replace(microsecond=0)
    today = now - timedelta(minutes=10) if now.hour or now.minute >= 15 else now
    with write_tx(ws.engine) as conn:
        jobid = conn.execute(
            dms_job.insert().values(
                jobnm="LOAD_SALES", mapref="FACT_SALES", curflg="Y", reccrdt=now
            )
        ).inserted_primary_key[0]
        runs = [
            *(_run("FACT_SALES", "SUCCESS", today, s, jobid, 1000) for s in (60, 120, 180)),
            _run("FACT_SALES", "FAILED", today, 30, jobid, 0),
            *(
                _run("DIM_CUSTOMER", "SUCCESS", now - timedelta(days=10), 20, None, 500)
                for _ in range(2)
            ),  # fmt: skip
            _run("DIM_CUSTOMER", "FAILED", now - timedelta(days=10), 5, None, 0),
            *(
                _run("FACT_SALES", "SUCCESS", now - timedelta(days=60), 90, jobid, 10)
                for _ in range(5)
            ),  # fmt: skip
        ]
        conn.execute(dms_prclog.insert(), runs)
    return now


@pytest.fixture
def dashboard_page(qtbot, main_window: MainWindow, ws: Workspace) -> DashboardPage:  # type: ignore[no-untyped-def]
    insert_runs(ws)
    assert main_window.show_module("dashboard")
    page = main_window.page("dashboard")
    assert isinstance(page, DashboardPage)
    qtbot.waitUntil(lambda: page.board is not None and not page.loading, timeout=10_000)
    return page


def test_tiles_show_the_inserted_runs(dashboard_page: DashboardPage) -> None:
    page = dashboard_page
    texts = {key: tile.value.text() for key, tile in page.tiles.items()}
    assert texts["runs_today"] == "4"
    assert texts["failures"] == "2"
    assert texts["success_rate"] == "71.4 %"  # 5 of 7 finished runs
    assert texts["rows_loaded"] == "4,000"
    assert texts["median"] == "30.0 s"  # finished: 5 20 20 30 60 120 180
    assert page.tiles["runs_today"].hint.text() == "7 in the period"
    assert len(page.runs_chart.days) == 30 and page.runs_chart.total(29) == 4
    assert page.runs_chart.counts[29] == {"SUCCESS": 3, "FAILED": 1}
    assert sum(page.rows_chart.loaded) == 4000
    assert page.duration_chart.job_combo.count() == 2
    assert page.slowest_model.rowCount() == 2
    assert page.slowest_model.index(0, 0).data() == "LOAD_SALES"
    assert {page.failing_model.index(r, 0).data() for r in range(2)} == {
        "LOAD_SALES",
        "DIM_CUSTOMER",
    }

    # The charts follow the theme (a palette change), readable on a dark background.
    chart = page.runs_chart
    chart.setPalette(palette_for("dark"))
    assert chart.plot.backgroundBrush().color().lightness() < 100
    assert chart.legend.text().count("■") == 4


def test_changing_the_period_or_the_status_refreshes(qtbot, dashboard_page: DashboardPage) -> None:  # type: ignore[no-untyped-def]
    page = dashboard_page
    with qtbot.waitSignal(page.sig_refreshed, timeout=10_000) as refreshed:
        page.period_combo.setCurrentIndex(page.period_combo.findData(90))
    board = refreshed.args[0]
    assert board.period_days == 90 and board.kpis.runs == 12
    assert page.tiles["runs_today"].hint.text() == "12 in the period"
    assert len(page.runs_chart.days) == 90
    assert not page.busy_bar.isVisible()

    with qtbot.waitSignal(page.sig_refreshed, timeout=10_000) as refreshed:
        page.status_combo.setCurrentIndex(page.status_combo.findData("FAILED"))
    assert refreshed.args[0].kpis.runs == 2
    assert page.tiles["failures"].value.text() == "2"

    with qtbot.waitSignal(page.sig_refreshed, timeout=10_000) as refreshed:
        page.set_filters(job="DIM_CUSTOMER", status="")
    assert refreshed.args[0].job == "DIM_CUSTOMER" and refreshed.args[0].kpis.runs == 3


def test_a_job_row_or_a_bar_click_opens_the_monitor_on_it(
    qtbot, main_window: MainWindow, dashboard_page: DashboardPage
) -> None:  # type: ignore[no-untyped-def]
    page = dashboard_page
    view = page.failing_view
    row = next(r for r in range(2) if page.failing_model.index(r, 0).data() == "LOAD_SALES")
    with qtbot.waitSignal(page.sig_monitor_opened, timeout=5000) as opened:
        qtbot.mouseClick(
            view.viewport(),
            Qt.MouseButton.LeftButton,
            pos=view.visualRect(page.failing_model.index(row, 0)).center(),
        )
    assert main_window.current_module() == "monitor"
    monitor = opened.args[0]
    assert monitor is main_window.page("monitor")
    assert monitor.job_filter.text() == "LOAD_SALES"
    assert monitor.which == "failed"

    assert main_window.show_module("dashboard")
    chart = dashboard_page.runs_chart
    qtbot.waitUntil(lambda: chart.plot.width() > 100)
    box = chart.view_box
    # Today's bar: 3 successes stacked under 1 failure; aim inside the successes.
    scene = box.mapViewToScene(QPointF(29, 1.5))
    point = chart.plot.mapFromScene(scene)
    with qtbot.waitSignal(chart.sig_day_clicked, timeout=3000) as clicked:
        qtbot.mouseClick(chart.plot.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(point))
    assert clicked.args == [chart.days[29], "SUCCESS"]
    assert main_window.current_module() == "monitor"
    assert monitor.which == "succeeded" and monitor.job_filter.text() == ""  # every job
    assert monitor.day == chart.days[29]  # Monitor.show_runs: that day only
    assert chart.status_at(29, 3.5) == "FAILED" and chart.status_at(29, 4.5) is None
