"""Choose the mappings a new job runs, in order: available on the left, the run order on the
right (double-click or Add moves one across; Up and Down reorder)."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)


class MappingPicker(QWidget):
    sig_changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(4)
        self.filter_edit = QLineEdit(self)
        self.filter_edit.setPlaceholderText("Filter mappings")
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.textChanged.connect(self._filter)
        self.available = QListWidget(self)
        self.available.setObjectName("availableMappings")
        self.available.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.available.itemDoubleClicked.connect(lambda _item: self.add_selected())
        self.chosen = QListWidget(self)
        self.chosen.setObjectName("chosenMappings")
        self.chosen.itemDoubleClicked.connect(lambda _item: self.remove_selected())
        for view in (self.available, self.chosen):
            view.setMinimumHeight(96)
        self.add_button = QPushButton("Add →", self)
        self.remove_button = QPushButton("← Remove", self)
        self.up_button = QPushButton("Up", self)
        self.down_button = QPushButton("Down", self)
        self.add_button.clicked.connect(self.add_selected)
        self.remove_button.clicked.connect(self.remove_selected)
        self.up_button.clicked.connect(lambda: self._move(-1))
        self.down_button.clicked.connect(lambda: self._move(1))
        buttons = QVBoxLayout()
        buttons.addStretch(1)
        for button in (self.add_button, self.remove_button, self.up_button, self.down_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        available_label = QLabel("Mappings", self)
        order_label = QLabel("Runs in this order", self)
        for label in (available_label, order_label):
            label.setObjectName("mutedLabel")
        grid.addWidget(available_label, 0, 0)
        grid.addWidget(order_label, 0, 2)
        grid.addWidget(self.filter_edit, 1, 0)
        grid.addWidget(self.available, 2, 0)
        grid.addLayout(buttons, 2, 1)
        grid.addWidget(self.chosen, 1, 2, 2, 1)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(2, 1)

    def set_available(self, refs: Sequence[str], descriptions: Sequence[str] = ()) -> None:
        self.available.clear()
        tips = list(descriptions) + [""] * (len(refs) - len(descriptions))
        for ref, tip in zip(refs, tips, strict=True):
            item = QListWidgetItem(ref, self.available)
            item.setToolTip(tip or ref)
        self._filter(self.filter_edit.text())

    def mappings(self) -> list[str]:
        return [self.chosen.item(n).text() for n in range(self.chosen.count())]

    def choose(self, refs: Sequence[str]) -> None:
        """Add ``refs`` to the run order (tests and "create job from mapping")."""
        for ref in refs:
            if ref not in self.mappings():
                self.chosen.addItem(ref)
        self.sig_changed.emit()

    def add_selected(self) -> None:
        self.choose([item.text() for item in self.available.selectedItems()])

    def remove_selected(self) -> None:
        for item in self.chosen.selectedItems():
            self.chosen.takeItem(self.chosen.row(item))
        self.sig_changed.emit()

    def _move(self, step: int) -> None:
        row = self.chosen.currentRow()
        target = row + step
        if row < 0 or not 0 <= target < self.chosen.count():
            return
        item = self.chosen.takeItem(row)
        self.chosen.insertItem(target, item)
        self.chosen.setCurrentRow(target)
        self.sig_changed.emit()

    def _filter(self, text: str) -> None:
        needle = text.strip().lower()
        for n in range(self.available.count()):
            item = self.available.item(n)
            item.setHidden(bool(needle) and needle not in item.text().lower())
