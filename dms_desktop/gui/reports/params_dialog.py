"""The dialog that asks a report's parameters, one typed editor each.

Text and number are line edits (a number may be empty: NULL; the core reads it exactly, as
an integer or a decimal), a date is a date edit (an optional one starts at "(none)"), a
choice a combo box. The values are checked by the core (``resolve_params``) when the report
runs; its ``ParameterError.problems`` come back here and show under the fields they concern.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from dms_desktop.core.reports import ReportDef, ReportParam
from dms_desktop.core.reports.params import relative_date
from dms_desktop.gui.widgets import DialogBanner, set_message

NO_DATE = QDate(1900, 1, 1)  # an optional date edit at its minimum means "no date"
NONE_TEXT = "(none)"


def _as_date(value: Any, today: date) -> date | None:
    if isinstance(value, date):
        return value
    text = str(value or "").strip()
    if not text:
        return None
    found = relative_date(text, today)
    if found is not None:
        return found
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


class ParameterDialog(QDialog):
    """``sig_run(values)`` when the user asks to run; the page answers with ``show_problems``
    (the dialog stays open) or closes it."""

    sig_run = Signal(dict)

    def __init__(
        self,
        defn: ReportDef,
        values: dict[str, Any] | None = None,
        today: date | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("reportParameterDialog")
        self.setWindowTitle(f"Run {defn.name}")
        self.defn = defn
        self.today = today or date.today()
        values = {k.lower(): v for k, v in (values or {}).items()}
        self.editors: dict[str, QWidget] = {}
        self.errors: dict[str, QLabel] = {}

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 12)
        layout.setSpacing(10)
        layout.addWidget(DialogBanner(defn.name, defn.description or "", parent=self))
        body = QVBoxLayout()
        body.setContentsMargins(24, 4, 24, 0)
        body.setSpacing(8)
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        set_message(self.message, "")
        body.addWidget(self.message)
        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        for param in defn.params:
            editor = self._editor(param, values.get(param.name.lower(), param.default))
            editor.setObjectName(f"param_{param.name}")
            error = QLabel(self)
            error.setWordWrap(True)
            error.setObjectName("paramError")
            set_message(error, "")
            cell = QVBoxLayout()
            cell.setSpacing(3)
            cell.addWidget(editor)
            cell.addWidget(error)
            label = QLabel(param.title + (" *" if param.required else ""), self)
            label.setBuddy(editor)
            form.addRow(label, cell)
            self.editors[param.name] = editor
            self.errors[param.name.lower()] = error
        body.addLayout(form)
        layout.addLayout(body, 1)
        self.buttons = QDialogButtonBox(self)
        self.run_button = self.buttons.addButton("Run", QDialogButtonBox.ButtonRole.AcceptRole)
        self.run_button.setProperty("primary", True)
        self.run_button.setDefault(True)
        self.run_button.style().unpolish(self.run_button)
        self.run_button.style().polish(self.run_button)
        self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.run)
        self.buttons.rejected.connect(self.reject)
        self.buttons.setContentsMargins(24, 0, 24, 0)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(440)

    def _editor(self, param: ReportParam, value: Any) -> QWidget:
        if param.type == "date":
            edit = QDateEdit(self)
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            chosen = _as_date(value, self.today)
            if not param.required:
                edit.setMinimumDate(NO_DATE)
                edit.setSpecialValueText(NONE_TEXT)
            if chosen is None and param.required:
                chosen = self.today
            edit.setDate(
                NO_DATE if chosen is None else QDate(chosen.year, chosen.month, chosen.day)
            )
            return edit
        if param.type == "choice":
            combo = QComboBox(self)
            if not param.required:
                combo.addItem(NONE_TEXT, None)
            for choice in param.choices:
                combo.addItem(choice, choice)
            wanted = str(value or "").lower()
            index = next(
                (i for i in range(combo.count()) if str(combo.itemData(i) or "").lower() == wanted),
                0,
            )
            combo.setCurrentIndex(index)
            return combo
        line = QLineEdit("" if value is None else str(value), self)
        if param.type == "number":
            line.setPlaceholderText(
                "a number, e.g. 42 or 3.5" + ("" if param.required else "; empty: none")
            )
            line.setAlignment(Qt.AlignmentFlag.AlignRight)
        elif not param.required:
            line.setPlaceholderText("empty: none")
        return line

    def values(self) -> dict[str, Any]:
        """What the editors hold: text as typed, dates as dates, None for "(none)"."""
        out: dict[str, Any] = {}
        for name, editor in self.editors.items():
            if isinstance(editor, QDateEdit):
                chosen = editor.date()
                out[name] = None if chosen == NO_DATE else chosen.toPython()
            elif isinstance(editor, QComboBox):
                out[name] = editor.currentData()
            elif isinstance(editor, QLineEdit):
                out[name] = editor.text()
        return out

    def run(self) -> None:
        self.show_problems({})
        self.set_running(True)
        self.sig_run.emit(self.values())

    def set_running(self, running: bool) -> None:
        self.run_button.setEnabled(not running)
        self.run_button.setText("Running…" if running else "Run")

    def show_problems(self, problems: dict[str, str], message: str = "") -> None:
        """Each problem under its field; the others (unknown names) and ``message`` on top."""
        self.set_running(False)
        loose = []
        for label in self.errors.values():
            set_message(label, "")
        for name, text in problems.items():
            label = self.errors.get(name.lower())
            text = text[:1].upper() + text[1:] if text else text
            if label is None:
                loose.append(text)
            else:
                set_message(label, text)
        set_message(self.message, "\n".join([*([message] if message else []), *loose]))
        first = next((self.editors[n] for n in self.editors if n.lower() in
                      {p.lower() for p in problems}), None)  # fmt: skip
        if first is not None:
            first.setFocus()

    def problem_of(self, name: str) -> str:
        label = self.errors.get(name.lower())
        return label.text() if label is not None and not label.isHidden() else ""
