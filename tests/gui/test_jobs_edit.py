"""Editing a job in the dialog (mappings, description, retries), report jobs from the dialog,
and Run now disabled with the missing right named."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

from dms_desktop.core.jobs.service import JobService, ScheduleSpec
from dms_desktop.core.reports import ReportDef, ReportService
from dms_desktop.core.security.permissions import CurrentUser
from dms_desktop.core.workspace import Workspace
from tests.gui.test_jobs import jobs_page, set_code

LEFT = Qt.MouseButton.LeftButton


def test_edit_job_mappings_description_and_retries(
    qtbot,
    ws: Workspace,
    admin: CurrentUser,
    loads: list[str],  # type: ignore[no-untyped-def]
) -> None:
    service = JobService(ws, admin)
    service.create("NIGHTLY", ["LOAD_A"], schedule=ScheduleSpec("DL", hour=1, minute=0))
    page = jobs_page(qtbot, ws, admin)
    assert page.model.index(0, 1).data() == "LOAD_A"
    page.select("NIGHTLY")
    dialog = page.edit_schedule()
    assert dialog is not None and dialog.windowTitle() == "Edit job NIGHTLY"
    qtbot.waitUntil(lambda: dialog.picker.available.count() == 2, timeout=5000)
    assert dialog.picker.mappings() == ["LOAD_A"]
    assert dialog.retries_spin.isVisibleTo(dialog) and dialog.retries_spin.value() == 0
    dialog.picker.available.setCurrentRow(1)  # LOAD_B, run after LOAD_A
    qtbot.mouseClick(dialog.picker.add_button, LEFT)
    dialog.description_edit.setText("A then B")
    dialog.retries_spin.setValue(2)
    dialog.retry_delay_spin.setValue(90)
    assert dialog.save_button.isEnabled()
    with qtbot.waitSignal(page.sig_loaded, timeout=5000):
        qtbot.mouseClick(dialog.save_button, LEFT)
    saved = service.get("NIGHTLY")
    assert saved.mappings == ("LOAD_A", "LOAD_B") and saved.description == "A then B"
    assert (saved.retries, saved.retry_delay) == (2, 90)
    assert saved.schedule.frequency == "DL"  # the schedule is kept
    assert page.model.index(0, 1).data() == "LOAD_A → LOAD_B"


def test_new_report_job_from_the_dialog(
    qtbot,
    ws: Workspace,
    admin: CurrentUser,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    ReportService(ws, admin).save(
        ReportDef("WEEKLY", "SELECT 1 AS one", output_folder=str(tmp_path), output_format="csv")
    )
    page = jobs_page(qtbot, ws, admin)
    dialog = page.new_job()
    qtbot.waitUntil(lambda: dialog.steps.report_combo.count() == 1, timeout=5000)
    dialog.steps.kind_buttons["REPORT"].click()
    qtbot.keyClicks(dialog.name_edit, "WEEKLY_REPORT")
    set_code(dialog, "WK")
    assert dialog.save_button.isEnabled(), dialog.message.text()
    # An upload with no definition saved: the reason is shown and Save waits.
    dialog.steps.kind_buttons["UPLOAD"].click()
    assert not dialog.save_button.isEnabled()
    assert "No upload definition" in dialog.message.text()
    dialog.steps.kind_buttons["REPORT"].click()
    with qtbot.waitSignal(page.sig_loaded, timeout=5000):
        qtbot.mouseClick(dialog.save_button, LEFT)
    job = JobService(ws, admin).get("WEEKLY_REPORT")
    assert job.kind == "REPORT" and job.report == "WEEKLY"
    assert page.model.index(0, 1).data() == "report WEEKLY"


def test_run_now_disabled_with_the_missing_right_named(
    qtbot,
    ws: Workspace,
    admin: CurrentUser,
    viewer: CurrentUser,
    loads: list[str],  # type: ignore[no-untyped-def]
) -> None:
    JobService(ws, admin).create("NIGHTLY", ["LOAD_A"])
    page = jobs_page(qtbot, ws, viewer)
    page.select("NIGHTLY")
    assert not page.run_button.isEnabled()
    assert "Run right in Jobs" in page.run_button.toolTip()
    assert not page.edit_button.isEnabled() and "Edit right" in page.edit_button.toolTip()
    assert page.history_button.isEnabled()


def test_monthly_day_31_is_explained_in_the_editor(
    qtbot,
    ws: Workspace,
    admin: CurrentUser,
    loads: list[str],  # type: ignore[no-untyped-def]
) -> None:
    page = jobs_page(qtbot, ws, admin)
    dialog = page.new_job()
    set_code(dialog, "MN")
    dialog.form.day_spin.setValue(31)
    assert dialog.words_label.text().startswith(
        "Every month on day 31 at 02:00 (the month's last day when shorter), UTC"
    )
    days = {dialog.next_list.item(n).text()[4:14] for n in range(dialog.next_list.count())}
    assert any(day.endswith(("-30", "-28", "-29")) for day in days)  # shorter months: last day
