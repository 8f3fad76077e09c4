"""`dms run` and `dms plan` on a real SQLite source and warehouse."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text

from dms_desktop.cli import main
from dms_desktop.core.connections.model import ConnectionDef
from dms_desktop.core.connections.service import ConnectionService
from dms_desktop.core.mapping.model import Mapping, MappingColumn
from dms_desktop.core.mapping.repository import MappingService
from dms_desktop.core.metadata.tables import dms_prclog
from dms_desktop.core.security.permissions import CurrentUser
from dms_desktop.core.security.roles import RoleService
from dms_desktop.core.sqlstore.service import SqlService
from dms_desktop.core.workspace import Workspace
from tests.conftest import ADMIN_PASSWORD
from tests.core.admin_support import ROLE_PASSWORD, denials, quick_user


@pytest.fixture
def loaded(workspace: Workspace, admin: CurrentUser, tmp_path: Path) -> Path:
    src = tmp_path / "src.db"
    engine = create_engine(f"sqlite:///{src}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE customer (code TEXT, name TEXT, city TEXT)"))
        conn.execute(
            text("INSERT INTO customer VALUES ('C1','Ada','London'), ('C2','Bob','Paris')")
        )
    engine.dispose()
    connections = ConnectionService(workspace, admin)
    source = connections.create(ConnectionDef(name="SRC", dbtype="SQLITE", database=str(src)))
    target = connections.create(
        ConnectionDef(
            name="DW", dbtype="SQLITE", database=str(tmp_path / "dw.db"), options={"create": True}
        )
    )
    queries = SqlService(workspace, admin)
    queries.save("SQL_CUST", "SELECT code, name, city FROM customer", source.conid)
    queries.validate("SQL_CUST")
    MappingService(workspace, admin).save(
        Mapping(
            ref="DIM_CUSTOMER",
            table_name="DIM_CUSTOMER",
            table_type="DIMENSION",
            sql_code="SQL_CUST",
            target_conid=target.conid,
            columns=[
                MappingColumn("CUSTOMER_CODE", "VARCHAR(20)", key=True, key_seq=1, logic="code"),
                MappingColumn("NAME", "VARCHAR(100)", scd_type="1", logic="name"),
                MappingColumn("CITY", "VARCHAR(100)", scd_type="2", logic="city"),
            ],
        )
    )
    return src


def dms(
    workspace: Workspace,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    *argv: str,
    user: str = "admin",
    password: str = ADMIN_PASSWORD,
) -> tuple[int, str, str]:
    url = workspace.settings.sqlalchemy_url().render_as_string(hide_password=False)
    if workspace.schema:
        monkeypatch.setenv("DMS_SCHEMA", workspace.schema)
    monkeypatch.setenv("DMS_USER", user)
    monkeypatch.setenv("DMS_PASSWORD", password)
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    code = main(["--metadata-url", url, *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_run_prints_counts_and_plan_prints_sql(
    loaded: Path,
    workspace: Workspace,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = dms(workspace, monkeypatch, capsys, "--json", "run", "DIM_CUSTOMER")
    assert code == 0, err
    result = json.loads(out)
    assert (result["status"], result["read"], result["inserted"]) == ("SUCCESS", 2, 2)
    engine = create_engine(f"sqlite:///{loaded}")
    with engine.begin() as conn:
        conn.execute(text("UPDATE customer SET city = 'Berlin' WHERE code = 'C1'"))
    engine.dispose()
    code, out, _ = dms(workspace, monkeypatch, capsys, "--json", "run", "DIM_CUSTOMER")
    assert json.loads(out)["expired"] == 1 and json.loads(out)["inserted"] == 1
    code, out, _ = dms(workspace, monkeypatch, capsys, "plan", "DIM_CUSTOMER")
    assert code == 0 and "-- Plan of DIM_CUSTOMER" in out and "INSERT INTO dim_customer" in out


def test_failed_run_exits_1_with_reason(
    loaded: Path,
    workspace: Workspace,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    engine = create_engine(f"sqlite:///{loaded}")
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO customer VALUES ('C1', 'Ada again', 'Rome')"))
    engine.dispose()
    code, out, err = dms(workspace, monkeypatch, capsys, "run", "DIM_CUSTOMER")
    assert code == 1 and out == ""
    assert "FAILED" in err and "Duplicate business keys" in err and "C1" in err
    code, _, err = dms(workspace, monkeypatch, capsys, "run", "NO_SUCH_MAPPING")
    assert code == 1 and "No mapping 'NO_SUCH_MAPPING'" in err and "FAILED" not in err
    with workspace.engine.connect() as conn:  # a typo is not a failed load in the Monitor
        logged = conn.execute(select(dms_prclog.c.mapref)).scalars().all()
    assert logged == ["DIM_CUSTOMER"]


def test_run_needs_the_run_right(
    loaded: Path,
    workspace: Workspace,
    admin: CurrentUser,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Creating jobs is not running loads: the refusal exits 1, audited, nothing logged."""
    roles = RoleService(workspace, admin)
    roles.create("Planner", copy_from="Viewer")
    roles.set_rights("Planner", "jobs", ["view", "create"])
    quick_user(workspace, "pat", "Planner")
    code, out, err = dms(
        workspace, monkeypatch, capsys, "run", "DIM_CUSTOMER", user="pat", password=ROLE_PASSWORD
    )
    assert code == 1 and out == "" and "may not run in Jobs" in err
    assert denials(workspace, "pat") == ["jobs.run"]
    with workspace.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(dms_prclog)).scalar_one() == 0
