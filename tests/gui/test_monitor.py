"""Monitor: a run started from Jobs with the embedded scheduler on goes to SUCCESS with its
row counts and steps; a queued run is cancelled, a running one shows progress; a failed run
shows its errors and is queued again."""

from __future__ import annotations

from PySide6.QtCore import Qt

from dms_desktop.core import clock
from dms_desktop.core.engine.runlog import RunLog
from dms_desktop.core.jobs import queue
from dms_desktop.core.jobs.service import JobService
from dms_desktop.core.scheduler.service import SchedulerService, ServiceOptions
from dms_desktop.core.security.permissions import CurrentUser
from dms_desktop.core.workspace import Workspace
from dms_desktop.gui import prefs
from dms_desktop.gui.jobs.page import JobsPage
from dms_desktop.gui.main_window import MainWindow
from dms_desktop.gui.monitor.page import MonitorPage
from dms_desktop.gui.pages import PageContext
from dms_desktop.gui.scheduler_host import EMBEDDED_SQLITE_KEY, OFF, RUNNING
from tests.scheduler_fixtures import break_mapping

LEFT = Qt.MouseButton.LeftButton


def monitor_page(qtbot, ws: Workspace, user: CurrentUser) -> MonitorPage:  # type: ignore[no-untyped-def]
    page = MonitorPage(PageContext(ws, user))
    qtbot.addWidget(page)
    with qtbot.waitSignal(page.sig_refreshed, timeout=5000):
        page.show()
    return page


def cell(page: MonitorPage, row: int, title: str) -> str:
    column = [c.title for c in page.model.columns].index(title)
    return str(page.model.index(row, column).data())


def test_run_now_with_the_embedded_scheduler_goes_to_success(
    qtbot,
    main_window: MainWindow,
    loads: list[str],
    no_scheduler_threads_left: None,  # type: ignore[no-untyped-def]
) -> None:
    window = main_window
    assert window.scheduler_label.text() == "Scheduler: not running"
    assert not window.menus.embedded_scheduler.isChecked()  # the tests' default: off
    window.menus.embedded_scheduler.trigger()
    qtbot.waitUntil(lambda: window.scheduler.state == RUNNING, timeout=10_000)
    assert window.scheduler_label.text().startswith("Scheduler: running (embedded, ")
    assert str(prefs.prefs().value(EMBEDDED_SQLITE_KEY)).lower() == "true"

    JobService(window.ws, window.user).create("LOAD", ["LOAD_A", "LOAD_B"])
    jobs = window.page("jobs")
    assert isinstance(jobs, JobsPage)
    with qtbot.waitSignal(jobs.sig_loaded, timeout=5000):
        window.show_module("jobs")
    jobs.select("LOAD")
    with qtbot.waitSignal(jobs.sig_run_queued, timeout=5000) as queued:
        qtbot.mouseClick(jobs.run_button, LEFT)
    prcreqid = queued.args[0]

    monitor = window.page("monitor")
    assert isinstance(monitor, MonitorPage)
    window.show_module("monitor")
    qtbot.waitUntil(
        lambda: bool(monitor.model.rows) and monitor.model.rows[0].status == "DONE",
        timeout=20_000,
    )
    run = monitor.model.rows[0]
    assert run.prcreqid == prcreqid and run.job == "LOAD"
    assert (run.read, run.inserted, run.updated) == (40, 40, 0)
    assert cell(monitor, 0, "Status") == "SUCCESS" and cell(monitor, 0, "Inserted") == "40"
    assert cell(monitor, 0, "Mapping") == "LOAD_A, LOAD_B"
    assert cell(monitor, 0, "Trigger") == "MANUAL" and cell(monitor, 0, "Duration")

    with qtbot.waitSignal(monitor.sig_details_loaded, timeout=5000) as loaded:
        monitor.select(prcreqid)
    details = monitor.details
    steps = [s["stepnm"] for s in loaded.args[0].steps]
    assert "extract and stage" in steps and len({s["mapref"] for s in loaded.args[0].steps}) == 2
    assert "LOAD_A: SUCCESS" in details.log_view.toPlainText()
    details.steps_view.selectRow(steps.index("extract and stage"))
    assert details.sql_button.isEnabled()
    with qtbot.waitSignal(details.sig_sql_shown, timeout=5000) as sql:
        qtbot.mouseClick(details.sql_button, LEFT)
    assert "SELECT" in sql.args[0].upper() and details.sql_view.isVisible()
    assert not monitor.cancel_button.isEnabled() and not monitor.rerun_button.isEnabled()

    window.menus.embedded_scheduler.trigger()  # off again: stops in a worker
    qtbot.waitUntil(lambda: window.scheduler.state == OFF, timeout=15_000)
    assert window.scheduler_label.text() == "Scheduler: not running"


