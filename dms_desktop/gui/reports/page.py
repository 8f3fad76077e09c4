"""Reports page: a placeholder until the Reports module lands (replace ``PAGE`` here)."""

from __future__ import annotations

from dms_desktop.gui.pages import placeholder

PAGE = placeholder(
    module="reports",
    title="Reports",
    icon_name="reports",
    summary="Report definitions and exports",
    description=(
        "Report definitions over the run logs and the target tables, with parameters and "
        "templates, run on demand or on a schedule and exported to CSV, XLSX or PDF."
    ),
)
