"""What the welcome page runs in the background (plain functions, no Qt).

Workspaces are created by the same core functions ``dms init`` uses (``open_workspace``,
``create_demo_workspace``, ``AuthService.create_first_admin``): no second creation path.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text

from dms_desktop.core.errors import DmsError, MetadataUnavailable, to_user_error
from dms_desktop.core.metadata import migrate
from dms_desktop.core.metadata.engine import create_metadata_engine
from dms_desktop.core.security.auth import AuthService
from dms_desktop.core.security.permissions import CurrentUser
from dms_desktop.core.security.secrets import keyring_available
from dms_desktop.core.settings import Settings
from dms_desktop.core.workspace import Workspace, open_workspace

log = logging.getLogger(__name__)
SERVER_NAMES = {"postgresql": "PostgreSQL", "oracle": "Oracle", "sqlite": "SQLite"}


@dataclass(frozen=True)
class Probe:
    """What "Test connection" found on a metadata server."""

    server: str  # e.g. "PostgreSQL 16.4"
    revision: str | None  # the DMS schema's revision, None when there is none
    head: str
    foreign_tables: bool  # tables that are not ours in the target schema
    has_users: bool
    keyring: bool = True  # an OS keyring can keep the password

    @property
    def has_schema(self) -> bool:
        return self.revision is not None

    def summary(self) -> str:
        if self.foreign_tables and not self.has_schema:
            return (
                f"Connected ({self.server}), but this database (or schema) already holds "
                "tables that are not a DMS workspace: choose an empty database or name a new "
                "schema."
            )
        if not self.has_schema:
            return (
                f"Connected ({self.server}). This database has no DMS schema yet: "
                "Continue creates it, then the first administrator."
            )
        upgrade = "" if self.revision == self.head else " It will be upgraded to this version."
        users = "Continue goes to the login." if self.has_users else (
            "It has no user yet: Continue asks for the first administrator.")  # fmt: skip
        return f"Connected ({self.server}). A DMS workspace is there.{upgrade} {users}"


def where(settings: Settings) -> str:
    """``PostgreSQL at db1:5432, database dms`` (no password, ever)."""
    kind = SERVER_NAMES.get(settings.backend, settings.backend)
    if settings.db_type == "ORACLE":
        target = f"service {settings.db_sid}"
    else:
        target = f"database {settings.db_name}"
    return f"{kind} at {settings.db_host}:{settings.db_port}, {target}"


def probe_metadata(settings: Settings) -> Probe:
    """Connect (10 s timeout) and look for the DMS schema; known failures raise DmsError."""
    engine = create_metadata_engine(settings.sqlalchemy_url(), settings.dms_schema)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        server = SERVER_NAMES.get(engine.dialect.name, engine.dialect.name)
        if engine.dialect.server_version_info:
            server += " " + ".".join(str(n) for n in engine.dialect.server_version_info[:2])
        revision = migrate.current_revision(engine, settings.dms_schema)
        foreign = revision is None and migrate.has_foreign_tables(engine, settings.dms_schema)
        has_users = False
        if revision == migrate.head_revision():
            has_users = AuthService(Workspace(settings, engine, settings.dms_schema)).has_users()
        return Probe(
            server, revision, migrate.head_revision(), foreign, has_users, keyring_available()
        )
    except DmsError:
        raise
    except Exception as exc:
        known = to_user_error(exc)
        if known is None:
            raise
        raise MetadataUnavailable(f"Cannot connect to {where(settings)}: {known.message}") from exc
    finally:
        engine.dispose()


def prepare_workspace(settings: Settings) -> tuple[Workspace, bool]:
    """Create (or upgrade) the workspace; (workspace, whether it has users)."""
    ws = open_workspace(settings)
    try:
        return ws, AuthService(ws).has_users()
    except BaseException:
        ws.close()
        raise


def create_folder_workspace(settings: Settings, folder: Path) -> tuple[Workspace, bool]:
    """The empty-workspace choice: the folder, then ``workspace.db`` in it."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise MetadataUnavailable(f"Cannot create the folder {folder}: {exc.strerror}.") from exc
    return prepare_workspace(settings)


def create_admin(ws: Workspace, username: str, password: str, host: str) -> CurrentUser:
    return AuthService(ws).create_first_admin(username, password, host)
