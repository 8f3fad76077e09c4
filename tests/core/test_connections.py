"""Connections against real servers: CRUD, test in plain words, engines that survive drops."""

from __future__ import annotations

import socket
import time
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, insert, select, text
from sqlalchemy.engine import URL

from dms_desktop.core.connections.model import ConnectionDef, from_url
from dms_desktop.core.connections.service import KEEP, ConnectionService
from dms_desktop.core.errors import AlreadyExists, NotFound, PermissionDenied, ValidationError
from dms_desktop.core.metadata.tables import dms_dbcondtls, dms_maprsql
from dms_desktop.core.security.auth import AuthService
from dms_desktop.core.security.permissions import CurrentUser
from dms_desktop.core.security.users import UserService
from dms_desktop.core.workspace import Workspace

PG_PASSWORD = "pg-Secret-unused-by-trust"


@pytest.fixture
def svc(secret_key_file: Path, workspace: Workspace, admin: CurrentUser) -> ConnectionService:
    return ConnectionService(workspace, admin)


def pg_def(url: URL, name: str = "Warehouse PG", **changes: object) -> ConnectionDef:
    values: dict[str, object] = {
        "name": name,
        "dbtype": "POSTGRESQL",
        "host": url.host,
        "port": url.port or 5432,
        "database": url.database,
        "user": url.username,
    }
    values.update(changes)
    return ConnectionDef(**values)  # type: ignore[arg-type]


def test_create_list_edit_copy_delete(
    svc: ConnectionService, pg_database: URL, workspace: Workspace
) -> None:
    created = svc.create(pg_def(pg_database), PG_PASSWORD)
    assert created.conid and created.has_password
    with pytest.raises(AlreadyExists):
        svc.create(pg_def(pg_database, name="warehouse pg"))  # names are case-insensitive
    edited = svc.update("Warehouse PG", pg_def(pg_database, name="DW", description="main"))
    assert (edited.conid, edited.name, edited.has_password) == (created.conid, "DW", True)
    copy = svc.copy("DW", "DW copy")
    assert copy.conid != created.conid and copy.has_password and copy.host == created.host
    assert [c.name for c in svc.list_connections()] == ["DW", "DW copy"]
    svc.delete("DW copy")
    assert [c.name for c in svc.list_connections()] == ["DW"]
    with pytest.raises(NotFound):
        svc.get("DW copy")
    svc.create(pg_def(pg_database, name="DW copy"))  # a deleted name may come back


def test_delete_refused_while_a_query_uses_it(
    svc: ConnectionService, pg_database: URL, workspace: Workspace
) -> None:
    con = svc.create(pg_def(pg_database))
    with workspace.engine.begin() as conn:
        conn.execute(
            insert(dms_maprsql).values(
                maprsqlcd="SQL_001", maprsql="SELECT 1", sqlconid=con.conid, reccrdt=datetime.now()
            )
        )
    with pytest.raises(ValidationError, match="still used by SQL SQL_001"):
        svc.delete(con.name)
    assert svc.get(con.name).conid == con.conid
    with workspace.engine.begin() as conn:
        conn.execute(dms_maprsql.update().values(curflg="N"))
    svc.delete(con.name)


def test_incomplete_definitions_say_what_is_missing(svc: ConnectionService) -> None:
    with pytest.raises(ValidationError, match="needs: host, database"):
        svc.create(ConnectionDef(name="x", dbtype="POSTGRESQL"))
    with pytest.raises(ValidationError, match="needs: host, service"):
        svc.create(ConnectionDef(name="x", dbtype="ORACLE"))
    with pytest.raises(ValidationError, match="Unknown connection type 'DB2'"):
        svc.create(ConnectionDef(name="x", dbtype="DB2"))
    assert svc.list_connections() == []


def test_connection_test_reports_server_and_plain_words(
    svc: ConnectionService, pg_database: URL, tmp_path: Path
) -> None:
    ok = svc.test(pg_def(pg_database))
    assert ok.ok and "PostgreSQL" in (ok.server_version or "")
    cases = [
        (pg_def(pg_database, port=1), "Connection refused"),
        (pg_def(pg_database, host="no-such-host.invalid"), "Unknown host"),
        (pg_def(pg_database, database="no_such_db"), "Database 'no_such_db' does not exist"),
        (
            ConnectionDef(name="f", dbtype="SQLITE", database=str(tmp_path / "missing.db")),
            "Cannot open the database file",
        ),
        (
            ConnectionDef(
                name="m", dbtype="MYSQL", host="127.0.0.1", port=3306, user="root", database="test"
            ),
            None,
        ),
    ]
    for defn, expected in cases:
        started = time.monotonic()
        result = svc.test(defn, password=None)
        assert time.monotonic() - started < 11
        if expected is None:
            assert result.ok and "MariaDB" in result.message
        else:
            assert not result.ok and expected in result.message, result.message
    assert not (tmp_path / "missing.db").exists()  # a test never creates a SQLite file


