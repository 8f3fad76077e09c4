"""The last runs shown on Home: a RecordsModel over core RunRow objects (mapref, status,
started, ended, rows_loaded), loaded off the GUI thread."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from PySide6.QtWidgets import QWidget

from dms_desktop.gui.jobs.display import count_text, duration_text
from dms_desktop.gui.records import Column, RecordsModel, field

COLUMNS = ("Mapping", "Status", "Started", "Ended", "Duration", "Rows loaded")


def format_timestamp(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S") if value else ""


def last_runs_model(parent: QWidget | None = None) -> RecordsModel[Any]:
    texts = (
        field("mapref"),
        field("status"),
        lambda run: format_timestamp(run.started),
        lambda run: format_timestamp(run.ended),
        lambda run: duration_text(run.started, run.ended),
        lambda run: count_text(run.rows_loaded),
    )
    columns = [
        Column(title, text, status=title == "Status", numeric=title == "Rows loaded")
        for title, text in zip(COLUMNS, texts, strict=True)
    ]
    return RecordsModel(columns, parent)
