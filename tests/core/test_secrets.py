"""Secrets encrypted at rest, rotated, never leaked; clear messages when no key store exists."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import keyring
import keyring.backends.fail
import pytest
from cryptography.fernet import Fernet
from keyring.backend import KeyringBackend
from sqlalchemy import create_engine, inspect, select, text
from sqlalchemy.engine import URL

from dms_desktop.cli import main
from dms_desktop.core.connections.model import ConnectionDef
from dms_desktop.core.connections.service import ConnectionService
from dms_desktop.core.metadata.tables import dms_dbcondtls
from dms_desktop.core.security import secrets
from dms_desktop.core.security.permissions import CurrentUser
from dms_desktop.core.security.secrets import SecretsUnavailable, open_secret_box
from dms_desktop.core.workspace import Workspace
from tests.conftest import ADMIN_PASSWORD

SECRET = "Sup3r-Secret-Pw!"  # the password that must never show up anywhere


def maria(name: str = "maria") -> ConnectionDef:
    return ConnectionDef(
        name=name, dbtype="MYSQL", host="127.0.0.1", port=3306, user="root", database="test"
    )


def _stored_token(ws: Workspace, name: str) -> str:
    with ws.engine.connect() as conn:
        return str(
            conn.execute(
                select(dms_dbcondtls.c.dbpwdenc).where(dms_dbcondtls.c.connm == name)
            ).scalar_one()
        )


def test_password_encrypted_at_rest_and_key_file_is_0600(
    secret_key_file: Path, workspace: Workspace, admin: CurrentUser
) -> None:
    ConnectionService(workspace, admin).create(maria(), SECRET)
    token = _stored_token(workspace, "maria")
    assert SECRET not in token and token.startswith("gAAAA")  # a Fernet token
    assert secret_key_file.stat().st_mode & 0o777 == 0o600
    assert open_secret_box(workspace).decrypt(token) == SECRET


def test_no_keyring_and_no_key_file_gives_the_key_file_option(
    workspace: Workspace, admin: CurrentUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a headless host: keyring finds no backend (what this machine has without our tests)
    previous = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.fail.Keyring())
    try:
        assert not secrets.keyring_available()
        _assert_refused_without_store(workspace, admin)
    finally:
        keyring.set_keyring(previous)


def _assert_refused_without_store(workspace: Workspace, admin: CurrentUser) -> None:
    with pytest.raises(SecretsUnavailable) as err:
        ConnectionService(workspace, admin).create(maria(), SECRET)
    assert "dms secrets init --key-file" in err.value.message
    with workspace.engine.connect() as conn:  # nothing stored, in clear or otherwise
        assert conn.execute(select(dms_dbcondtls.c.connm)).all() == []


def test_connection_without_password_needs_no_key(workspace: Workspace, admin: CurrentUser) -> None:
    ConnectionService(workspace, admin).create(maria())
    assert ConnectionService(workspace, admin).test("maria").ok


def test_wrong_key_is_named_as_such(
    secret_key_file: Path, workspace: Workspace, admin: CurrentUser
) -> None:
    ConnectionService(workspace, admin).create(maria(), SECRET)
    secret_key_file.write_text(Fernet.generate_key().decode() + "\n")
    with pytest.raises(SecretsUnavailable, match="does not match this workspace"):
        ConnectionService(workspace, admin).test("maria")


def test_world_readable_key_file_is_refused(
    secret_key_file: Path, workspace: Workspace, admin: CurrentUser
) -> None:
    ConnectionService(workspace, admin).create(maria(), SECRET)
    secret_key_file.chmod(0o644)
    with pytest.raises(SecretsUnavailable, match="chmod 600"):
        open_secret_box(workspace)


def test_rotation_reencrypts_everything_under_a_new_key(
    secret_key_file: Path, workspace: Workspace, admin: CurrentUser
) -> None:
    svc = ConnectionService(workspace, admin)
    svc.create(maria("a"), "first password")
    svc.create(maria("b"), "second password")
    old_key = secret_key_file.read_text().strip()
    before = {n: _stored_token(workspace, n) for n in "ab"}
    assert secrets.rotate_secrets(workspace, admin) == 2
    new_key = secret_key_file.read_text().strip()
    assert new_key != old_key and "\n" not in new_key  # only the new key is kept
    box = open_secret_box(workspace)
    for name, password in (("a", "first password"), ("b", "second password")):
        token = _stored_token(workspace, name)
        assert token != before[name]
        assert box.decrypt(token) == password
        with pytest.raises(Exception):  # noqa: B017 - the old key no longer opens it
            Fernet(old_key.encode()).decrypt(token.encode())


def test_env_key_cannot_be_rotated_in_place(
    dms_home: Path, workspace: Workspace, admin: CurrentUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dataclasses import replace

    workspace.settings = replace(workspace.settings, secret_key=Fernet.generate_key().decode())
    ConnectionService(workspace, admin).create(maria(), SECRET)
    with pytest.raises(SecretsUnavailable, match="DMS_SECRET_KEY"):
        secrets.rotate_secrets(workspace, admin)


class MemoryKeyring(KeyringBackend):
    """A keyring backend living in memory: stands in for the desktop's Secret Service."""

    priority = -1  # type: ignore[assignment]  # never picked by keyring's own discovery

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.entries.pop((service, username), None)


