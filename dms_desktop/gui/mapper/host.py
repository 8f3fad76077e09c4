"""What the editor's tabs (preview, DDL, versions, plan, run) may ask of the editor."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QPlainTextEdit, QWidget

from dms_desktop.core.mapping.model import Mapping
from dms_desktop.gui.pages import PageContext
from dms_desktop.gui.sqledit import SqlEditor
from dms_desktop.gui.widgets import set_message

# The editor's tabs, in order.
COLUMNS_TAB, PREVIEW_TAB, DDL_TAB, VERSIONS_TAB, PLAN_TAB, RUN_TAB = range(6)


class MappingHost(Protocol):
    context: PageContext

    def draft(self) -> Mapping:
        """A snapshot of the mapping as edited (unsaved changes included)."""
        ...

    def saved(self) -> Mapping | None:
        """The version last loaded or saved; None for a mapping never saved."""
        ...

    def is_dirty(self) -> bool: ...

    def then_saved(self, action: Callable[[], object], why: str) -> None:
        """Run ``action`` on the saved mapping: at once when nothing is unsaved, else after
        the user agreed to save (``why`` says what needs it) and the save succeeded."""
        ...


def message_label(parent: QWidget) -> QLabel:
    label = QLabel(parent)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    set_message(label, "")
    return label


def read_only_sql(parent: QWidget, name: str) -> SqlEditor:
    editor = SqlEditor(parent)
    editor.setObjectName(name)
    editor.setReadOnly(True)
    editor.setCaretLineVisible(False)
    editor.setCaretWidth(0)
    return editor


def text_of(view: SqlEditor | QPlainTextEdit) -> str:
    return view.sql_text() if isinstance(view, SqlEditor) else view.toPlainText()


def show_sql(view: SqlEditor, text: str) -> None:
    view.setReadOnly(False)
    view.set_sql_text(text)
    view.setReadOnly(True)
