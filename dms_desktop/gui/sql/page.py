"""SQL page: a placeholder until the SQL module lands (replace ``PAGE`` here)."""

from __future__ import annotations

from dms_desktop.gui.pages import placeholder

PAGE = placeholder(
    module="sql",
    title="SQL",
    icon_name="sql",
    summary="Managed source queries",
    description=(
        "Managed source queries: a SQL editor with highlighting and completion, bound to a "
        "connection; validation in the source dialect, column discovery, a preview of the first "
        "rows, and every saved version kept with a diff against the previous one."
    ),
)
