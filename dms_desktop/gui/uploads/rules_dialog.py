"""The rules of one column: trim, case, NULL values, default, constant, date and number
formats, regex replace and a value map. Checked (regex, date format) before it closes."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from dms_desktop.core.errors import DmsError
from dms_desktop.core.uploads import ColumnRule, ColumnSpec
from dms_desktop.core.uploads.rules import DATE_FORMATS, TIMESTAMP_FORMATS, RuleProgram, date_format
from dms_desktop.gui.widgets import set_message

CASES = [("Keep", ""), ("UPPER", "upper"), ("lower", "lower")]
DECIMALS = [("As the file", ""), ("Point 1234.56", "."), ("Comma 1234,56", ",")]
THOUSANDS = [("None", ""), ("Point 1.234", "."), ("Comma 1,234", ","), ("Space 1 234", " "),
             ("Apostrophe 1'234", "'")]  # fmt: skip
ISO = "ISO 8601 (2026-12-31)"


def _combo(parent: QWidget, items: list[tuple[str, str]], value: str) -> QComboBox:
    combo = QComboBox(parent)
    for label, data in items:
        combo.addItem(label, data)
    combo.setCurrentIndex(max(combo.findData(value), 0))
    return combo


def parse_map(text: str) -> dict[str, str]:
    """``from=to`` per line (``=`` inside a value: write it as ``\\=``)."""
    out: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = line.replace("\\=", "\x00").split("=", 1)
        if len(parts) != 2:
            raise DmsError(f"Value map line {number} needs FROM=TO, not {line!r}.")
        out[parts[0].replace("\x00", "=").strip()] = parts[1].replace("\x00", "=").strip()
    return out


class RulesDialog(QDialog):
    sig_rule = Signal(object)  # the ColumnRule accepted

    def __init__(self, spec: ColumnSpec, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Rules of {spec.target}")
        self.setObjectName("rulesDialog")
        rule = spec.rule
        layout = QVBoxLayout(self)
        intro = QLabel(
            "Applied in this order: constant, trim, NULL values, value map, replace, case, "
            "default; then the date or number format reads the value.",
            self,
        )
        intro.setWordWrap(True)
        intro.setObjectName("mutedLabel")
        layout.addWidget(intro)
        form = QFormLayout()
        self.trim_check = QCheckBox("Remove spaces before and after", self)
        self.trim_check.setChecked(rule.trim)
        self.case_combo = _combo(self, CASES, rule.case)
        self.nulls_edit = QLineEdit(", ".join(rule.null_values), self)
        self.nulls_edit.setPlaceholderText("e.g. n/a, -, unknown")
        self.default_edit = QLineEdit(rule.default or "", self)
        self.default_edit.setPlaceholderText("used when the value is empty")
        constant = QHBoxLayout()
        self.constant_check = QCheckBox("Instead of the file:", self)
        self.constant_check.setChecked(rule.constant is not None)
        self.constant_edit = QLineEdit(rule.constant or "", self)
        constant.addWidget(self.constant_check)
        constant.addWidget(self.constant_edit, 1)
        self.date_combo = QComboBox(self)
        self.date_combo.setEditable(True)
        self.date_combo.addItems([ISO, *DATE_FORMATS[1:], *TIMESTAMP_FORMATS])
        self.date_combo.setCurrentText(rule.date_format or ISO)
        self.date_combo.setToolTip("strftime codes: %d day, %m month, %Y year, %H:%M:%S time")
        self.decimal_combo = _combo(self, DECIMALS, rule.decimal)
        self.thousands_combo = _combo(self, THOUSANDS, rule.thousands)
        replace_row = QHBoxLayout()
        self.regex_edit = QLineEdit(rule.regex, self)
        self.regex_edit.setPlaceholderText(r"regular expression, e.g. ^(\d+)-(\d+)$")
        self.replace_edit = QLineEdit(rule.replace_with, self)
        self.replace_edit.setPlaceholderText(r"replacement, e.g. \2\1")
        replace_row.addWidget(self.regex_edit, 2)
        replace_row.addWidget(QLabel("→", self))
        replace_row.addWidget(self.replace_edit, 1)
        self.map_edit = QPlainTextEdit(self)
        self.map_edit.setPlaceholderText("one per line: FROM=TO, e.g. Y=true")
        self.map_edit.setPlainText("\n".join(f"{k}={v}" for k, v in rule.value_map.items()))
        self.map_edit.setFixedHeight(84)
        form.addRow("Trim", self.trim_check)
        form.addRow("Case", self.case_combo)
        form.addRow("NULL values", self.nulls_edit)
        form.addRow("Default", self.default_edit)
        form.addRow("Constant", constant)
        form.addRow("Date format", self.date_combo)
        form.addRow("Decimal separator", self.decimal_combo)
        form.addRow("Thousands separator", self.thousands_combo)
        form.addRow("Replace", replace_row)
        form.addRow("Value map", self.map_edit)
        layout.addLayout(form)
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        set_message(self.message, "")
        layout.addWidget(self.message)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(520, self.sizeHint().height())

    def rule(self) -> ColumnRule:
        """The rule as entered (DmsError says what is wrong)."""
        date_text = self.date_combo.currentText().strip()
        date_text = "" if date_text in ("", ISO) else date_text
        if date_text:
            date_format(date_text)
        rule = ColumnRule(
            constant=self.constant_edit.text() if self.constant_check.isChecked() else None,
            trim=self.trim_check.isChecked(),
            null_values=tuple(v.strip() for v in self.nulls_edit.text().split(",") if v.strip()),
            value_map=parse_map(self.map_edit.toPlainText()),
            regex=self.regex_edit.text(),
            replace_with=self.replace_edit.text(),
            case=str(self.case_combo.currentData() or ""),
            default=self.default_edit.text() or None,
            decimal=str(self.decimal_combo.currentData() or ""),
            thousands=str(self.thousands_combo.currentData() or ""),
            date_format=date_text,
        )
        RuleProgram(rule)  # compiles the regex: refuses a bad one now, not at load time
        return rule

    def accept(self) -> None:
        try:
            rule = self.rule()
        except DmsError as exc:
            set_message(self.message, exc.message)
            return
        self.sig_rule.emit(rule)
        super().accept()
