"""Monitor page: a placeholder until the Monitor module lands (replace ``PAGE`` here)."""

from __future__ import annotations

from dms_desktop.gui.pages import placeholder

PAGE = placeholder(
    module="monitor",
    title="Monitor",
    icon_name="monitor",
    summary="Runs as they happen",
    description=(
        "Runs as they happen: the request queue, running and finished runs with their steps, "
        "source, inserted, updated and expired row counts, rejected rows with key, column and "
        "reason; cancel a run, retry a failed one, follow its log."
    ),
)
