"""Jobs page and the job dialog: create through the dialog with a live preview, enable and
disable, delete with the core's refusal, dependencies and cycles, the Jobs menu."""

from __future__ import annotations

from datetime import datetime, timedelta

from PySide6.QtCore import QDate, Qt, QTime
from PySide6.QtWidgets import QMessageBox

from dms_desktop.core.jobs.service import JobService, ScheduleSpec
from dms_desktop.core.security.permissions import CurrentUser
from dms_desktop.core.workspace import Workspace
from dms_desktop.gui.jobs.display import status_colour
from dms_desktop.gui.jobs.job_dialog import JobDialog
from dms_desktop.gui.jobs.page import JobsPage
from dms_desktop.gui.jobs.run_dialog import RunJobDialog
from dms_desktop.gui.main_window import MainWindow
from dms_desktop.gui.pages import PageContext
from dms_desktop.gui.theme import apply_theme

LEFT = Qt.MouseButton.LeftButton


def jobs_page(qtbot, ws: Workspace, user: CurrentUser) -> JobsPage:  # type: ignore[no-untyped-def]
    page = JobsPage(PageContext(ws, user))
    qtbot.addWidget(page)
    with qtbot.waitSignal(page.sig_loaded, timeout=5000):
        page.show()
    return page


def visible(dialog: JobDialog, widget) -> bool:  # type: ignore[no-untyped-def]
    return bool(widget.isVisibleTo(dialog))


def set_code(dialog: JobDialog, code: str) -> None:
    combo = dialog.form.frequency_combo
    combo.setCurrentIndex(combo.findData(code))


def test_new_job_through_the_dialog_with_live_preview(
    qtbot,
    ws: Workspace,
    admin: CurrentUser,
    loads: list[str],  # type: ignore[no-untyped-def]
) -> None:
    page = jobs_page(qtbot, ws, admin)
    assert page.empty_label.isVisible()
    dialog = page.new_job()
    qtbot.waitUntil(lambda: dialog.picker.available.count() == 2, timeout=5000)
    assert not dialog.save_button.isEnabled()  # no name, no mapping yet
    qtbot.keyClicks(dialog.name_edit, "NIGHTLY_LOAD")
    assert "mapping" in dialog.message.text()
    dialog.picker.available.setCurrentRow(1)
    qtbot.mouseClick(dialog.picker.add_button, LEFT)
    dialog.picker.available.setCurrentRow(0)
    qtbot.mouseClick(dialog.picker.add_button, LEFT)
    assert dialog.picker.mappings() == ["LOAD_B", "LOAD_A"]  # in the order chosen
    dialog.picker.chosen.setCurrentRow(1)
    qtbot.mouseClick(dialog.picker.up_button, LEFT)
    assert dialog.picker.mappings() == ["LOAD_A", "LOAD_B"]

    # Daily: only the time (and the optional dates and zone) are shown.
    set_code(dialog, "DL")
    form = dialog.form
    assert visible(dialog, form.time_edit) and not visible(dialog, form.weekday_combo)
    assert not visible(dialog, form.day_row) and not visible(dialog, form.every_spin)
    form.time_edit.setTime(QTime(3, 15))
    assert dialog.words_label.text() == "Every day at 03:15, UTC"
    assert dialog.next_list.count() == 10
    assert all("03:15" in dialog.next_list.item(n).text() for n in range(10))
    assert dialog.save_button.isEnabled()

    # Fortnightly: the weekday and week one (the start date) appear; the preview follows.
    set_code(dialog, "FN")
    assert visible(dialog, form.weekday_combo) and visible(dialog, form.start_row)
    assert form.start_check.isChecked() and not form.start_check.isEnabled()
    form.weekday_combo.setCurrentIndex(1)  # Tuesday
    assert dialog.words_label.text().startswith("Every second Tuesday at 03:15, UTC, from ")
    times = [dialog.next_list.item(n).text() for n in range(dialog.next_list.count())]
    assert len(times) == 10 and all(t.startswith("Tue ") for t in times)

    # An invalid combination: the core's message inline, Save disabled.
    form.end_check.setChecked(True)
    form.end_date.setDate(form.start_date.date().addDays(-3))
    assert not dialog.save_button.isEnabled()
    assert dialog.message.text() == "The end date must come after the start date."
    assert dialog.next_list.count() == 0
    form.end_date.setDate(QDate.currentDate().addYears(1))
    assert dialog.save_button.isEnabled()

    with qtbot.waitSignal(page.sig_loaded, timeout=5000):
        qtbot.mouseClick(dialog.save_button, LEFT)
    assert not dialog.isVisible()
    job = page.selected()
    assert job is not None and job.name == "NIGHTLY_LOAD"
    assert job.info.mappings == ("LOAD_A", "LOAD_B")
    assert job.words.startswith("every second Tuesday at 03:15, UTC, from ")
    assert page.model.index(0, 3).data()  # the next run, in local time
    saved = JobService(ws, admin).get("NIGHTLY_LOAD")
    assert saved.schedule.frequency == "FN" and saved.schedule.day == "TUE"


