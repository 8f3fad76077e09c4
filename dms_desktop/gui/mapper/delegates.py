"""Cell editors of the mapping grid, one delegate per kind of column.

Delegates hand the model a typed value; the model turns it into an undo command. The lists
they offer (types of the target's database, source columns) come from callables, so they
follow the editor's current target connection and source query without being rebuilt.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from PySide6.QtCore import (
    QAbstractItemModel,
    QModelIndex,
    QPersistentModelIndex,
    QStringListModel,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QKeyEvent, QPainter, QPen
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QLineEdit,
    QSpinBox,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from dms_desktop.gui.widgets import plain_spin

Index = QModelIndex | QPersistentModelIndex
MARK_ROLE = Qt.ItemDataRole.UserRole + 2  # see columns_model.MARK_ROLE
MARK_COLOUR = "#d1242f"
_WORD_BEFORE = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*$")
_COMPLETER_KEYS = (
    Qt.Key.Key_Enter,
    Qt.Key.Key_Return,
    Qt.Key.Key_Escape,
    Qt.Key.Key_Tab,
    Qt.Key.Key_Backtab,
)


class WordCompleterEdit(QLineEdit):
    """A line edit that completes the word at the cursor (not the whole text) from a list:
    source columns and SQL functions inside an expression. Ctrl+Space opens the list."""

    def __init__(self, words: Sequence[str] = (), parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.words_model = QStringListModel(sorted(set(words), key=str.lower), self)
        self.word_completer = QCompleter(self.words_model, self)
        self.word_completer.setWidget(self)
        self.word_completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.word_completer.setModelSorting(QCompleter.ModelSorting.CaseInsensitivelySortedModel)
        self.word_completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.word_completer.setMaxVisibleItems(12)
        self.word_completer.activated[str].connect(self.insert_completion)  # type: ignore[index]
        self.textEdited.connect(lambda _text: self.complete(explicit=False))

    def set_words(self, words: Sequence[str]) -> None:
        self.words_model.setStringList(sorted(set(words), key=str.lower))

    def prefix(self) -> str:
        match = _WORD_BEFORE.search(self.text()[: self.cursorPosition()])
        return match.group(0) if match else ""

    def complete(self, explicit: bool = True) -> bool:
        """Show the words starting like the word at the cursor; True when any do."""
        prefix = self.prefix()
        popup = self.word_completer.popup()
        assert popup is not None  # QCompleter makes its popup on first use
        if not prefix and not explicit:
            popup.hide()
            return False
        self.word_completer.setCompletionPrefix(prefix)
        if self.word_completer.completionCount() == 0:
            popup.hide()
            return False
        popup.setCurrentIndex(self.word_completer.completionModel().index(0, 0))
        self.word_completer.complete()
        return True

    def insert_completion(self, word: str) -> None:
        cursor = self.cursorPosition()
        start = cursor - len(self.prefix())
        text = self.text()
        self.setText(text[:start] + word + text[cursor:])
        self.setCursorPosition(start + len(word))

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        popup = self.word_completer.popup()
        if popup is not None and popup.isVisible() and event.key() in _COMPLETER_KEYS:
            event.ignore()  # the completer's popup takes these
            return
        space = event.key() == Qt.Key.Key_Space
        if space and event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.complete()
            return
        super().keyPressEvent(event)


class MarkedDelegate(QStyledItemDelegate):
    """Draws a red frame round a cell with a validation problem, so it shows even when the
    cell is selected (the selection colour hides the red background)."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        super().paint(painter, option, index)
        if index.data(MARK_ROLE):
            painter.save()
            painter.setPen(QPen(QColor(MARK_COLOUR), 2))
            painter.drawRect(option.rect.adjusted(1, 1, -1, -1))
            painter.restore()