def test_cancel_a_queued_run_and_a_running_one_shows_progress(
    qtbot,
    ws: Workspace,
    admin: CurrentUser,
    loads: list[str],  # type: ignore[no-untyped-def]
) -> None:
    service = JobService(ws, admin)
    service.create("BUSY", ["LOAD_A"])
    service.create("WAITING", ["LOAD_B"])
    running_id = service.run_now("BUSY")
    claim = queue.claim(ws, "test-worker")
    assert claim is not None and claim.prcreqid == running_id
    assert queue.start(ws, running_id, "test-worker")
    log = RunLog.start(ws, "LOAD_A", runby="test", trigger="MANUAL", prcreqid=running_id)
    log.step(1, "extract and stage", clock.utcnow(), "SUCCESS", 1234, None)
    queued_id = service.run_now("WAITING")

    page = monitor_page(qtbot, ws, admin)
    assert [r.prcreqid for r in page.model.rows] == [queued_id, running_id]
    assert cell(page, 1, "Status") == "RUNNING"
    assert cell(page, 1, "Progress").startswith("extract and stage · 1,234 rows")
    assert page.model.running_rows() == [1]
    page.view.grab()  # paints the progress bar of the running row
    phase = page.model.phase
    page.model.advance()
    assert page.model.phase != phase

    with qtbot.waitSignal(page.sig_refreshed, timeout=5000):
        page.set_filter("queued")
    assert [r.prcreqid for r in page.model.rows] == [queued_id]
    assert page.filter_tabs.currentIndex() == 1
    page.select(queued_id)
    assert cell(page, 0, "Progress") == "waiting"
    assert page.cancel_button.isEnabled() and not page.rerun_button.isEnabled()
    with qtbot.waitSignal(page.sig_refreshed, timeout=5000):
        qtbot.mouseClick(page.cancel_button, LEFT)
    assert page.model.rows == []  # no longer queued
    assert page.message.text() == f"Run {queued_id} of WAITING cancelled."
    with qtbot.waitSignal(page.sig_refreshed, timeout=5000):
        page.set_filter("finished")
    assert [(r.prcreqid, cell(page, 0, "Status")) for r in page.model.rows] == [
        (queued_id, "CANCELLED")
    ]
    with qtbot.waitSignal(page.sig_refreshed, timeout=5000):
        page.set_filter("running")
    page.select(running_id)
    with qtbot.waitSignal(page.sig_refreshed, timeout=5000):
        qtbot.mouseClick(page.cancel_button, LEFT)
    assert service.history("BUSY")[0]["status"] == "CANCELLED"


def test_a_failed_run_shows_its_errors_and_is_queued_again(
    qtbot,
    ws: Workspace,
    admin: CurrentUser,
    loads: list[str],  # type: ignore[no-untyped-def]
) -> None:
    break_mapping(ws, admin, "LOAD_A")
    service = JobService(ws, admin)
    service.create("BROKEN", ["LOAD_A"])
    failed_id = service.run_now("BROKEN")
    assert SchedulerService(ws, ServiceOptions(use_clock=False)).drain() == 1
    page = monitor_page(qtbot, ws, admin)
    with qtbot.waitSignal(page.sig_refreshed, timeout=5000):
        page.filter_tabs.setCurrentIndex(page.filter_keys.index("failed"))
    assert [r.prcreqid for r in page.model.rows] == [failed_id]
    assert cell(page, 0, "Status") == "FAILED" and "no_such_column" in cell(page, 0, "Message")
    with qtbot.waitSignal(page.sig_details_loaded, timeout=5000) as loaded:
        page.select(failed_id)
    assert any("no_such_column" in e["errmsg"] for e in loaded.args[0].errors)
    assert page.details.tabs.tabText(1).startswith("Errors (")
    first = loaded.args[0].errors[0]
    shown = page.details.error_text.toPlainText()  # the whole message, not the elided cell
    assert shown.startswith("Mapping LOAD_A") and shown.endswith(first["errmsg"])
    assert page.rerun_button.isEnabled() and not page.cancel_button.isEnabled()
    with qtbot.waitSignal(page.sig_run_queued, timeout=5000) as queued:
        qtbot.mouseClick(page.rerun_button, LEFT)
    with qtbot.waitSignal(page.sig_refreshed, timeout=5000):
        page.set_filter("all")
    assert [(r.prcreqid, r.status) for r in page.model.rows] == [
        (queued.args[0], "NEW"),
        (failed_id, "FAILED"),
    ]


