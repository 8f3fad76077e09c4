"""Connection secrets: MultiFernet tokens in the metadata database, the key outside it.

Where the key lives, first match wins:
1. ``DMS_SECRET_KEY``: one or more Fernet keys, comma-separated, newest first (headless hosts);
2. a key file (``DMS_SECRET_KEY_FILE``, else ``<config dir>/secret.key``), mode 0600;
3. the OS keyring (``keyring``), one entry per workspace.
Without any of them (a headless host has no keyring backend) the program says so and offers
the key file (``dms secrets init --key-file``); it never falls back to storing plain text.

A check token in DMS_PARAMS tells "wrong key" apart from "corrupt secret" at once.
Rotation writes ``[new, old]`` to the store first, re-encrypts every token in one
transaction, then keeps ``[new]``: a crash at any point leaves every token readable.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from pathlib import Path

import keyring
import keyring.backends.fail
import keyring.errors
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import select

from dms_desktop.core.admin import trail
from dms_desktop.core.errors import DmsError
from dms_desktop.core.metadata.engine import write_tx
from dms_desktop.core.metadata.tables import dms_dbcondtls
from dms_desktop.core.security.permissions import CurrentUser
from dms_desktop.core.workspace import Workspace

KEYRING_SERVICE = "dms-desktop"
CHECK_PLAINTEXT = "dms-secret-check"


class SecretsUnavailable(DmsError):
    """No key, or the wrong key, for this workspace's secrets."""


NO_STORE_MESSAGE = (
    "No OS keyring is available to hold the secret key (headless host?): run "
    "'dms secrets init --key-file' to create a 0600 key file, or set DMS_SECRET_KEY."
)


class KeyStore:
    """Where the Fernet keys live; ``load`` returns newest first, or [] when none yet."""

    description = ""
    writable = True

    def load(self) -> list[bytes]:
        raise NotImplementedError

    def save(self, keys: list[bytes]) -> None:
        raise NotImplementedError


class EnvKeyStore(KeyStore):
    description = "DMS_SECRET_KEY"
    writable = False

    def __init__(self, value: str) -> None:
        self._keys = [k.strip().encode() for k in value.split(",") if k.strip()]

    def load(self) -> list[bytes]:
        return list(self._keys)

    def save(self, keys: list[bytes]) -> None:
        raise SecretsUnavailable(
            "The key comes from DMS_SECRET_KEY: to rotate, use a key file or the keyring "
            "(unset DMS_SECRET_KEY), or replace the variable's value yourself."
        )


