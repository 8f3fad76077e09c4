"""The Monitor's table: requests with their summed row counts, and a progress cell that draws
an indeterminate bar for running rows (the engine streams without a total, so the text says
the latest step and its rows, or the elapsed time)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRectF, Qt
from PySide6.QtGui import QPainter, QPalette
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from dms_desktop.core import clock
from dms_desktop.gui.jobs.display import (
    RUNNING,
    count_text,
    duration_text,
    local_text,
    request_status,
    status_colour,
    zone_of,
)
from dms_desktop.gui.monitor.queries import RunRow
from dms_desktop.gui.records import Column, RecordsModel

PROGRESS_COLUMN = 4
DURATION_COLUMN = 6
CHUNK = 0.28  # width of the moving chunk, as a share of the bar


def status_of(row: RunRow) -> str:
    return request_status(row.status, row.message)


def progress_text(row: RunRow, now: datetime | None = None) -> str:
    """What the progress cell says: running → step and rows or elapsed; queued → waiting."""
    if row.status in ("CLAIMED", "RUNNING"):
        elapsed = duration_text(row.started, now or clock.utcnow()) if row.started else ""
        if row.step:
            rows = f" · {row.step_rows:,} rows" if row.step_rows else ""
            return f"{row.step}{rows}" + (f" · {elapsed}" if elapsed else "")
        return f"starting · {elapsed}" if elapsed else "starting"
    if row.status in ("NEW", "RETRY"):
        return "waiting" if row.attempt == 0 else f"waiting to retry (attempt {row.attempt + 1})"
    return ""


def run_columns(zone_name: str) -> list[Column]:
    zone = zone_of(zone_name)

    def when(name: str) -> Any:
        return lambda r: local_text(getattr(r, name), zone)

    def duration(r: RunRow) -> str:
        end = r.ended or (clock.utcnow() if r.status in ("CLAIMED", "RUNNING") else None)
        return duration_text(r.started, end)

    def number(name: str) -> Any:
        return lambda r: count_text(getattr(r, name))

    return [
        Column("Job", lambda r: r.job),
        Column("Mapping", lambda r: r.mappings),
        Column("Trigger", lambda r: r.trigger),
        Column("Status", status_of, status=True),
        Column("Progress", progress_text),
        Column("Started", when("started")),
        Column("Duration", duration, numeric=True),
        Column("Read", number("read"), numeric=True),
        Column("Inserted", number("inserted"), numeric=True),
        Column("Updated", number("updated"), numeric=True),
        Column("Expired", number("expired"), numeric=True),
        Column("Rejected", number("rejected"), numeric=True),
        Column("Attempt", lambda r: f"{r.attempt}/{r.max_attempts}", numeric=True),
        Column("Requested", when("requested")),
        Column("Ended", when("ended")),
        Column(
            "Message", lambda r: (r.message or "").replace("\n", " "), tooltip=lambda r: r.message
        ),
    ]


class RunsModel(RecordsModel):
    def __init__(self, zone_name: str, parent: QWidget | None = None) -> None:
        super().__init__(run_columns(zone_name), key=lambda r: r.prcreqid, parent=parent)
        self.phase = 0.0  # of the indeterminate bars, 0..1

    def running_rows(self) -> list[int]:
        return [n for n, r in enumerate(self.rows) if r.status in ("CLAIMED", "RUNNING")]

    def advance(self, step: float = 0.04) -> None:
        """Move the bars of running rows and update their elapsed time."""
        running = self.running_rows()
        if not running:
            return
        self.phase = (self.phase + step) % 1.0
        for row in running:
            self.dataChanged.emit(
                self.index(row, PROGRESS_COLUMN), self.index(row, DURATION_COLUMN)
            )


Index = QModelIndex | QPersistentModelIndex


class ProgressDelegate(QStyledItemDelegate):
    """Running rows: a track with a moving chunk and the text over it."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        model = index.model()
        row = model.row_at(index.row()) if isinstance(model, RunsModel) else None
        if not isinstance(row, RunRow) or row.status not in ("CLAIMED", "RUNNING"):
            super().paint(painter, option, index)
            return
        assert isinstance(model, RunsModel)
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""
        style = opt.widget.style() if opt.widget is not None else None
        if style is not None:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
        rect = QRectF(option.rect).adjusted(6, 5, -6, -5)
        track = QRectF(rect.left(), rect.bottom() - 4, rect.width(), 4)
        palette = option.palette
        accent = status_colour(RUNNING) or palette.color(QPalette.ColorRole.Highlight)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(palette.color(QPalette.ColorRole.Midlight))
        painter.drawRoundedRect(track, 2, 2)
        width = track.width() * CHUNK
        start = track.left() + (track.width() + width) * model.phase - width
        chunk = QRectF(max(track.left(), start), track.top(), 0, track.height())
        chunk.setRight(min(track.right(), start + width))
        if chunk.width() > 0:
            painter.setBrush(accent)
            painter.drawRoundedRect(chunk, 2, 2)
        painter.setPen(palette.color(QPalette.ColorRole.Text))
        text_rect = QRectF(rect.left(), rect.top(), rect.width(), rect.height() - 5)
        text = option.fontMetrics.elidedText(
            progress_text(row), Qt.TextElideMode.ElideRight, int(text_rect.width())
        )
        painter.drawText(
            text_rect, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), text
        )
        painter.restore()
