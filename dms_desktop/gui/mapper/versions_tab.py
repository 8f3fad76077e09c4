"""Versions: every saved version of the mapping, what changed between two, restoring one.

Selecting one version shows what it changed from the one before; selecting two compares
them. Restore saves the chosen version again as the newest (history is never rewritten).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QTextCharFormat, QTextCursor, QTextFormat
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from dms_desktop.core.mapping.model import Mapping
from dms_desktop.gui.errors import user_message
from dms_desktop.gui.mapper.host import MappingHost, message_label
from dms_desktop.gui.mapper.work import load_versions, restore_version, version_diff
from dms_desktop.gui.sql.dialogs import DiffView
from dms_desktop.gui.theme import is_dark
from dms_desktop.gui.widgets import set_message
from dms_desktop.gui.workers import TaskSlot

COLUMNS = ("Version", "Saved", "By", "Validated")
CHANGED_COLOURS = (("#7d4e00", "#fff8c5"), ("#e3b341", "#3b3220"))  # (fore, back) light, dark


class MappingDiffView(DiffView):
    """The SQL module's diff view, with the mapping diff's "~ changed" lines marked too."""

    def set_diff(self, lines: list[str]) -> None:
        super().set_diff(lines)
        if not lines:
            self.setPlainText("The two versions are the same.")
            return
        fore, back = CHANGED_COLOURS[1 if is_dark() else 0]
        selections = list(self.extraSelections())
        block = self.document().firstBlock()
        while block.isValid():
            if block.text().startswith("~"):
                selection = QTextEdit.ExtraSelection()
                fmt = QTextCharFormat()
                fmt.setForeground(QColor(fore))
                fmt.setBackground(QColor(back))
                fmt.setProperty(QTextFormat.Property.FullWidthSelection, True)
                selection.format = fmt
                selection.cursor = QTextCursor(block)
                selections.append(selection)
            block = block.next()
        self.setExtraSelections(selections)


class VersionsTab(QWidget):
    sig_loaded = Signal()
    sig_diffed = Signal()
    sig_restored = Signal(object)  # the Mapping now current

    def __init__(self, host: MappingHost, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("versionsTab")
        self.host = host
        self.stale = True
        self.versions: list[Mapping] = []
        self.dialog: QMessageBox | None = None
        self._list = TaskSlot()
        self._diff = TaskSlot()
        self._restore = TaskSlot()

        self.table = QTableWidget(0, len(COLUMNS), self)
        self.table.setObjectName("versionsTable")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setHighlightSections(False)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.restore_button = QPushButton("Restore…", self)
        self.restore_button.setToolTip("Save the selected version again as the newest")
        self.restore_button.clicked.connect(self.ask_restore)
        self.can_restore = host.context.user.can("mapper", "edit")
        left = QWidget(self)
        column = QVBoxLayout(left)
        column.setContentsMargins(0, 0, 0, 0)
        hint = QLabel("Select one version to see what it changed, or two to compare.", left)
        hint.setObjectName("mutedLabel")
        hint.setWordWrap(True)
        column.addWidget(hint)
        column.addWidget(self.table, 1)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.restore_button)
        column.addLayout(buttons)

        self.diff_title = QLabel("", self)
        self.diff_title.setObjectName("sectionTitle")
        self.diff = MappingDiffView(self)
        right = QWidget(self)
        column = QVBoxLayout(right)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.diff_title)
        column.addWidget(self.diff, 1)
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([440, 560])
        self.message = message_label(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 0)
        layout.addWidget(self.message)
        layout.addWidget(splitter, 1)
        self._update_buttons()

    def shown(self) -> None:
        if self.stale:
            self.refresh()

    def refresh(self) -> None:
        saved = self.host.saved()
        if saved is None:
            self.stale = False
            self.table.setRowCount(0)
            set_message(self.message, "No versions yet: save the mapping first.", "info")
            self.sig_loaded.emit()
            return
        self.stale = False
        set_message(self.message, "")
        context = self.host.context
        self._list.start(
            load_versions, context.ws, context.user, saved.ref, on_done=self._show,
            on_error=self._failed,
        )  # fmt: skip

    def _show(self, versions: list[Mapping]) -> None:
        self.versions = versions
        self.table.setRowCount(len(versions))
        for row, mapping in enumerate(versions):
            label = f"v{mapping.version}" + (" (current)" if mapping.current else "")
            values = (
                label,
                f"{mapping.updated:%Y-%m-%d %H:%M}" if mapping.updated else "",
                mapping.updated_by or "",
                "✓" if mapping.validated else "",
            )
            for col, value in enumerate(values):
                item = QTableWidgetItem(value)
                item.setData(Qt.ItemDataRole.UserRole, mapping.version)
                self.table.setItem(row, col, item)
        if versions:
            self.table.selectRow(0)
        self.sig_loaded.emit()

    def _failed(self, exc: BaseException) -> None:
        set_message(self.message, user_message(exc)[0])
        self.sig_loaded.emit()

    def select_versions(self, *numbers: int) -> None:
        self.table.clearSelection()
        mode = self.table.selectionMode()
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.MultiSelection)
        for row, mapping in enumerate(self.versions):
            if mapping.version in numbers:
                self.table.selectRow(row)
        self.table.setSelectionMode(mode)

    def selected_versions(self) -> list[int]:
        rows = sorted({i.row() for i in self.table.selectedIndexes()})
        return sorted(self.versions[r].version for r in rows)

    def _selection_changed(self) -> None:
        self._update_buttons()
        chosen = self.selected_versions()
        saved = self.host.saved()
        if saved is None or not chosen or len(chosen) > 2:
            self.diff_title.setText("")
            self.diff.setExtraSelections([])
            self.diff.setPlainText("")
            return
        if len(chosen) == 1:
            older = [m.version for m in self.versions if m.version < chosen[0]]
            if not older:
                self.diff_title.setText(f"v{chosen[0]} is the first version")
                self.diff.setExtraSelections([])
                self.diff.setPlainText("")
                return
            chosen = [max(older), chosen[0]]
        old, new = chosen
        self.diff_title.setText(f"Changes from v{old} to v{new}")
        context = self.host.context
        self._diff.start(
            version_diff, context.ws, context.user, saved.ref, old, new,
            on_done=self._diffed, on_error=self._failed,
        )  # fmt: skip

    def _diffed(self, lines: list[str]) -> None:
        self.diff.set_diff(lines)
        self.sig_diffed.emit()

    def _update_buttons(self) -> None:
        chosen = self.selected_versions()
        current = self.versions[0].version if self.versions else None
        self.restore_button.setEnabled(
            self.can_restore and len(chosen) == 1 and chosen[0] != current
        )

    # -- restore --------------------------------------------------------------------------
    def ask_restore(self) -> None:
        chosen = self.selected_versions()
        saved = self.host.saved()
        if len(chosen) != 1 or saved is None:
            return
        version = chosen[0]
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Restore version",
            f"Save version {version} of {saved.ref} again as its newest version?\n\n"
            "The versions in between are kept."
            + (
                "\nThe unsaved changes in the editor are discarded." if self.host.is_dirty() else ""
            ),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            self,
        )
        box.setObjectName("restoreBox")
        box.accepted.connect(lambda: self.restore(version))
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.dialog = box
        box.open()

    def restore(self, version: int) -> None:
        saved = self.host.saved()
        if saved is None:
            return
        context = self.host.context
        self._restore.start(
            restore_version, context.ws, context.user, saved.ref, version,
            on_done=self._restored, on_error=self._failed,
        )  # fmt: skip

    def _restored(self, mapping: Mapping) -> None:
        self.sig_restored.emit(mapping)
        self.refresh()
        set_message(self.message, f"Restored as version {mapping.version}.", "info")
