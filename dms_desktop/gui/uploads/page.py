"""Uploads page: a placeholder until the Uploads module lands (replace ``PAGE`` here)."""

from __future__ import annotations

from dms_desktop.gui.pages import placeholder

PAGE = placeholder(
    module="uploads",
    title="Uploads",
    icon_name="uploads",
    summary="Loading files into target tables",
    description=(
        "File uploads: CSV, Excel and JSON files mapped column by column onto a target table, "
        "with transformation rules, validation before anything is written, batch loading and a "
        "log of rejected rows."
    ),
)