def test_wrong_password_in_plain_words(svc: ConnectionService) -> None:
    defn = ConnectionDef(
        name="maria", dbtype="MYSQL", host="127.0.0.1", port=3306, user="root", database="test"
    )
    result = svc.test(defn, password="definitely-wrong")
    assert not result.ok and result.message == "Wrong database user or password."
    assert "definitely-wrong" not in result.message


def test_timeout_is_short(svc: ConnectionService, pg_database: URL) -> None:
    """A server that accepts the TCP connection and never answers: the timeout ends it."""
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)  # never accepted: the kernel completes the handshake, nobody speaks
    try:
        defn = pg_def(pg_database, port=silent.getsockname()[1], options={"connect_timeout": 2})
        started = time.monotonic()
        result = svc.test(defn)
        assert time.monotonic() - started < 6
    finally:
        silent.close()
    assert not result.ok and "timed out" in result.message


def test_engine_cached_replaced_on_edit_and_survives_a_dropped_backend(
    svc: ConnectionService, pg_database: URL
) -> None:
    con = svc.create(pg_def(pg_database))
    engine = svc.engine(con.name)
    assert svc.engine(con.conid or 0) is engine
    with engine.connect() as conn:
        pid = conn.execute(text("SELECT pg_backend_pid()")).scalar()
    admin = create_engine(pg_database, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid})
    admin.dispose()
    with engine.connect() as conn:  # pre-ping replaced the dead pooled connection
        assert conn.execute(text("SELECT 1")).scalar() == 1
    time.sleep(0.01)
    svc.update(con.name, pg_def(pg_database, description="changed"), password=KEEP)
    assert svc.engine(con.name) is not engine


def test_sqlite_and_mariadb_engines_run_queries(svc: ConnectionService, tmp_path: Path) -> None:
    db = tmp_path / "src.db"
    raw = create_engine(f"sqlite:///{db}")
    with raw.begin() as conn:
        conn.execute(text("CREATE TABLE t (x INTEGER)"))
        conn.execute(text("INSERT INTO t VALUES (41), (1)"))
    raw.dispose()
    svc.create(ConnectionDef(name="lite", dbtype="SQLITE", database=str(db)))
    with svc.engine("lite").connect() as conn:
        assert conn.execute(text("SELECT SUM(x) FROM t")).scalar() == 42
    svc.create(
        ConnectionDef(
            name="maria", dbtype="MYSQL", host="127.0.0.1", port=3306, user="root", database="test"
        )
    )
    with svc.engine("maria").connect() as conn:
        assert conn.execute(text("SELECT 6 * 7")).scalar() == 42


def test_viewer_cannot_change_connections(
    svc: ConnectionService, workspace: Workspace, admin: CurrentUser, pg_database: URL
) -> None:
    svc.create(pg_def(pg_database))
    UserService(workspace, admin).add_user("vic", "Viewer", "viewing all the things")
    viewer = ConnectionService(
        workspace, AuthService(workspace).login("vic", "viewing all the things")
    )
    assert [c.name for c in viewer.list_connections()] == ["Warehouse PG"]
    for call in (
        lambda: viewer.create(pg_def(pg_database, name="x")),
        lambda: viewer.update("Warehouse PG", pg_def(pg_database)),
        lambda: viewer.copy("Warehouse PG", "y"),
        lambda: viewer.delete("Warehouse PG"),
    ):
        with pytest.raises(PermissionDenied):
            call()
    with workspace.engine.connect() as conn:
        assert conn.execute(select(dms_dbcondtls.c.connm)).scalars().all() == ["Warehouse PG"]


def test_from_url() -> None:
    defn, password = from_url("o", "oracle+oracledb://scott:tiger@db1:1521/?service_name=XEPDB1")
    assert (defn.dbtype, defn.host, defn.service, defn.user, password) == (
        "ORACLE",
        "db1",
        "XEPDB1",
        "scott",
        "tiger",
    )
    defn, password = from_url("p", "postgresql://etl@h/dw")
    assert (defn.dbtype, defn.database, password) == ("POSTGRESQL", "dw", None)
    with pytest.raises(ValidationError, match="not supported"):
        from_url("x", "mssql://h/db")