def _runs_of_two_jobs(ws: Workspace, admin: CurrentUser) -> None:
    """GOOD succeeds twice, GOOD_TWIN once, BAD fails once: real requests and run logs."""
    service = JobService(ws, admin)
    service.create("GOOD", ["LOAD_A"])
    service.create("GOOD_TWIN", ["LOAD_A"])
    service.create("BAD", ["LOAD_B"])
    break_mapping(ws, admin, "LOAD_B")
    for name in ("GOOD", "GOOD", "GOOD_TWIN", "BAD"):
        service.run_now(name)
        SchedulerService(ws, ServiceOptions(use_clock=False)).drain()


def test_show_runs_filters_by_job_day_and_status(
    qtbot,
    ws: Workspace,
    admin: CurrentUser,
    loads: list[str],  # type: ignore[no-untyped-def]
) -> None:
    from datetime import timedelta

    _runs_of_two_jobs(ws, admin)
    page = monitor_page(qtbot, ws, admin)
    assert len(page.model.rows) == 4

    def shown(**filters: object) -> list[tuple[str, str]]:
        with qtbot.waitSignal(page.sig_refreshed, timeout=5000):
            page.show_runs(**filters)  # type: ignore[arg-type]
        return [(r.job, r.status) for r in page.model.rows]

    assert shown(job="GOOD") == [("GOOD", "DONE"), ("GOOD", "DONE")]  # the whole name only
    assert page.job_filter.text() == "GOOD" and page.which == "all"
    assert shown(status="FAILED") == [("BAD", "FAILED")]
    assert page.filter_tabs.tabText(page.filter_tabs.currentIndex()) == "Failed"
    assert shown(status="SUCCESS") == [("GOOD_TWIN", "DONE"), ("GOOD", "DONE"), ("GOOD", "DONE")]
    today = clock.utcnow().date()  # the workspace zone is UTC here
    assert shown(job="GOOD", day=today - timedelta(days=1)) == []
    assert page.day_chip.isVisible() and page.day_chip.text().startswith(
        f"{today - timedelta(days=1):%a %Y-%m-%d}"
    )
    assert len(shown(day=today)) == 4
    with qtbot.waitSignal(page.sig_refreshed, timeout=5000):
        qtbot.mouseClick(page.day_chip, LEFT)  # every day again
    assert page.day is None and not page.day_chip.isVisible()
    # Typed by the user, the job filter is a fragment again.
    with qtbot.waitSignal(page.sig_refreshed, timeout=5000):
        qtbot.keyClicks(page.job_filter, "_T")
    assert [r.job for r in page.model.rows] == ["GOOD_TWIN"]


def test_a_dashboard_click_on_a_failing_job_filters_the_monitor(
    qtbot,
    main_window: MainWindow,
    loads: list[str],  # type: ignore[no-untyped-def]
) -> None:
    from dms_desktop.gui.dashboard.page import DashboardPage

    window = main_window
    _runs_of_two_jobs(window.ws, window.user)
    assert window.show_module("dashboard")
    dashboard = window.page("dashboard")
    assert isinstance(dashboard, DashboardPage)
    qtbot.waitUntil(lambda: dashboard.board is not None and not dashboard.loading, timeout=10_000)
    view = dashboard.failing_view
    assert dashboard.failing_model.index(0, 0).data() == "BAD"
    monitor = window.page("monitor")
    assert isinstance(monitor, MonitorPage)
    with qtbot.waitSignal(monitor.sig_refreshed, timeout=5000):
        qtbot.mouseClick(
            view.viewport(), LEFT, pos=view.visualRect(dashboard.failing_model.index(0, 0)).center()
        )
    assert window.current_module() == "monitor"
    qtbot.waitUntil(lambda: [r.job for r in monitor.model.rows] == ["BAD"], timeout=5000)
    assert monitor.which == "failed" and monitor.job_filter.text() == "BAD"


def test_cancel_and_rerun_disabled_with_the_missing_right_named(
    qtbot,
    ws: Workspace,
    admin: CurrentUser,
    viewer: CurrentUser,
    loads: list[str],  # type: ignore[no-untyped-def]
) -> None:
    JobService(ws, admin).create("QUEUED", ["LOAD_A"])
    prcreqid = JobService(ws, admin).run_now("QUEUED")
    page = monitor_page(qtbot, ws, viewer)
    assert page.select(prcreqid)
    assert not page.cancel_button.isEnabled()
    assert "Run right in Jobs" in page.cancel_button.toolTip()
    assert "Run right in Jobs" in page.rerun_button.toolTip()
