"""Roles, workspace parameters, the audit viewer's queries and the admin commands."""

from __future__ import annotations

import csv
import io
import json
import sys
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select

from dms_desktop.cli import main
from dms_desktop.core.admin import config
from dms_desktop.core.admin.audit import AuditFilter, AuditService
from dms_desktop.core.admin.params import ParamService
from dms_desktop.core.errors import AlreadyExists, NotFound, PermissionDenied, ValidationError
from dms_desktop.core.metadata import migrate
from dms_desktop.core.metadata.engine import create_metadata_engine
from dms_desktop.core.metadata.tables import dms_params, permission_matrix, roles, user_roles, users
from dms_desktop.core.security.auth import AuthService
from dms_desktop.core.security.permissions import CurrentUser
from dms_desktop.core.security.roles import RoleService, parse_actions
from dms_desktop.core.workspace import Workspace, open_workspace
from tests.conftest import ADMIN_PASSWORD, SettingsFactory
from tests.core.admin_support import ROLE_PASSWORD, changes, quick_user

SQLITE = pytest.mark.parametrize("backend", ["sqlite"])


@SQLITE
def test_roles_refuse_bad_names_and_keep_the_built_ins(
    workspace: Workspace, admin: CurrentUser
) -> None:
    service = RoleService(workspace, admin)
    for name in ("", "   ", "9lives", "x" * 51):
        with pytest.raises(ValidationError, match="A role needs a name|not valid"):
            service.create(name)
    with pytest.raises(AlreadyExists):
        service.create("viewer")
    with pytest.raises(ValidationError, match="built-in"):
        service.delete("Operator")
    with pytest.raises(ValidationError, match="keeps its name"):
        service.update("Viewer", new_name="Readers")
    auditors = service.create("Auditors", "Read the audit", copy_from="Viewer")
    assert auditors.can("mapper", "view") and not auditors.can("admin", "view")
    service.set_matrix("Auditors", {"admin": ["view"], "reports": ["view"]})
    quick_user(workspace, "ada", "Auditors")
    with pytest.raises(ValidationError, match="held by ada"):
        service.delete("Auditors")
    assert [r.name for r in service.list_roles()][-1] == "Auditors"
    with pytest.raises(ValidationError, match="applies to Jobs only"):
        service.set_rights("Auditors", "mapper", ["run"])
    with pytest.raises(ValidationError, match="Unknown module"):
        parse_actions("payroll", "view")
    assert parse_actions("jobs", "vr") == {"view", "run"}
    assert parse_actions("reports", "all") >= {"export", "delete"}
    assert parse_actions("sql", "none") == frozenset()
    ada = AuthService(workspace).login("ada", ROLE_PASSWORD)
    assert ada.can("admin", "view") and not ada.can("admin", "edit")
    AuditService(workspace, ada).logins()  # auditors read the audit
    with pytest.raises(PermissionDenied):
        ParamService(workspace, ada).set("SESSION.IDLE_TIMEOUT_MIN", "1")
    actions = [a for a, name, _by in changes(workspace, "ROLE") if name == "Auditors"]
    assert actions == ["CREATE", "SET_RIGHTS"]


