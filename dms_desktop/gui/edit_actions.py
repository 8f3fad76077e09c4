"""Edit menu actions (Undo, Redo, Cut, Copy, Paste) that act on the focused widget.

Text widgets do the work themselves; an item view copies its selection as tab-separated text
(pastes into a spreadsheet); a page that owns a ``QUndoStack`` as ``undo_stack`` gets
Undo/Redo. The actions are enabled only where they apply, re-checked when the focus moves and
when the Edit menu opens (text widgets handle their own shortcuts, so a stale state between
the two never swallows a key).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence, QUndoStack
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QLineEdit,
    QMenu,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)


def selection_as_tsv(view: QAbstractItemView) -> str:
    """The selected cells as rows of tab-separated values, in view order."""
    model = view.model()
    indexes = sorted(view.selectedIndexes(), key=lambda i: (i.row(), i.column()))
    if model is None or not indexes:
        return ""
    rows: dict[int, dict[int, str]] = {}
    for index in indexes:
        value = model.data(index)
        rows.setdefault(index.row(), {})[index.column()] = "" if value is None else str(value)
    columns = sorted({i.column() for i in indexes})
    return "\n".join(
        "\t".join(cells.get(c, "").replace("\t", " ").replace("\n", " ") for c in columns)
        for _row, cells in sorted(rows.items())
    )


def _is_scintilla(widget: QWidget | None) -> bool:
    """The SQL editor (ScintillaEdit): duck-typed, so this module needs no Scintilla import."""
    return widget is not None and hasattr(widget, "canUndo") and hasattr(widget, "selectionEmpty")


def _undo_stack(widget: QWidget | None) -> QUndoStack | None:
    while widget is not None:
        stack = getattr(widget, "undo_stack", None)
        if isinstance(stack, QUndoStack):
            return stack
        widget = widget.parentWidget()
    return None


class EditActions(QObject):
    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self._window = window
        keys = QKeySequence.StandardKey
        self.undo = self._action("&Undo", keys.Undo, self._undo)
        self.redo = self._action("&Redo", keys.Redo, self._redo)
        self.cut = self._action("Cu&t", keys.Cut, lambda w: w.cut())
        self.copy = self._action("&Copy", keys.Copy, self._copy)
        self.paste = self._action("&Paste", keys.Paste, lambda w: w.paste())
        app = QApplication.instance()
        assert isinstance(app, QApplication)
        app.focusChanged.connect(self.update_actions)
        self.update_actions()

    def actions(self) -> list[QAction]:
        return [self.undo, self.redo, self.cut, self.copy, self.paste]

    def attach(self, menu: QMenu) -> None:
        menu.addAction(self.undo)
        menu.addAction(self.redo)
        menu.addSeparator()
        for action in (self.cut, self.copy, self.paste):
            menu.addAction(action)
        menu.aboutToShow.connect(self.update_actions)

    def _action(self, text: str, key: QKeySequence.StandardKey, handler) -> QAction:  # type: ignore[no-untyped-def]
        action = QAction(text, self._window)
        action.setShortcut(QKeySequence(key))
        action.triggered.connect(lambda: self._dispatch(handler))
        return action

    def _target(self) -> QWidget | None:
        widget = QApplication.focusWidget()
        if widget is None or widget.window() is not self._window:
            return None
        return widget

    def _dispatch(self, handler) -> None:  # type: ignore[no-untyped-def]
        widget = self._target()
        if widget is not None:
            handler(widget)
        self.update_actions()

    def _undo(self, widget: QWidget) -> None:
        stack = _undo_stack(widget)
        if isinstance(widget, QLineEdit | QTextEdit | QPlainTextEdit) or _is_scintilla(widget):
            widget.undo()
        elif stack is not None:
            stack.undo()

    def _redo(self, widget: QWidget) -> None:
        stack = _undo_stack(widget)
        if isinstance(widget, QLineEdit | QTextEdit | QPlainTextEdit) or _is_scintilla(widget):
            widget.redo()
        elif stack is not None:
            stack.redo()

    def _copy(self, widget: QWidget) -> None:
        if isinstance(widget, QAbstractItemView):
            text = selection_as_tsv(widget)
            if text:
                QGuiApplication.clipboard().setText(text)
        else:
            widget.copy()  # type: ignore[attr-defined]

    def update_actions(self, *_args: object) -> None:
        widget = self._target()
        undo = redo = cut = copy = paste = False
        clipboard_text = bool(QGuiApplication.clipboard().text())
        if isinstance(widget, QLineEdit):
            secret = widget.echoMode() != QLineEdit.EchoMode.Normal
            writable = not widget.isReadOnly()
            undo, redo = widget.isUndoAvailable(), widget.isRedoAvailable()
            copy = widget.hasSelectedText() and not secret
            cut = copy and writable
            paste = writable and clipboard_text
        elif isinstance(widget, QTextEdit | QPlainTextEdit):
            writable = not widget.isReadOnly()
            document = widget.document()
            undo, redo = document.isUndoAvailable(), document.isRedoAvailable()
            copy = widget.textCursor().hasSelection()
            cut = copy and writable
            paste = writable and clipboard_text
        elif _is_scintilla(widget):
            editor: Any = widget
            writable = not editor.readOnly()
            undo, redo = bool(editor.canUndo()), bool(editor.canRedo())
            copy = not editor.selectionEmpty()
            cut = copy and writable
            paste = writable and clipboard_text
        elif isinstance(widget, QAbstractItemView):
            copy = True  # selections change without a focus change; an empty one copies nothing
        stack = _undo_stack(widget) if widget is not None and not (undo or redo) else None
        if stack is not None:
            undo, redo = stack.canUndo(), stack.canRedo()
        for action, enabled in (
            (self.undo, undo),
            (self.redo, redo),
            (self.cut, cut),
            (self.copy, copy),
            (self.paste, paste),
        ):
            action.setEnabled(enabled)
