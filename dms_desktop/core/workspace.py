"""Open a metadata database: connect, check it is ours, create or upgrade it.

An older SQLite workspace is copied (SQLite backup API, consistent even under WAL) to
``<file>.bak-<revision>-<time>`` before it is upgraded, so a failed upgrade loses nothing.
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import Engine, false, select, text
from sqlalchemy.exc import SQLAlchemyError

from dms_desktop.core.clock import utcnow
from dms_desktop.core.errors import MetadataUnavailable, to_user_error
from dms_desktop.core.metadata import migrate
from dms_desktop.core.metadata.engine import create_metadata_engine, write_tx
from dms_desktop.core.metadata.tables import dms_params
from dms_desktop.core.settings import Settings

log = logging.getLogger(__name__)
SQLITE_HEADER = b"SQLite format 3\x00"


@dataclass
class Workspace:
    settings: Settings
    engine: Engine
    schema: str | None
    backup_path: Path | None = None
    _params: dict[tuple[str, str], str | None] = field(default_factory=dict, repr=False)

    @property
    def demo_user(self) -> str | None:
        """The documented demo login of a demo workspace, else None."""
        return self.param("WORKSPACE", "DEMO_USER")

    def param(self, prtyp: str, prcd: str) -> str | None:
        with self.engine.connect() as conn:
            return conn.execute(
                select(dms_params.c.prval).where(
                    dms_params.c.prtyp == prtyp, dms_params.c.prcd == prcd
                )
            ).scalar_one_or_none()

    def set_param(self, prtyp: str, prcd: str, value: str, description: str = "") -> None:
        with write_tx(self.engine) as conn:
            key = (dms_params.c.prtyp == prtyp) & (dms_params.c.prcd == prcd)
            now = utcnow()
            if conn.execute(select(dms_params.c.prcd).where(key)).first():
                conn.execute(dms_params.update().where(key).values(prval=value, recupdt=now))
            else:
                conn.execute(
                    dms_params.insert().values(
                        prtyp=prtyp, prcd=prcd, prval=value, prdesc=description, reccrdt=now
                    )
                )

    def close(self) -> None:
        self.engine.dispose()


def _sqlite_path(settings: Settings) -> Path | None:
    url = settings.sqlalchemy_url()
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    if url.database.startswith("file:"):
        return None  # URI form (e.g. mode=ro): let SQLite interpret it
    return Path(url.database).expanduser()


def _check_sqlite_file(path: Path) -> None:
    if path.is_dir():
        raise MetadataUnavailable(f"Workspace {path} is a folder: point it at a .db file.")
    if not path.exists() or path.stat().st_size == 0:
        return
    try:
        with path.open("rb") as fh:
            header = fh.read(len(SQLITE_HEADER))
    except OSError as exc:
        raise MetadataUnavailable(f"Cannot read workspace {path}: {exc.strerror}.") from exc
    if header != SQLITE_HEADER:
        raise MetadataUnavailable(
            f"Workspace {path} is not a SQLite database (corrupt or another kind of file): "
            "restore a backup or choose another file."
        )


def backup_sqlite(path: Path, revision: str | None) -> Path:
    stamp = utcnow().strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.name}.bak-{revision or 'empty'}-{stamp}")
    src = sqlite3.connect(path)
    try:
        dst = sqlite3.connect(target)
        with dst:
            src.backup(dst)
        dst.close()
    finally:
        src.close()
    return target


def open_workspace(settings: Settings, *, upgrade: bool = True) -> Workspace:
    """Connect and bring the schema to the current revision; known failures raise DmsError."""
    path = _sqlite_path(settings)
    if path is not None:
        _check_sqlite_file(path)
        if not upgrade and not path.exists():  # a read must not leave an empty file behind
            raise MetadataUnavailable(
                f"No workspace at {path}: create it with 'dms init' (or 'dms init --demo' for "
                "the demo), or start DMS Desktop."
            )
    engine = create_metadata_engine(settings.sqlalchemy_url(), settings.dms_schema)
    try:
        ws = _prepare(engine, settings, path, upgrade)
    except Exception as exc:
        engine.dispose()
        known = to_user_error(exc)
        if known is None:
            raise
        if known is exc:
            raise
        log.warning("Opening %s failed: %s", settings.describe(), exc)
        raise MetadataUnavailable(
            f"Cannot open the metadata database ({settings.describe()}): {known.message}"
        ) from exc
    return ws


def _prepare(engine: Engine, settings: Settings, path: Path | None, upgrade: bool) -> Workspace:
    schema = settings.dms_schema
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
        if path is not None:
            conn.exec_driver_sql("PRAGMA schema_version").scalar()  # reads page 1: detects garbage
    current = migrate.current_revision(engine, schema)
    head = migrate.head_revision()
    backup: Path | None = None
    if current == head:
        if engine.dialect.name == "sqlite":
            _probe_writable(engine)
        return Workspace(settings, engine, schema)
    if current is None and migrate.has_foreign_tables(engine, schema):
        raise MetadataUnavailable(
            f"{settings.describe()} already holds tables that are not a DMS workspace: "
            "choose an empty database (or set DMS_SCHEMA to an empty schema)."
        )
    if current is not None:
        script = ScriptDirectory(str(migrate.MIGRATIONS_DIR))
        try:
            script.get_revision(current)
        except CommandError as exc:
            raise MetadataUnavailable(
                f"The workspace is at revision {current}, newer than this DMS Desktop knows "
                f"({head}): install the newer version of DMS Desktop."
            ) from exc
    if not upgrade:
        raise MetadataUnavailable(
            f"The workspace is at revision {current or 'none'} and needs an upgrade to {head}: "
            "run 'dms init' or start DMS Desktop."
        )
    if path is not None and current is not None:
        backup = backup_sqlite(path, current)
        log.info("Backed up %s to %s before upgrading %s -> %s", path, backup, current, head)
    migrate.upgrade(engine, schema)
    log.info("Metadata database %s upgraded from %s to %s", settings.describe(), current, head)
    return Workspace(settings, engine, schema, backup_path=backup)


def _probe_writable(engine: Engine) -> None:
    """Fail at open, not at the first save, when the SQLite file cannot be written."""
    try:
        with write_tx(engine) as conn:
            # A no-op write: SQLite refuses it on a read-only file (BEGIN alone succeeds).
            conn.execute(dms_params.update().where(false()).values(prval=dms_params.c.prval))
    except SQLAlchemyError as exc:
        raise MetadataUnavailable(
            "The workspace file is read-only: make it writable or choose another workspace."
        ) from exc