@SQLITE
def test_parameters_are_typed_validated_and_audited(
    workspace: Workspace, admin: CurrentUser
) -> None:
    service = ParamService(workspace, admin)
    assert {p.key for p in service.list()} == set(config.BY_KEY)
    assert all(p.is_default for p in service.list())
    for key, value, message in (
        ("SECURITY.LOCKOUT_THRESHOLD", "five", "whole number"),
        ("SECURITY.LOCKOUT_THRESHOLD", "0", "out of range"),
        ("SECURITY.PASSWORD_MIN_LENGTH", "7", "out of range"),
        ("SESSION.IDLE_TIMEOUT_MIN", "1e3", "whole number"),
        ("ENGINE.SCD2_HIGH_DATE", "31/12/9999", "YYYY-MM-DD"),
        ("REPORTS.OUTPUT_FOLDER", "relative/folder", "absolute"),
    ):
        with pytest.raises(ValidationError, match=message):
            service.set(key, value)
    with pytest.raises(NotFound, match="No parameter"):
        service.set("SECURITY.NOPE", "1")
    with pytest.raises(NotFound, match="did you mean SECURITY.PASSWORD_MIN_LENGTH or "):
        service.set("SECURITY.MIN_PASSWORD_LENGTH", "14")  # words in another order
    with pytest.raises(NotFound, match="did you mean SECURITY.LOCKOUT_MINUTES or "):
        service.set("LOCKOUT_MINUTE", "20")
    with workspace.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(dms_params).where(
            dms_params.c.prtyp.in_(["SECURITY", "SESSION", "ENGINE", "REPORTS"]))).scalar() == 0  # fmt: skip
    assert service.set("idle_timeout_min", " 30 ").value == 30  # the code alone is enough
    assert service.set("ENGINE.SCD2_HIGH_DATE", "2999-12-31").value == date(2999, 12, 31)
    assert config.setting(workspace, "SESSION.IDLE_TIMEOUT_MIN") == 30
    assert config.setting(workspace, "ENGINE.SCD2_HIGH_DATE") == date(2999, 12, 31)
    assert service.reset("SESSION.IDLE_TIMEOUT_MIN").is_default
    assert config.setting(workspace, "SESSION.IDLE_TIMEOUT_MIN") == 15
    trail = [c for c in changes(workspace, "PARAM")]
    assert trail == [
        ("SET", "SESSION.IDLE_TIMEOUT_MIN", "admin"),
        ("SET", "ENGINE.SCD2_HIGH_DATE", "admin"),
        ("RESET", "SESSION.IDLE_TIMEOUT_MIN", "admin"),
    ]
    # a value broken by hand in the database falls back to the default, and says so
    with workspace.engine.begin() as conn:
        conn.execute(insert(dms_params).values(
            prtyp="SECURITY", prcd="LOCKOUT_MINUTES", prval="soon", reccrdt=datetime.now()))  # fmt: skip
    assert config.setting(workspace, "SECURITY.LOCKOUT_MINUTES") == 15
    broken = service.get("LOCKOUT_MINUTES")
    assert broken.is_default and broken.problem and "whole number" in broken.problem
    assert AuthService(workspace).lockout_policy() == (5, 15)


@SQLITE
def test_audit_filters_and_export(workspace: Workspace, admin: CurrentUser, tmp_path: Path) -> None:
    auth = AuthService(workspace)
    for _ in range(2):
        with pytest.raises(Exception):  # noqa: B017 - wrong password, counted
            auth.login("admin", "not the admin password")
    auth.login("admin", ADMIN_PASSWORD, host="=cmd|' /C calc'!A0")
    service = AuditService(workspace, admin)
    failures = service.logins(AuditFilter(user="ADM", outcome="failure"))
    assert len(failures) == 2 and all(e.event == "LOGIN_FAILURE" for e in failures)
    assert service.logins(AuditFilter(outcome="success"))[0].host == "=cmd|' /C calc'!A0"
    future = datetime.now() + timedelta(days=1)
    assert service.logins(AuditFilter(since=future)) == []
    with pytest.raises(ValidationError, match="after its start"):
        service.logins(AuditFilter(since=future, until=future - timedelta(days=2)))
    with pytest.raises(ValidationError, match="Unknown outcome"):
        service.logins(AuditFilter(outcome="maybe"))
    count = service.export("logins", AuditFilter(user="admin"), tmp_path / "logins.csv")
    rows = list(csv.reader(io.StringIO((tmp_path / "logins.csv").read_text("utf-8-sig"))))
    assert rows[0] == ["id", "event_time", "username", "event", "host", "detail"]
    assert len(rows) == count + 1 == 5  # header; first admin created, 2 failures, 1 success
    assert any(r[4] == "'=cmd|' /C calc'!A0" for r in rows[1:])  # no formula in a spreadsheet
    ParamService(workspace, admin).set("SECURITY.LOCKOUT_MINUTES", "20")
    assert [c.action for c in service.changes(AuditFilter(outcome="param"))] == ["SET"]
    with pytest.raises(ValidationError, match="does not exist"):
        service.export("changes", None, tmp_path / "missing" / "x.csv")


