"""One typed settings object.

Sources, strongest first: the process environment, a ``.env`` file (current directory, then
the config directory), the user config file ``<config dir>/config.toml`` (flat ``KEY = value``
using the same names as the environment variables), then defaults. With nothing set, the
metadata database is an embedded SQLite workspace in the user data directory.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import platformdirs
from dotenv import dotenv_values
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from dms_desktop.core.errors import ConfigError

APP_DIR_NAME = "dms-desktop"
DB_TYPES = ("SQLITE", "POSTGRESQL", "ORACLE")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
# Where the metadata database is (with DMS_METADATA_URL, which wins over them).
LOCATION_KEYS = (
    "DB_TYPE",
    "DB_HOST",
    "DB_PORT",
    "DB_SID",
    "DB_NAME",
    "DB_USER",
    "DB_PASSWORD",
    "DMS_SCHEMA",
)
KNOWN_KEYS = (
    *LOCATION_KEYS,
    "CDR_SCHEMA",
    "LOG_LEVEL",
    "DMS_TIMEZONE",
    "SCHEDULER_MAX_WORKERS",
    "DMS_METADATA_URL",
    "DMS_HOME",
    "DMS_SECRET_KEY",
    "DMS_SECRET_KEY_FILE",
)
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_$]{0,62}$")
_DRIVERS = {"POSTGRESQL": "postgresql+psycopg2", "ORACLE": "oracle+oracledb"}
CONNECT_TIMEOUT_S = 10


@dataclass(frozen=True)
class Settings:
    db_type: str
    db_host: str | None
    db_port: int | None
    db_sid: str | None
    db_name: str | None
    db_user: str | None
    db_password: str | None = field(repr=False)
    dms_schema: str | None
    cdr_schema: str | None
    log_level: str
    timezone: str
    scheduler_max_workers: int
    metadata_url: str | None
    data_dir: Path
    log_dir: Path
    config_dir: Path
    # Fernet key(s) for connection secrets on a headless host; never shown by describe().
    secret_key: str | None = field(default=None, repr=False)
    secret_key_file: Path | None = None

    @property
    def default_workspace(self) -> Path:
        return self.data_dir / "workspace.db"

    def sqlalchemy_url(self) -> URL:
        """The metadata database URL; values are bound into a URL object, never string-built."""
        if self.metadata_url:
            url = make_url(self.metadata_url)
            # A bare scheme means our bundled driver (SQLAlchemy 2.1 would pick psycopg 3).
            default = _DRIVERS.get(url.drivername.upper())
            return url.set(drivername=default) if default else url
        if self.db_type == "SQLITE":
            path = Path(self.db_name).expanduser() if self.db_name else self.default_workspace
            return URL.create("sqlite+pysqlite", database=str(path))
        query = {"service_name": self.db_sid} if self.db_type == "ORACLE" and self.db_sid else {}
        return URL.create(
            _DRIVERS[self.db_type],
            username=self.db_user,
            password=self.db_password,
            host=self.db_host,
            port=self.db_port,
            database=self.db_name if self.db_type == "POSTGRESQL" else None,
            query=query,
        )

    @property
    def backend(self) -> str:
        """'sqlite', 'postgresql' or 'oracle' (from the URL, which wins over DB_TYPE)."""
        return self.sqlalchemy_url().get_backend_name()

    def describe(self) -> str:
        """Where the metadata lives, for status bars and messages: never shows the password."""
        url = self.sqlalchemy_url()
        if url.get_backend_name() == "sqlite":
            return f"SQLite: {url.database or ':memory:'}"
        where = f"{url.host or 'localhost'}:{url.port or ''}/{url.database or url.query.get('service_name', '')}"
        schema = f" schema {self.dms_schema}" if self.dms_schema else ""
        return f"{url.get_backend_name().capitalize()}: {url.username or ''}@{where}{schema}"


def default_dirs(environ: Mapping[str, str]) -> tuple[Path, Path, Path]:
    """(data, log, config) directories; DMS_HOME puts all three under one folder."""
    home = environ.get("DMS_HOME")
    if home:
        base = Path(home).expanduser()
        return base, base / "logs", base
    return (
        Path(platformdirs.user_data_dir(APP_DIR_NAME, appauthor=False)),
        Path(platformdirs.user_log_dir(APP_DIR_NAME, appauthor=False)),
        Path(platformdirs.user_config_dir(APP_DIR_NAME, appauthor=False)),
    )


def _read_config_file(path: Path) -> dict[str, str]:
    if not path.is_file():
        return {}
    try:
        data: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(
            f"Config file {path} is not valid TOML ({exc}): fix or delete it."
        ) from exc
    return {str(k).upper(): str(v) for k, v in data.items() if not isinstance(v, dict)}


def gather(
    environ: Mapping[str, str] | None = None,
    *,
    env_file: Path | None = None,
    config_file: Path | None = None,
) -> dict[str, str]:
    """Merge the sources into one flat mapping of known keys (strongest source wins)."""
    env = dict(os.environ if environ is None else environ)
    _, _, config_dir = default_dirs(env)
    merged: dict[str, str] = {}
    merged.update(_read_config_file(config_file or config_dir / "config.toml"))
    env_files = [env_file] if env_file else [config_dir / ".env", Path.cwd() / ".env"]
    for candidate in env_files:
        if candidate and candidate.is_file():
            merged.update({k: v for k, v in dotenv_values(candidate).items() if v is not None})
    merged.update(env)
    return {k: v for k, v in merged.items() if k in KNOWN_KEYS and v != ""}


def _int(values: Mapping[str, str], key: str, default: int | None, lo: int, hi: int) -> int | None:
    raw = values.get(key)
    if raw is None:
        return default
    try:
        number = int(raw)
    except ValueError:
        number = lo - 1
    if not lo <= number <= hi:
        raise ConfigError(f"{key}={raw!r} is not valid: use a whole number from {lo} to {hi}.")
    return number


def _choice(values: Mapping[str, str], key: str, default: str, choices: tuple[str, ...]) -> str:
    raw = values.get(key, default).strip().upper()
    if raw not in choices:
        raise ConfigError(
            f"{key}={values.get(key)!r} is not valid: use one of {', '.join(choices)}."
        )
    return raw


def _schema(values: Mapping[str, str], key: str) -> str | None:
    raw = values.get(key)
    if raw is not None and not _IDENTIFIER.match(raw):
        raise ConfigError(
            f"{key}={raw!r} is not valid: use a plain identifier (letters, digits, _; "
            "starting with a letter)."
        )
    # Folded to lower case: unquoted on every backend (dwt on PostgreSQL, DWT on Oracle).
    return raw.lower() if raw is not None else None


def load_settings(
    environ: Mapping[str, str] | None = None,
    *,
    env_file: Path | None = None,
    config_file: Path | None = None,
) -> Settings:
    """Read and validate every setting; an invalid one raises ConfigError naming it."""
    values = gather(environ, env_file=env_file, config_file=config_file)
    data_dir, log_dir, config_dir = default_dirs(values)
    db_type = _choice(values, "DB_TYPE", "SQLITE", DB_TYPES)
    timezone = values.get("DMS_TIMEZONE", "UTC")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(
            f"DMS_TIMEZONE={timezone!r} is not valid: use an IANA zone such as UTC or Europe/Paris."
        ) from exc
    settings = Settings(
        db_type=db_type,
        db_host=values.get("DB_HOST"),
        db_port=_int(values, "DB_PORT", None, 1, 65535),
        db_sid=values.get("DB_SID"),
        db_name=values.get("DB_NAME"),
        db_user=values.get("DB_USER"),
        db_password=values.get("DB_PASSWORD"),
        dms_schema=_schema(values, "DMS_SCHEMA"),
        cdr_schema=_schema(values, "CDR_SCHEMA"),
        log_level=_choice(values, "LOG_LEVEL", "INFO", LOG_LEVELS),
        timezone=timezone,
        scheduler_max_workers=_int(values, "SCHEDULER_MAX_WORKERS", 4, 1, 64) or 4,
        metadata_url=values.get("DMS_METADATA_URL"),
        data_dir=data_dir,
        log_dir=log_dir,
        config_dir=config_dir,
        secret_key=values.get("DMS_SECRET_KEY"),
        secret_key_file=Path(values["DMS_SECRET_KEY_FILE"]).expanduser()
        if values.get("DMS_SECRET_KEY_FILE")
        else None,
    )
    _check_target(settings)
    return settings


def _check_target(settings: Settings) -> None:
    if settings.metadata_url:
        try:
            url = make_url(settings.metadata_url)
        except ArgumentError as exc:
            raise ConfigError(
                "DMS_METADATA_URL is not a valid SQLAlchemy URL: use e.g. "
                "postgresql://user@host:5432/dms or sqlite:////path/workspace.db."
            ) from exc
        if url.get_backend_name() not in ("sqlite", "postgresql", "oracle"):
            raise ConfigError(
                f"DMS_METADATA_URL uses {url.get_backend_name()!r}: the metadata database "
                "must be sqlite, postgresql or oracle."
            )
        return
    if settings.db_type != "SQLITE":
        missing = [
            k
            for k, v in (
                ("DB_HOST", settings.db_host),
                (
                    "DB_SID" if settings.db_type == "ORACLE" else "DB_NAME",
                    settings.db_sid if settings.db_type == "ORACLE" else settings.db_name,
                ),
            )
            if not v
        ]
        if missing:
            raise ConfigError(
                f"DB_TYPE={settings.db_type} needs {' and '.join(missing)}: set "
                f"{'them' if len(missing) > 1 else 'it'}, or set DMS_METADATA_URL."
            )
