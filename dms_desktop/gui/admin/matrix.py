"""The permission matrix grid: modules x view/create/edit/delete plus run (Jobs) and export
(Reports), one checkbox per cell; a click on a row or column header ticks or clears it all."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QEvent,
    QModelIndex,
    QPersistentModelIndex,
    QRect,
    Qt,
    Signal,
)
from PySide6.QtGui import QMouseEvent, QPainter, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QHeaderView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionButton,
    QStyleOptionViewItem,
    QTableView,
    QWidget,
)

from dms_desktop.core.security.permissions import (
    ACTION_TITLES,
    ALL_ACTIONS,
    EXTRA_MODULE,
    MODULE_TITLES,
    MODULES,
    applies,
)

Index = QModelIndex | QPersistentModelIndex
Rights = dict[str, set[str]]


class PermissionMatrixModel(QAbstractTableModel):
    sig_changed = Signal()  # a cell changed (the Save button follows ``dirty``)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rights: Rights = {m: set() for m in MODULES}
        self.original: Rights = {m: set() for m in MODULES}
        self.editable = False

    def set_rights(self, rights: Mapping[str, Any], editable: bool) -> None:
        self.beginResetModel()
        self.original = {m: set(rights.get(m, ())) for m in MODULES}
        self.rights = {m: set(v) for m, v in self.original.items()}
        self.editable = editable
        self.endResetModel()

    @property
    def dirty(self) -> bool:
        return self.rights != self.original

    def changed_rights(self) -> dict[str, list[str]]:
        return {m: sorted(a) for m, a in self.rights.items() if a != self.original[m]}

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(MODULES)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(ALL_ACTIONS)

    def headerData(  # noqa: N802
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        horizontal = orientation == Qt.Orientation.Horizontal
        if role == Qt.ItemDataRole.DisplayRole:
            return (
                ACTION_TITLES[ALL_ACTIONS[section]]
                if horizontal
                else MODULE_TITLES[MODULES[section]]
            )
        if role == Qt.ItemDataRole.ToolTipRole and self.editable:
            return f"Click to tick or clear the whole {'column' if horizontal else 'row'}"
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        module, action = MODULES[index.row()], ALL_ACTIONS[index.column()]
        if not applies(module, action):
            if role == Qt.ItemDataRole.ToolTipRole:
                return (
                    f"{ACTION_TITLES[action]} applies to {MODULE_TITLES[EXTRA_MODULE[action]]} only"
                )
            return None
        if role == Qt.ItemDataRole.CheckStateRole:
            return (
                Qt.CheckState.Checked if action in self.rights[module] else Qt.CheckState.Unchecked
            )
        if role == Qt.ItemDataRole.ToolTipRole:
            state = "may" if action in self.rights[module] else "may not"
            return f"This role {state} {action} in {MODULE_TITLES[module]}"
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid() or not applies(MODULES[index.row()], ALL_ACTIONS[index.column()]):
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        return flags | Qt.ItemFlag.ItemIsUserCheckable if self.editable else flags

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:  # noqa: N802
        if (
            role != Qt.ItemDataRole.CheckStateRole
            or not self.flags(index) & Qt.ItemFlag.ItemIsUserCheckable
        ):
            return False
        module, action = MODULES[index.row()], ALL_ACTIONS[index.column()]
        checked = (
            Qt.CheckState(value) == Qt.CheckState.Checked if not isinstance(value, bool) else value
        )
        (self.rights[module].add if checked else self.rights[module].discard)(action)
        self.dataChanged.emit(index, index, [Qt.ItemDataRole.CheckStateRole])
        self.sig_changed.emit()
        return True

    def _set_cells(self, cells: list[tuple[int, int]]) -> None:
        """Tick every cell, or clear them all when all are ticked already."""
        cells = [(r, c) for r, c in cells if applies(MODULES[r], ALL_ACTIONS[c])]
        if not self.editable or not cells:
            return
        on = not all(ALL_ACTIONS[c] in self.rights[MODULES[r]] for r, c in cells)
        for r, c in cells:
            (self.rights[MODULES[r]].add if on else self.rights[MODULES[r]].discard)(ALL_ACTIONS[c])
        self.dataChanged.emit(self.index(0, 0), self.index(len(MODULES) - 1, len(ALL_ACTIONS) - 1))
        self.sig_changed.emit()

    def toggle_row(self, row: int) -> None:
        self._set_cells([(row, c) for c in range(len(ALL_ACTIONS))])

    def toggle_column(self, column: int) -> None:
        self._set_cells([(r, column) for r in range(len(MODULES))])


class CenteredCheckDelegate(QStyledItemDelegate):
    """A checkbox in the middle of its cell; a click anywhere in the cell toggles it."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        state = index.data(Qt.ItemDataRole.CheckStateRole)
        base = QStyleOptionViewItem(option)
        self.initStyleOption(base, index)
        base.features &= ~QStyleOptionViewItem.ViewItemFeature.HasCheckIndicator
        style = base.widget.style() if base.widget else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, base, painter, base.widget)
        if state is None:  # the right does not apply to this module
            painter.save()
            painter.setPen(
                option.palette.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text)
            )
            painter.drawText(option.rect, Qt.AlignmentFlag.AlignCenter, "—")
            painter.restore()
            return
        box = QStyleOptionButton()
        size = style.pixelMetric(QStyle.PixelMetric.PM_IndicatorWidth, None, base.widget)
        box.rect = QRect(0, 0, size, size)
        box.rect.moveCenter(option.rect.center())
        checked = Qt.CheckState(state) == Qt.CheckState.Checked
        box.state = QStyle.StateFlag.State_On if checked else QStyle.StateFlag.State_Off
        if index.flags() & Qt.ItemFlag.ItemIsUserCheckable:
            box.state |= QStyle.StateFlag.State_Enabled
        style.drawPrimitive(QStyle.PrimitiveElement.PE_IndicatorCheckBox, box, painter, base.widget)

    def editorEvent(
        self, event: QEvent, model: Any, option: QStyleOptionViewItem, index: Index
    ) -> bool:  # noqa: N802
        if not index.flags() & Qt.ItemFlag.ItemIsUserCheckable:
            return False
        if event.type() == QEvent.Type.MouseButtonRelease and isinstance(event, QMouseEvent):
            if event.button() != Qt.MouseButton.LeftButton:
                return False
        elif event.type() == QEvent.Type.KeyPress:
            if getattr(event, "key", lambda: None)() not in (Qt.Key.Key_Space, Qt.Key.Key_Select):
                return False
        else:
            return event.type() in (QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonDblClick)
        state = Qt.CheckState(index.data(Qt.ItemDataRole.CheckStateRole))
        new = Qt.CheckState.Unchecked if state == Qt.CheckState.Checked else Qt.CheckState.Checked
        return bool(model.setData(index, new, Qt.ItemDataRole.CheckStateRole))


def matrix_view(model: PermissionMatrixModel, parent: QWidget) -> QTableView:
    view = QTableView(parent)
    view.setObjectName("permissionMatrix")
    view.setModel(model)
    view.setItemDelegate(CenteredCheckDelegate(view))
    view.setShowGrid(True)
    view.setAlternatingRowColors(True)
    view.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    header = view.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
    header.setSectionsClickable(True)
    header.setHighlightSections(False)
    rows = view.verticalHeader()
    rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    rows.setDefaultSectionSize(30)
    rows.setSectionsClickable(True)
    rows.setHighlightSections(False)
    rows.setMinimumWidth(120)
    header.sectionClicked.connect(model.toggle_column)
    rows.sectionClicked.connect(model.toggle_row)
    height = header.sizeHint().height() + 30 * len(MODULES) + 2 * view.frameWidth() + 2
    view.setFixedHeight(height)
    return view
