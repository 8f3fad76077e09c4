"""Alembic environment: always handed a live connection by dms_desktop.core.metadata.migrate."""

from __future__ import annotations

from alembic import context

from dms_desktop.core.metadata.tables import metadata

config = context.config
connection = config.attributes["connection"]
schema = config.attributes.get("schema")

context.configure(
    connection=connection,
    target_metadata=metadata,
    version_table="dms_alembic_version",
    version_table_schema=schema,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