def test_enable_disable_delete_and_the_core_refusal(
    qtbot,
    ws: Workspace,
    admin: CurrentUser,
    loads: list[str],  # type: ignore[no-untyped-def]
) -> None:
    service = JobService(ws, admin)
    service.create("PARENT", ["LOAD_A"], schedule=ScheduleSpec("DL", hour=1, minute=0))
    service.create("CHILD", ["LOAD_B"], schedule=ScheduleSpec(after="PARENT"))
    page = jobs_page(qtbot, ws, admin)
    assert [r.name for r in page.rows] == ["CHILD", "PARENT"]
    assert page.model.index(0, 2).data() == "after PARENT succeeds"
    assert page.select("PARENT")
    assert page.enable_button.text() == "Disable"
    with qtbot.waitSignal(page.sig_loaded, timeout=5000):
        qtbot.mouseClick(page.enable_button, LEFT)
    assert page.selected().name == "PARENT" and not page.selected().info.enabled  # type: ignore[union-attr]
    row = page.model.find(page.selected().info.jobid)  # type: ignore[union-attr]
    assert page.model.index(row, 6).data() == "No"
    assert page.model.index(row, 3).data() == ""  # no next run while disabled
    assert page.enable_button.text() == "Enable"
    with qtbot.waitSignal(page.sig_loaded, timeout=5000):
        qtbot.mouseClick(page.enable_button, LEFT)
    assert page.selected().info.enabled  # type: ignore[union-attr]

    box = page.delete()
    assert isinstance(box, QMessageBox) and "PARENT" in box.text()
    with qtbot.waitSignal(page.sig_action_done, timeout=5000) as done:
        box.button(QMessageBox.StandardButton.Yes).click()
    assert "parent of CHILD" in done.args[0]
    assert page.message.text() == done.args[0] and page.message.property("severity") == "error"
    page.select("CHILD")
    box = page.delete()
    with qtbot.waitSignal(page.sig_loaded, timeout=5000):
        box.button(QMessageBox.StandardButton.Yes).click()
    assert [r.name for r in page.rows] == ["PARENT"]


def test_dependency_chain_is_drawn_and_a_cycle_blocks_save(
    qtbot,
    ws: Workspace,
    admin: CurrentUser,
    loads: list[str],  # type: ignore[no-untyped-def]
) -> None:
    service = JobService(ws, admin)
    service.create("A", ["LOAD_A"], schedule=ScheduleSpec("DL", hour=2, minute=0))
    service.create("B", ["LOAD_B"], schedule=ScheduleSpec(after="A"))
    service.create("C", ["LOAD_A"], schedule=ScheduleSpec(after="B"))
    page = jobs_page(qtbot, ws, admin)
    page.select("C")
    dialog = page.edit_schedule()
    assert isinstance(dialog, JobDialog)
    assert dialog.after_combo.currentText() == "B"
    assert [b[0] for b in dialog.chain.boxes()] == ["A", "B", "C"]
    assert dialog.words_label.text() == "After B succeeds, for the same run date"
    assert "Follows A" in dialog.next_caption.text() and dialog.next_list.count() == 10
    dialog.reject()

    page.select("A")
    dialog = page.edit_schedule()
    assert isinstance(dialog, JobDialog)
    assert [b[1] for b in dialog.chain.boxes()] == ["current", "children"]
    dialog.after_combo.setCurrentIndex(dialog.after_combo.findData("C"))
    assert not dialog.save_button.isEnabled()
    assert dialog.message.text() == "That dependency makes a cycle: A → C → B → A."
    assert dialog.chain.broken
    dialog.after_combo.setCurrentIndex(0)
    set_code(dialog, "ID")
    dialog.form.every_spin.setValue(30)
    assert dialog.words_label.text() == "Every 30 minutes, UTC"
    first, second = (
        datetime.strptime(dialog.next_list.item(n).text()[4:20], "%Y-%m-%d %H:%M") for n in (0, 1)
    )
    assert second - first == timedelta(minutes=30)
    with qtbot.waitSignal(page.sig_loaded, timeout=5000):
        qtbot.mouseClick(dialog.save_button, LEFT)
    assert JobService(ws, admin).get("A").schedule.every_minutes == 30


def test_jobs_menu_new_job_and_run_now(qtbot, main_window: MainWindow, loads: list[str]) -> None:  # type: ignore[no-untyped-def]
    menus = main_window.menus
    assert menus.new_job.isEnabled() and menus.run_now.isEnabled()
    menus.new_job.trigger()
    assert main_window.current_module() == "jobs"
    page = main_window.page("jobs")
    assert isinstance(page, JobsPage) and isinstance(page.dialog, JobDialog)
    page.dialog.reject()
    JobService(main_window.ws, main_window.user).create("ONE", ["LOAD_A"])
    menus.run_now.trigger()
    dialog = page.dialog
    assert isinstance(dialog, RunJobDialog)
    qtbot.waitUntil(lambda: dialog.jobs_list.count() == 1, timeout=5000)
    with qtbot.waitSignal(page.sig_run_queued, timeout=5000) as queued:
        qtbot.mouseClick(dialog.run_button, LEFT)
    history = JobService(main_window.ws, main_window.user).history("ONE")
    assert [h["prcreqid"] for h in history] == [queued.args[0]]
    assert history[0]["status"] == "NEW"  # no scheduler runs in this test


def test_status_colours_follow_the_theme(qapp) -> None:  # type: ignore[no-untyped-def]
    light = status_colour("FAILED")
    apply_theme(qapp, "dark")
    dark = status_colour("FAILED")
    apply_theme(qapp, "light")
    assert light is not None and dark is not None and light != dark
    assert status_colour("nonsense") is None