class FileKeyStore(KeyStore):
    def __init__(self, path: Path) -> None:
        self.path = path
        self.description = f"key file {path}"

    def load(self) -> list[bytes]:
        if not self.path.exists():
            return []
        mode = self.path.stat().st_mode & 0o777
        if mode & 0o077:
            raise SecretsUnavailable(
                f"Key file {self.path} is readable by others (mode {mode:o}): "
                f"run 'chmod 600 {self.path}'."
            )
        return [
            line.strip().encode() for line in self.path.read_text().splitlines() if line.strip()
        ]

    def save(self, keys: list[bytes]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(self.path.name + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write("\n".join(k.decode() for k in keys) + "\n")
        os.replace(tmp, self.path)


class KeyringKeyStore(KeyStore):
    def __init__(self, entry: str) -> None:
        self.entry = entry
        self.description = f"OS keyring ({KEYRING_SERVICE}/{entry})"

    def load(self) -> list[bytes]:
        try:
            value = keyring.get_password(KEYRING_SERVICE, self.entry)
        except keyring.errors.KeyringError as exc:
            raise SecretsUnavailable(f"The OS keyring refused access ({exc}).") from exc
        return [k.encode() for k in value.split(",")] if value else []

    def save(self, keys: list[bytes]) -> None:
        try:
            keyring.set_password(KEYRING_SERVICE, self.entry, ",".join(k.decode() for k in keys))
        except keyring.errors.KeyringError as exc:
            raise SecretsUnavailable(f"The OS keyring refused to store the key ({exc}).") from exc


def keyring_available() -> bool:
    """False on a headless host, where keyring falls back to its 'fail' backend."""
    return not isinstance(keyring.get_keyring(), keyring.backends.fail.Keyring)


def default_key_file(ws: Workspace) -> Path:
    return ws.settings.secret_key_file or ws.settings.config_dir / "secret.key"


def workspace_id(ws: Workspace) -> str:
    """A random id per workspace, so two workspaces never share a keyring entry."""
    value = ws.param("WORKSPACE", "ID")
    if value is None:
        value = uuid.uuid4().hex
        ws.set_param("WORKSPACE", "ID", value, "Identity of this workspace (keyring entry)")
    return value


def key_store(ws: Workspace) -> KeyStore:
    if ws.settings.secret_key:
        return EnvKeyStore(ws.settings.secret_key)
    key_file = default_key_file(ws)
    if ws.settings.secret_key_file or key_file.exists():
        return FileKeyStore(key_file)
    if keyring_available():
        return KeyringKeyStore(f"workspace-{workspace_id(ws)}")
    raise SecretsUnavailable(NO_STORE_MESSAGE)


@dataclass
class SecretBox:
    """Encrypts and decrypts secrets; knows which store its keys came from."""

    fernet: MultiFernet
    store: KeyStore

    def encrypt(self, plaintext: str) -> str:
        return self.fernet.encrypt(plaintext.encode()).decode()

    def decrypt(self, token: str) -> str:
        try:
            return self.fernet.decrypt(token.encode()).decode()
        except InvalidToken as exc:
            raise SecretsUnavailable(
                f"A stored secret cannot be decrypted with the key from {self.store.description}"
                ": the key does not match this workspace. Restore the right key, or re-enter "
                "the connection's password."
            ) from exc


def _multi(keys: list[bytes], store: KeyStore) -> MultiFernet:
    try:
        return MultiFernet([Fernet(k) for k in keys])
    except ValueError as exc:
        raise SecretsUnavailable(
            f"The secret key from {store.description} is not a valid Fernet key "
            "(32 url-safe base64 bytes)."
        ) from exc


def open_secret_box(ws: Workspace, *, create: bool = False) -> SecretBox:
    """The workspace's box; ``create`` makes a key when the store has none yet."""
    store = key_store(ws)
    keys = store.load()
    if not keys:
        if not create:
            raise SecretsUnavailable(
                f"No secret key in {store.description} yet: save a connection with a "
                "password first, or restore the key of this workspace."
            )
        keys = [Fernet.generate_key()]
        store.save(keys)
    box = SecretBox(_multi(keys, store), store)
    check = ws.param("SECURITY", "SECRET_CHECK")
    if check is None:
        ws.set_param(
            "SECURITY",
            "SECRET_CHECK",
            box.encrypt(CHECK_PLAINTEXT),
            "Proves the secret key matches this workspace",
        )
    elif box.decrypt(check) != CHECK_PLAINTEXT:
        raise SecretsUnavailable("The secret key check failed: wrong key for this workspace.")
    return box


def init_key_file(ws: Workspace, path: Path | None = None) -> Path:
    """Create a 0600 key file holding a new key (refuses to overwrite one)."""
    target = path or default_key_file(ws)
    if target.exists():
        raise SecretsUnavailable(f"Key file {target} already exists: keep it, or move it away.")
    if ws.param("SECURITY", "SECRET_CHECK") is not None:
        raise SecretsUnavailable(
            "This workspace already has secrets under another key: restore that key "
            "instead of creating a new one (or use 'dms secrets rotate')."
        )
    FileKeyStore(target).save([Fernet.generate_key()])
    return target


def rotate_secrets(ws: Workspace, actor: CurrentUser) -> int:
    """Re-encrypt every stored secret under a new key; returns how many were re-encrypted."""
    actor.require("admin", "edit")
    box = open_secret_box(ws, create=True)
    store = box.store
    if not store.writable:
        store.save([])  # raises the explanation
    old = store.load()
    new = Fernet.generate_key()
    store.save([new, *old])
    fernet = _multi([new, *old], store)
    count = 0
    with write_tx(ws.engine) as conn:
        rows = conn.execute(
            select(dms_dbcondtls.c.conid, dms_dbcondtls.c.dbpwdenc).where(
                dms_dbcondtls.c.dbpwdenc.is_not(None)
            )
        ).all()
        for conid, token in rows:
            conn.execute(
                dms_dbcondtls.update()
                .where(dms_dbcondtls.c.conid == conid)
                .values(dbpwdenc=fernet.rotate(token.encode()).decode())
            )
            count += 1
        trail.record(
            conn,
            actor.username,
            trail.SECRETS,
            "ROTATE",
            "secret key",
            detail=f"{count} connection secret(s) re-encrypted; key in {store.description}",
            actor_id=actor.user_id,
            host=actor.session.host if actor.session is not None else None,
        )
    ws.set_param("SECURITY", "SECRET_CHECK", Fernet(new).encrypt(CHECK_PLAINTEXT.encode()).decode())
    store.save([new])
    return count
