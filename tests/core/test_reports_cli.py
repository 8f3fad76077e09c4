"""`dms report …` and `dms dashboard` end to end (SQLite metadata, a SQLite warehouse)."""

from __future__ import annotations

import csv
import io
import json
import sys
from dataclasses import asdict
from pathlib import Path

import pytest
from pypdf import PdfReader

from dms_desktop.cli import main
from dms_desktop.core.reports.demo import DEMO_REPORT
from dms_desktop.core.security.permissions import CurrentUser
from dms_desktop.core.workspace import Workspace
from tests.conftest import ADMIN_PASSWORD
from tests.core.test_reports_export import make_dw


@pytest.fixture
def dms(
    workspace: Workspace,
    admin: object,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
):  # type: ignore[no-untyped-def]
    url = workspace.settings.sqlalchemy_url().render_as_string(hide_password=False)
    if workspace.schema:
        monkeypatch.setenv("DMS_SCHEMA", workspace.schema)
    monkeypatch.setenv("DMS_USER", "admin")
    monkeypatch.setenv("DMS_PASSWORD", ADMIN_PASSWORD)

    def run(*argv: str) -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "stdin", io.StringIO(""))
        code = main(["--metadata-url", url, *argv])
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_report_and_dashboard_commands(  # type: ignore[no-untyped-def]
    dms, workspace: Workspace, admin: CurrentUser, tmp_path: Path
) -> None:
    warehouse = tmp_path / "dw.db"
    make_dw(warehouse)
    assert dms("connection", "add", "DEMO_DW", "--type", "sqlite", "--path", str(warehouse))[0] == 0
    code, out, err = dms("--json", "report", "list")
    assert code == 0, err
    assert [r["name"] for r in json.loads(out)][:2] == ["RUN_HISTORY", "FAILED_RUNS"]

    from dms_desktop.core.connections.service import ConnectionService
    from dms_desktop.core.reports.demo import demo_report_definition

    conid = ConnectionService(workspace, admin).get("DEMO_DW").conid
    assert conid is not None
    definition = tmp_path / "sales.json"
    definition.write_text(json.dumps(asdict(demo_report_definition(conid)), default=str))
    code, out, err = dms("--json", "report", "save", str(definition))
    assert code == 0, err
    assert json.loads(out) == {"name": DEMO_REPORT, "version": 1}
    code, out, _ = dms("--json", "report", "show", DEMO_REPORT)
    assert json.loads(out)["params"][2]["choices"] == [
        "ALL",
        "Consumer",
        "Small Business",
        "Corporate",
    ]

    target = tmp_path / "sales.csv"
    code, out, err = dms(
        "report",
        "run",
        DEMO_REPORT,
        "--param",
        "date_from=2025-01-01",
        "--param",
        "date_to=2025-02-28",
        "--param",
        "segment=Consumer",
        "--out",
        str(target),
    )
    assert code == 0, err
    assert "rows: 2" in out
    rows = list(csv.reader(target.open(encoding="utf-8")))
    assert [r[1] for r in rows[1:]] == ["Consumer", "Consumer"]

    pdf = tmp_path / "history.pdf"
    code, out, err = dms("report", "run", "RUN_HISTORY", "--format", "pdf", "--out", str(pdf))
    assert code == 0, err
    assert "Job run history" in PdfReader(str(pdf)).pages[0].extract_text()

    code, _, err = dms(
        "report", "run", DEMO_REPORT, "--param", "segment=Pirates", "--out", str(tmp_path / "x.csv")
    )
    assert code == 1 and "not one of ALL, Consumer" in err and "Traceback" not in err
    code, _, err = dms("report", "run", DEMO_REPORT, "--param", "oops", "--out", str(target))
    assert code == 1 and "NAME=VALUE" in err
    code, _, err = dms("report", "run", "NO_SUCH", "--out", str(target))
    assert code == 1 and "does not exist" in err

    code, out, err = dms("--json", "dashboard", "--days", "7")
    assert code == 0, err
    board = json.loads(out)
    assert board["period_days"] == 7 and board["kpis"]["runs"] == 0
    code, out, _ = dms("dashboard")
    assert code == 0 and "Success rate" in out and "Runs today" in out
    code, _, err = dms("dashboard", "--days", "0")
    assert code == 1 and "period" in err
