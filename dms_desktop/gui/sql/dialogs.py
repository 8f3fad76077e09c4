"""Save a managed query; list its versions and show the differences between two of them."""

from __future__ import annotations

from PySide6.QtCore import QRegularExpression, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFontDatabase,
    QRegularExpressionValidator,
    QTextCharFormat,
    QTextCursor,
    QTextFormat,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from dms_desktop.core.sqlstore.service import MAX_DESCRIPTION, ManagedSql, SqlService
from dms_desktop.gui.errors import user_message
from dms_desktop.gui.pages import PageContext
from dms_desktop.gui.theme import is_dark
from dms_desktop.gui.widgets import set_message
from dms_desktop.gui.workers import TaskSlot

# line kind -> ((light fore, light back), (dark fore, dark back))
_DIFF_COLOURS = {
    "+": (("#116329", "#dafbe1"), ("#7ee787", "#1f3a28")),
    "-": (("#a40e26", "#ffebe9"), ("#ffa198", "#4a2326")),
    "@": (("#6639ba", "#f3eefc"), ("#d2a8ff", "#2d2640")),
}


def save_query(
    context: PageContext,
    code: str,
    text: str,
    conid: int | None,
    description: str,
    base_version: int | None,
) -> ManagedSql:
    return SqlService(context.ws, context.user).save(
        code, text, conid, description, base_version=base_version
    )


