"""The mapping grid's model: one row per target column, every edit through the undo stack.

``setData`` never changes a value itself: it pushes a command whose ``redo`` calls the raw
operations below (``apply_cells``, ``insert_columns``…), so an edit by the user, a paste or a
generation is always one undoable step. Validation problems are kept per column object (not
per row number), so they follow a row that moves and disappear when the cell is edited.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QColor, QFontDatabase, QUndoStack
from PySide6.QtWidgets import QWidget

from dms_desktop.core.mapping.model import MappingColumn
from dms_desktop.core.mapping.validate import MappingProblem
from dms_desktop.gui.mapper.commands import SetCellsCommand
from dms_desktop.gui.mapper.delegates import MARK_ROLE as DELEGATE_MARK_ROLE
from dms_desktop.gui.mapper.fields import (
    BOOL,
    COLUMN_OF,
    FIELDS,
    INT,
    LOGIC,
    Change,
    text_to_value,
    value_to_text,
)
from dms_desktop.gui.theme import is_dark

Index = QModelIndex | QPersistentModelIndex

MARK_ROLE = DELEGATE_MARK_ROLE  # the validation message of a cell (None: none)
ERROR_COLOURS = (("#a11d1d", "#fdecec"), ("#ffc4c4", "#4a2326"))  # (fore, back) light, dark
CELL_CHARS = 200


def one_line(text: str) -> str:
    flat = text.replace("\r\n", "\n").replace("\n", " ↵ ").replace("\t", " ")
    return flat if len(flat) <= CELL_CHARS else flat[:CELL_CHARS] + "…"


class MappingColumnsModel(QAbstractTableModel):
    sig_marks_changed = Signal()  # validation marks were set, or one was cleared by an edit
    sig_touched = Signal(int, int, int)  # first row, last row, column (-1: whole rows) a command
    # changed: the view selects them, so an undo shows what it undid

    def __init__(self, undo_stack: QUndoStack, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.undo_stack = undo_stack
        self.columns: list[MappingColumn] = []
        self.read_only = False
        self._marks: dict[int, dict[str, str]] = {}  # id(column) -> attribute -> message
        self._mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)

    # -- loading ----------------------------------------------------------------------------
    def set_columns(self, columns: Sequence[MappingColumn]) -> None:
        """Show ``columns`` (copies are not made: the editor hands over its own)."""
        self.beginResetModel()
        self.columns = list(columns)
        self._marks = {}
        self.endResetModel()
        self.sig_marks_changed.emit()

    # -- raw operations (commands call these; nothing else should) ---------------------------
    def apply_cells(self, changes: Iterable[tuple[int, str, Any]]) -> None:
        touched: list[tuple[int, int]] = []
        for row, attr, value in changes:
            column = self.columns[row]
            setattr(column, attr, value)
            self._clear_mark(column, attr)
            touched.append((row, COLUMN_OF[attr]))
        if touched:
            rows = [r for r, _ in touched]
            cols = [c for _, c in touched]
            self.dataChanged.emit(
                self.index(min(rows), min(cols)), self.index(max(rows), max(cols))
            )

    def insert_columns(self, row: int, columns: Sequence[MappingColumn]) -> None:
        if not columns:
            return
        self.beginInsertRows(QModelIndex(), row, row + len(columns) - 1)
        self.columns[row:row] = list(columns)
        self.endInsertRows()

    def remove_rows(self, rows: Iterable[int]) -> list[tuple[int, MappingColumn]]:
        """Remove ``rows``; returns (row, column) pairs in ascending order, to re-insert."""
        removed: list[tuple[int, MappingColumn]] = []
        for row in sorted(set(rows), reverse=True):
            self.beginRemoveRows(QModelIndex(), row, row)
            removed.append((row, self.columns.pop(row)))
            self.endRemoveRows()
        return sorted(removed, key=lambda pair: pair[0])

    def restore_rows(self, removed: Sequence[tuple[int, MappingColumn]]) -> None:
        for row, column in removed:  # ascending: each row number is right when inserted
            self.insert_columns(row, [column])

    def move_block(self, first: int, last: int, delta: int) -> None:
        """Move rows first..last by ``delta`` (+1 down, -1 up) by moving the neighbour over."""
        if delta < 0:
            neighbour = first - 1
            self.beginMoveRows(QModelIndex(), neighbour, neighbour, QModelIndex(), last + 1)
            self.columns.insert(last, self.columns.pop(neighbour))
        else:
            neighbour = last + 1
            self.beginMoveRows(QModelIndex(), neighbour, neighbour, QModelIndex(), first)
            self.columns.insert(first, self.columns.pop(neighbour))
        self.endMoveRows()

    def replace_all(self, columns: Sequence[MappingColumn]) -> None:
        self.beginResetModel()
        self.columns = list(columns)
        self.endResetModel()

    # -- validation marks -------------------------------------------------------------------
    def set_problems(self, problems: Iterable[MappingProblem]) -> None:
        by_name: dict[str, list[MappingColumn]] = {}
        for column in self.columns:
            by_name.setdefault((column.name or "").upper(), []).append(column)
        self._marks = {}
        for problem in problems:
            if problem.column is None:
                continue
            for column in by_name.get(problem.column.upper(), []):
                cell = self._marks.setdefault(id(column), {})
                old = cell.get(problem.field)
                cell[problem.field] = f"{old}\n{problem.message}" if old else problem.message
        if self.columns:
            self.dataChanged.emit(
                self.index(0, 0), self.index(len(self.columns) - 1, len(FIELDS) - 1)
            )
        self.sig_marks_changed.emit()

    def mark(self, row: int, attr: str) -> str | None:
        return self._marks.get(id(self.columns[row]), {}).get(attr)

    def marked_cells(self) -> list[tuple[int, str]]:
        return [
            (row, attr)
            for row, column in enumerate(self.columns)
            for attr in self._marks.get(id(column), {})
        ]

    def _clear_mark(self, column: MappingColumn, attr: str) -> None:
        cell = self._marks.get(id(column))
        if cell and cell.pop(attr, None) is not None:
            if not cell:
                del self._marks[id(column)]
            self.sig_marks_changed.emit()

    def row_of(self, column: MappingColumn) -> int:
        return next((i for i, c in enumerate(self.columns) if c is column), -1)

    def rows_named(self, name: str) -> list[int]:
        wanted = name.upper()
        return [i for i, c in enumerate(self.columns) if (c.name or "").upper() == wanted]

    # -- edits become commands --------------------------------------------------------------
    def changes_for(self, row: int, attr: str, value: Any) -> list[Change]:
        """The cell changes one edit makes; ticking Key also numbers it, unticking clears it."""
        column = self.columns[row]
        old = getattr(column, attr)
        if old == value:
            return []
        changes: list[Change] = [(row, attr, old, value)]
        if attr == "key" and value and column.key_seq is None:
            taken = [c.key_seq or 0 for c in self.columns if c.key]
            changes.append((row, "key_seq", None, max(taken, default=0) + 1))
        elif attr == "key" and not value and column.key_seq is not None:
            changes.append((row, "key_seq", column.key_seq, None))
        return changes

    def push_changes(self, changes: list[Change], text: str) -> bool:
        if not changes or self.read_only:
            return False
        self.undo_stack.push(SetCellsCommand(self, changes, text))
        return True

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:  # noqa: N802
        if not index.isValid():
            return False
        field = FIELDS[index.column()]
        if role == Qt.ItemDataRole.CheckStateRole and field.kind == BOOL:
            value = Qt.CheckState(value) == Qt.CheckState.Checked
        elif role != Qt.ItemDataRole.EditRole:
            return False
        elif isinstance(value, str) and field.kind != LOGIC:
            try:
                value = text_to_value(field, value)
            except ValueError:
                return False
        elif isinstance(value, str):
            value = value.strip() or None
        changes = self.changes_for(index.row(), field.attr, value)
        return self.push_changes(changes, f"Edit {field.title}")

    # -- table model ------------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self.columns)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(FIELDS)

    def flags(self, index: Index) -> Qt.ItemFlag:
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if not index.isValid() or self.read_only:
            return base
        if FIELDS[index.column()].kind == BOOL:
            return base | Qt.ItemFlag.ItemIsUserCheckable
        return base | Qt.ItemFlag.ItemIsEditable

    def headerData(
        self,
        section: int,
        orientation: Qt.Orientation,  # noqa: N802
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        if orientation == Qt.Orientation.Vertical:
            return str(section + 1) if role == Qt.ItemDataRole.DisplayRole else None
        if not 0 <= section < len(FIELDS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return FIELDS[section].title
        if role == Qt.ItemDataRole.ToolTipRole:
            return FIELDS[section].tip
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        field = FIELDS[index.column()]
        column = self.columns[index.row()]
        value = getattr(column, field.attr)
        if role == Qt.ItemDataRole.DisplayRole:
            if field.kind == BOOL:
                return None
            text = value_to_text(field, value)
            return one_line(text) if field.kind == LOGIC else text
        if role == Qt.ItemDataRole.EditRole:
            return value
        if role == Qt.ItemDataRole.CheckStateRole and field.kind == BOOL:
            return Qt.CheckState.Checked if value else Qt.CheckState.Unchecked
        mark = self._marks.get(id(column), {}).get(field.attr)
        if role == MARK_ROLE:
            return mark
        if role == Qt.ItemDataRole.ToolTipRole:
            if mark:
                return mark
            if field.kind == LOGIC and value and (len(value) > 40 or "\n" in value):
                return value
            return None
        if role in (Qt.ItemDataRole.BackgroundRole, Qt.ItemDataRole.ForegroundRole) and mark:
            fore, back = ERROR_COLOURS[1 if is_dark() else 0]
            return QColor(back if role == Qt.ItemDataRole.BackgroundRole else fore)
        if role == Qt.ItemDataRole.FontRole and field.kind == LOGIC:
            return self._mono
        if role == Qt.ItemDataRole.TextAlignmentRole and field.kind in (INT, BOOL):
            return int(Qt.AlignmentFlag.AlignCenter)
        return None
