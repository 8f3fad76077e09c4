"""The results grid: a lazy table model over a running query, and its view.

``ResultModel`` holds the rows read so far and pulls the next page from the ``QueryRun`` in a
worker thread when the view scrolls to the end (``canFetchMore``/``fetchMore``); ``data()``
only formats values already in memory. Cells show at most ``CELL_CHARS`` characters, so a
10 MB text value costs a slice, not a layout of ten million glyphs; the full value is what
Copy puts on the clipboard.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QEvent,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QFont, QGuiApplication, QKeyEvent, QKeySequence, QPalette
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from dms_desktop.core.sqlstore.runner import QueryRun
from dms_desktop.gui.workers import TaskSlot, run_in_background

CELL_CHARS = 200  # characters a cell shows
TOOLTIP_CHARS = 2000  # characters a tooltip shows
BYTES_SHOWN = 24  # bytes of a binary value shown as hex
PAGE_ROWS = 500
NULL_TEXT = "NULL"
_NUMBERS = (int, float, Decimal)
_BLANKS = str.maketrans({"\n": "↵", "\r": " ", "\t": " "})

Index = QModelIndex | QPersistentModelIndex


def value_text(value: Any) -> str:
    """The full text of a value, as Copy and tooltips give it."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, bytes | bytearray | memoryview):
        return "0x" + bytes(value).hex()
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


def cell_text(value: Any) -> str:
    """What a cell shows: short, one line; binary as a hex preview with its size."""
    if value is None:
        return NULL_TEXT
    if isinstance(value, bytes | bytearray | memoryview):
        size = len(value)
        head = bytes(value[:BYTES_SHOWN]).hex()
        return f"0x{head}{'…' if size > BYTES_SHOWN else ''} ({size:,} bytes)"
    if isinstance(value, float):
        # 15 significant digits, as the SQLite shell prints: 32.4 rather than the binary
        # artefact 32.400000000000006 (Copy keeps every digit)
        return format(value, ".15g")
    text = value[: CELL_CHARS + 1] if isinstance(value, str) else value_text(value)
    if len(text) > CELL_CHARS:
        text = text[:CELL_CHARS] + "…"
    return text.translate(_BLANKS)


