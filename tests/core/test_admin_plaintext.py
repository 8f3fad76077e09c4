"""No plaintext password anywhere: after a run that creates, changes, resets and mistypes user
passwords, stores, tests, copies and rotates a connection password, goes through the CLI, and
exports the audit and reports over the very tables that hold the secrets, a scan of the
metadata database (rows and raw file), the log file and every exported file finds none."""

from __future__ import annotations

import io
import logging
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from dms_desktop.cli import main
from dms_desktop.core.admin.audit import AuditService
from dms_desktop.core.connections.model import ConnectionDef
from dms_desktop.core.connections.service import ConnectionService
from dms_desktop.core.errors import DmsError, PasswordExpired
from dms_desktop.core.logs import setup_logging
from dms_desktop.core.metadata.tables import metadata
from dms_desktop.core.reports.model import ReportDef
from dms_desktop.core.reports.run import export_report
from dms_desktop.core.reports.service import ReportService
from dms_desktop.core.security.auth import AuthService
from dms_desktop.core.security.permissions import CurrentUser
from dms_desktop.core.security.secrets import rotate_secrets
from dms_desktop.core.security.users import UserService
from dms_desktop.core.sqlstore.export import export_query
from dms_desktop.core.workspace import Workspace, open_workspace
from tests.conftest import ADMIN_PASSWORD, SettingsFactory

SECRETS = {
    "first": "Scan-first-Secret-4711",
    "changed": "Scan-changed-Secret-0815",
    "mistyped": "Scan-mistyped-Secret-2222",
    "reset": "Scan-reset-Secret-9999",
    "cli_user": "Scan-cliuser-Secret-3141",
    "cli_reset": "Scan-clireset-Secret-2718",
    "connection": "Scan-conn-Secret-1618",
    "cli_connection": "Scan-cliconn-Secret-1414",
    "new_connection": "Scan-newconn-Secret-1732",
}


@pytest.fixture
def ws(secret_key_file: Path, make_settings: SettingsFactory) -> Iterator[Workspace]:
    workspace = open_workspace(make_settings(LOG_LEVEL="DEBUG"))
    setup_logging(workspace.settings)  # every level into this test's dwtool.log
    yield workspace
    workspace.close()
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, "_dms_handler", False)]:
        root.removeHandler(handler)
        handler.close()


def _cli(monkeypatch: pytest.MonkeyPatch, ws: Workspace, *argv: str, stdin: str = "") -> int:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    monkeypatch.setenv("DMS_USER", "admin")
    monkeypatch.setenv("DMS_PASSWORD", ADMIN_PASSWORD)
    url = ws.settings.sqlalchemy_url().render_as_string(hide_password=False)
    if ws.schema:
        monkeypatch.setenv("DMS_SCHEMA", ws.schema)
    monkeypatch.setenv("LOG_LEVEL", "DEBUG")
    return main(["--metadata-url", url, *argv])


