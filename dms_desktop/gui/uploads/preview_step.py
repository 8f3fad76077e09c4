"""Step 2: the first rows as they will be read, each column with the type it looks like."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import QAbstractItemView, QLabel, QTableView, QWidget

from dms_desktop.core.uploads import FileProfile
from dms_desktop.gui.grid import cell_text, tooltip_text
from dms_desktop.gui.pages import PageContext
from dms_desktop.gui.uploads.steps import Step
from dms_desktop.gui.uploads.work import Draft

Index = QModelIndex | QPersistentModelIndex
FAMILIES = {
    "int": "whole number",
    "decimal": "decimal",
    "float": "number",
    "date": "date",
    "timestamp": "timestamp",
    "boolean": "true/false",
    "string": "text",
    "empty": "empty",
}


class PreviewModel(QAbstractTableModel):
    """The preview rows of a profile; the header says each column's inferred type."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.profile: FileProfile | None = None

    def set_profile(self, profile: FileProfile | None) -> None:
        self.beginResetModel()
        self.profile = profile
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() or self.profile is None else len(self.profile.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() or self.profile is None else len(self.profile.columns)

    def headerData(  # noqa: N802
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        profile = self.profile
        if profile is None:
            return None
        if orientation == Qt.Orientation.Vertical:
            if role == Qt.ItemDataRole.DisplayRole and section < len(profile.rownums):
                return str(profile.rownums[section])
            return None
        if section >= len(profile.columns):
            return None
        guess = profile.guesses[section]
        kind = FAMILIES.get(guess.family, guess.family)
        if guess.date_format:
            kind += f" {guess.date_format}"
        elif guess.decimal == ",":
            kind += " (decimal comma)"
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{profile.columns[section]}\n{kind}"
        if role == Qt.ItemDataRole.ToolTipRole:
            examples = ", ".join(repr(e) for e in guess.examples[:3])
            empty = f"; {guess.empty:,} empty" if guess.empty else ""
            return f"{profile.columns[section]}: looks like {kind}{empty}\ne.g. {examples}"
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or self.profile is None:
            return None
        value = self.profile.rows[index.row()][index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return cell_text(value) if value != "" else ""
        if role == Qt.ItemDataRole.ToolTipRole:
            return tooltip_text(value)
        return None


class PreviewStep(Step):
    title = "2 · Preview"
    guidance = (
        "The first rows as they will be read, numbered as in the file. Under each column name: "
        "the type its values look like. Something off? Go back and change how the file is read."
    )

    def __init__(self, context: PageContext, draft: Draft, parent: QWidget | None = None) -> None:
        super().__init__(context, draft, parent)
        self.summary = QLabel(self)
        self.summary.setObjectName("mutedLabel")
        self.summary.setWordWrap(True)
        self.model = PreviewModel(self)
        self.view = QTableView(self)
        self.view.setObjectName("uploadPreview")
        self.view.setModel(self.model)
        self.view.setAlternatingRowColors(True)
        self.view.setWordWrap(False)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.horizontalHeader().setDefaultSectionSize(130)
        self.view.horizontalHeader().setMaximumSectionSize(320)
        self.view.verticalHeader().setDefaultSectionSize(24)
        self.outer.addWidget(self.summary)
        self.outer.addWidget(self.view, 1)

    def enter(self) -> None:
        profile = self.draft.profile
        self.model.set_profile(profile)
        if profile is None:
            self.set_ready(False)
            return
        self.view.resizeColumnsToContents()
        shown = len(profile.rows)
        parts = [f"{shown:,} of the first {profile.sampled:,} rows shown", *profile.notes]
        self.summary.setText(" · ".join(parts))
        problems = profile.problems
        if problems:
            first = problems[0]
            self.say(
                f"{len(problems):,} of the first rows cannot be read as they are, e.g. row "
                f"{first.row}: {first.reason}. They will be reported (or skipped) at validation.",
                "info",
            )
        elif profile.warnings:
            self.say(" ".join(profile.warnings), "info")
        else:
            self.say("")
        self.set_ready(bool(profile.columns))