class SaveQueryDialog(QDialog):
    """Code and description; saving an existing code adds a version (the old one is kept)."""

    sig_saved = Signal(object)  # the ManagedSql now current

    def __init__(
        self,
        context: PageContext,
        text: str,
        conid: int | None,
        code: str | None = None,
        description: str | None = None,
        base_version: int | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("saveQueryDialog")
        self.setWindowTitle("Save managed query")
        self.context, self.text, self.conid = context, text, conid
        self.base_code, self.base_version = code, base_version
        self.code_edit = QLineEdit(code or "", self)
        self.code_edit.setPlaceholderText("e.g. SQL_001")
        self.code_edit.setValidator(
            QRegularExpressionValidator(QRegularExpression(r"[A-Za-z][A-Za-z0-9_]{0,99}"))
        )
        self.description_edit = QLineEdit(description or "", self)
        self.description_edit.setMaxLength(MAX_DESCRIPTION)
        self.description_edit.setPlaceholderText("What the query returns")
        note = QLabel(
            "Saving under an existing code adds a new version; earlier versions stay readable.",
            self,
        )
        note.setObjectName("mutedLabel")
        note.setWordWrap(True)
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        set_message(self.message, "")
        form = QFormLayout()
        form.addRow("Code", self.code_edit)
        form.addRow("Description", self.description_edit)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setProperty("primary", True)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.resize(460, self.sizeHint().height())
        self._task = TaskSlot()

    def save(self) -> None:
        code = self.code_edit.text().strip()
        if not code:
            set_message(self.message, "Enter a code, e.g. SQL_001.")
            return
        base = self.base_version if code == self.base_code else None
        self.save_button.setEnabled(False)
        self._task.start(
            save_query,
            self.context,
            code,
            self.text,
            self.conid,
            self.description_edit.text(),
            base,
            on_done=self._saved,
            on_error=self._failed,
        )

    def _saved(self, saved: ManagedSql) -> None:
        self.sig_saved.emit(saved)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.save_button.setEnabled(True)
        set_message(self.message, user_message(exc)[0])


class DiffView(QPlainTextEdit):
    """A unified diff with added, removed and hunk lines coloured."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("diffView")
        self.setReadOnly(True)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))

    def set_diff(self, lines: list[str]) -> None:
        self.setPlainText("\n".join(lines) if lines else "The two versions have the same text.")
        pick = 1 if is_dark() else 0
        selections = []
        block = self.document().firstBlock()
        while block.isValid():
            text = block.text()
            kind = text[:1] if not text.startswith(("+++", "---")) else ""
            colours = _DIFF_COLOURS.get(kind)
            if colours is not None:
                fore, back = colours[pick]
                selection = QTextEdit.ExtraSelection()
                fmt = QTextCharFormat()
                fmt.setForeground(QColor(fore))
                fmt.setBackground(QColor(back))
                fmt.setProperty(QTextFormat.Property.FullWidthSelection, True)
                selection.format = fmt  # type: ignore[attr-defined]
                selection.cursor = QTextCursor(block)  # type: ignore[attr-defined]
                selections.append(selection)
            block = block.next()
        self.setExtraSelections(selections)


def load_versions(context: PageContext, code: str) -> list[ManagedSql]:
    return SqlService(context.ws, context.user).versions(code)


def load_diff(context: PageContext, code: str, old: int, new: int) -> list[str]:
    return SqlService(context.ws, context.user).diff(code, old, new)


class VersionsDialog(QDialog):
    """Every version of a code; select two to compare (one: against its predecessor)."""

    sig_open = Signal(object)  # the ManagedSql version to open in a tab
    sig_diff_shown = Signal()

    def __init__(self, context: PageContext, code: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("versionsDialog")
        self.setWindowTitle(f"Versions of {code}")
        self.context, self.code = context, code
        self.versions: list[ManagedSql] = []
        self.table = QTableWidget(0, 4, self)
        self.table.setObjectName("versionsTable")
        self.table.setHorizontalHeaderLabels(["Version", "Saved (UTC)", "By", "Description"])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._compare)
        self.summary = QLabel("Loading…", self)
        self.summary.setObjectName("mutedLabel")
        self.diff = DiffView(self)
        splitter = QSplitter(Qt.Orientation.Vertical, self)
        splitter.addWidget(self.table)
        splitter.addWidget(self.diff)
        splitter.setStretchFactor(1, 2)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.open_button = QPushButton("Open version", self)
        self.open_button.setToolTip("Open the selected version in a new editor tab")
        self.open_button.clicked.connect(self._open)
        buttons.addButton(self.open_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.summary)
        layout.addWidget(buttons)
        self.resize(820, 600)
        self._load = TaskSlot()
        self._diff = TaskSlot()
        self._load.start(load_versions, context, code, on_done=self._show, on_error=self._failed)

    def _show(self, versions: list[ManagedSql]) -> None:
        self.versions = versions
        self.table.setRowCount(len(versions))
        for row, version in enumerate(versions):
            current = " (current)" if version.current else ""
            saved = f"{version.updated:%Y-%m-%d %H:%M}" if version.updated else ""
            cells = (f"v{version.version}{current}", saved, version.updated_by or "")
            for column, text in enumerate((*cells, version.description or "")):
                self.table.setItem(row, column, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        if len(versions) >= 2:
            self.select_versions(versions[1].version, versions[0].version)
        elif versions:
            self.table.selectRow(0)

    def select_versions(self, *numbers: int) -> None:
        self.table.clearSelection()
        mode = self.table.selectionMode()
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.MultiSelection)
        for row, version in enumerate(self.versions):
            if version.version in numbers:
                self.table.selectRow(row)
        self.table.setSelectionMode(mode)

    def _selected(self) -> list[ManagedSql]:
        rows = sorted({index.row() for index in self.table.selectionModel().selectedRows()})
        return [self.versions[r] for r in rows if r < len(self.versions)]

    def _compare(self) -> None:
        chosen = self._selected()
        if len(chosen) == 1:
            older = [v for v in self.versions if v.version < chosen[0].version]
            chosen = [chosen[0], older[0]] if older else chosen
        if len(chosen) != 2:
            self.summary.setText(
                "Only one version: nothing to compare."
                if len(self.versions) < 2
                else "Select two versions to compare them."
            )
            self.diff.setPlainText(chosen[0].text if chosen else "")
            return
        old, new = sorted(v.version for v in chosen)
        self.summary.setText(f"Changes from v{old} to v{new}")
        self._diff.start(load_diff, self.context, self.code, old, new, on_done=self._diffed)

    def _diffed(self, lines: list[str]) -> None:
        self.diff.set_diff(lines)
        self.sig_diff_shown.emit()

    def _failed(self, exc: BaseException) -> None:
        self.summary.setText(f"Could not load the versions: {user_message(exc)[0]}")

    def _open(self) -> None:
        chosen = self._selected()
        if chosen:
            self.sig_open.emit(chosen[0])  # the newest selected
