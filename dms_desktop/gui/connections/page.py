"""Connections page: a placeholder until the Connections module lands (replace ``PAGE`` here)."""

from __future__ import annotations

from dms_desktop.gui.pages import placeholder

PAGE = placeholder(
    module="connections",
    title="Connections",
    icon_name="connections",
    summary="Source and target databases",
    description=(
        "Source and target databases: PostgreSQL, Oracle (thin mode, no client install), SQLite, "
        "MariaDB/MySQL and DuckDB. Host, port, service or database, user and driver options per "
        "connection; passwords encrypted with a key kept outside the metadata database (OS "
        "keyring or key file); a connection test before you save, and which mappings and queries "
        "use each one."
    ),
)
