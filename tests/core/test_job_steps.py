"""Editing jobs, run/edit rights and connection grants, and job steps that are not loads:
a scheduled report and an upload definition, logged in DMS_PRCLOG like a load. SQLite and
PostgreSQL metadata databases."""

from __future__ import annotations

import os
import sqlite3
import time
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from dms_desktop.core.connections.model import ConnectionDef
from dms_desktop.core.connections.service import ConnectionService
from dms_desktop.core.errors import NotFound, PermissionDenied, ValidationError
from dms_desktop.core.jobs.service import JobService, ScheduleSpec
from dms_desktop.core.metadata.tables import dms_jobdtl, dms_joberr, dms_prclog, dms_prcreq
from dms_desktop.core.reports import ReportDef, ReportService
from dms_desktop.core.scheduler.service import SchedulerService, ServiceOptions
from dms_desktop.core.security.auth import AuthService
from dms_desktop.core.security.permissions import CurrentUser
from dms_desktop.core.security.roles import RoleService
from dms_desktop.core.uploads import ColumnSpec, FileOptions, UploadDef, UploadService
from dms_desktop.core.workspace import Workspace
from tests.core.admin_support import ROLE_PASSWORD, quick_user
from tests.scheduler_fixtures import staging_mappings


@pytest.fixture
def jobs(workspace: Workspace, admin: CurrentUser, tmp_path: Path) -> JobService:
    staging_mappings(workspace, admin, tmp_path, ["LOAD_A", "LOAD_B", "LOAD_C"])
    return JobService(workspace, admin)


def _drain(ws: Workspace) -> int:
    return SchedulerService(ws, ServiceOptions(use_clock=False)).drain()


def _logs(ws: Workspace, prcreqid: int) -> list[dict[str, object]]:
    with ws.engine.connect() as conn:
        return [
            dict(r)
            for r in conn.execute(
                select(dms_prclog).where(dms_prclog.c.prcreqid == prcreqid)
            ).mappings()
        ]


def _request(ws: Workspace, prcreqid: int) -> dict[str, object]:
    with ws.engine.connect() as conn:
        return dict(
            conn.execute(select(dms_prcreq).where(dms_prcreq.c.prcreqid == prcreqid))
            .mappings()
            .one()
        )


# --- editing -----------------------------------------------------------------------------


def test_edit_retries_description_and_steps_keeps_step_history(
    jobs: JobService, workspace: Workspace
) -> None:
    jobs.create("nightly", ["LOAD_A"], description="first", schedule=ScheduleSpec("DL", hour=2))
    job = jobs.edit("nightly", retries=3, retry_delay=45, description="  loads A then B ")
    assert (job.retries, job.retry_delay, job.description) == (3, 45, "loads A then B")
    assert job.mappings == ("LOAD_A",) and job.version == 1
    job = jobs.edit("nightly", steps=["load_b", "LOAD_A"])
    assert job.mappings == ("LOAD_B", "LOAD_A") and job.version == 2
    assert job.retries == 3 and job.rule_text.startswith("every day at 02:00")  # kept
    assert jobs.edit("nightly", retry_delay=None).retry_delay is None  # back to the default
    history = jobs.steps_history("nightly")
    assert [h["mappings"] for h in history] == [["LOAD_B", "LOAD_A"], ["LOAD_A"]]
    assert [h["current"] for h in history] == [True, False]
    with workspace.engine.connect() as conn:
        assert conn.execute(select(dms_jobdtl.c.curflg)).scalars().all().count("N") == 1
    # The new steps run, in their order; a retry now uses the edited count.
    prcreqid = jobs.run_now("nightly")
    assert _request(workspace, prcreqid)["max_attempts"] == 4
    assert _drain(workspace) == 1
    assert [log["mapref"] for log in _logs(workspace, prcreqid)] == ["LOAD_B", "LOAD_A"]


def test_edit_refuses_bad_input_with_clear_messages(jobs: JobService) -> None:
    jobs.create("j", ["LOAD_A"])
    with pytest.raises(NotFound, match="Unknown mapping NOPE"):
        jobs.edit("j", steps=["LOAD_A", "NOPE"])
    with pytest.raises(ValidationError, match="at least one mapping"):
        jobs.edit("j", steps=[])
    with pytest.raises(ValidationError, match="Retries must be from 0 to 10"):
        jobs.edit("j", retries=11)
    with pytest.raises(ValidationError, match="retry delay"):
        jobs.edit("j", retry_delay=-5)
    with pytest.raises(NotFound, match="No job 'ghost'"):
        jobs.edit("ghost", retries=1)
    assert jobs.get("j").mappings == ("LOAD_A",) and jobs.get("j").retries == 0


