"""Where the welcome page's choice is kept: the user's ``config.toml`` and, for the password of
a shared metadata database, the OS keyring (never the file).

Qt-free. ``config.toml`` is the flat ``KEY = "value"`` file ``core.settings`` reads (below the
environment and ``.env``); the choice is written as the seed's ``DB_*`` keys, so ``DB_PASSWORD``
(environment or ``.env``) and ``~/.pgpass`` keep working when there is no keyring.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from dms_desktop.core.errors import ConfigError
from dms_desktop.core.settings import LOCATION_KEYS as METADATA_LOCATION_KEYS
from dms_desktop.core.settings import Settings

log = logging.getLogger(__name__)

CONFIG_NAME = "config.toml"
WORKSPACE_FILE = "workspace.db"
KEYRING_SERVICE = "dms-desktop-metadata"
# Keys describing where the metadata database is: replaced as a whole when the choice changes.
LOCATION_KEYS = ("DMS_METADATA_URL", *METADATA_LOCATION_KEYS)
DEFAULT_PORTS = {"POSTGRESQL": 5432, "ORACLE": 1521}


def config_path(settings: Settings) -> Path:
    return settings.config_dir / CONFIG_NAME


def needs_welcome(settings: Settings) -> bool:
    """A first start: nothing says where the metadata is and the default workspace is absent."""
    if settings.metadata_url or settings.db_type != "SQLITE" or settings.db_name:
        return False
    if config_path(settings).is_file():
        return False
    path = settings.default_workspace
    return not (path.is_file() and path.stat().st_size > 0)


@dataclass(frozen=True)
class ServerChoice:
    """A shared metadata database as the welcome page asks for it."""

    db_type: str  # POSTGRESQL or ORACLE
    host: str
    port: int
    database: str  # PostgreSQL database, or Oracle service name
    user: str
    password: str = dataclasses.field(default="", repr=False)
    schema: str = ""

    def config_values(self) -> dict[str, str]:
        values = {
            "DB_TYPE": self.db_type,
            "DB_HOST": self.host,
            "DB_PORT": str(self.port),
            "DB_USER": self.user,
            "DB_SID" if self.db_type == "ORACLE" else "DB_NAME": self.database,
        }
        if self.schema:
            values["DMS_SCHEMA"] = self.schema
        return values

    def keyring_entry(self) -> str:
        return f"{self.user}@{self.host}:{self.port}/{self.database}"


def server_settings(base: Settings, choice: ServerChoice) -> Settings:
    """``base`` pointed at the server (validated the way ``load_settings`` validates)."""
    from dms_desktop.core.settings import load_settings

    env = {k: v for k, v in os.environ.items() if k not in LOCATION_KEYS}
    env.update(choice.config_values())
    if choice.password:
        env["DB_PASSWORD"] = choice.password
    env["DMS_HOME"] = str(base.config_dir)  # only to keep the check away from other files
    checked = load_settings(env, env_file=Path(os.devnull), config_file=Path(os.devnull))
    return dataclasses.replace(
        base,
        db_type=checked.db_type,
        db_host=checked.db_host,
        db_port=checked.db_port,
        db_sid=checked.db_sid,
        db_name=checked.db_name,
        db_user=checked.db_user,
        db_password=checked.db_password,
        dms_schema=checked.dms_schema,
        metadata_url=None,
    )


def sqlite_settings(base: Settings, folder: Path) -> Settings:
    """``base`` pointed at ``<folder>/workspace.db``."""
    return dataclasses.replace(
        base,
        db_type="SQLITE",
        db_name=str(folder / WORKSPACE_FILE),
        metadata_url=None,
        dms_schema=None,
        db_host=None,
        db_port=None,
        db_sid=None,
        db_user=None,
        db_password=None,
    )


# -- config.toml -------------------------------------------------------------------------------
def read_config(path: Path) -> dict[str, str]:
    if not path.is_file():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(
            f"Config file {path} is not valid TOML ({exc}): fix or delete it."
        ) from exc
    return {str(k): str(v) for k, v in data.items() if not isinstance(v, dict)}


def write_location(path: Path, values: Mapping[str, str]) -> Path:
    """Replace the location keys of ``path`` with ``values``; other keys stay. Never a password."""
    assert "DB_PASSWORD" not in values, "passwords never go to config.toml"
    kept = {k: v for k, v in read_config(path).items() if k.upper() not in LOCATION_KEYS}
    kept.update(values)
    lines = ["# DMS Desktop settings (written by the welcome page; see the README)."]
    lines += [f"{key} = {json.dumps(value, ensure_ascii=False)}" for key, value in kept.items()]
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    tmp.replace(path)
    log.info("Wrote the metadata location to %s", path)
    return path


def save_server_choice(settings: Settings, choice: ServerChoice) -> str:
    """Write the server to config.toml and its password to the keyring; says where it went."""
    path = write_location(config_path(settings), choice.config_values())
    where = f"Saved to {path}."
    if choice.password:
        if store_password(choice):
            where += " The password is kept in the OS keyring."
        else:
            where += (
                " No OS keyring here: the password was not saved. Give it with DB_PASSWORD "
                "or a ~/.pgpass file; otherwise the next start cannot connect."
            )
    return where


def save_sqlite_choice(settings: Settings, folder: Path) -> Path:
    return write_location(
        config_path(settings), {"DB_TYPE": "SQLITE", "DB_NAME": str(folder / WORKSPACE_FILE)}
    )


# -- the keyring ------------------------------------------------------------------------------
def _keyring_usable() -> bool:
    from dms_desktop.core.security.secrets import keyring_available

    return keyring_available()


def store_password(choice: ServerChoice) -> bool:
    import keyring
    import keyring.errors

    if not _keyring_usable():
        return False
    try:
        keyring.set_password(KEYRING_SERVICE, choice.keyring_entry(), choice.password)
    except keyring.errors.KeyringError as exc:
        log.warning("The OS keyring refused the metadata password: %s", exc)
        return False
    return True


def with_stored_password(settings: Settings) -> Settings:
    """Settings with the keyring's password for a server given by DB_* without DB_PASSWORD."""
    if settings.metadata_url or settings.db_type == "SQLITE" or settings.db_password:
        return settings
    if not _keyring_usable():
        return settings
    import keyring
    import keyring.errors

    entry = (
        f"{settings.db_user}@{settings.db_host}:{settings.db_port}/"
        f"{settings.db_sid if settings.db_type == 'ORACLE' else settings.db_name}"
    )
    try:
        password = keyring.get_password(KEYRING_SERVICE, entry)
    except keyring.errors.KeyringError as exc:
        log.warning("The OS keyring refused the metadata password: %s", exc)
        return settings
    return dataclasses.replace(settings, db_password=password) if password else settings
