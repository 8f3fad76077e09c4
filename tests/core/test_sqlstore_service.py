"""Managed SQL on the metadata database (SQLite and PostgreSQL): versions, diff, validation."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, select

from dms_desktop.core.clock import utcnow
from dms_desktop.core.errors import AlreadyExists, NotFound, PermissionDenied, ValidationError
from dms_desktop.core.metadata.tables import dms_dbcondtls, dms_mapr, dms_maprsql
from dms_desktop.core.security.permissions import ACTIONS, MODULES, CurrentUser
from dms_desktop.core.sqlstore.describe import ResultColumn
from dms_desktop.core.sqlstore.service import SqlService
from dms_desktop.core.workspace import Workspace

ADMIN = CurrentUser(1, "alice", ("Admin",), frozenset((m, a) for m in MODULES for a in ACTIONS))
VIEWER = CurrentUser(2, "victor", ("Viewer",), frozenset({("sql", "view")}))


@pytest.fixture
def source(tmp_path: Path) -> Iterator[Engine]:
    engine = create_engine(f"sqlite:///{tmp_path / 'erp.db'}")
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
    yield engine
    engine.dispose()


def _add_connection(ws: Workspace, name: str) -> int:
    with ws.engine.begin() as conn:
        result = conn.execute(
            dms_dbcondtls.insert().values(
                connm=name, dbtyp="SQLITE", dbname="erp.db", curflg="Y", reccrdt=utcnow()
            )
        )
    assert result.inserted_primary_key is not None
    return int(result.inserted_primary_key[0])


@pytest.fixture
def conid(workspace: Workspace) -> int:
    return _add_connection(workspace, "ERP")


@pytest.fixture
def sql(workspace: Workspace, source: Engine) -> SqlService:
    return SqlService(workspace, ADMIN, lambda _conid: (source, "sqlite"))


def test_save_versions_and_diff(sql: SqlService, conid: int, workspace: Workspace) -> None:
    v1 = sql.save("SQL_001", "SELECT id\nFROM customers;\r\n", conid, "Customers")
    assert (v1.version, v1.current, v1.text, v1.updated_by) == (
        1,
        True,
        "SELECT id\nFROM customers",
        "alice",
    )
    assert sql.save("SQL_001", "SELECT id\nFROM customers", conid, "Customers").version == 1
    v2 = sql.save("SQL_001", "SELECT id, name\nFROM customers", conid, "Customers")
    assert v2.version == 2
    assert [(v.version, v.current) for v in sql.versions("SQL_001")] == [(2, True), (1, False)]
    assert sql.get("SQL_001").text == "SELECT id, name\nFROM customers"
    assert sql.get("SQL_001", version=1).text == "SELECT id\nFROM customers"
    assert sql.diff("SQL_001", 1, 2) == [
        "--- SQL_001 v1",
        "+++ SQL_001 v2",
        "@@ -1,2 +1,2 @@",
        "-SELECT id",
        "+SELECT id, name",
        " FROM customers",
    ]
    with workspace.engine.connect() as conn:
        flags = conn.execute(
            select(dms_maprsql.c.sqlver, dms_maprsql.c.curflg).order_by(dms_maprsql.c.sqlver)
        ).all()
    assert [tuple(f) for f in flags] == [(1, "N"), (2, "Y")]
    assert [m.code for m in sql.list()] == ["SQL_001"]


def test_connection_change_is_a_new_version(
    sql: SqlService, conid: int, workspace: Workspace
) -> None:
    other = _add_connection(workspace, "ERP2")
    sql.save("Q", "SELECT 1", conid)
    assert sql.save("Q", "SELECT 1", other).version == 2


def test_code_rule_and_unknowns(sql: SqlService, conid: int) -> None:
    for bad in ("1abc", "has space", "x" * 101, "", "semi;colon"):
        with pytest.raises(ValidationError, match="a letter, then up to 99"):
            sql.save(bad, "SELECT 1", conid)
    with pytest.raises(NotFound, match="Connection 999"):
        sql.save("SQL_X", "SELECT 1", 999)
    with pytest.raises(ValidationError, match="no text"):
        sql.save("SQL_X", " ; ", conid)
    with pytest.raises(NotFound, match="SQL 'NOPE'"):
        sql.get("NOPE")
    sql.save("Sql_Case", "SELECT 1", conid)
    with pytest.raises(AlreadyExists, match="Sql_Case"):
        sql.save("SQL_CASE", "SELECT 1", conid)


def test_stale_editor_cannot_overwrite(sql: SqlService, conid: int) -> None:
    sql.save("SQL_001", "SELECT 1", conid)
    sql.save("SQL_001", "SELECT 2", conid, base_version=1)
    with pytest.raises(ValidationError, match="is at version 2"):
        sql.save("SQL_001", "SELECT 3", conid, base_version=1)


def test_validate_saved_code_caches_columns(sql: SqlService, conid: int) -> None:
    sql.save("SQL_001", "SELECT id, name, id * 2 AS twice FROM customers", conid)
    result = sql.validate("SQL_001")
    assert result.ok and result.problems == []
    assert [c.name for c in result.columns] == ["id", "name", "twice"]
    saved = sql.get("SQL_001")
    assert saved.verified
    assert saved.columns[:2] == (ResultColumn("id", "INTEGER"), ResultColumn("name", "TEXT"))
    # A description-only change keeps what the database described; a text change drops it.
    assert sql.save("SQL_001", saved.text, conid, "now described").columns == saved.columns
    changed = sql.save("SQL_001", "SELECT id FROM customers", conid, "now described")
    assert changed.columns == () and not changed.verified


def test_validate_reports_positions_and_stores_failure(sql: SqlService, conid: int) -> None:
    sql.save("SQL_BAD", "SELECT id,\n  name\nFROM customers WHERE (id = 1", conid)
    result = sql.validate("SQL_BAD")
    assert not result.ok and result.problems[0].line == 3
    assert not sql.get("SQL_BAD").verified
    db = sql.validate("SELECT id,\n  nope\nFROM customers", conid)
    assert not db.ok and "no such column: nope" in db.problems[0].message
    ddl = sql.validate("DROP TABLE customers", conid)
    assert not ddl.ok and "Only a SELECT" in ddl.problems[0].message
    with pytest.raises(ValidationError, match="no connection"):
        sql.validate("SELECT 1")


def test_delete_refused_while_a_mapping_uses_it(
    sql: SqlService, conid: int, workspace: Workspace
) -> None:
    sql.save("SQL_001", "SELECT id FROM customers", conid)
    sql.save("SQL_001", "SELECT id, name FROM customers", conid)
    with workspace.engine.begin() as conn:
        conn.execute(
            dms_mapr.insert().values(
                mapref="MAP_CUST", maprsqlcd="SQL_001", trgtbtyp="DIMENSION", reccrdt=utcnow()
            )
        )
    with pytest.raises(ValidationError, match="MAP_CUST"):
        sql.delete("SQL_001")
    with workspace.engine.begin() as conn:
        conn.execute(dms_mapr.update().values(curflg="N"))
    sql.delete("SQL_001")
    with pytest.raises(NotFound):
        sql.get("SQL_001")
    assert [v.version for v in sql.versions("SQL_001")] == [2, 1]  # history is kept
    assert sql.save("SQL_001", "SELECT 1", conid).version == 3


def test_permissions(workspace: Workspace, source: Engine, conid: int) -> None:
    SqlService(workspace, ADMIN, lambda _c: (source, "sqlite")).save("SQL_001", "SELECT 1", conid)
    viewer = SqlService(workspace, VIEWER, lambda _c: (source, "sqlite"))
    assert viewer.get("SQL_001").version == 1
    assert viewer.validate("SQL_001").ok
    with pytest.raises(PermissionDenied, match="may not edit"):
        viewer.save("SQL_001", "SELECT 2", conid)
    with pytest.raises(PermissionDenied, match="may not create"):
        viewer.save("SQL_002", "SELECT 2", conid)
    with pytest.raises(PermissionDenied, match="may not delete"):
        viewer.delete("SQL_001")
    nobody = SqlService(
        workspace, CurrentUser(3, "n", (), frozenset()), lambda _c: (source, "sqlite")
    )
    with pytest.raises(PermissionDenied):
        nobody.list()


def test_default_engine_provider_uses_the_connection_service(
    workspace: Workspace, tmp_path: Path
) -> None:
    from dms_desktop.core.connections.model import ConnectionDef
    from dms_desktop.core.connections.service import ConnectionService

    path = tmp_path / "erp2.db"
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE customers (id INTEGER, name TEXT)")
    engine.dispose()
    defn = ConnectionService(workspace, ADMIN).create(
        ConnectionDef(name="ERP_FILE", dbtype="SQLITE", database=str(path))
    )
    service = SqlService(workspace, ADMIN)  # no provider: resolved through ConnectionService
    service.save("SQL_001", "SELECT id, name FROM customers", defn.conid)
    result = service.validate("SQL_001")
    assert result.ok and [c.name for c in result.columns] == ["id", "name"]
