"""Step 1: the file and how to read it. Everything left on "Detect" is detected when the file
is read (in a worker) and shown for confirmation; changing an option reads it again."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpacerItem,
    QSpinBox,
    QWidget,
)

from dms_desktop.core.uploads import FileOptions, FileProfile
from dms_desktop.gui.errors import user_message
from dms_desktop.gui.pages import PageContext
from dms_desktop.gui.uploads.steps import Step
from dms_desktop.gui.uploads.work import Draft, inspect
from dms_desktop.gui.widgets import set_message
from dms_desktop.gui.workers import TaskSlot

DETECT = "Detect"
KINDS = [(DETECT, ""), ("CSV / text", "CSV"), ("Excel (.xlsx)", "XLSX"), ("JSON", "JSON")]
ENCODINGS = [DETECT, "utf-8", "utf-8-sig", "utf-16", "cp1252", "latin-1"]
DELIMITERS = [(DETECT, ""), ("Comma ,", ","), ("Semicolon ;", ";"), ("Tab", "\t"), ("Pipe |", "|")]
DECIMALS = [(DETECT, ""), ("Point 1234.56", "."), ("Comma 1234,56", ",")]
FILE_FILTER = "Data files (*.csv *.txt *.tsv *.xlsx *.xlsm *.json *.jsonl *.ndjson);;All files (*)"


def _spin(parent: QWidget, top: int, tip: str) -> QSpinBox:
    spin = QSpinBox(parent)
    spin.setRange(0, top)
    spin.setSpecialValueText(DETECT)
    spin.setToolTip(tip)
    return spin


# The options that mean something for each kind of file.
FIELDS_OF = {
    "CSV": {"encoding", "delimiter", "decimal", "nulls", "header", "header_row", "header_rows"},
    "XLSX": {"decimal", "nulls", "header", "header_row", "header_rows", "sheet"},
    "JSON": {"decimal", "nulls"},
}


def _combo(parent: QWidget, items: list[tuple[str, str]]) -> QComboBox:
    combo = QComboBox(parent)
    for label, value in items:
        combo.addItem(label, value)
    return combo


class FileStep(Step):
    title = "1 · File"
    guidance = (
        "Choose a CSV, Excel or JSON file. Leave the options on Detect: what is found is "
        "listed below for you to confirm."
    )

    def __init__(self, context: PageContext, draft: Draft, parent: QWidget | None = None) -> None:
        super().__init__(context, draft, parent)
        self._task = TaskSlot()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(250)
        self._timer.timeout.connect(self.read_file)
        row = QHBoxLayout()
        self.path_edit = QLineEdit(self)
        self.path_edit.setPlaceholderText("Path of the file to upload")
        self.browse_button = QPushButton("Browse…", self)
        self.browse_button.clicked.connect(lambda _c=False: self.browse())
        row.addWidget(self.path_edit, 1)
        row.addWidget(self.browse_button)
        self.outer.addLayout(row)

        self.kind_combo = _combo(self, KINDS)
        self.encoding_combo = QComboBox(self)
        self.encoding_combo.setEditable(True)
        self.encoding_combo.addItems(ENCODINGS)
        self.delimiter_combo = _combo(self, DELIMITERS)
        self.header_check = QCheckBox("The first row read names the columns", self)
        self.header_check.setChecked(True)
        self.header_spin = _spin(
            self, 1000, "The row holding the header (rows above it are skipped)"
        )
        self.header_rows_spin = _spin(self, 5, "Rows the header spans (a merged Excel header: 2)")
        self.sheet_combo = QComboBox(self)
        self.sheet_combo.setToolTip("Excel: the sheet to read (the first by default)")
        self.nulls_edit = QLineEdit(self)
        self.nulls_edit.setPlaceholderText("e.g. NULL, n/a, -")
        self.nulls_edit.setToolTip("Values read as NULL in every column (empty cells always are)")
        self.decimal_combo = _combo(self, DECIMALS)
        grid = QGridLayout()
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(8)
        left = (("Type", self.kind_combo), ("Encoding", self.encoding_combo),
                ("Delimiter", self.delimiter_combo), ("Decimal separator", self.decimal_combo),
                ("NULL values", self.nulls_edit))  # fmt: skip
        right = (("Header", self.header_check), ("Header row", self.header_spin),
                 ("Header rows", self.header_rows_spin), ("Sheet", self.sheet_combo))  # fmt: skip
        self.labels: dict[QWidget, QLabel] = {}
        for column, fields in ((0, left), (2, right)):
            for row, (text, field) in enumerate(fields):
                label = QLabel(text, self)
                self.labels[field] = label
                field.setMaximumWidth(280)
                field.setMinimumWidth(200)
                grid.addWidget(label, row, column)
                grid.addWidget(field, row, column + 1)
        grid.setColumnMinimumWidth(2, 90)
        grid.setColumnStretch(4, 1)
        grid.addItem(QSpacerItem(24, 1), 0, 4)
        self.outer.addLayout(grid)
        self.detected = QLabel(self)
        self.detected.setWordWrap(True)
        self.detected.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        set_message(self.detected, "", "info")
        self.outer.addWidget(self.detected)
        self.outer.addStretch(1)
        self._show_fields("")

        self.path_edit.textChanged.connect(lambda _t: self._schedule())
        for combo in (self.kind_combo, self.delimiter_combo, self.decimal_combo, self.sheet_combo):
            combo.currentIndexChanged.connect(lambda _i: self._schedule())
        self.encoding_combo.currentTextChanged.connect(lambda _t: self._schedule())
        self.kind_combo.currentIndexChanged.connect(
            lambda _i: self._show_fields(str(self.kind_combo.currentData() or ""))
        )
        self.header_check.toggled.connect(lambda _c: self._schedule())
        for spin in (self.header_spin, self.header_rows_spin):
            spin.valueChanged.connect(lambda _v: self._schedule())
        self.nulls_edit.editingFinished.connect(self._schedule)
        self._filling = False
        self._columns: list[str] = []  # of the file read last

    # -- the draft ------------------------------------------------------------------------
    def enter(self) -> None:
        if self.draft.profile is None and self.draft.path and not self.path_edit.text():
            self.set_path(self.draft.path, self.draft.options)

    def reset(self) -> None:
        """An empty form with every option on Detect (Start over)."""
        self.cancel_tasks()
        self._filling = True
        try:
            self.sheet_combo.clear()
            self._show_options(FileOptions())
            self.path_edit.clear()
        finally:
            self._filling = False
        set_message(self.detected, "", "info")
        self.say("")
        self._show_fields("")
        self.set_ready(False)

    def set_path(self, path: str, options: FileOptions | None = None) -> None:
        """Put a file (and options) in the form and read it."""
        self._filling = True
        try:
            if options is not None:
                self._show_options(options)
            self.path_edit.setText(path)
        finally:
            self._filling = False
        self.read_file()

    def _show_options(self, options: FileOptions) -> None:
        self.kind_combo.setCurrentIndex(max(self.kind_combo.findData(options.kind), 0))
        self.encoding_combo.setCurrentText(options.encoding or DETECT)
        self.delimiter_combo.setCurrentIndex(
            max(self.delimiter_combo.findData(options.delimiter), 0)
        )
        self.header_check.setChecked(options.header)
        self.header_spin.setValue(options.skip_rows + 1 if options.skip_rows >= 0 else 0)
        self.header_rows_spin.setValue(options.header_rows)
        self.nulls_edit.setText(", ".join(options.null_values))
        self.decimal_combo.setCurrentIndex(max(self.decimal_combo.findData(options.decimal), 0))
        if options.sheet:
            if self.sheet_combo.findText(options.sheet) < 0:
                self.sheet_combo.addItem(options.sheet)
            self.sheet_combo.setCurrentText(options.sheet)

    def options(self) -> FileOptions:
        encoding = self.encoding_combo.currentText().strip()
        nulls = tuple(v.strip() for v in self.nulls_edit.text().split(",") if v.strip())
        return FileOptions(
            kind=str(self.kind_combo.currentData() or ""),
            encoding="" if encoding == DETECT else encoding,
            delimiter=str(self.delimiter_combo.currentData() or ""),
            header=self.header_check.isChecked(),
            header_rows=self.header_rows_spin.value(),
            skip_rows=self.header_spin.value() - 1 if self.header_spin.value() else -1,
            sheet=self.sheet_combo.currentText() if self.sheet_combo.count() else "",
            null_values=nulls,
            decimal=str(self.decimal_combo.currentData() or ""),
        )

    def browse(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(self, "File to upload", "", FILE_FILTER)
        if path:
            self.set_path(path)

    # -- reading ------------------------------------------------------------------------------
    def _schedule(self) -> None:
        if not self._filling:
            self.set_ready(False)
            self._timer.start()

    def read_file(self) -> None:
        self._timer.stop()
        path = self.path_edit.text().strip()
        self.draft.profile = None
        self.set_ready(False)
        if not path:
            set_message(self.detected, "", "info")
            self.say("")
            return
        self.say("Reading the file…", "info")
        self._task.start(inspect, path, self.options(), on_done=self._read, on_error=self._failed)

    @property
    def busy(self) -> bool:
        return self._task.busy

    def _read(self, profile: FileProfile) -> None:
        before = self._columns
        self._columns = list(profile.columns)
        if before and before != self._columns and self.draft.upload_id is None:
            self.draft.columns = []  # another layout: map it afresh
        self.draft.path = profile.path
        self.draft.options = profile.options
        self.draft.profile = profile
        self.draft.validation = None
        self._show_fields(profile.kind)
        if profile.sheets:
            self._filling = True
            current = profile.options.sheet
            self.sheet_combo.clear()
            self.sheet_combo.addItems(profile.sheets)
            self.sheet_combo.setCurrentText(current)
            self._filling = False
        self.sheet_combo.setEnabled(bool(profile.sheets))
        lines = ["Read so far, check it before going on:", *(f"✓  {n}" for n in profile.notes)]
        lines.append(f"✓  {len(profile.columns)} columns; {profile.sampled:,} rows looked at")
        set_message(self.detected, "\n".join(lines), "info")
        self.say(" ".join(f"⚠ {w}" for w in profile.warnings))
        self.set_ready(True)

    def _show_fields(self, kind: str) -> None:
        """Show the options of this kind of file (all of them while it is unknown)."""
        shown = FIELDS_OF.get(kind)
        named = {"encoding": self.encoding_combo, "delimiter": self.delimiter_combo,
                 "decimal": self.decimal_combo, "nulls": self.nulls_edit,
                 "header": self.header_check, "header_row": self.header_spin,
                 "header_rows": self.header_rows_spin, "sheet": self.sheet_combo}  # fmt: skip
        for name, field in named.items():
            visible = shown is None or name in shown
            field.setVisible(visible)
            self.labels[field].setVisible(visible)

    def _failed(self, exc: BaseException) -> None:
        set_message(self.detected, "", "info")
        self.say(user_message(exc)[0])
        self.set_ready(False)

    def cancel_tasks(self) -> None:
        self._timer.stop()
        self._task.cancel()
