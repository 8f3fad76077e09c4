"""Calendar page: a placeholder until the Calendar module lands (replace ``PAGE`` here)."""

from __future__ import annotations

from dms_desktop.gui.pages import placeholder

PAGE = placeholder(
    module="calendar",
    title="Calendar",
    icon_name="calendar",
    summary="Every planned firing on a calendar",
    description=(
        "Schedules on a calendar: every planned firing by day, week and month, dependency chains, "
        "quiet and crowded hours at a glance, and the firings missed while no scheduler was "
        "running."
    ),
)
