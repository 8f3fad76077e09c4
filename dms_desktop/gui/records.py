"""A read-only table model over plain records (dataclasses or dicts) with declared columns,
and the table view the smaller grids share.

Used by Jobs, Calendar, Monitor, Dashboard and Admin (users, audit): rows are loaded off the
GUI thread; ``data()`` only formats what is in memory.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QFont, QGuiApplication, QPalette
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from dms_desktop.gui.jobs.display import status_colour

R = TypeVar("R")
Index = QModelIndex | QPersistentModelIndex
RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
TOOLTIP_FROM = 30  # characters: a longer cell text also shows as its tooltip


@dataclass(frozen=True)
class Column(Generic[R]):
    title: str
    text: Callable[[R], Any]  # the value, shown through display()
    width: int | None = None  # pixels; None: the view's default
    numeric: bool = False
    status: bool = False  # coloured by the status word it shows
    tooltip: Callable[[R], str | None] | None = None


def field(name: str) -> Callable[[Any], Any]:
    """Read ``name`` from a dict or an object."""
    return lambda row: row.get(name) if isinstance(row, dict) else getattr(row, name, None)


def display(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, tuple | list):
        return ", ".join(str(v) for v in value)
    return str(value)


class RecordsModel(QAbstractTableModel, Generic[R]):
    def __init__(
        self,
        columns: Sequence[Column[R]],
        parent: QWidget | None = None,
        *,
        key: Callable[[R], Hashable] | None = None,
        muted: Callable[[R], bool] | None = None,
        strong: Callable[[R], bool] | None = None,
    ) -> None:
        super().__init__(parent)
        self.columns = list(columns)
        self.key = key
        self.muted = muted  # rows drawn in the muted colour (a disabled job or user)
        self.strong = strong  # rows drawn bold (failures)
        self.rows: list[R] = []

    def set_rows(self, rows: Sequence[R]) -> None:
        """Replace the rows; with a ``key`` and the same keys in the same order, the cells
        change in place so selection and scroll position survive a live refresh."""
        rows = list(rows)
        key = self.key
        same = (
            key is not None
            and len(rows) == len(self.rows)
            and all(key(a) == key(b) for a, b in zip(rows, self.rows, strict=True))
        )
        if same and rows:
            self.rows = rows
            last = self.index(len(rows) - 1, len(self.columns) - 1)
            self.dataChanged.emit(self.index(0, 0), last)
            return
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def row_at(self, row: int) -> R | None:
        return self.rows[row] if 0 <= row < len(self.rows) else None

    def find(self, key: Hashable) -> int:
        if self.key is None:
            return -1
        return next((n for n, row in enumerate(self.rows) if self.key(row) == key), -1)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self.columns)

    def headerData(
        self,
        section: int,
        orientation: Qt.Orientation,  # noqa: N802
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self.columns):
            return None
        column = self.columns[section]
        if role == Qt.ItemDataRole.DisplayRole:
            return column.title
        if role == Qt.ItemDataRole.TextAlignmentRole and column.numeric:
            return RIGHT
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row, column = self.rows[index.row()], self.columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return display(column.text(row))
        if role == Qt.ItemDataRole.ToolTipRole:
            if column.tooltip is not None:
                return column.tooltip(row)
            text = display(column.text(row))
            return text if len(text) > TOOLTIP_FROM else None
        if role == Qt.ItemDataRole.TextAlignmentRole and column.numeric:
            return RIGHT
        if role == Qt.ItemDataRole.ForegroundRole:
            if column.status:
                return status_colour(display(column.text(row)))
            if self.muted is not None and self.muted(row):
                return QGuiApplication.palette().color(QPalette.ColorRole.PlaceholderText)
        if role == Qt.ItemDataRole.FontRole and self.strong is not None and self.strong(row):
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.UserRole:
            return row
        return None


def records_view(
    model: QAbstractTableModel, parent: QWidget, name: str, widths: Sequence[int] = ()
) -> QTableView:
    """A table view styled like the other grids: rows selected whole, no editing; column
    widths from ``widths``, else from the model's columns that set one."""
    view = QTableView(parent)
    view.setObjectName(name)
    view.setModel(model)
    view.setAlternatingRowColors(True)
    view.setShowGrid(False)
    view.setWordWrap(False)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
    view.verticalHeader().setVisible(False)
    view.verticalHeader().setDefaultSectionSize(26)
    header = view.horizontalHeader()
    header.setHighlightSections(False)
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    header.setStretchLastSection(True)
    if not widths and isinstance(model, RecordsModel):
        widths = [c.width or header.defaultSectionSize() for c in model.columns]
    for number, width in enumerate(widths):
        view.setColumnWidth(number, width)
    return view


def selected_row(view: QTableView) -> Any:
    """The record of the selected row, or None."""
    rows = view.selectionModel().selectedRows() if view.selectionModel() else []
    if not rows:
        return None
    model = view.model()
    return model.row_at(rows[0].row()) if isinstance(model, RecordsModel) else None
