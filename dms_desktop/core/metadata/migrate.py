"""Run the Alembic migrations programmatically (no alembic.ini on the user's machine)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, inspect
from sqlalchemy.schema import CreateSchema

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
VERSION_TABLE = "dms_alembic_version"


def _config(connection: Connection | None = None, schema: str | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["connection"] = connection
    cfg.attributes["schema"] = schema
    return cfg


def head_revision() -> str:
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine, schema: str | None = None) -> str | None:
    """The workspace's revision; None for an empty database."""
    with engine.connect() as conn:
        ctx = MigrationContext.configure(
            conn, opts={"version_table": VERSION_TABLE, "version_table_schema": schema}
        )
        return ctx.get_current_revision()


def has_foreign_tables(engine: Engine, schema: str | None = None) -> bool:
    """True when the database holds tables but no DMS revision (not a DMS workspace)."""
    names = set(inspect(engine).get_table_names(schema=schema))
    return bool(names) and VERSION_TABLE not in names


def upgrade(engine: Engine, schema: str | None = None, revision: str = "head") -> None:
    """Create or upgrade the schema to ``revision`` in one transaction where DDL allows it."""
    with engine.begin() as conn:
        if schema and conn.dialect.name == "postgresql":
            conn.execute(CreateSchema(schema, if_not_exists=True))
        command.upgrade(_config(conn, schema), revision)
