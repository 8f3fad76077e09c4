"""Small dialogs of the mapper: the multi-line logic editor, the unsaved-changes question,
the list of validation problems under the grid."""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from dms_desktop.core.catalog import CompletionWords, dialect_keywords
from dms_desktop.core.mapping.validate import MappingProblem
from dms_desktop.gui.mapper.fields import COLUMN_OF, FIELDS, logic_functions
from dms_desktop.gui.mapper.header_form import TITLES
from dms_desktop.gui.sqledit import SqlEditor


class LogicDialog(QDialog):
    """The logic of one column in the SQL editor: several lines, highlighting, completion of
    the source query's columns and the allowed functions (Ctrl+Space)."""

    def __init__(
        self,
        column: str,
        logic: str,
        source_columns: list[str],
        dialect: str | None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("logicDialog")
        self.setWindowTitle(f"Logic of {column or 'the column'}")
        self.resize(620, 360)
        hint = QLabel(
            "One SQL expression over the source query's columns (no SELECT, no subquery). "
            "Ctrl+Space completes columns and functions.",
            self,
        )
        hint.setObjectName("mutedLabel")
        hint.setWordWrap(True)
        self.editor = SqlEditor(self)
        self.editor.set_dialect(dialect or "sqlite")
        words: CompletionWords = {
            "keywords": dialect_keywords(dialect or "sqlite"),
            "functions": list(logic_functions()),
            "schemas": [],
            "tables": [],
            "columns": {"src": list(source_columns)},
        }
        self.editor.set_completion_words(words)
        self.editor.set_sql_text(logic)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(hint)
        layout.addWidget(self.editor, 1)
        layout.addWidget(buttons)

    def logic(self) -> str:
        return self.editor.sql_text().strip()


class Unsaved(Enum):
    SAVE = "save"
    DISCARD = "discard"
    CANCEL = "cancel"


_ANSWERS = {
    QMessageBox.StandardButton.Save: Unsaved.SAVE,
    QMessageBox.StandardButton.Discard: Unsaved.DISCARD,
}


def ask_unsaved(parent: QWidget, what: str, answered: Callable[[Unsaved], None]) -> QMessageBox:
    """Save, discard or keep editing; window-modal but not blocking: ``answered`` gets it."""
    box = QMessageBox(
        QMessageBox.Icon.Question,
        "Unsaved changes",
        f"{what} has unsaved changes.\n\nSave them first?",
        QMessageBox.StandardButton.Save
        | QMessageBox.StandardButton.Discard
        | QMessageBox.StandardButton.Cancel,
        parent,
    )
    box.setObjectName("unsavedBox")
    box.setDefaultButton(QMessageBox.StandardButton.Save)
    box.finished.connect(
        lambda _result: answered(
            _ANSWERS.get(box.standardButton(box.clickedButton()), Unsaved.CANCEL)
        )
    )
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    return box


def problem_place(problem: MappingProblem) -> str:
    if problem.column is None:
        return TITLES.get(problem.field, problem.field.replace("_", " ").capitalize())
    column = COLUMN_OF.get(problem.field)
    title = FIELDS[column].title if column is not None else problem.field
    return f"{problem.column} · {title}"


class ProblemsPanel(QWidget):
    """Validation problems; activating one (click, Enter) jumps to its cell or field."""

    sig_activated = Signal(object)  # the MappingProblem

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("problemsPanel")
        self.title = QLabel("Problems", self)
        self.title.setObjectName("sectionTitle")
        self.list = QListWidget(self)
        self.list.setObjectName("problemsList")
        self.list.setWordWrap(True)
        self.list.itemActivated.connect(self._activated)
        self.list.itemClicked.connect(self._activated)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.title)
        layout.addWidget(self.list, 1)
        self.problems: list[MappingProblem] = []

    def set_problems(self, problems: list[MappingProblem]) -> None:
        self.problems = list(problems)
        self.list.clear()
        for problem in problems:
            item = QListWidgetItem(f"{problem_place(problem)}: {problem.message}")
            item.setData(Qt.ItemDataRole.UserRole, problem)
            item.setToolTip(problem.message)
            self.list.addItem(item)
        count = len(problems)
        self.title.setText(f"Problems ({count})" if count else "Problems")

    def _activated(self, item: QListWidgetItem) -> None:
        self.sig_activated.emit(item.data(Qt.ItemDataRole.UserRole))
