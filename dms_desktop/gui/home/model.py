"""Table model of the last runs shown on Home (rows are plain objects loaded off the GUI thread)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from dms_desktop.gui.jobs.display import status_colour

COLUMNS = ("Mapping", "Status", "Started", "Ended", "Duration", "Rows loaded")


def format_timestamp(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S") if value else ""


def format_duration(started: datetime | None, ended: datetime | None) -> str:
    if not started or not ended:
        return ""
    seconds = int(max(ended - started, timedelta(0)).total_seconds())
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


Index = QModelIndex | QPersistentModelIndex


class LastRunsModel(QAbstractTableModel):
    """Rows are objects with mapref, status, started, ended, rows_loaded (core RunRow)."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[Any] = []

    def set_rows(self, rows: Sequence[Any]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self,
        section: int,
        orientation: Qt.Orientation,  # noqa: N802
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.TextAlignmentRole:
            if section == len(COLUMNS) - 1:
                return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            return int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        run, column = self._rows[index.row()], index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(run, column)
        if role == Qt.ItemDataRole.TextAlignmentRole and column == 5:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole and column == 1:
            return status_colour(run.status)
        return None

    @staticmethod
    def _display(run: Any, column: int) -> str:
        if column == 0:
            return str(run.mapref or "")
        if column == 1:
            return str(run.status or "")
        if column == 2:
            return format_timestamp(run.started)
        if column == 3:
            return format_timestamp(run.ended)
        if column == 4:
            return format_duration(run.started, run.ended)
        return "" if run.rows_loaded is None else f"{run.rows_loaded:,}"