def tooltip_text(value: Any) -> str | None:
    """The value in full when it fits a tooltip, else its beginning and its size."""
    if value is None or isinstance(value, bool | int | float | Decimal):
        return None
    if isinstance(value, bytes | bytearray | memoryview):
        size = len(value)
        head = bytes(value[: TOOLTIP_CHARS // 2]).hex()
        return f"{size:,} bytes\n0x{head}{'…' if size > TOOLTIP_CHARS // 2 else ''}"
    text = value if isinstance(value, str) else value_text(value)
    if len(text) <= CELL_CHARS:
        return None
    if len(text) > TOOLTIP_CHARS:
        return f"{text[:TOOLTIP_CHARS]}…\n\n({len(text):,} characters; Copy takes them all)"
    return text


def _muted() -> QColor:
    return QGuiApplication.palette().color(QPalette.ColorRole.PlaceholderText)


class ResultModel(QAbstractTableModel):
    """Rows of one query result, read page by page as the user scrolls."""

    sig_rows_changed = Signal()  # rows arrived or the result ended: the status line changes
    sig_fetch_failed = Signal(object)  # the exception of a failed page

    def __init__(self, parent: QWidget | None = None, page_rows: int = PAGE_ROWS) -> None:
        super().__init__(parent)
        self.page_rows = page_rows
        self.run: QueryRun | None = None
        self.names: list[str] = []
        self.types: list[str] = []
        self._rows: list[tuple[Any, ...]] = []
        self._more = False
        self._failed = False
        self._fetch = TaskSlot()
        self._null_font = QFont()
        self._null_font.setItalic(True)

    # -- the result -------------------------------------------------------------------------
    def set_result(
        self, run: QueryRun, rows: Sequence[tuple[Any, ...]], more: bool | None = None
    ) -> None:
        """Show ``run``'s columns and its first ``rows``; the model owns ``run`` from now on.

        ``more`` False: show these rows only (the run was closed with rows left)."""
        self.beginResetModel()
        self._drop_run()
        self.run = run
        self.names = [c.name for c in run.columns]
        self.types = [c.type for c in run.columns]
        self._rows = list(rows)
        self._more = not run.exhausted if more is None else more and not run.exhausted
        self._failed = False
        self.endResetModel()
        self.sig_rows_changed.emit()

    def clear(self) -> None:
        self.beginResetModel()
        self._drop_run()
        self.names, self.types, self._rows = [], [], []
        self._more = False
        self.endResetModel()
        self.sig_rows_changed.emit()

    def _drop_run(self) -> None:
        self._fetch.cancel()
        run, self.run = self.run, None
        if run is not None:  # closing talks to the database: never on the GUI thread
            run_in_background(run.close)

    @property
    def more(self) -> bool:
        """Rows remain on the server."""
        return self._more

    @property
    def fetching(self) -> bool:
        return self._fetch.busy

    def row_values(self, row: int) -> tuple[Any, ...]:
        return self._rows[row]

    def status_text(self) -> str:
        if self.run is None and not self.names:
            return ""
        count = len(self._rows)
        rows = f"{count:,}{'+' if self._more else ''} row{'' if count == 1 else 's'}"
        elapsed = self.run.elapsed if self.run is not None else 0.0
        return f"{rows} · {elapsed:.2f} s" + (" · loading…" if self.fetching else "")

    # -- lazy fetching ----------------------------------------------------------------------
    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: N802, B008
        if parent.isValid() or self.run is None:
            return False
        return self._more and not self._failed and not self._fetch.busy

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: N802, B008
        if not self.canFetchMore(parent):
            return
        assert self.run is not None
        self._fetch.start(
            self.run.fetch, self.page_rows, on_done=self._append, on_error=self._fetch_failed
        )
        self.sig_rows_changed.emit()

    def _append(self, rows: list[tuple[Any, ...]]) -> None:
        run = self.run
        if rows:
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(rows) - 1)
            self._rows.extend(rows)
            self.endInsertRows()
        self._more = run is not None and not run.exhausted
        self.sig_rows_changed.emit()

    def _fetch_failed(self, exc: BaseException) -> None:
        self._failed = True
        self._more = False
        self.sig_rows_changed.emit()
        self.sig_fetch_failed.emit(exc)

    # -- table model ------------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self.names)

    def headerData(
        self,
        section: int,
        orientation: Qt.Orientation,  # noqa: N802
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        if orientation == Qt.Orientation.Vertical:
            return str(section + 1) if role == Qt.ItemDataRole.DisplayRole else None
        if not 0 <= section < len(self.names):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.names[section]
        if role == Qt.ItemDataRole.ToolTipRole:
            kind = self.types[section]
            return f"{self.names[section]}{f' ({kind})' if kind else ''}\nClick to sort"
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        value = self._rows[index.row()][index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return cell_text(value)
        if role == Qt.ItemDataRole.ToolTipRole:
            return tooltip_text(value)
        if value is None:
            if role == Qt.ItemDataRole.ForegroundRole:
                return _muted()
            if role == Qt.ItemDataRole.FontRole:
                return self._null_font
            return None
        numeric = isinstance(value, _NUMBERS) and not isinstance(value, bool)
        if role == Qt.ItemDataRole.TextAlignmentRole and numeric:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.UserRole:
            return value
        return None


def _tsv_field(text: str) -> str:
    """A spreadsheet cell: quoted when it holds a tab, a line break or a quote."""
    if any(c in text for c in '\t\n\r"'):
        return '"' + text.replace('"', '""') + '"'
    return text


class ResultView(QTableView):
    """The grid: copy as TSV with a header row (Ctrl+C), sort by clicking a column header."""

    sig_sort_requested = Signal(int, object)  # column, Qt.SortOrder: run again with ORDER BY

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("resultView")
        self.setAlternatingRowColors(True)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setWordWrap(False)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        vertical = self.verticalHeader()
        vertical.setDefaultSectionSize(24)
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        header = self.horizontalHeader()
        header.setSectionsClickable(True)
        header.setSortIndicatorShown(False)
        header.setHighlightSections(False)
        header.setDefaultSectionSize(140)
        header.setMaximumSectionSize(420)
        header.sectionClicked.connect(self._header_clicked)
        self.sort_column = -1
        self.sort_order = Qt.SortOrder.AscendingOrder

    def reset_sort(self) -> None:
        self.sort_column = -1
        self.horizontalHeader().setSortIndicatorShown(False)

    def show_sort(self, column: int, order: Qt.SortOrder) -> None:
        self.sort_column, self.sort_order = column, order
        header = self.horizontalHeader()
        header.setSortIndicatorShown(True)
        header.setSortIndicator(column, order)

    def _header_clicked(self, column: int) -> None:
        ascending = Qt.SortOrder.AscendingOrder
        descending = Qt.SortOrder.DescendingOrder
        order = (
            descending if column == self.sort_column and self.sort_order == ascending else ascending
        )
        self.show_sort(column, order)
        self.sig_sort_requested.emit(column, order)

    def fit_columns(self) -> None:
        """Size columns to the first rows' content, within the header's limits."""
        self.resizeColumnsToContents()

    # -- copy -------------------------------------------------------------------------------
    def selection_tsv(self) -> str:
        model = self.model()
        indexes = self.selectedIndexes()
        if not isinstance(model, ResultModel) or not indexes:
            return ""
        rows = sorted({i.row() for i in indexes})
        columns = sorted({i.column() for i in indexes})
        chosen = {(i.row(), i.column()) for i in indexes}
        lines = ["\t".join(_tsv_field(model.names[c]) for c in columns)]
        for row in rows:
            values = model.row_values(row)
            lines.append(
                "\t".join(
                    _tsv_field(value_text(values[c])) if (row, c) in chosen else "" for c in columns
                )
            )
        return "\n".join(lines)

    def copy(self) -> None:
        text = self.selection_tsv()
        if text:
            QGuiApplication.clipboard().setText(text)

    def event(self, event: QEvent) -> bool:
        # Take Ctrl+C before the window's Edit > Copy shortcut, which copies without a header.
        override = event.type() == QEvent.Type.ShortcutOverride
        if (
            override
            and isinstance(event, QKeyEvent)
            and event.matches(QKeySequence.StandardKey.Copy)
        ):
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        if event.matches(QKeySequence.StandardKey.Copy):
            self.copy()
            return
        super().keyPressEvent(event)
