"""Jobs page: a placeholder until the Jobs module lands (replace ``PAGE`` here)."""

from __future__ import annotations

from dms_desktop.gui.pages import placeholder

PAGE = placeholder(
    module="jobs",
    title="Jobs",
    icon_name="jobs",
    summary="Loads built from mappings, their schedules and dependencies",
    description=(
        "Jobs built from mappings: the compiled load plan with the SQL of each step, schedules by "
        "frequency code (yearly to intraday) in the workspace time zone, dependencies between "
        "jobs, enable and disable, and Run now with one active run per job."
    ),
)
