"""`dms connection …` and `dms sql …` end to end on a real SQLite source."""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from dms_desktop.cli import main
from dms_desktop.core.workspace import Workspace
from tests.conftest import ADMIN_PASSWORD


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

    def run(*argv: str, stdin: str = "") -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        code = main(["--metadata-url", url, *argv])
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.fixture
def source(tmp_path: Path) -> Path:
    path = tmp_path / "shop.db"
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE customer (id INTEGER PRIMARY KEY, name TEXT, city TEXT)"))
        conn.execute(text("INSERT INTO customer VALUES (1, 'Ada', 'London'), (2, 'Linus', NULL)"))
    engine.dispose()
    return path


def test_connection_and_sql_commands(dms, source: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    code, out, err = dms("connection", "add", "SHOP", "--type", "sqlite", "--path", str(source))
    assert code == 0, err
    code, out, _ = dms("connection", "test", "SHOP")
    assert code == 0 and "SQLite" in out
    code, out, _ = dms("--json", "connection", "list")
    assert [c["name"] for c in json.loads(out)] == ["SHOP"]

    query = tmp_path / "q.sql"
    query.write_text("SELECT id, name,\n       city\nFROM customer ORDER BY id")
    assert dms("sql", "add", "SQL_001", "--connection", "SHOP", "--file", str(query))[0] == 0
    code, out, _ = dms("--json", "sql", "validate", "SQL_001")
    assert code == 0 and json.loads(out)["columns"][0].startswith("id ")
    code, out, _ = dms("--json", "sql", "run", "SQL_001")
    assert json.loads(out) == [
        {"id": 1, "name": "Ada", "city": "London"},
        {"id": 2, "name": "Linus", "city": None},
    ]
    target = tmp_path / "out.csv"
    code, out, _ = dms("sql", "run", "SQL_001", "--out", str(target))
    assert code == 0 and "rows: 2" in out
    assert list(csv.reader(target.open()))[0] == ["id", "name", "city"]

    assert (
        dms("sql", "add", "SQL_001", "--connection", "SHOP", "--text", "SELECT id FROM customer")[0]
        == 0
    )
    code, out, _ = dms("--json", "sql", "show", "SQL_001", "--version", "1")
    assert json.loads(out)["version"] == 1 and "city" in json.loads(out)["text"]
    code, out, _ = dms("--json", "sql", "show", "SQL_001")
    assert json.loads(out)["version"] == 2


def test_bad_sql_fails_with_position(dms, source: Path) -> None:  # type: ignore[no-untyped-def]
    dms("connection", "add", "SHOP", "--type", "sqlite", "--path", str(source))
    dms(
        "sql",
        "add",
        "SQL_BAD",
        "--connection",
        "SHOP",
        "--text",
        "SELECT id,\n  name\nFROM customer WHERE (id = 1",
    )
    code, _, err = dms("sql", "validate", "SQL_BAD")
    assert code == 1 and "line 3" in err and err.count("\n") == 1
    code, _, err = dms(
        "sql", "add", "SQL_DDL", "--connection", "SHOP", "--text", "DROP TABLE customer"
    )
    assert code in (0, 1)
    if code == 0:
        code, _, err = dms("sql", "validate", "SQL_DDL")
        assert code == 1 and "SELECT" in err
    code, _, err = dms("connection", "delete", "SHOP")
    assert code == 1 and "still used by SQL" in err
