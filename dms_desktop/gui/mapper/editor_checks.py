"""Validation of the mapping being edited, in a worker, and its results shown three ways:
red cells (with the message as tooltip), red header fields, and the problems list."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dms_desktop.core.mapping.validate import MappingProblem
from dms_desktop.gui.errors import user_message
from dms_desktop.gui.mapper.dialogs import ProblemsPanel
from dms_desktop.gui.mapper.fields import COLUMN_OF
from dms_desktop.gui.mapper.host import COLUMNS_TAB
from dms_desktop.gui.mapper.work import validate_draft
from dms_desktop.gui.widgets import set_message
from dms_desktop.gui.workers import TaskSlot

if TYPE_CHECKING:
    from dms_desktop.gui.mapper.editor import MappingEditor


class EditorChecks:
    def __init__(self, editor: MappingEditor) -> None:
        self.editor = editor
        self.problems: list[MappingProblem] = []
        self.header_marks: dict[str, str] = {}  # header field -> its problem
        self.panel = ProblemsPanel(editor)
        self.panel.sig_activated.connect(self.show)
        self._task = TaskSlot()

    @property
    def busy(self) -> bool:
        return self._task.busy

    def validate(self) -> None:
        """Check the mapping as edited; a saved, unchanged version records the outcome
        (DMS_MAPERR, LGVRFYFLG), unsaved edits are checked without recording."""
        editor = self.editor
        draft = editor.draft()
        record = editor.base is not None and not editor.is_dirty()
        editor.status.setText("Validating…")
        self._task.start(
            validate_draft,
            editor.context.ws,
            editor.context.user,
            draft,
            record,
            on_done=lambda problems: self._validated(problems, record),
            on_error=self._failed,
        )

    def cancel(self) -> None:
        self._task.cancel()

    def _validated(self, problems: list[MappingProblem], recorded: bool) -> None:
        editor = self.editor
        if recorded and editor.base is not None:
            editor.base.validated = not problems
        self.set_problems(problems)
        count = len(problems)
        if problems:
            text = f"{count} problem{'s' if count != 1 else ''}: click one below to go to its cell."
            set_message(editor.message, text)
        else:
            set_message(editor.message, "The mapping is valid.", "info")
        editor.refresh_status()
        editor.sig_validated.emit(problems)

    def _failed(self, exc: BaseException) -> None:
        editor = self.editor
        editor.refresh_status()
        set_message(editor.message, f"Validation failed: {user_message(exc)[0]}")
        editor.sig_validated.emit(None)

    def set_problems(self, problems: list[MappingProblem]) -> None:
        editor = self.editor
        self.problems = list(problems)
        editor.model.set_problems(problems)
        self.panel.set_problems(problems)
        self.panel.setVisible(bool(problems))
        self.header_marks = {p.field: p.message for p in problems if p.column is None}
        editor.form.mark(self.header_marks)

    def header_edited(self, attr: str) -> None:
        """An edited header field loses its red mark (the cells do so in the model)."""
        if self.header_marks.pop(attr, None) is not None:
            self.editor.form.mark(self.header_marks)

    def show(self, problem: MappingProblem) -> None:
        """Select the cell (or focus the header field) the problem is about."""
        editor = self.editor
        if problem.column is None:
            widget = editor.form.widgets.get(problem.field)
            if widget is not None:
                widget.setFocus()
            elif problem.field == "key" and editor.model.rowCount():
                editor.tabs.setCurrentIndex(COLUMNS_TAB)
                editor.grid.select_cell(0, COLUMN_OF["key"])
            return
        rows = editor.model.rows_named(problem.column)
        if rows:
            editor.tabs.setCurrentIndex(COLUMNS_TAB)
            editor.grid.select_cell(rows[0], COLUMN_OF.get(problem.field, 0))
            editor.grid.setFocus()
