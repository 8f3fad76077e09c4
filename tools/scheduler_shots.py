"""Screenshots of Jobs, the schedule editor, Calendar, Monitor and the tray menu, for
``tools/screenshots.py``.

``prepare_jobs`` adds to the demo's jobs and history a fortnightly job whose mapping no longer
validates (it fails) and a disabled month-end job. It runs the failing one for real with
``SchedulerService.drain()`` and moves the batch back to the schedule's last firing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from PySide6.QtCore import QPoint
from PySide6.QtWidgets import QWidget

Save = Callable[[QWidget, str], Any]
Wait = Callable[..., None]
BERLIN = "Europe/Berlin"


def _shift(ws: Any, ids: list[int], delta: timedelta, root: int, when: datetime) -> None:
    """Move the requests ``ids`` (and their logs) back by ``delta``; ``root`` was scheduled.
    Row by row in Python: the times are text on SQLite, so no date arithmetic in SQL."""
    from sqlalchemy import select, update

    from dms_desktop.core.metadata.engine import write_tx
    from dms_desktop.core.metadata.tables import dms_joberr, dms_joblog, dms_prclog, dms_prcreq

    def back(table: Any, key: Any, where: Any, columns: tuple[str, ...]) -> list[int]:
        keys = []
        for row in conn.execute(select(key, *(table.c[c] for c in columns)).where(where)):
            values = {c: v - delta for c, v in zip(columns, row[1:], strict=True) if v}
            conn.execute(update(table).where(key == row[0]).values(values))
            keys.append(row[0])
        return keys

    with write_tx(ws.engine) as conn:
        times = ("scheduled_for", "requested_at", "claimed_at", "heartbeat_at", "finished_at")
        back(dms_prcreq, dms_prcreq.c.prcreqid, dms_prcreq.c.prcreqid.in_(ids), times)
        conn.execute(  # one run date for the chain, as a firing and its dependents have
            update(dms_prcreq).where(dms_prcreq.c.prcreqid.in_(ids)).values(scheduled_for=when)
        )
        conn.execute(
            update(dms_prcreq)
            .where(dms_prcreq.c.prcreqid == root)
            .values(reqtyp="SCHEDULE", requested_by="dms-scheduler")
        )
        logs = back(
            dms_prclog, dms_prclog.c.prclogid, dms_prclog.c.prcreqid.in_(ids), ("strtdt", "enddt")
        )
        conn.execute(
            update(dms_prclog)
            .where(dms_prclog.c.prclogid.in_(logs), dms_prclog.c.trgtyp == "MANUAL")
            .values(trgtyp="SCHEDULE")
        )
        back(
            dms_joblog, dms_joblog.c.joblogid, dms_joblog.c.prclogid.in_(logs), ("strtdt", "enddt")
        )
        back(dms_joberr, dms_joberr.c.joberrid, dms_joberr.c.prclogid.in_(logs), ("reccrdt",))


def _run_at(ws: Any, jobs: Any, name: str, when: datetime) -> None:
    """Run ``name`` (and what it queues) now, then move the batch back to ``when``."""
    from sqlalchemy import select

    from dms_desktop.core import clock
    from dms_desktop.core.metadata.tables import dms_prcreq
    from dms_desktop.core.scheduler.service import SchedulerService, ServiceOptions

    root = jobs.run_now(name)
    started = clock.utcnow()
    SchedulerService(ws, ServiceOptions(use_clock=False, name="screenshots")).drain()
    with ws.engine.connect() as conn:
        ids = list(
            conn.execute(
                select(dms_prcreq.c.prcreqid).where(dms_prcreq.c.prcreqid >= root)
            ).scalars()
        )
    _shift(ws, ids, started - when, root, when)


def prepare_jobs(ws: Any) -> None:
    """Next to the demo's chain (DEMO_STAGE → DEMO_DIMENSIONS → DEMO_FACT, with its history):
    a fortnightly job whose mapping no longer validates (it fails) and a disabled month-end
    job."""
    from dms_desktop.core import clock
    from dms_desktop.core.demo.seed import DEMO_PASSWORD, DEMO_USER
    from dms_desktop.core.errors import NotFound
    from dms_desktop.core.jobs import frequency
    from dms_desktop.core.jobs.service import JobService, ScheduleSpec
    from dms_desktop.core.mapping.repository import MappingService
    from dms_desktop.core.security.auth import AuthService

    user = AuthService(ws).login(DEMO_USER, DEMO_PASSWORD)
    jobs = JobService(ws, user)
    try:
        jobs.get("PRODUCTS_EU")
        return
    except NotFound:
        pass
    mappings = MappingService(ws, user)
    broken = mappings.copy("DIM_PRODUCT", "DIM_PRODUCT_EU")
    broken.table_name = "DIM_PRODUCT_EU"
    broken.columns[-1].logic = "list_price_eur"  # a column the source does not have
    mappings.save(broken)

    now = clock.utcnow()
    week_one = (now - timedelta(days=28)).replace(hour=0, minute=0, second=0, microsecond=0)
    fortnightly = ScheduleSpec("FN", day="TUE", hour=3, minute=0, start=week_one, zone=BERLIN)
    jobs.create("PRODUCTS_EU", ["DIM_PRODUCT_EU"], schedule=fortnightly)
    month_end = ScheduleSpec("MN", day="L", hour=23, minute=0)
    jobs.create("MONTH_END", ["DIM_CUSTOMER", "DIM_PRODUCT", "FACT_SALES"], schedule=month_end)
    jobs.set_enabled("MONTH_END", False)

    eu = frequency.make_rule("FN", day="TUE", hour=3, minute=0, start=week_one, zone=BERLIN)
    for moment in frequency.last_firing(eu, now, now - timedelta(days=15))[-1:]:
        _run_at(ws, jobs, "PRODUCTS_EU", moment)


def _wait_signal(signal: Any, action: Callable[[], Any], wait_until: Wait) -> None:
    fired: list[bool] = []
    signal.connect(lambda *_a: fired.append(True))
    action()
    wait_until(lambda: bool(fired), 20.0)


def scheduler_shots(window: Any, save: Save, wait_until: Wait, suffix: str = "") -> None:
    from dms_desktop.gui.workers import wait_for_background_tasks

    window.show_module("jobs")
    jobs = window.page("jobs")
    wait_until(lambda: bool(jobs.rows) and not jobs.loading)
    jobs.select("DEMO_FACT")
    save(window, f"jobs{suffix}")
    if not suffix:
        jobs.select("PRODUCTS_EU")
        dialog = jobs.edit_schedule()
        save(dialog, "schedule_editor")
        dialog.reject()
        jobs.select("DEMO_FACT")
        dialog = jobs.edit_schedule()
        save(dialog, "schedule_editor_chain")
        dialog.reject()

    window.show_module("calendar")
    calendar = window.page("calendar")
    wait_until(lambda: calendar.data is not None and not calendar.loading)
    _wait_signal(calendar.sig_day_loaded, lambda: calendar.show_day(calendar.today()), wait_until)
    save(window, f"calendar_month{suffix}")
    if not suffix:
        _wait_signal(calendar.sig_loaded, lambda: calendar.set_mode("week"), wait_until)
        save(window, "calendar_week")
        _wait_signal(calendar.sig_loaded, lambda: calendar.set_mode("month"), wait_until)

    window.show_module("monitor")
    monitor = window.page("monitor")
    wait_until(lambda: bool(monitor.model.rows) and not monitor.loading)
    last_fact = next(r for r in monitor.model.rows if r.job == "DEMO_FACT")
    _wait_signal(monitor.sig_details_loaded, lambda: monitor.select(last_fact.prcreqid), wait_until)
    details = monitor.details
    steps = [s["stepnm"] for s in details.steps_model.rows]
    details.steps_view.selectRow(steps.index("extract and stage"))
    _wait_signal(details.sig_sql_shown, details.show_sql, wait_until)
    save(window, f"monitor{suffix}")
    if not suffix:
        failed = next(r for r in monitor.model.rows if r.status == "FAILED")
        _wait_signal(
            monitor.sig_details_loaded, lambda: monitor.select(failed.prcreqid), wait_until
        )
        details.tabs.setCurrentIndex(1)
        save(window, "monitor_failed_run")
        details.tabs.setCurrentIndex(0)
    wait_for_background_tasks()


def tray_shots(ws: Any, save: Save, wait_until: Wait) -> None:
    """The tray menu of a service whose last run failed, and its recent failures."""
    from dms_desktop.core.jobs.service import JobService
    from dms_desktop.gui.scheduler_host import FAILING
    from dms_desktop.gui.tray import TrayController
    from dms_desktop.gui.workers import wait_for_background_tasks

    tray = TrayController(ws, workers=2)
    tray.host.option_overrides = {"use_clock": False}
    tray.start()
    wait_until(lambda: tray.host.state == "running", 15.0)
    JobService(ws, tray.user).run_now("PRODUCTS_EU")
    tray.host.wake()
    wait_until(lambda: tray.host.state == FAILING and len(tray.failures) > 0, 30.0)
    tray.menu.popup(QPoint(900, 200))
    save(tray.menu, "tray_menu")
    tray.failures_menu.popup(QPoint(900, 420))
    save(tray.failures_menu, "tray_recent_failures")
    tray.failures_menu.hide()
    tray.menu.hide()
    tray.shutdown()
    wait_for_background_tasks(60_000)


def main() -> int:
    """Only these screenshots (quicker than the whole set): ``python tools/scheduler_shots.py``."""
    import os
    import sys
    import tempfile
    from pathlib import Path

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from PySide6.QtCore import QSettings

    from screenshots import WINDOW_SIZE, save, wait_until  # type: ignore[import-not-found]

    with tempfile.TemporaryDirectory(prefix="dms-shots-") as tmp:
        home = Path(tmp)
        os.environ["DMS_HOME"] = str(home / "home")
        QSettings.setDefaultFormat(QSettings.Format.IniFormat)
        QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(home / "qs"))
        from dms_desktop.core.demo.seed import DEMO_PASSWORD, DEMO_USER, create_demo_workspace
        from dms_desktop.core.security.auth import AuthService
        from dms_desktop.core.settings import load_settings
        from dms_desktop.gui.app import create_application
        from dms_desktop.gui.main_window import MainWindow
        from dms_desktop.gui.workers import wait_for_background_tasks

        app = create_application([sys.argv[0]])
        ws = create_demo_workspace(load_settings())
        prepare_jobs(ws)
        window = MainWindow(ws, AuthService(ws).login(DEMO_USER, DEMO_PASSWORD))
        window.resize(*WINDOW_SIZE)
        window.show()
        scheduler_shots(window, save, wait_until)
        window.set_theme("dark")
        scheduler_shots(window, save, wait_until, "_dark")
        window.set_theme("light")
        window.close()
        wait_for_background_tasks(60_000)
        tray_shots(ws, save, wait_until)
        ws.close()
        del app
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
