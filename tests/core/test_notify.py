"""Failure mail: a real SMTP server (aiosmtpd) on a local port receives what the service sends."""

from __future__ import annotations

import json
import logging
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import select, update

from dms_desktop.core.admin.params import ParamService
from dms_desktop.core.jobs.service import JobService
from dms_desktop.core.metadata.tables import dms_prcreq
from dms_desktop.core.scheduler.service import SchedulerService, ServiceOptions
from dms_desktop.core.security.permissions import CurrentUser
from dms_desktop.core.workspace import Workspace
from tests.core.admin_support import ROLE_PASSWORD, quick_user
from tests.core.test_loads_cli import dms
from tests.scheduler_fixtures import break_mapping, staging_mappings
from tests.smtp_server import Inbox, free_port


@pytest.fixture
def jobs(workspace: Workspace, admin: CurrentUser, tmp_path: Path) -> JobService:
    staging_mappings(workspace, admin, tmp_path, ["LOAD_A", "LOAD_B"])
    return JobService(workspace, admin)


def configure(ws: Workspace, admin: CurrentUser, port: int, to: str) -> None:
    params = ParamService(ws, admin)
    params.set("NOTIFY.SMTP_HOST", "127.0.0.1")
    params.set("NOTIFY.SMTP_PORT", str(port))
    params.set("NOTIFY.SMTP_FROM", "dms@example.com")
    params.set("NOTIFY.FAILURE_TO", to)


def _drain(ws: Workspace) -> int:
    return SchedulerService(ws, ServiceOptions(use_clock=False)).drain()


def test_a_job_failing_after_its_retries_is_mailed_once(
    jobs: JobService, workspace: Workspace, admin: CurrentUser, smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    configure(workspace, admin, port, "ops@example.com; Lead <lead@example.com>")
    jobs.create("fine", ["LOAD_B"])
    jobs.run_now("fine")
    jobs.create("shaky", ["LOAD_A"], retries=1, retry_delay=10)
    break_mapping(workspace, admin, "LOAD_A")
    prcreqid = jobs.run_now("shaky")
    _drain(workspace)
    assert inbox.mails == []  # a success, and a failure with a retry still to come
    with workspace.engine.begin() as conn:  # the retry is due
        conn.execute(update(dms_prcreq).values(available_at=datetime(2000, 1, 1)))
    _drain(workspace)
    [(recipients, mail)] = inbox.mails
    assert recipients == ["ops@example.com", "lead@example.com"]
    assert mail["From"] == "dms@example.com"
    assert str(mail["Subject"]).startswith("DMS Desktop: job shaky failed (run date ")
    body = mail.get_content()
    assert "failed after attempt 2 of 2; no retries are left" in body
    assert f"Request: {prcreqid} (manual, asked by admin)" in body
    assert "no_such_column" in body and "dms job run shaky" in body


def test_a_request_failed_by_the_reaper_is_mailed(
    jobs: JobService, workspace: Workspace, admin: CurrentUser, smtp: tuple[Inbox, int]
) -> None:
    """A service killed mid-run: another service's reaper fails the request, and mails it."""
    inbox, port = smtp
    configure(workspace, admin, port, "ops@example.com")
    jobs.create("orphan", ["LOAD_A"])
    prcreqid = jobs.run_now("orphan")
    with workspace.engine.begin() as conn:  # as a killed service leaves it
        conn.execute(
            update(dms_prcreq)
            .where(dms_prcreq.c.prcreqid == prcreqid)
            .values(status="RUNNING", worker="gone:1", attempt=1, lease_until=datetime(2000, 1, 1))
        )
    _drain(workspace)
    with workspace.engine.connect() as conn:
        status = conn.execute(
            select(dms_prcreq.c.status).where(dms_prcreq.c.prcreqid == prcreqid)
        ).scalar_one()
    assert status == "FAILED"
    [(_to, mail)] = inbox.mails
    assert "job orphan failed" in str(mail["Subject"])
    assert "worker gone:1 lost its lease" in mail.get_content()


def test_a_mail_server_that_is_down_changes_nothing_but_the_log(
    jobs: JobService,
    workspace: Workspace,
    admin: CurrentUser,
    caplog: pytest.LogCaptureFixture,
) -> None:
    port = free_port()  # nothing listens there
    configure(workspace, admin, port, "ops@example.com")
    jobs.create("broken", ["LOAD_A"])
    break_mapping(workspace, admin, "LOAD_A")
    prcreqid = jobs.run_now("broken")
    with caplog.at_level(logging.WARNING, logger="dms_desktop.core.scheduler.notify"):
        assert _drain(workspace) == 1
    assert [h["status"] for h in jobs.history("broken")] == ["FAILED"]
    assert f"Failure mail for request {prcreqid} not sent: Could not send mail through " in (
        caplog.text
    )
    assert f"127.0.0.1:{port}" in caplog.text


@pytest.mark.parametrize("backend", ["sqlite"])
def test_cli_sends_a_test_mail_and_says_what_is_missing(
    workspace: Workspace,
    admin: CurrentUser,
    smtp: tuple[Inbox, int],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    inbox, port = smtp
    code, _out, err = dms(workspace, monkeypatch, capsys, "notify", "test", "--to", "a@x.org")
    assert code == 1 and "No mail server: set NOTIFY.SMTP_HOST" in err
    configure(workspace, admin, port, "")
    code, _out, err = dms(workspace, monkeypatch, capsys, "notify", "test")
    assert code == 1 and "No recipient: give --to ADDRESS or set NOTIFY.FAILURE_TO" in err
    code, out, err = dms(
        workspace, monkeypatch, capsys, "--json", "notify", "test", "--to", "a@x.org, b@y.org"
    )
    assert code == 0, err
    assert json.loads(out) == {"sent_to": ["a@x.org", "b@y.org"]}
    [(recipients, mail)] = inbox.mails
    assert recipients == ["a@x.org", "b@y.org"] and mail["Subject"] == "DMS Desktop: test mail"
    quick_user(workspace, "olga", "Operator")
    code, _out, err = dms(
        workspace, monkeypatch, capsys, "notify", "test", user="olga", password=ROLE_PASSWORD
    )
    assert code == 1 and "may not edit in Admin" in err and len(inbox.mails) == 1
