"""Undo commands of the mapping editor: every change to the grid or the header is one of these.

Commands hold row numbers, not positions on screen: the stack replays them in order, so the
rows are where the command left them. After each step the model says which cells changed
(``sig_touched``) and the view selects them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol

from PySide6.QtGui import QUndoCommand

from dms_desktop.core.mapping.model import MappingColumn
from dms_desktop.gui.mapper.fields import COLUMN_OF, Change

if TYPE_CHECKING:
    from dms_desktop.gui.mapper.columns_model import MappingColumnsModel

HEADER_COMMAND_ID = 4101


class HeaderTarget(Protocol):
    def apply_header(self, attr: str, value: Any) -> None: ...


class SetCellsCommand(QUndoCommand):
    def __init__(self, model: MappingColumnsModel, changes: list[Change], text: str) -> None:
        super().__init__(text)
        self.model, self.changes = model, changes

    def _apply(self, new: bool) -> None:
        values = [
            (row, attr, after if new else before) for row, attr, before, after in self.changes
        ]
        self.model.apply_cells(values)
        rows = [row for row, *_ in self.changes]
        columns = {COLUMN_OF[attr] for _row, attr, *_ in self.changes}
        self.model.sig_touched.emit(
            min(rows), max(rows), columns.pop() if len(columns) == 1 else -1
        )

    def redo(self) -> None:
        self._apply(True)

    def undo(self) -> None:
        self._apply(False)


class InsertRowsCommand(QUndoCommand):
    def __init__(
        self, model: MappingColumnsModel, row: int, columns: Sequence[MappingColumn], text: str
    ) -> None:
        super().__init__(text)
        self.model, self.row, self.columns = model, row, list(columns)

    def redo(self) -> None:
        self.model.insert_columns(self.row, self.columns)
        self.model.sig_touched.emit(self.row, self.row + len(self.columns) - 1, -1)

    def undo(self) -> None:
        self.model.remove_rows(range(self.row, self.row + len(self.columns)))
        self.model.sig_touched.emit(max(0, self.row - 1), max(0, self.row - 1), -1)


class RemoveRowsCommand(QUndoCommand):
    def __init__(self, model: MappingColumnsModel, rows: Sequence[int]) -> None:
        count = len(set(rows))
        super().__init__(f"Delete {count} row{'s' if count != 1 else ''}")
        self.model, self.rows = model, sorted(set(rows))
        self.removed: list[tuple[int, MappingColumn]] = []

    def redo(self) -> None:
        self.removed = self.model.remove_rows(self.rows)
        after = min(self.rows[0], len(self.model.columns) - 1)
        if after >= 0:
            self.model.sig_touched.emit(after, after, -1)

    def undo(self) -> None:
        self.model.restore_rows(self.removed)
        self.model.sig_touched.emit(self.rows[0], self.rows[-1], -1)


class MoveRowsCommand(QUndoCommand):
    def __init__(self, model: MappingColumnsModel, first: int, last: int, delta: int) -> None:
        super().__init__("Move rows up" if delta < 0 else "Move rows down")
        self.model, self.first, self.last, self.delta = model, first, last, delta

    def redo(self) -> None:
        self.model.move_block(self.first, self.last, self.delta)
        self.model.sig_touched.emit(self.first + self.delta, self.last + self.delta, -1)

    def undo(self) -> None:
        self.model.move_block(self.first + self.delta, self.last + self.delta, -self.delta)
        self.model.sig_touched.emit(self.first, self.last, -1)


class ReplaceColumnsCommand(QUndoCommand):
    """All rows at once (restoring a whole grid); the column objects are kept as they are."""

    def __init__(
        self,
        model: MappingColumnsModel,
        before: Sequence[MappingColumn],
        after: Sequence[MappingColumn],
        text: str,
    ) -> None:
        super().__init__(text)
        self.model, self.before, self.after = model, list(before), list(after)

    def redo(self) -> None:
        self.model.replace_all(self.after)

    def undo(self) -> None:
        self.model.replace_all(self.before)


class SetHeaderCommand(QUndoCommand):
    """One header field; consecutive changes of the same field merge (spin boxes, typing)."""

    def __init__(self, target: HeaderTarget, attr: str, old: Any, new: Any, title: str) -> None:
        super().__init__(f"Change {title}")
        self.target, self.attr, self.old, self.new = target, attr, old, new

    def id(self) -> int:
        return HEADER_COMMAND_ID

    def mergeWith(self, other: QUndoCommand) -> bool:  # noqa: N802
        if not isinstance(other, SetHeaderCommand) or other.attr != self.attr:
            return False
        self.new = other.new
        if self.new == self.old:  # typed back to where it was: nothing to undo
            self.setObsolete(True)
        return True

    def redo(self) -> None:
        self.target.apply_header(self.attr, self.new)

    def undo(self) -> None:
        self.target.apply_header(self.attr, self.old)
