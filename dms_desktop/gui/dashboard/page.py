"""Dashboard page: a placeholder until the Dashboard module lands (replace ``PAGE`` here)."""

from __future__ import annotations

from dms_desktop.gui.pages import placeholder

PAGE = placeholder(
    module="dashboard",
    title="Dashboard",
    icon_name="dashboard",
    summary="Trends across runs",
    description=(
        "Trends across runs: success rate, duration and rows loaded per job and target over time, "
        "the slowest and most often failing mappings, and volumes by source system, all "
        "aggregated in the metadata database."
    ),
)