# --- rights and connection grants ------------------------------------------------------


def _login(ws: Workspace, name: str, role: str) -> CurrentUser:
    quick_user(ws, name, role)
    user = AuthService(ws).login(name, ROLE_PASSWORD)
    assert user.session is not None
    user.session.interval_s = 0  # rights re-read at every call
    return user


def test_run_cancel_edit_need_their_rights_and_connection_grants(
    jobs: JobService, workspace: Workspace, admin: CurrentUser
) -> None:
    jobs.create("j", ["LOAD_A"])
    roles = RoleService(workspace, admin)
    roles.create("Runner", copy_from="Viewer")
    runner = _login(workspace, "runner", "Runner")
    mine = JobService(workspace, runner)
    with pytest.raises(PermissionDenied, match="may not run in Jobs"):
        mine.run_now("j")
    queued = jobs.run_now("j")
    with pytest.raises(PermissionDenied, match="may not run in Jobs"):
        mine.cancel(queued)
    with pytest.raises(PermissionDenied, match="may not edit in Jobs"):
        mine.edit("j", retries=2)
    roles.set_rights("Runner", "jobs", ["view", "run"])  # run alone is enough to run
    assert mine.cancel(queued) == "CANCELLED"
    assert mine.run_now("j") > queued
    with pytest.raises(PermissionDenied, match="may not create in Jobs"):
        mine.create("j2", ["LOAD_B"])
    # Per-connection grants: the mapping writes to SCH_DW, which the role may not use.
    roles.set_rights("Runner", "jobs", ["view", "run", "create", "edit"])
    roles.set_connections("Runner", False, ["SCH_SRC"])
    with pytest.raises(PermissionDenied, match="may not use connection SCH_DW"):
        mine.run_now("j")
    with pytest.raises(PermissionDenied, match="may not use connection SCH_DW"):
        mine.create("j2", ["LOAD_B"])
    with pytest.raises(PermissionDenied, match="may not use connection SCH_DW"):
        mine.edit("j", steps=["LOAD_B"])
    roles.set_connections("Runner", False, ["SCH_SRC", "SCH_DW"])
    assert mine.create("j2", ["LOAD_B"]).mappings == ("LOAD_B",)


# --- report and upload steps -------------------------------------------------------------


def _report(ws: Workspace, admin: CurrentUser, folder: Path, name: str, sql: str) -> None:
    ReportService(ws, admin).save(
        ReportDef(
            name,
            sql,
            output_folder=str(folder),
            output_format="csv",
            file_pattern="{report}_{date}",
        )
    )


def test_report_job_writes_its_file_and_logs_like_a_load(
    workspace: Workspace, admin: CurrentUser, tmp_path: Path
) -> None:
    jobs = JobService(workspace, admin)
    _report(workspace, admin, tmp_path / "out", "DAILY_COUNT", "SELECT 41 + 1 AS answer")
    job = jobs.create_report_job("report_job", "daily_count", schedule=ScheduleSpec("DL", hour=6))
    assert job.kind == "REPORT" and job.report == "DAILY_COUNT" and job.mappings == ()
    assert job.steps_text == "report DAILY_COUNT"
    prcreqid = jobs.run_now("report_job")
    assert _drain(workspace) == 1
    request = _request(workspace, prcreqid)
    assert request["status"] == "DONE", request["message"]
    [log] = _logs(workspace, prcreqid)
    written = list((tmp_path / "out").glob("DAILY_COUNT_*.csv"))
    assert len(written) == 1 and "42" in written[0].read_text()
    assert log["status"] == "SUCCESS" and log["mapref"] == "DAILY_COUNT"
    assert log["enddt"] is not None and str(written[0]) in str(log["message"])


def test_report_job_with_broken_sql_logs_failed_with_the_message(
    workspace: Workspace, admin: CurrentUser, tmp_path: Path
) -> None:
    jobs = JobService(workspace, admin)
    _report(workspace, admin, tmp_path / "out", "BROKEN", "SELECT nope FROM no_such_table")
    jobs.create_report_job("broken_report", "BROKEN", retries=0)
    prcreqid = jobs.run_now("broken_report")
    assert _drain(workspace) == 1
    request = _request(workspace, prcreqid)
    [log] = _logs(workspace, prcreqid)
    assert request["status"] == "FAILED" and log["status"] == "FAILED"
    assert "no_such_table" in str(log["message"]) and log["message"] == request["message"]
    with workspace.engine.connect() as conn:
        errors = conn.execute(
            select(dms_joberr.c.errmsg).where(dms_joberr.c.prclogid == log["prclogid"])
        ).all()
    assert len(errors) == 1


