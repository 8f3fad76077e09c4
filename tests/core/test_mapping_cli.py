"""``dms mapping …``: import/export, list, validate (exit codes), ddl, preview."""

from __future__ import annotations

import io
import json
import os
import sys
from pathlib import Path

import pytest

from dms_desktop.cli import main
from dms_desktop.core.mapping.spec import mapping_to_dict
from dms_desktop.core.security.auth import AuthService
from dms_desktop.core.settings import load_settings
from dms_desktop.core.workspace import open_workspace
from tests.conftest import SettingsFactory
from tests.core.mapping_support import mapper_env

ADMIN_PW = "admin password for the mapper cli"


@pytest.fixture
def url(make_settings: SettingsFactory, monkeypatch: pytest.MonkeyPatch) -> str:
    settings = make_settings()
    if settings.dms_schema:
        monkeypatch.setenv("DMS_SCHEMA", settings.dms_schema)
    return settings.sqlalchemy_url().render_as_string(hide_password=False)


def dms(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], url: str, *argv: str
) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "stdin", io.StringIO(ADMIN_PW + "\n"))
    monkeypatch.setenv("DMS_USER", "root")
    monkeypatch.setenv("DMS_PASSWORD", ADMIN_PW)
    code = main(["--metadata-url", url, *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_mapping_commands_end_to_end(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    url: str,
    tmp_path: Path,
) -> None:
    assert (
        dms(monkeypatch, capsys, url, "init", "--admin", "root", "--admin-password-stdin")[0] == 0
    )
    ws = open_workspace(load_settings({**os.environ, "DMS_METADATA_URL": url}))
    env = mapper_env(ws, AuthService(ws).login("root", ADMIN_PW), tmp_path / "env")
    docs = [
        mapping_to_dict(env.mapping(r), "DW") for r in ("DIM_CUSTOMER", "DIM_PRODUCT", "FACT_SALES")
    ]
    ws.close()
    spec = tmp_path / "mappings.json"
    spec.write_text(json.dumps(docs), encoding="utf-8")

    code, out, err = dms(monkeypatch, capsys, url, "mapping", "import", str(spec))
    assert code == 0, err
    assert "FACT_SALES" in out and "DIM_PRODUCT" in out
    code, out, err = dms(monkeypatch, capsys, url, "mapping", "import", str(spec))
    assert code == 1 and out == ""
    assert "mapping DIM_CUSTOMER already exists: import with --replace" in err
    code, out, _ = dms(monkeypatch, capsys, url, "mapping", "list", "--json")
    listed = {m["reference"]: m["version"] for m in json.loads(out)}
    assert listed == {"DIM_CUSTOMER": 1, "DIM_PRODUCT": 1, "FACT_SALES": 1}

    code, out, err = dms(monkeypatch, capsys, url, "mapping", "validate", "FACT_SALES")
    lines = err.splitlines()
    assert code == 1 and out == ""
    assert lines[0] == "error: Mapping FACT_SALES (version 1) has 2 problems:"
    assert lines[1].startswith("CUSTOMER_SK.lookup_table: Table DIM_CUSTOMER does not exist")
    assert lines[2].startswith("PRODUCT_SK.lookup_table: Table DIM_PRODUCT does not exist")

    code, out, err = dms(monkeypatch, capsys, url, "mapping", "ddl", "DIM_CUSTOMER")
    assert code == 0, err
    assert out.startswith("CREATE TABLE dim_customer (") and "CREATE INDEX" in out
    for ref in ("DIM_CUSTOMER", "DIM_PRODUCT"):
        code, out, err = dms(monkeypatch, capsys, url, "mapping", "ddl", ref, "--apply")
        assert code == 0 and "applied" in out, err
    code, out, _ = dms(monkeypatch, capsys, url, "mapping", "ddl", "DIM_CUSTOMER", "--json")
    plan = json.loads(out)
    assert (plan["exists"], plan["statements"], plan["destructive"]) == (True, [], [])
    code, out, err = dms(monkeypatch, capsys, url, "mapping", "validate", "FACT_SALES")
    assert code == 0 and "valid: True" in out, err

    code, out, err = dms(
        monkeypatch, capsys, url, "mapping", "preview", "FACT_SALES", "--rows", "3", "--json"
    )
    rows = json.loads(out)
    assert code == 0 and len(rows) == 3, err
    assert list(rows[0]) == [
        "ORDER_DATE",
        "CUSTOMER_SK",
        "PRODUCT_SK",
        "QUANTITY",
        "AMOUNT",
        "LINE_COUNT",
    ]

    yaml_out, xlsx_out = tmp_path / "fact.yaml", tmp_path / "all.xlsx"
    code, out, err = dms(
        monkeypatch, capsys, url, "mapping", "export", "FACT_SALES", "--out", str(yaml_out)
    )
    assert code == 0 and yaml_out.read_text(encoding="utf-8").startswith("reference: FACT_SALES")
    code, out, err = dms(
        monkeypatch,
        capsys,
        url,
        "mapping",
        "export",
        "DIM_PRODUCT",
        "--format",
        "xlsx",
        "--out",
        str(xlsx_out),
    )
    assert code == 0, err
    code, out, err = dms(
        monkeypatch, capsys, url, "--json", "mapping", "import", str(xlsx_out), "--replace"
    )
    assert code == 0 and json.loads(out) == [
        {"mapping": "DIM_PRODUCT", "version": 1, "columns": 6}
    ]  # unchanged: no new version
    code, _, err = dms(monkeypatch, capsys, url, "mapping", "validate", "NO_SUCH")
    assert code == 1 and "No mapping 'NO_SUCH'" in err