def _exercise(
    ws: Workspace, admin: CurrentUser, out: Path, monkeypatch: pytest.MonkeyPatch
) -> list[Path]:
    users = UserService(ws, admin)
    auth = AuthService(ws)
    users.create_user("scanner", SECRETS["first"], ["Developer"])
    with pytest.raises(PasswordExpired):
        auth.login("scanner", SECRETS["first"])
    auth.change_password("scanner", SECRETS["first"], SECRETS["changed"])
    with pytest.raises(DmsError):
        auth.login("scanner", SECRETS["mistyped"])
    with pytest.raises(DmsError):  # a password typed into the user name field is not kept
        auth.login(SECRETS["mistyped"] + "x", "whatever it was")
    scanner = auth.login("scanner", SECRETS["changed"])
    auth.lock_session(scanner)
    with pytest.raises(DmsError):
        auth.unlock_session(scanner, SECRETS["mistyped"])
    auth.unlock_session(scanner, SECRETS["changed"])
    users.reset_password("scanner", SECRETS["reset"])

    connections = ConnectionService(ws, admin)
    refused = ConnectionDef(
        name="WAREHOUSE", dbtype="POSTGRESQL", host="127.0.0.1", port=1, database="dw", user="etl"
    )
    connections.create(refused, SECRETS["connection"])
    result = connections.test("WAREHOUSE")
    assert not result.ok
    connections.copy("WAREHOUSE", "WAREHOUSE COPY")
    connections.update("WAREHOUSE COPY", replace_name(refused, "WAREHOUSE COPY"), SECRETS["new_connection"])  # fmt: skip
    rotate_secrets(ws, admin)

    assert _cli(monkeypatch, ws, "user", "add", "carol", "--role", "Viewer", "--password-stdin",
                stdin=SECRETS["cli_user"] + "\n") == 0  # fmt: skip
    assert _cli(monkeypatch, ws, "user", "reset-password", "carol", "--password-stdin",
                stdin=SECRETS["cli_reset"] + "\n") == 0  # fmt: skip
    assert _cli(monkeypatch, ws, "connection", "add", "CLI PG", "--type", "postgresql",
                "--host", "127.0.0.1", "--port", "1", "--database", "x", "--user", "u",
                "--password-stdin", stdin=SECRETS["cli_connection"] + "\n") == 0  # fmt: skip
    assert _cli(monkeypatch, ws, "connection", "test", "CLI PG") in (0, 1)
    assert _cli(monkeypatch, ws, "--json", "audit") == 0

    files = [out / "logins.csv", out / "changes.csv"]
    AuditService(ws, admin).export("logins", None, files[0])
    AuditService(ws, admin).export("changes", None, files[1])
    reports = ReportService(ws, admin)
    for table in ("users", "password_history", "dms_dbcondtls", "dms_params", "login_audit_log"):
        name = f"DUMP_{table.upper()}"
        qualified = f"{ws.schema}.{table}" if ws.schema else table
        reports.save(ReportDef(name, f"SELECT * FROM {qualified}"))
        for fmt in ("csv", "xlsx"):
            files.append(export_report(ws, admin, name, {}, fmt, out / f"{name}.{fmt}").path)
    files.append(export_report(ws, admin, "LOGIN_AUDIT", {}, "csv", out / "login_audit.csv").path)
    dump = out / "users.xlsx"
    export_query(ws.engine, "sqlite", "SELECT * FROM users", dump) if ws.schema is None else None
    return [f for f in [*files, dump] if f.exists()]


def replace_name(defn: ConnectionDef, name: str) -> ConnectionDef:
    from dataclasses import replace

    return replace(defn, name=name)


def _texts(path: Path) -> Iterator[bytes]:
    data = path.read_bytes()
    yield data
    if zipfile.is_zipfile(path):  # xlsx: the cells live in compressed XML
        with zipfile.ZipFile(path) as archive:
            for member in archive.namelist():
                yield archive.read(member)


@pytest.mark.parametrize("backend", ["sqlite"])  # the raw file scan needs SQLite's file
def test_no_plaintext_password_in_database_log_or_exports(
    ws: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    admin = AuthService(ws).create_first_admin("admin", ADMIN_PASSWORD)
    out = tmp_path / "exports"
    out.mkdir()
    exported = _exercise(ws, admin, out, monkeypatch)
    assert len(exported) >= 12
    needles = [s.encode() for s in [*SECRETS.values(), ADMIN_PASSWORD]]
    leaks: list[str] = []
    with ws.engine.connect() as conn:  # every row of every table, as the database returns it
        for table in metadata.sorted_tables:
            for row in conn.execute(select(table)).all():
                text = repr(tuple(row)).encode()
                leaks += [f"{table.name}: {n.decode()}" for n in needles if n in text]
    ws.engine.dispose()
    sources: list[Path] = [*exported, *ws.settings.log_dir.glob("*")]
    database = ws.settings.sqlalchemy_url().database
    if ws.schema is None and database:  # the SQLite file itself, its WAL and its backups
        sources += Path(database).parent.glob(Path(database).name + "*")
    assert any(p.name == "dwtool.log" and p.stat().st_size > 0 for p in sources)
    for path in sources:
        for blob in _texts(path):
            leaks += [f"{path.name}: {n.decode()}" for n in needles if n in blob]
    assert leaks == []