def test_report_job_needs_a_report_with_an_output(workspace: Workspace, admin: CurrentUser) -> None:
    jobs = JobService(workspace, admin)
    ReportService(workspace, admin).save(ReportDef("NO_OUTPUT", "SELECT 1 AS one"))
    with pytest.raises(ValidationError, match="no output folder or format"):
        jobs.create_report_job("r", "NO_OUTPUT")
    with pytest.raises(NotFound):
        jobs.create_report_job("r", "NO_SUCH_REPORT")
    with pytest.raises(ValidationError, match="no mappings to change"):
        _report(workspace, admin, Path("/tmp"), "OK_REPORT", "SELECT 1 AS one")
        jobs.create_report_job("r", "OK_REPORT")
        jobs.edit("r", steps=["X"])


def _people_upload(ws: Workspace, admin: CurrentUser, folder: Path) -> Path:
    dw = folder / "people.db"
    with sqlite3.connect(dw) as db:
        db.execute("CREATE TABLE people (id INTEGER PRIMARY KEY, name VARCHAR(20))")
    conn = ConnectionService(ws, admin).create(
        ConnectionDef(name="PEOPLE_DW", dbtype="SQLITE", database=str(dw))
    )
    UploadService(ws, admin).save(
        UploadDef(
            name="PEOPLE",
            conid=conn.conid,
            table="people",
            columns=(
                ColumnSpec("id", "id", "INTEGER", key=True),
                ColumnSpec("name", "name", "VARCHAR(20)"),
            ),
            options=FileOptions(kind="CSV", delimiter=","),
            mode="UPSERT",
        )
    )
    return dw


def test_upload_job_loads_the_newest_matching_file(
    workspace: Workspace, admin: CurrentUser, tmp_path: Path
) -> None:
    dw = _people_upload(workspace, admin, tmp_path)
    incoming = tmp_path / "incoming"
    incoming.mkdir()
    old = incoming / "a.csv"
    old.write_text("id,name\n9,old\n")
    os.utime(old, (time.time() - 60, time.time() - 60))
    newest = incoming / "b.csv"
    newest.write_text("id,name\n1,ada\n2,grace\n3,\n")
    jobs = JobService(workspace, admin)
    pattern = str(incoming / "*.csv")
    with pytest.raises(ValidationError, match="no file saved"):
        jobs.create_upload_job("people_job", "PEOPLE")
    job = jobs.create_upload_job("people_job", "people", pattern)
    assert job.kind == "UPLOAD" and job.upload == "PEOPLE" and job.upload_file == pattern
    prcreqid = jobs.run_now("people_job")
    assert _drain(workspace) == 1
    request = _request(workspace, prcreqid)
    assert request["status"] == "DONE", request["message"]
    with sqlite3.connect(dw) as db:
        assert db.execute("SELECT id, name FROM people ORDER BY id").fetchall() == [
            (1, "ada"),
            (2, "grace"),
            (3, None),
        ]
    [log] = _logs(workspace, prcreqid)
    assert log["status"] == "SUCCESS" and log["srcrows"] == 3 and log["insrows"] == 3
    assert log["errrows"] == 0 and str(newest) in str(log["message"])
    # No file matching: the run fails with the reason, logged.
    for path in incoming.iterdir():
        path.unlink()
    failed = jobs.run_now("people_job")
    assert _drain(workspace) == 1
    [log] = _logs(workspace, failed)
    assert log["status"] == "FAILED" and "No file matches" in str(log["message"])
    assert _request(workspace, failed)["status"] == "FAILED"


# --- the CLI ---------------------------------------------------------------------------------