class TypeDelegate(MarkedDelegate):
    """An editable combo of the target database's types (anything typed is kept)."""

    def __init__(self, choices: Callable[[], list[str]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.choices = choices

    def createEditor(  # noqa: N802
        self, parent: QWidget, _option: QStyleOptionViewItem, _index: Index
    ) -> QWidget:
        combo = QComboBox(parent)
        combo.setObjectName("typeEditor")
        combo.setEditable(True)
        combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        combo.addItems(self.choices())
        completer = combo.completer()
        if completer is not None:
            completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
            completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        return combo

    def setEditorData(self, editor: QWidget, index: Index) -> None:  # noqa: N802
        assert isinstance(editor, QComboBox)
        editor.setCurrentText(str(index.data(Qt.ItemDataRole.EditRole) or ""))
        line = editor.lineEdit()
        if line is not None:
            line.selectAll()

    def setModelData(self, editor: QWidget, model: QAbstractItemModel, index: Index) -> None:  # noqa: N802
        assert isinstance(editor, QComboBox)
        model.setData(index, editor.currentText().strip(), Qt.ItemDataRole.EditRole)


class ChoiceDelegate(MarkedDelegate):
    """A fixed list with a blank first entry (no value): SCD type, combine code."""

    def __init__(
        self, choices: Sequence[str], labels: dict[str, str], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.choices = ["", *choices]
        self.labels = labels

    def createEditor(  # noqa: N802
        self, parent: QWidget, _option: QStyleOptionViewItem, _index: Index
    ) -> QWidget:
        combo = QComboBox(parent)
        combo.setObjectName("choiceEditor")
        for value in self.choices:
            combo.addItem(self.labels.get(value, value or "—"), value)
        return combo

    def setEditorData(self, editor: QWidget, index: Index) -> None:  # noqa: N802
        assert isinstance(editor, QComboBox)
        value = index.data(Qt.ItemDataRole.EditRole) or ""
        found = editor.findData(value)
        if found < 0:  # a pasted value outside the list: keep it visible
            editor.addItem(str(value), value)
            found = editor.count() - 1
        editor.setCurrentIndex(found)

    def setModelData(self, editor: QWidget, model: QAbstractItemModel, index: Index) -> None:  # noqa: N802
        assert isinstance(editor, QComboBox)
        model.setData(index, editor.currentData() or None, Qt.ItemDataRole.EditRole)


class SpinDelegate(MarkedDelegate):
    """A whole number; 0 shows blank and means "none" (key sequence, execution sequence)."""

    def createEditor(  # noqa: N802
        self, parent: QWidget, _option: QStyleOptionViewItem, _index: Index
    ) -> QWidget:
        spin = QSpinBox(parent)
        spin.setObjectName("sequenceEditor")
        spin.setRange(0, 99_999)
        plain_spin(spin)
        spin.setSpecialValueText(" ")
        return spin

    def setEditorData(self, editor: QWidget, index: Index) -> None:  # noqa: N802
        assert isinstance(editor, QSpinBox)
        editor.setValue(int(index.data(Qt.ItemDataRole.EditRole) or 0))

    def setModelData(self, editor: QWidget, model: QAbstractItemModel, index: Index) -> None:  # noqa: N802
        assert isinstance(editor, QSpinBox)
        editor.interpretText()
        model.setData(index, editor.value() or None, Qt.ItemDataRole.EditRole)


class LogicDelegate(MarkedDelegate):
    """One-line logic in place, completing source columns and functions; a multi-line logic
    is edited in the logic dialog instead (``sig_edit_in_dialog``)."""

    sig_edit_in_dialog = Signal(int)  # the row

    def __init__(self, words: Callable[[], list[str]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.words = words

    def createEditor(  # type: ignore[override]  # noqa: N802
        self, parent: QWidget, _option: QStyleOptionViewItem, index: Index
    ) -> QWidget | None:
        value = index.data(Qt.ItemDataRole.EditRole) or ""
        if "\n" in value:
            self.sig_edit_in_dialog.emit(index.row())
            return None
        edit = WordCompleterEdit(self.words(), parent)
        edit.setObjectName("logicEditor")
        edit.setToolTip("Ctrl+Space: source columns and functions")
        return edit

    def setEditorData(self, editor: QWidget, index: Index) -> None:  # noqa: N802
        assert isinstance(editor, QLineEdit)
        editor.setText(str(index.data(Qt.ItemDataRole.EditRole) or ""))

    def setModelData(self, editor: QWidget, model: QAbstractItemModel, index: Index) -> None:  # noqa: N802
        assert isinstance(editor, QLineEdit)
        model.setData(index, editor.text(), Qt.ItemDataRole.EditRole)
