"""Upload definitions (DMS_FLUPLD/DMS_FLUPLDDTL), reruns on the newest file, the demo, the CLI,
permissions, and the Oracle statements."""

from __future__ import annotations

import io
import json
import os
import sqlite3
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

from dms_desktop.cli import main
from dms_desktop.core.connections.model import ConnectionDef
from dms_desktop.core.connections.service import ConnectionService
from dms_desktop.core.errors import AlreadyExists, NotFound, PermissionDenied, ValidationError
from dms_desktop.core.security.auth import AuthService
from dms_desktop.core.security.permissions import CurrentUser
from dms_desktop.core.security.users import UserService
from dms_desktop.core.uploads import (
    ColumnRule,
    ColumnSpec,
    FileOptions,
    UploadDef,
    UploadService,
    newest_file,
    run_upload,
    run_upload_definition,
)
from dms_desktop.core.uploads.demo import demo_uploads
from dms_desktop.core.workspace import Workspace
from tests.conftest import ADMIN_PASSWORD
from tests.core.upload_files import write_csv

pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
HEADER = ["id", "name"]


@pytest.fixture
def warehouse(workspace: Workspace, admin: CurrentUser, tmp_path: Path) -> tuple[int, Path]:
    path = tmp_path / "dw.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE people (id INTEGER PRIMARY KEY, name VARCHAR(20) NOT NULL)")
    conn = ConnectionService(workspace, admin).create(
        ConnectionDef(name="DW", dbtype="SQLITE", database=str(path))
    )
    assert conn.conid is not None
    return conn.conid, path


def people(path: Path) -> list[tuple[int, str]]:
    with sqlite3.connect(path) as db:
        return db.execute("SELECT id, name FROM people ORDER BY id").fetchall()


def definition(conid: int, **changes: object) -> UploadDef:
    defn = UploadDef(
        name="PEOPLE",
        conid=conid,
        table="people",
        columns=(
            ColumnSpec("id", "id", "INTEGER", key=True),
            ColumnSpec("name", "name", "VARCHAR(20)", rule=ColumnRule(case="upper", default="?")),
        ),
        options=FileOptions(kind="CSV", delimiter=","),
        mode="UPSERT",
    )
    return replace(defn, **changes)  # type: ignore[arg-type]


def test_definitions_keep_versions_and_rerun_on_the_newest_file(
    workspace: Workspace, admin: CurrentUser, warehouse: tuple[int, Path], tmp_path: Path
) -> None:
    conid, dw = warehouse
    service = UploadService(workspace, admin)
    incoming = tmp_path / "incoming"
    incoming.mkdir()
    saved = service.save(definition(conid, file=str(incoming / "*.csv")))
    assert saved.version == 1 and saved.columns[1].rule == ColumnRule(case="upper", default="?")
    assert service.save(saved).version == 1  # nothing changed: no new version
    with pytest.raises(AlreadyExists):
        service.save(definition(conid))
    changed = service.save(replace(saved, description="People from HR", max_rejects=5))
    assert changed.version == 2 and changed.max_rejects == 5
    assert [v.version for v in service.versions("people")] == [2, 1]

    old = write_csv(incoming / "a.csv", [["1", "ada"]], header=HEADER)
    time.sleep(0.01)
    new = write_csv(incoming / "b.csv", [["1", "ada b"], ["2", ""]], header=HEADER)
    os.utime(old, (time.time() - 60, time.time() - 60))
    (incoming / "b.rejects.csv").write_text("row,reason\n")
    assert newest_file(incoming / "*.csv") == new
    result = run_upload_definition(workspace, admin, "PEOPLE")
    assert result.status == "SUCCESS" and result.file == str(new)
    assert people(dw) == [(1, "ADA B"), (2, "?")]
    assert service.get("PEOPLE").last_status == "SUCCESS"

    missing = run_upload_definition(workspace, admin, "PEOPLE", incoming / "none*.csv")
    assert missing.status == "FAILED" and "No file matches" in missing.message
    assert service.get("PEOPLE").last_status == "FAILED"
    service.delete("PEOPLE")
    with pytest.raises(NotFound):
        service.get("PEOPLE")
    assert run_upload_definition(workspace, admin, "PEOPLE").status == "FAILED"


def test_permissions_are_checked_in_the_core(
    workspace: Workspace, admin: CurrentUser, warehouse: tuple[int, Path], tmp_path: Path
) -> None:
    conid, dw = warehouse
    UploadService(workspace, admin).save(definition(conid))
    UserService(workspace, admin).add_user("viewer", "Viewer", "only reading things 1")
    viewer = AuthService(workspace).login("viewer", "only reading things 1")
    path = write_csv(tmp_path / "p.csv", [["1", "x"]], header=HEADER)
    assert UploadService(workspace, viewer).get("PEOPLE").name == "PEOPLE"
    with pytest.raises(PermissionDenied, match="may not create in Uploads"):
        run_upload(workspace, viewer, definition(conid), path)
    with pytest.raises(PermissionDenied):
        UploadService(workspace, viewer).save(definition(conid, name="OTHER"))
    with pytest.raises(PermissionDenied):
        UploadService(workspace, viewer).delete("PEOPLE")
    assert people(dw) == []