def _dms(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *argv: str
) -> tuple[int, str, str]:
    import io
    import sys

    from dms_desktop.cli import main
    from tests.conftest import ADMIN_PASSWORD

    url = ws.settings.sqlalchemy_url().render_as_string(hide_password=False)
    if ws.schema:
        monkeypatch.setenv("DMS_SCHEMA", ws.schema)
    monkeypatch.setenv("DMS_USER", "admin")
    monkeypatch.setenv("DMS_PASSWORD", ADMIN_PASSWORD)
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    code = main(["--metadata-url", url, *argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("backend", ["sqlite"])
def test_cli_job_set_and_create_report_or_upload(
    jobs: JobService,
    workspace: Workspace,
    admin: CurrentUser,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import json

    jobs.create("nightly", ["LOAD_A"])
    code, out, err = _dms(
        workspace, monkeypatch, capsys,
        "job", "set", "nightly", "--retries", "2", "--retry-delay", "60",
        "--steps", "LOAD_B,LOAD_C", "--json",
    )  # fmt: skip
    assert code == 0, err
    shown = json.loads(out)
    assert shown["mappings"] == ["LOAD_B", "LOAD_C"] and shown["retries"] == 2
    assert shown["retry_delay"] == 60
    code, out, err = _dms(workspace, monkeypatch, capsys, "job", "set", "nightly")
    assert code == 1 and "Nothing to change" in err
    code, out, err = _dms(workspace, monkeypatch, capsys, "job", "set", "nightly", "--steps", "X")
    assert code == 1 and "Unknown mapping X" in err
    _report(workspace, admin, tmp_path / "out", "COUNTS", "SELECT 1 AS one")
    code, out, err = _dms(
        workspace, monkeypatch, capsys,
        "job", "create", "--report", "COUNTS", "--freq", "DL", "--hour", "6", "--json",
    )  # fmt: skip
    assert code == 0, err
    assert json.loads(out)["runs"] == "report COUNTS"
    _people_upload(workspace, admin, tmp_path)
    code, out, err = _dms(
        workspace, monkeypatch, capsys,
        "job", "create", "--upload", "PEOPLE", "--file", str(tmp_path / "in" / "*.csv"),
        "--name", "people_in", "--json",
    )  # fmt: skip
    assert code == 0, err
    assert json.loads(out)["kind"] == "UPLOAD"
    code, out, err = _dms(
        workspace, monkeypatch, capsys, "job", "create", "LOAD_A", "--report", "X"
    )
    assert code == 1 and "Give one thing for the job to run" in err


@pytest.mark.parametrize("backend", ["sqlite"])
def test_cli_start_and_end_are_in_the_schedules_zone(
    jobs: JobService,
    workspace: Workspace,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`--start 2026-07-01 06:00 --timezone Europe/Berlin` is 04:00 UTC (CEST); a bad zone is
    named."""
    code, _out, err = _dms(
        workspace, monkeypatch, capsys,
        "job", "create", "LOAD_A", "--name", "berlin", "--freq", "DL", "--hour", "6",
        "--start", "2026-07-01 06:00", "--end", "2026-12-31", "--timezone", "Europe/Berlin",
    )  # fmt: skip
    assert code == 0, err
    schedule = jobs.get("berlin").schedule
    assert schedule.start == datetime(2026, 7, 1, 4, 0)
    assert schedule.end == datetime(2026, 12, 31, 22, 59)  # the whole last day, CET
    code, _out, err = _dms(
        workspace, monkeypatch, capsys,
        "job", "create", "LOAD_A", "--name", "nowhere", "--freq", "DL",
        "--start", "2026-07-01", "--timezone", "Mars/Olympus",
    )  # fmt: skip
    assert code == 1 and "Mars/Olympus" in err


@pytest.mark.parametrize("backend", ["sqlite"])
def test_cli_job_schedule_replaces_the_schedule_and_refuses_cycles(
    jobs: JobService,
    workspace: Workspace,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`dms job schedule` changes an existing job's schedule or parent; a cycle is named and
    nothing changes; a disabled job stays disabled."""
    jobs.create("stage", ["LOAD_A"], schedule=ScheduleSpec(frequency="DL", hour=2, minute=0))
    jobs.create("facts", ["LOAD_B"], schedule=ScheduleSpec(after="stage"))
    jobs.set_enabled("facts", False)
    code, _out, err = _dms(
        workspace, monkeypatch, capsys,
        "job", "schedule", "stage", "--freq", "WK", "--weekday", "FRI", "--hour", "22",
        "--timezone", "Europe/Berlin",
    )  # fmt: skip
    assert code == 0, err
    assert jobs.get("stage").rule_text.startswith("every Friday at 22:00")
    code, _out, err = _dms(
        workspace, monkeypatch, capsys, "job", "schedule", "stage", "--after", "facts"
    )
    assert code == 1 and "cycle: stage → facts → stage" in err
    assert jobs.get("stage").parent is None  # unchanged
    code, _out, err = _dms(workspace, monkeypatch, capsys, "job", "schedule", "facts", "--manual")
    assert code == 0, err
    facts = jobs.get("facts")
    assert facts.parent is None and facts.next_run is None and not facts.enabled
    code, _out, err = _dms(workspace, monkeypatch, capsys, "job", "schedule", "facts")
    assert code == 1 and "--manual" in err
