"""Alembic environment, driven by dms_desktop.core.metadata.migrate.

Online: handed a live connection. Offline (``--sql``, used by the tests to render the Oracle
DDL without an Oracle server): handed a URL naming the dialect.
"""

from __future__ import annotations

from alembic import context

from dms_desktop.core.metadata.tables import metadata

config = context.config
schema = config.attributes.get("schema")
options = {
    "target_metadata": metadata,
    "version_table": "dms_alembic_version",
    "version_table_schema": schema,
    "compare_type": True,
}

if context.is_offline_mode():
    context.configure(url=config.attributes["offline_url"], literal_binds=True, **options)
else:
    connection = config.attributes["connection"]
    context.configure(
        connection=connection, render_as_batch=connection.dialect.name == "sqlite", **options
    )
with context.begin_transaction():
    context.run_migrations()
