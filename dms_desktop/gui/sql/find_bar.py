"""Find and replace in the SQL editor: a bar under the text (Ctrl+F, Ctrl+H, Esc closes)."""

from __future__ import annotations

import re

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QGridLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QToolButton,
    QWidget,
)

from dms_desktop.gui.sqledit import SqlEditor


class FindBar(QWidget):
    def __init__(self, editor: SqlEditor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("findBar")
        self.editor = editor
        grid = QGridLayout(self)
        grid.setContentsMargins(6, 4, 6, 4)
        grid.setHorizontalSpacing(6)
        grid.setVerticalSpacing(4)
        self.find_edit = QLineEdit(self)
        self.find_edit.setPlaceholderText("Find")
        self.find_edit.setClearButtonEnabled(True)
        self.find_edit.returnPressed.connect(self.find_next)
        self.find_edit.textChanged.connect(lambda _t: self.find_next(from_selection_start=True))
        self.replace_edit = QLineEdit(self)
        self.replace_edit.setPlaceholderText("Replace with")
        self.replace_edit.returnPressed.connect(self.replace)
        self.case_box = QCheckBox("Match case", self)
        self.status = QLabel("", self)
        self.status.setObjectName("mutedLabel")
        previous = QPushButton("Previous", self)
        previous.clicked.connect(self.find_previous)
        following = QPushButton("Next", self)
        following.clicked.connect(lambda: self.find_next())
        self.replace_button = QPushButton("Replace", self)
        self.replace_button.clicked.connect(self.replace)
        self.replace_all_button = QPushButton("Replace all", self)
        self.replace_all_button.clicked.connect(self.replace_all)
        close = QToolButton(self)
        close.setText("✕")
        close.setToolTip("Close (Esc)")
        close.setAutoRaise(True)
        close.clicked.connect(self.close_bar)
        grid.addWidget(self.find_edit, 0, 0)
        grid.addWidget(previous, 0, 1)
        grid.addWidget(following, 0, 2)
        grid.addWidget(self.case_box, 0, 3)
        grid.addWidget(self.status, 0, 4)
        grid.addWidget(close, 0, 5)
        grid.addWidget(self.replace_edit, 1, 0)
        grid.addWidget(self.replace_button, 1, 1)
        grid.addWidget(self.replace_all_button, 1, 2)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(4, 1)
        back = QShortcut(QKeySequence("Shift+Return"), self.find_edit)
        back.setContext(Qt.ShortcutContext.WidgetShortcut)
        back.activated.connect(self.find_previous)
        self._replace_row = (self.replace_edit, self.replace_button, self.replace_all_button)
        self.hide()

    def open_find(self, replace: bool = False) -> None:
        start, end = self.editor.selection_range()
        if end > start:
            selected = self.editor.sql_text()[start:end]
            if "\n" not in selected:
                self.find_edit.blockSignals(True)
                self.find_edit.setText(selected)
                self.find_edit.blockSignals(False)
        for widget in self._replace_row:
            widget.setVisible(replace)
        self.show()
        self.find_edit.setFocus()
        self.find_edit.selectAll()

    def close_bar(self) -> None:
        self.hide()
        QWidget.setFocus(self.editor)

    def _needle(self) -> tuple[str, str, bool]:
        needle = self.find_edit.text()
        text = self.editor.sql_text()
        case = self.case_box.isChecked()
        return (needle, text, case) if case else (needle.lower(), text.lower(), case)

    def find_next(self, from_selection_start: bool = False) -> bool:
        needle, text, _case = self._needle()
        if not needle:
            self.status.setText("")
            return False
        start, end = self.editor.selection_range()
        found = text.find(needle, start if from_selection_start else end)
        wrapped = found < 0
        if wrapped:
            found = text.find(needle)
        return self._select(found, len(needle), wrapped)

    def find_previous(self) -> bool:
        needle, text, _case = self._needle()
        if not needle:
            return False
        start, _end = self.editor.selection_range()
        found = text.rfind(needle, 0, max(0, start))
        wrapped = found < 0
        if wrapped:
            found = text.rfind(needle)
        return self._select(found, len(needle), wrapped)

    def _select(self, found: int, length: int, wrapped: bool) -> bool:
        if found < 0:
            self.status.setText("Not found")
            return False
        self.status.setText("Wrapped around" if wrapped else "")
        self.editor.select_range(found, found + length)
        return True

    def replace(self) -> None:
        needle, text, _case = self._needle()
        start, end = self.editor.selection_range()
        if needle and text[start:end] == needle:
            self.editor.replaceSel(self.replace_edit.text())
        self.find_next()

    def replace_all(self) -> int:
        needle = self.find_edit.text()
        if not needle:
            return 0
        text = self.editor.sql_text()
        flags = 0 if self.case_box.isChecked() else re.IGNORECASE
        pattern = re.compile(re.escape(needle), flags)
        new, count = pattern.subn(lambda _m: self.replace_edit.text(), text)
        if count:
            self.editor.replace_text(new)
        self.status.setText(f"{count} replaced")
        return count
