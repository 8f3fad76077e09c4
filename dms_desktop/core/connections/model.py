"""A connection definition and the database types DMS Desktop speaks."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import URL

CONNECT_TIMEOUT_S = 10


@dataclass(frozen=True)
class DbType:
    code: str
    label: str
    driver: str
    default_port: int | None
    dialect: str  # sqlglot's name
    fields: tuple[str, ...]  # which of host, port, service, database, path, user it uses


DB_TYPES: dict[str, DbType] = {
    t.code: t
    for t in (
        DbType(
            "POSTGRESQL",
            "PostgreSQL",
            "postgresql+psycopg2",
            5432,
            "postgres",
            ("host", "port", "database", "user"),
        ),
        DbType(
            "ORACLE",
            "Oracle",
            "oracle+oracledb",
            1521,
            "oracle",
            ("host", "port", "service", "user"),
        ),
        DbType(
            "MYSQL",
            "MariaDB / MySQL",
            "mysql+pymysql",
            3306,
            "mysql",
            ("host", "port", "database", "user"),
        ),
        DbType("SQLITE", "SQLite", "sqlite+pysqlite", None, "sqlite", ("path",)),
    )
}


@dataclass(frozen=True)
class ConnectionDef:
    """What a user edits; the password is never part of it (it lives encrypted)."""

    name: str
    dbtype: str
    host: str | None = None
    port: int | None = None
    service: str | None = None  # Oracle service name
    database: str | None = None  # PostgreSQL/MySQL database, SQLite file path
    user: str | None = None
    options: dict[str, Any] = field(default_factory=dict)
    description: str | None = None
    conid: int | None = None
    has_password: bool = False
    updated: datetime | None = None

    @property
    def type(self) -> DbType:
        return DB_TYPES[self.dbtype]

    @property
    def dialect(self) -> str:
        return self.type.dialect

    @property
    def timeout(self) -> int:
        return int(self.options.get("connect_timeout", CONNECT_TIMEOUT_S))

    def display(self) -> str:
        """Where it points, for lists and messages; never the password."""
        if self.dbtype == "SQLITE":
            return f"sqlite: {self.database}"
        where = self.service if self.dbtype == "ORACLE" else self.database
        port = self.port or self.type.default_port
        return (
            f"{self.type.label}: {self.user + '@' if self.user else ''}{self.host}:{port}/{where}"
        )

    def url(self, password: str | None) -> URL:
        """The SQLAlchemy URL: values bound into a URL object, never string-built."""
        kind = self.type
        if self.dbtype == "SQLITE":
            path = Path(self.database or "").expanduser().resolve()
            # mode=rw: a missing file is an error, not a new empty database (unless asked).
            mode = "rwc" if self.options.get("create") else "rw"
            return URL.create(
                kind.driver, database=f"{path.as_uri()}?mode={mode}", query={"uri": "true"}
            )
        query = {"service_name": self.service} if self.dbtype == "ORACLE" and self.service else {}
        return URL.create(
            kind.driver,
            username=self.user,
            password=password,
            host=self.host,
            port=self.port or kind.default_port,
            database=None if self.dbtype == "ORACLE" else self.database,
            query=query,
        )

    def connect_args(self) -> dict[str, Any]:
        """Connect timeouts so a wrong host fails fast."""
        seconds = self.timeout
        if self.dbtype == "POSTGRESQL":
            return {"connect_timeout": seconds, "application_name": "dms-desktop"}
        if self.dbtype == "ORACLE":
            return {"tcp_connect_timeout": float(seconds)}
        if self.dbtype == "MYSQL":
            return {"connect_timeout": seconds}
        return {"timeout": 30, "check_same_thread": False}


_BACKEND_TYPES = {
    "postgresql": "POSTGRESQL",
    "oracle": "ORACLE",
    "mysql": "MYSQL",
    "mariadb": "MYSQL",
    "sqlite": "SQLITE",
}


def from_url(name: str, raw: str) -> tuple[ConnectionDef, str | None]:
    """A definition (and the password, if the URL holds one) from a SQLAlchemy URL."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    from dms_desktop.core.errors import ValidationError

    try:
        url = make_url(raw)
    except ArgumentError as exc:
        raise ValidationError(
            f"{raw.split('@')[-1]!r} is not a database URL: use e.g. "
            "postgresql://user@host:5432/db or sqlite:////path/file.db."
        ) from exc
    dbtype = _BACKEND_TYPES.get(url.get_backend_name())
    if dbtype is None:
        raise ValidationError(
            f"Database type '{url.get_backend_name()}' is not supported: use postgresql, "
            "oracle, mysql/mariadb or sqlite."
        )
    if dbtype == "SQLITE":
        return ConnectionDef(name=name, dbtype=dbtype, database=url.database), None
    service = url.query.get("service_name")
    return ConnectionDef(
        name=name,
        dbtype=dbtype,
        host=url.host,
        port=url.port,
        user=url.username,
        service=str(service) if service else (url.database if dbtype == "ORACLE" else None),
        database=None if dbtype == "ORACLE" else url.database,
    ), url.password if isinstance(url.password, str) else None
