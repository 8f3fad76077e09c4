"""Mapper page: a placeholder until the Mapper module lands (replace ``PAGE`` here)."""

from __future__ import annotations

from dms_desktop.gui.pages import placeholder

PAGE = placeholder(
    module="mapper",
    title="Mapper",
    icon_name="mapper",
    summary="Mappings from source queries to target tables",
    description=(
        "Mapping grids: target columns, key roles, SQL logic over the source query, lookups, "
        "aggregation and SCD type; validation, preview, target DDL, Excel spec import/export."
    ),
)
