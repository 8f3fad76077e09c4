"""The editor's toolbar and the grid operations behind it: insert, delete, move rows,
generate columns from the source query, edit a logic in the multi-line dialog."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QStyle, QToolBar

from dms_desktop.core.sqlstore.describe import ResultColumn
from dms_desktop.gui.errors import user_message
from dms_desktop.gui.mapper.commands import InsertRowsCommand, MoveRowsCommand, RemoveRowsCommand
from dms_desktop.gui.mapper.dialogs import LogicDialog
from dms_desktop.gui.mapper.fields import COLUMN_OF, NAME, blank_column
from dms_desktop.gui.mapper.work import describe_source, generated_columns
from dms_desktop.gui.resources import icon
from dms_desktop.gui.widgets import set_message
from dms_desktop.gui.workers import TaskSlot

if TYPE_CHECKING:
    from dms_desktop.gui.mapper.editor import MappingEditor

_PIXMAP = QStyle.StandardPixmap


class EditorActions:
    def __init__(self, editor: MappingEditor) -> None:
        self.editor = editor
        self._describe = TaskSlot()
        self.toolbar = QToolBar(editor)
        self.toolbar.setObjectName("mapperToolbar")
        self.toolbar.setIconSize(QSize(16, 16))
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        style = editor.style()
        act = self._action
        self.save = act("Save", "Ctrl+S", editor.save, style.standardIcon(_PIXMAP.SP_DialogSaveButton),
                        "Save a new version (the previous one is kept)")  # fmt: skip
        self.validate = act("Validate", "Ctrl+Shift+V", editor.validate,
                            style.standardIcon(_PIXMAP.SP_DialogApplyButton),
                            "Check every rule in the background; problems turn cells red")  # fmt: skip
        stack = editor.undo_stack
        self.undo = act("Undo", "", stack.undo, None, "Undo")
        self.redo = act("Redo", "", stack.redo, None, "Redo")
        stack.canUndoChanged.connect(self.undo.setEnabled)
        stack.canRedoChanged.connect(self.redo.setEnabled)
        stack.undoTextChanged.connect(lambda text: self._undo_tip(self.undo, "Undo", text))
        stack.redoTextChanged.connect(lambda text: self._undo_tip(self.redo, "Redo", text))
        self.undo.setEnabled(False)
        self.redo.setEnabled(False)
        self.insert = act("Insert row", "Ctrl+I", self.insert_row, None, "Insert a row below")
        self.delete = act(
            "Delete rows", "Ctrl+Del", self.delete_rows, None, "Delete the selected rows"
        )
        # Text, not Fusion's arrow icons: those stay black on the dark theme.
        self.move_up = act("Move up", "Alt+Up", lambda: self.move(-1), None, "Move the selected rows up")  # fmt: skip
        self.move_down = act("Move down", "Alt+Down", lambda: self.move(1), None,
                             "Move the selected rows down")  # fmt: skip
        self.generate = act("Generate from SQL", "", self.generate_columns, icon("sql"),
                            "One row per column of the source query, typed for the target")  # fmt: skip
        self.logic = act("Logic…", "Shift+F2", lambda: self.edit_logic(), None,
                         "Edit the current row's logic on several lines")  # fmt: skip
        self.run = act("Run now", "F9", editor.run_now, icon("jobs"),
                       "Load the saved version into the target now")  # fmt: skip
        for action in (self.save, self.validate, None, self.undo, self.redo, None, self.insert,
                       self.delete, self.move_up, self.move_down, None, self.generate, self.logic,
                       None, self.run, None):  # fmt: skip
            if action is None:
                self.toolbar.addSeparator()
            else:
                self.toolbar.addAction(action)
        self.run.setEnabled(editor.context.user.can("jobs", "run"))

    def _action(self, text: str, keys: str, slot, icon_=None, tip: str = "") -> QAction:  # type: ignore[no-untyped-def]
        action = QAction(text, self.editor)
        if icon_ is not None:
            action.setIcon(icon_)
        if keys:
            action.setShortcut(QKeySequence(keys))
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        action.setToolTip(f"{tip} ({keys})" if keys else tip)
        action.triggered.connect(lambda _checked=False: slot())
        self.editor.addAction(action)
        return action

    @staticmethod
    def _undo_tip(action: QAction, verb: str, text: str) -> None:
        key = "Ctrl+Z" if verb == "Undo" else "Ctrl+Shift+Z"
        action.setToolTip(f"{verb} {text.lower()} ({key} in the grid)" if text else verb)

    def set_editable(self, editable: bool) -> None:
        for action in (self.save, self.insert, self.delete, self.move_up, self.move_down,
                       self.generate, self.logic):  # fmt: skip
            action.setEnabled(editable)

    # -- rows -----------------------------------------------------------------------------
    def insert_row(self) -> None:
        editor = self.editor
        if editor.model.read_only:
            return
        rows = editor.grid.selected_rows()
        row = rows[-1] + 1 if rows else editor.model.rowCount()
        editor.undo_stack.push(InsertRowsCommand(editor.model, row, [blank_column()], "Insert row"))
        index = editor.model.index(row, NAME)
        editor.grid.setCurrentIndex(index)
        editor.grid.setFocus()
        editor.grid.edit(index)

    def delete_rows(self) -> None:
        editor = self.editor
        rows = editor.grid.selected_rows()
        if rows and not editor.model.read_only:
            editor.undo_stack.push(RemoveRowsCommand(editor.model, rows))

    def move(self, delta: int) -> None:
        editor = self.editor
        rows = editor.grid.selected_rows()
        if not rows or editor.model.read_only:
            return
        first, last = rows[0], rows[-1]
        if first + delta < 0 or last + delta >= editor.model.rowCount():
            return
        editor.undo_stack.push(MoveRowsCommand(editor.model, first, last, delta))

    # -- generate -------------------------------------------------------------------------
    def generate_columns(self) -> None:
        editor = self.editor
        editor.commit_pending()
        code = editor.header.sql_code
        if not code:
            set_message(editor.message, "Choose the source SQL first: its columns become rows.")
            return
        if editor.target_dialect() is None:
            set_message(editor.message, "Choose the target connection first: the types depend "
                        "on its database.")  # fmt: skip
            return
        set_message(editor.message, f"Reading the columns of {code}…", "info")
        context = editor.context
        self._describe.start(
            describe_source, context.ws, context.user, code,
            on_done=lambda found: self._generated(code, found),
            on_error=lambda exc: set_message(editor.message, user_message(exc)[0]),
        )  # fmt: skip

    @property
    def generating(self) -> bool:
        return self._describe.busy

    def _generated(self, code: str, described: list[ResultColumn]) -> None:
        editor = self.editor
        editor.described[code] = [c.name for c in described]
        model = editor.model
        existing = {(c.name or "").upper() for c in model.columns}
        seqs = [c.exec_seq or 0 for c in model.columns]
        dialect = editor.target_dialect() or ""
        new = generated_columns(
            described, dialect, editor.header.table_type, existing, max(seqs, default=0) + 1
        )
        if not new:
            set_message(editor.message, f"Every column of {code} is in the grid already.", "info")
            return
        row = model.rowCount()
        text = f"Generate {len(new)} columns from {code}"
        editor.undo_stack.push(InsertRowsCommand(model, row, new, text))
        kept = len(described) - len(new)
        note = f" ({kept} already there)" if kept else ""
        set_message(editor.message, f"Added {len(new)} columns from {code}{note}.", "info")

    # -- logic ----------------------------------------------------------------------------
    def edit_logic(self, row: int | None = None) -> LogicDialog | None:
        editor = self.editor
        if row is None or row < 0:
            current = editor.grid.currentIndex()
            row = current.row() if current.isValid() else -1
        if not 0 <= row < editor.model.rowCount() or editor.model.read_only:
            return None
        column = editor.model.columns[row]
        dialog = LogicDialog(
            column.name, column.logic or "", editor.source_columns(), editor.source_dialect(),
            editor,
        )  # fmt: skip
        dialog.accepted.connect(lambda: self._logic_edited(row, column, dialog.logic()))
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        editor.dialog = dialog
        dialog.open()
        return dialog

    def _logic_edited(self, row: int, column: object, logic: str) -> None:
        model = self.editor.model
        if row >= model.rowCount() or model.columns[row] is not column:
            row = model.row_of(column)  # type: ignore[arg-type]
        if row < 0:
            return
        changes = model.changes_for(row, "logic", logic or None)
        model.push_changes(changes, "Edit Logic")
        self.editor.grid.select_cell(row, COLUMN_OF["logic"])
