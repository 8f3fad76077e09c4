"""The mapping grid: spreadsheet keys (copy, cut, paste and clear as tab-separated cells;
undo and redo) on top of the column model and its delegates."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QItemSelection, QItemSelectionModel, Qt, Signal
from PySide6.QtGui import QGuiApplication, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemDelegate,
    QAbstractItemView,
    QHeaderView,
    QTableView,
    QWidget,
)

from dms_desktop.core.mapping.model import COMBINE_CODES, SCD_TYPES
from dms_desktop.gui.mapper.columns_model import MappingColumnsModel
from dms_desktop.gui.mapper.commands import InsertRowsCommand
from dms_desktop.gui.mapper.delegates import (
    ChoiceDelegate,
    LogicDelegate,
    MarkedDelegate,
    SpinDelegate,
    TypeDelegate,
)
from dms_desktop.gui.mapper.fields import (
    BOOL,
    CHOICE,
    FIELDS,
    INT,
    LOGIC,
    TYPE,
    Change,
    blank_column,
    is_header_row,
    parse_tsv,
    text_to_value,
    tsv_cell,
    value_to_text,
)

_KEYS = QKeySequence.StandardKey
_TAKEN = (_KEYS.Copy, _KEYS.Cut, _KEYS.Paste, _KEYS.Undo, _KEYS.Redo, _KEYS.Delete)
SCD_LABELS = {"1": "1", "2": "2"}


def _empty(kind: str, attr: str) -> object:
    if kind == BOOL:
        return False
    return "" if attr in ("name", "data_type") else None


class MappingGridView(QTableView):
    sig_message = Signal(str)  # what a paste did (rows added, cells skipped)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("mappingGrid")
        self.setAlternatingRowColors(True)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed
            | QAbstractItemView.EditTrigger.SelectedClicked
        )
        self.setWordWrap(False)
        self.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        vertical = self.verticalHeader()
        vertical.setDefaultSectionSize(26)
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        header = self.horizontalHeader()
        header.setHighlightSections(False)
        header.setStretchLastSection(True)

    @property
    def columns_model(self) -> MappingColumnsModel:
        model = self.model()
        assert isinstance(model, MappingColumnsModel)
        return model

    def install(
        self,
        model: MappingColumnsModel,
        type_choices: Callable[[], list[str]],
        logic_words: Callable[[], list[str]],
    ) -> LogicDelegate:
        """Attach the model and one delegate per kind of column; returns the logic delegate."""
        self.setModel(model)
        model.sig_touched.connect(self.select_touched)
        self.setItemDelegate(MarkedDelegate(self))
        self.logic_delegate = LogicDelegate(logic_words, self)
        self.type_delegate = TypeDelegate(type_choices, self)
        self.spin_delegate = SpinDelegate(self)
        self.scd_delegate = ChoiceDelegate(SCD_TYPES, SCD_LABELS, self)
        self.combine_delegate = ChoiceDelegate(COMBINE_CODES, {}, self)
        for column, field in enumerate(FIELDS):
            delegate = {
                TYPE: self.type_delegate,
                INT: self.spin_delegate,
                LOGIC: self.logic_delegate,
                CHOICE: self.scd_delegate if field.attr == "scd_type" else self.combine_delegate,
            }.get(field.kind)
            if delegate is not None:
                self.setItemDelegateForColumn(column, delegate)
            self.setColumnWidth(column, field.width)
        return self.logic_delegate

    # -- selection ------------------------------------------------------------------------
    def select_touched(self, first: int, last: int, column: int) -> None:
        model = self.columns_model
        if model.rowCount() == 0:
            return
        last = min(last, model.rowCount() - 1)
        left, right = (0, len(FIELDS) - 1) if column < 0 else (column, column)
        selection = QItemSelection(model.index(first, left), model.index(last, right))
        self.selectionModel().select(selection, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        current = model.index(first, max(column, 0))
        self.selectionModel().setCurrentIndex(current, QItemSelectionModel.SelectionFlag.NoUpdate)
        self.scrollTo(current)

    def select_cell(self, row: int, column: int) -> None:
        index = self.columns_model.index(row, column)
        self.setCurrentIndex(index)
        self.scrollTo(index, QAbstractItemView.ScrollHint.EnsureVisible)

    def selected_rows(self) -> list[int]:
        rows = {i.row() for i in self.selectedIndexes()}
        if not rows and self.currentIndex().isValid():
            rows = {self.currentIndex().row()}
        return sorted(rows)

    def commit_editor(self) -> None:
        """Commit a cell being edited (a toolbar click does not take the focus from it)."""
        if self.state() != QAbstractItemView.State.EditingState:
            return
        editor = self.indexWidget(self.currentIndex())
        if editor is not None:
            self.commitData(editor)
            self.closeEditor(editor, QAbstractItemDelegate.EndEditHint.NoHint)

    # -- clipboard ------------------------------------------------------------------------
    def selection_tsv(self) -> str:
        model = self.columns_model
        indexes = self.selectedIndexes()
        if not indexes:
            return ""
        rows = sorted({i.row() for i in indexes})
        cols = sorted({i.column() for i in indexes})
        chosen = {(i.row(), i.column()) for i in indexes}
        lines = []
        for row in rows:
            column = model.columns[row]
            cells = [
                tsv_cell(value_to_text(FIELDS[c], getattr(column, FIELDS[c].attr)))
                if (row, c) in chosen
                else ""
                for c in cols
            ]
            lines.append("\t".join(cells))
        return "\n".join(lines)

    def copy(self) -> None:
        text = self.selection_tsv()
        if text:
            QGuiApplication.clipboard().setText(text)

    def cut(self) -> None:
        self.copy()
        self.clear_cells()

    def clear_cells(self) -> None:
        model = self.columns_model
        changes: list[Change] = []
        for index in self.selectedIndexes():
            field = FIELDS[index.column()]
            old = getattr(model.columns[index.row()], field.attr)
            new = _empty(field.kind, field.attr)
            if old != new:
                changes.append((index.row(), field.attr, old, new))
        model.push_changes(changes, "Clear cells")

    def paste(self) -> None:
        self.paste_text(QGuiApplication.clipboard().text())

    def paste_text(self, text: str) -> int:
        """Paste spreadsheet cells at the current cell, adding rows as needed; the number of
        rows pasted. One cell pasted over a selection fills every selected cell."""
        model = self.columns_model
        if model.read_only:
            return 0
        rows = [r for r in parse_tsv(text.rstrip("\r\n")) if any(c.strip() for c in r)]
        if rows and is_header_row(rows[0]):
            rows = rows[1:]
        if not rows:
            return 0
        selected = self.selectedIndexes()
        if len(rows) == 1 and len(rows[0]) == 1 and len(selected) > 1:
            targets = [(i.row(), i.column(), rows[0][0]) for i in selected]
        else:
            current = self.currentIndex()
            top = current.row() if current.isValid() else model.rowCount()
            left = current.column() if current.isValid() else 0
            if selected:
                top = min(i.row() for i in selected)
                left = min(i.column() for i in selected)
            targets = [
                (top + r, left + c, cell)
                for r, cells in enumerate(rows)
                for c, cell in enumerate(cells)
                if left + c < len(FIELDS)
            ]
        if not targets:
            return 0
        stack = model.undo_stack
        stack.beginMacro(f"Paste {len(rows)} row{'s' if len(rows) != 1 else ''}")
        needed = max(r for r, _c, _t in targets) + 1 - model.rowCount()
        if needed > 0:
            first = model.rowCount()
            added = [blank_column() for _ in range(needed)]
            stack.push(InsertRowsCommand(model, first, added, f"Add {needed} rows"))
        changes, skipped = self._paste_changes(targets)
        model.push_changes(changes, "Paste")
        stack.endMacro()
        note = f"Pasted {len(rows)} row{'s' if len(rows) != 1 else ''}"
        note += f", {needed} added" if needed > 0 else ""
        note += (
            f"; {skipped} cell{'s' if skipped != 1 else ''} skipped (not a number)"
            if skipped
            else ""
        )
        self.sig_message.emit(note + ".")
        return len(rows)

    def _paste_changes(self, targets: list[tuple[int, int, str]]) -> tuple[list[Change], int]:
        model = self.columns_model
        changes: list[Change] = []
        skipped = 0
        for row, col, text in targets:
            field = FIELDS[col]
            try:
                value = text_to_value(field, text)
            except ValueError:
                skipped += 1
                continue
            old = getattr(model.columns[row], field.attr)
            if old != value:
                changes.append((row, field.attr, old, value))
        return changes, skipped

    # -- keys -----------------------------------------------------------------------------
    def event(self, event: QEvent) -> bool:
        # Take the clipboard and undo keys before the window's Edit menu shortcuts do.
        if (
            event.type() == QEvent.Type.ShortcutOverride
            and isinstance(event, QKeyEvent)
            and self.state() != QAbstractItemView.State.EditingState
            and any(event.matches(k) for k in _TAKEN)
        ):
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        if self.state() != QAbstractItemView.State.EditingState:
            stack = self.columns_model.undo_stack
            handlers = {
                _KEYS.Copy: self.copy,
                _KEYS.Cut: self.cut,
                _KEYS.Paste: self.paste,
                _KEYS.Undo: stack.undo,
                _KEYS.Redo: stack.redo,
                _KEYS.Delete: self.clear_cells,
            }
            for key, handler in handlers.items():
                if event.matches(key):
                    handler()
                    return
            if event.key() == Qt.Key.Key_Backspace:
                self.clear_cells()
                return
        super().keyPressEvent(event)