def test_definition_checks(
    workspace: Workspace, admin: CurrentUser, warehouse: tuple[int, Path]
) -> None:
    conid, _dw = warehouse
    service = UploadService(workspace, admin)
    for changes, words in (
        ({"name": "  "}, "upload name"),
        ({"columns": ()}, "Map at least one column"),
        ({"mode": "MERGE"}, "Unknown load mode"),
        ({"columns": (ColumnSpec("id", "id"),)}, "Upsert needs a key"),
    ):
        with pytest.raises(ValidationError, match=words):
            service.save(definition(conid, **changes))
    with pytest.raises(ValidationError, match="connection does not exist"):
        service.save(definition(9999))


def test_demo_definitions_load(workspace: Workspace, admin: CurrentUser, tmp_path: Path) -> None:
    dw = tmp_path / "warehouse.db"
    sqlite3.connect(dw).close()
    ConnectionService(workspace, admin).create(
        ConnectionDef(name="DEMO_DW", dbtype="SQLITE", database=str(dw))
    )
    assert demo_uploads(workspace, admin) == ["FX_RATES", "BUDGET_2026"]
    assert demo_uploads(workspace, admin) == []
    rates = run_upload_definition(workspace, admin, "FX_RATES")
    assert rates.status == "SUCCESS" and rates.inserted == 520, rates.message
    budget = run_upload_definition(workspace, admin, "BUDGET_2026")
    assert budget.status == "SUCCESS" and budget.inserted == 10, budget.message
    with sqlite3.connect(dw) as db:
        assert db.execute("SELECT currency, rate FROM fx_rates LIMIT 1").fetchone()[0] == "USD"
        total = db.execute("SELECT SUM(total) - SUM(q1 + q2 + q3 + q4) FROM budget_2026").fetchone()
    assert abs(total[0]) < 0.01  # the formula's saved values agree with the quarters


# --- the CLI -------------------------------------------------------------------------------------


@pytest.fixture
def dms(workspace: Workspace, admin: object, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]):  # type: ignore[no-untyped-def]  # fmt: skip
    url = workspace.settings.sqlalchemy_url().render_as_string(hide_password=False)
    monkeypatch.setenv("DMS_USER", "admin")
    monkeypatch.setenv("DMS_PASSWORD", ADMIN_PASSWORD)

    def run(*argv: str) -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "stdin", io.StringIO(""))
        code = main(["--metadata-url", url, *argv])
        out, err = capsys.readouterr()
        return code, out, err

    return run


def test_cli_upload(dms, warehouse: tuple[int, Path], tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _conid, dw = warehouse
    good = write_csv(tmp_path / "good.csv", [["1", "ada"], ["2", "bo"]], header=HEADER)
    code, out, err = dms("--json", "upload", str(good), "--connection", "DW", "--table", "people")
    assert code == 0, err
    summary = json.loads(out)
    assert (summary["status"], summary["inserted"], summary["errors"]) == ("SUCCESS", 2, 0)

    bad = write_csv(tmp_path / "bad.csv", [["3", "x" * 30], ["y", "ok"]], header=HEADER)
    code, out, err = dms("upload", str(bad), "--connection", "DW", "--table", "people")
    assert code == 1
    assert "2 rows failed validation: nothing was loaded into people." in err
    assert "row 2, name: 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx' is 30 characters long" in err
    assert "row 3, id: 'y' is not a number" in err
    assert people(dw) == [(1, "ada"), (2, "bo")]

    code, out, err = dms(
        "upload", str(bad), "--connection", "DW", "--table", "people", "--skip-bad-rows", "1"
    )
    assert code == 1 and "more than the 1 allowed" in err

    change = write_csv(tmp_path / "change.csv", [["2", "bob"], ["3", "cy"]], header=HEADER)
    code, out, err = dms("upload", str(change), "--connection", "DW", "--table", "people",
                         "--mode", "upsert", "--key", "id", "--save", "PEOPLE")  # fmt: skip
    assert code == 0, err
    assert "(1 inserted, 1 updated)" in out and "Saved as upload definition PEOPLE" in out
    assert people(dw) == [(1, "ada"), (2, "bob"), (3, "cy")]

    code, out, err = dms("upload", str(good), "--definition", "PEOPLE", "--validate-only")
    assert code == 0 and "2 rows are valid." in out
    code, out, err = dms("upload", "--definition", "PEOPLE", "--validate-only")  # its own file
    assert code == 0 and "2 rows are valid." in out, err
    code, out, _ = dms("--json", "upload-def", "list")
    assert [d["name"] for d in json.loads(out)] == ["PEOPLE"]

    code, out, err = dms("upload", str(good), "--connection", "DW", "--table", "new_people",
                         "--create-table")  # fmt: skip
    assert code == 0, err
    assert "Table new_people created" in out

    code, _out, err = dms("upload", str(good), "--connection", "DW", "--table", "missing")
    assert code == 1 and "add --create-table" in err