def test_desktop_keyring_holds_one_key_per_workspace(
    workspace: Workspace, admin: CurrentUser
) -> None:
    previous = keyring.get_keyring()
    ring = MemoryKeyring()
    keyring.set_keyring(ring)
    try:
        ConnectionService(workspace, admin).create(maria(), SECRET)
        (((service, entry), value),) = ring.entries.items()
        assert service == "dms-desktop" and entry.startswith("workspace-")
        assert SECRET not in value
        assert open_secret_box(workspace).decrypt(_stored_token(workspace, "maria")) == SECRET
    finally:
        keyring.set_keyring(previous)


def test_no_password_leaks_anywhere_after_a_full_run(
    secret_key_file: Path,
    workspace: Workspace,
    admin: CurrentUser,
    dms_home: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    backend: str,
    pg_database: URL,
) -> None:
    """Create, test (right and wrong password), list, rotate, through the core and the CLI;
    then scan the metadata database, the log, every message and the --json output."""
    url = workspace.settings.sqlalchemy_url().render_as_string(hide_password=False)
    if workspace.schema:
        monkeypatch.setenv("DMS_SCHEMA", workspace.schema)
    monkeypatch.setenv("DMS_USER", "admin")
    monkeypatch.setenv("DMS_PASSWORD", ADMIN_PASSWORD)
    outputs: list[str] = []

    def dms(*argv: str, stdin: str = "") -> int:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        code = main(["--metadata-url", url, *argv])
        out, err = capsys.readouterr()
        outputs.extend([out, err])
        return code

    assert (
        dms(
            "connection",
            "add",
            "maria",
            "--type",
            "mysql",
            "--host",
            "127.0.0.1",
            "--database",
            "test",
            "--user",
            "root",
            "--password-stdin",
            stdin=SECRET + "\n",
        )
        == 0
    )
    assert (
        dms(
            "connection",
            "add",
            "pg",
            "--url",
            f"postgresql://postgres:{SECRET}@127.0.0.1:5432/{pg_database.database}",
        )
        == 0
    )
    assert dms("connection", "test", "maria") == 1  # root has no password: ours is wrong
    assert dms("connection", "test", "pg") == 0  # trust auth ignores it
    assert dms("--json", "connection", "list") == 0
    assert dms("--json", "connection", "copy", "pg", "pg2") == 0
    assert dms("secrets", "rotate") == 0
    svc = ConnectionService(workspace, admin)
    messages = [svc.test("maria").message]
    try:
        svc.require_reachable("maria")
    except Exception as exc:  # noqa: BLE001
        messages += [str(exc), repr(exc)]
    json.loads(outputs[8])  # the --json list really is JSON

    haystack = "\n".join(outputs + messages)
    log_file = dms_home / "logs" / "dwtool.log"
    haystack += log_file.read_text() if log_file.exists() else ""
    haystack += _dump_metadata(workspace)
    if backend == "sqlite":
        db_path = Path(workspace.settings.sqlalchemy_url().database or "")
        for part in db_path.parent.glob(db_path.name + "*"):
            haystack += part.read_bytes().decode("latin-1")
    assert "Wrong database user or password." in haystack
    assert SECRET not in haystack


def _dump_metadata(ws: Workspace) -> str:
    engine = ws.engine
    chunks = []
    with engine.connect() as conn:
        for table in inspect(engine).get_table_names(schema=ws.schema):
            for row in conn.execute(
                text(f"SELECT * FROM {ws.schema + '.' if ws.schema else ''}{table}")
            ):
                chunks.append(repr(tuple(row)))
    return "\n".join(chunks)


def test_engine_url_repr_hides_password(
    secret_key_file: Path, workspace: Workspace, admin: CurrentUser, pg_database: URL
) -> None:
    svc = ConnectionService(workspace, admin)
    svc.create(
        ConnectionDef(
            name="pg",
            dbtype="POSTGRESQL",
            host="127.0.0.1",
            port=5432,
            database=pg_database.database,
            user="postgres",
        ),
        SECRET,
    )
    engine = svc.engine("pg")
    assert SECRET not in repr(engine) and SECRET not in str(engine.url)
    assert create_engine  # imported for symmetry with the other tests
