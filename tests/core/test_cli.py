"""The `dms` command: contract, exit codes, --json, one-line errors that change nothing."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from dms_desktop.cli import main
from dms_desktop.core.metadata.tables import users
from dms_desktop.core.settings import load_settings
from dms_desktop.core.workspace import open_workspace
from tests.conftest import SettingsFactory

ADMIN_PW = "admin password for cli"


def run(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    *argv: str,
    stdin: str = "",
    user: str | None = None,
    password: str | None = None,
) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    if user:
        monkeypatch.setenv("DMS_USER", user)
        monkeypatch.setenv("DMS_PASSWORD", password or "")
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def url(make_settings: SettingsFactory, monkeypatch: pytest.MonkeyPatch) -> str:
    settings = make_settings()
    if settings.dms_schema:
        monkeypatch.setenv("DMS_SCHEMA", settings.dms_schema)
    return settings.sqlalchemy_url().render_as_string(hide_password=False)


def _user_count(url: str, dms_home: Path) -> int:
    # DMS_HOME and DMS_SCHEMA come from the (monkeypatched) environment
    ws = open_workspace(load_settings({**os.environ, "DMS_METADATA_URL": url}))
    with ws.engine.connect() as conn:
        count = conn.execute(select(func.count()).select_from(users)).scalar_one()
    ws.close()
    return int(count)


def test_init_add_list_unlock_roundtrip(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], url: str, dms_home: Path
) -> None:
    code, out, _ = run(
        monkeypatch,
        capsys,
        "--metadata-url",
        url,
        "--json",
        "init",
        "--admin",
        "root",
        "--admin-password-stdin",
        stdin=ADMIN_PW + "\n",
    )
    assert code == 0 and json.loads(out)["admin_created"] == "root"
    code, out, err = run(
        monkeypatch,
        capsys,
        "--metadata-url",
        url,
        "user",
        "add",
        "vic",
        "--role",
        "Viewer",
        "--password-stdin",
        stdin="vision of the data\n",
        user="root",
        password=ADMIN_PW,
    )
    assert code == 0, err
    code, out, _ = run(
        monkeypatch,
        capsys,
        "--metadata-url",
        url,
        "user",
        "list",
        "--json",
        user="root",
        password=ADMIN_PW,
    )
    listed = {u["username"]: u["roles"] for u in json.loads(out)}
    assert listed == {"root": ["Admin"], "vic": ["Viewer"]}
    for _ in range(5):
        run(
            monkeypatch,
            capsys,
            "--metadata-url",
            url,
            "user",
            "list",
            user="vic",
            password="a wrong password",
        )
    code, _, err = run(
        monkeypatch,
        capsys,
        "--metadata-url",
        url,
        "user",
        "list",
        user="vic",
        password="vision of the data",
    )
    assert code == 1 and "locked" in err
    code, out, _ = run(
        monkeypatch,
        capsys,
        "--metadata-url",
        url,
        "user",
        "unlock",
        "vic",
        user="root",
        password=ADMIN_PW,
    )
    assert code == 0 and "unlocked: vic" in out
    code, _, err = run(
        monkeypatch,
        capsys,
        "--metadata-url",
        url,
        "user",
        "list",
        user="vic",
        password="vision of the data",
    )
    assert code == 1 and "may not view in Admin" in err  # logged in, but no admin rights


@pytest.mark.parametrize(
    ("argv", "stdin", "expected"),
    [
        (
            ("user", "add", "x1", "--role", "Boss", "--password-stdin"),
            "long enough password\n",
            "Unknown role 'Boss'",
        ),
        (("user", "add", "x2", "--role", "Viewer", "--password-stdin"), "short\n", "too short"),
        (
            ("user", "add", "root", "--role", "Viewer", "--password-stdin"),
            "long enough password\n",
            "already exists",
        ),
        (("user", "unlock", "ghost"), "", "No user 'ghost'"),
    ],
)
def test_bad_input_one_line_error_changes_nothing(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    url: str,
    dms_home: Path,
    argv: tuple[str, ...],
    stdin: str,
    expected: str,
) -> None:
    run(
        monkeypatch,
        capsys,
        "--metadata-url",
        url,
        "init",
        "--admin",
        "root",
        "--admin-password-stdin",
        stdin=ADMIN_PW + "\n",
    )
    before = _user_count(url, dms_home)
    code, out, err = run(
        monkeypatch,
        capsys,
        "--metadata-url",
        url,
        *argv,
        stdin=stdin,
        user="root",
        password=ADMIN_PW,
    )
    assert code == 1 and out == ""
    assert err.startswith("error: ") and expected in err and err.count("\n") == 1
    assert _user_count(url, dms_home) == before


def test_wrong_password_is_refused(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], url: str
) -> None:
    run(
        monkeypatch,
        capsys,
        "--metadata-url",
        url,
        "init",
        "--admin",
        "root",
        "--admin-password-stdin",
        stdin=ADMIN_PW + "\n",
    )
    code, _, err = run(
        monkeypatch,
        capsys,
        "--metadata-url",
        url,
        "user",
        "list",
        user="root",
        password="definitely not it",
    )
    assert (code, err) == (1, "error: Wrong user name or password.\n")


def test_invalid_db_type_and_unreachable_server(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], dms_home: Path
) -> None:
    monkeypatch.setenv("DB_TYPE", "DB2")
    code, _, err = run(monkeypatch, capsys, "init")
    assert code == 1 and "DB_TYPE" in err and "POSTGRESQL" in err
    monkeypatch.delenv("DB_TYPE")
    code, _, err = run(
        monkeypatch, capsys, "--metadata-url", "postgresql://u:hidden-pw@127.0.0.1:1/dms", "init"
    )
    assert code == 1 and "Connection refused" in err and "hidden-pw" not in err
    assert not (dms_home / "workspace.db").exists()


def test_entry_points_installed(tmp_path: Path) -> None:
    """The console scripts of pyproject.toml exist in the venv and answer."""
    bindir = Path(sys.executable).parent
    out = subprocess.run([bindir / "dms", "--version"], capture_output=True, text=True, check=True)
    assert out.stdout.startswith("dms ")
    sched = subprocess.run([bindir / "dms-scheduler", "--version"], capture_output=True, text=True)
    assert sched.returncode == 0 and sched.stdout.startswith("dms-scheduler ")
    assert (bindir / "dms-desktop").exists()