def test_upgrade_to_admin_revision_keeps_users_roles_and_matrix(
    make_settings: SettingsFactory,
) -> None:
    """0008 adds columns to roles and the matrix: SQLite must not copy (and cascade) them."""
    settings = make_settings()
    engine = create_metadata_engine(settings.sqlalchemy_url(), settings.dms_schema)
    migrate.upgrade(engine, settings.dms_schema, "0006")
    with engine.begin() as conn:
        conn.execute(insert(users).values(username="old", password_hash="x", created_at=datetime.now()))  # fmt: skip
        rid = conn.execute(select(roles.c.role_id).where(roles.c.role_name == "Operator")).scalar()
        conn.execute(insert(user_roles).values(user_id=1, role_id=rid, granted_at=datetime.now()))
    engine.dispose()
    ws = open_workspace(settings)
    try:
        with ws.engine.connect() as conn:
            assert conn.execute(select(func.count()).select_from(user_roles)).scalar() == 1
            assert conn.execute(select(func.count()).select_from(permission_matrix)).scalar() == 44
            run = conn.execute(
                select(roles.c.role_name, permission_matrix.c.can_run)
                .join(roles)
                .where(permission_matrix.c.module == "jobs")
                .order_by(roles.c.role_id)
            ).all()
        assert [tuple(r) for r in run] == [
            ("Admin", True), ("Developer", True), ("Operator", True), ("Viewer", False)
        ]  # fmt: skip
    finally:
        ws.close()


def _cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *argv: str,
         stdin: str = "", user: str = "admin", password: str = ADMIN_PASSWORD) -> tuple[int, str, str]:  # fmt: skip
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    monkeypatch.setenv("DMS_USER", user)
    monkeypatch.setenv("DMS_PASSWORD", password)
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@SQLITE
def test_admin_commands(
    workspace: Workspace,
    admin: CurrentUser,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from argon2 import PasswordHasher

    from dms_desktop.core.security import passwords

    # Cheap hashes after the first login (rehash on login): the CLI is what is tested here.
    monkeypatch.setattr(passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024))
    url = workspace.settings.sqlalchemy_url().render_as_string(hide_password=False)
    run = lambda *a, **k: _cli(monkeypatch, capsys, "--metadata-url", url, *a, **k)  # noqa: E731
    assert run("user", "add", "otto", "--role", "Operator", "--password-stdin",
               stdin="the operator password 26\n")[0] == 0  # fmt: skip
    code, out, _ = run("--json", "user", "grant", "otto", "Developer")
    assert code == 0 and json.loads(out)["roles"] == ["Developer", "Operator"]
    assert run("user", "revoke", "otto", "Developer")[0] == 0
    assert run("user", "disable", "otto")[0] == 0
    code, _, err = run("user", "list", user="otto", password="the operator password 26")
    assert code == 1 and "disabled" in err
    assert run("user", "enable", "otto")[0] == 0
    code, _, err = run("user", "reset-password", "otto")
    assert code == 1 and "--password-stdin" in err
    assert run("user", "reset-password", "otto", "--password-stdin", stdin="temp pass 2026 ok\n")[0] == 0  # fmt: skip
    code, _, err = run("user", "disable", "admin")
    assert code == 1 and err.startswith("error: You cannot disable your own account")
    code, out, _ = run("--json", "role", "set", "Operator", "mapper", "view,edit")
    assert code == 0 and json.loads(out)["actions"] == "view,edit"
    code, _, err = run("role", "set", "Operator", "mapper", "run")
    assert code == 1 and "applies to Jobs only" in err
    code, out, _ = run("role", "show", "Operator")
    assert code == 0 and "mapper       yes" in out
    code, _, err = run("role", "create", "")
    assert code == 1 and "A role needs a name" in err
    assert run("role", "create", "Night", "--copy-from", "Operator")[0] == 0
    code, out, _ = run("--json", "role", "list")
    assert code == 0 and [r["role"] for r in json.loads(out)][-1] == "Night"
    code, _, err = run("param", "set", "SECURITY.LOCKOUT_THRESHOLD", "many")
    assert code == 1 and "whole number" in err
    code, out, _ = run("--json", "param", "set", "LOCKOUT_THRESHOLD", "4")
    assert code == 0 and json.loads(out)["value"] == "4"
    code, out, _ = run("--json", "param", "list")
    assert code == 0 and {"key": "SECURITY.LOCKOUT_THRESHOLD", "value": "4"}.items() <= next(
        p for p in json.loads(out) if p["key"] == "SECURITY.LOCKOUT_THRESHOLD").items()  # fmt: skip
    code, out, _ = run("--json", "audit", "--user", "otto", "--outcome", "failure")
    assert code == 0 and [e["detail"] for e in json.loads(out)] == ["disabled"]
    code, out, _ = run("--json", "audit", "--changes", "--outcome", "ROLE")
    assert code == 0 and {e["action"] for e in json.loads(out)} == {"SET_RIGHTS", "CREATE"}
    code, _, err = run("audit", "--since", "yesterday")
    assert code == 1 and "YYYY-MM-DD" in err
