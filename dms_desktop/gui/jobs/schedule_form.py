"""The fields of a schedule: a frequency code and only the fields that code uses.

The form turns its fields into a core ``ScheduleSpec`` and validates it with the core's own
``frequency.make_rule`` (pure computation, no database), so the dialog can show the rule in
words and the next firings while the user types. Dates are entered in the schedule's time
zone and stored as naive UTC, like every time in the metadata database.
"""

from __future__ import annotations

from datetime import date, datetime, time
from functools import cache
from zoneinfo import available_timezones

from PySide6.QtCore import QDate, QTime, Signal
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFormLayout,
    QHBoxLayout,
    QSpinBox,
    QTimeEdit,
    QWidget,
)

from dms_desktop.core.jobs import frequency
from dms_desktop.core.jobs.frequency import to_utc
from dms_desktop.core.jobs.service import ScheduleSpec
from dms_desktop.gui.jobs.display import to_local, zone_of
from dms_desktop.gui.widgets import plain_spin

FREQUENCIES: tuple[tuple[str | None, str], ...] = (
    (None, "On demand (Run now, or after another job)"),
    ("YR", "Yearly"),
    ("HY", "Half-yearly"),
    ("QT", "Quarterly"),
    ("MN", "Monthly"),
    ("FN", "Fortnightly"),
    ("WK", "Weekly"),
    ("DL", "Daily"),
    ("ID", "Interval (every N minutes)"),
)
# The rows each code uses (the others are hidden).
_TIMED = ("time", "start", "end", "zone")
ROWS: dict[str | None, tuple[str, ...]] = {
    None: (),
    "YR": ("month", "day", *_TIMED),
    "HY": ("month", "day", *_TIMED),
    "QT": ("month", "day", *_TIMED),
    "MN": ("day", *_TIMED),
    "FN": ("weekday", *_TIMED),
    "WK": ("weekday", *_TIMED),
    "DL": _TIMED,
    "ID": ("every", "start", "end", "zone"),
}
MONTH_LABELS = {"YR": "Month", "HY": "Months", "QT": "First month"}


@cache
def zone_names() -> tuple[str, ...]:
    return tuple(sorted(available_timezones()))


def describe_rule(rule: frequency.Rule) -> str:
    """The rule in words, with its start and end dates in the rule's own zone."""
    return frequency.describe(rule)


def rule_for(spec: ScheduleSpec, default_zone: str) -> frequency.Rule | None:
    """The validated rule of ``spec`` (None: on demand); raises ValidationError."""
    if not spec.frequency:
        return None
    return frequency.make_rule(
        spec.frequency,
        day=spec.day,
        hour=spec.hour,
        minute=spec.minute,
        months=spec.months,
        every_minutes=spec.every_minutes,
        start=spec.start,
        end=spec.end,
        zone=spec.zone or default_zone,
    )


def day_of(edit: QDateEdit) -> date:
    value = edit.date()
    return date(value.year(), value.month(), value.day())


def _month_combo(parent: QWidget) -> QComboBox:
    combo = QComboBox(parent)
    for number in range(1, 13):
        combo.addItem(frequency.MONTH_NAMES[number], number)
    return combo


class ScheduleForm(QWidget):
    sig_changed = Signal()

    def __init__(self, default_zone: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.default_zone = default_zone
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.FieldsStayAtSizeHint)
        self.form = form

        self.frequency_combo = QComboBox(self)
        self.frequency_combo.setObjectName("frequencyCombo")
        for code, text in FREQUENCIES:
            self.frequency_combo.addItem(text if code is None else f"{text} ({code})", code)
        form.addRow("Frequency", self.frequency_combo)

        self.month_combo = _month_combo(self)
        self.month2_combo = _month_combo(self)
        self.month2_combo.setCurrentIndex(6)  # half-yearly: January and July
        self.months_row = QWidget(self)
        months = QHBoxLayout(self.months_row)
        months.setContentsMargins(0, 0, 0, 0)
        months.addWidget(self.month_combo)
        months.addWidget(self.month2_combo)
        months.addStretch(1)
        form.addRow("Month", self.months_row)

        self.day_spin = QSpinBox(self)
        self.day_spin.setRange(1, 31)
        self.day_spin.setToolTip("A day beyond the month's end (31 in April) runs on its last day")
        self.last_day_check = QCheckBox("Last day of the month", self)
        self.day_row = QWidget(self)
        day = QHBoxLayout(self.day_row)
        day.setContentsMargins(0, 0, 0, 0)
        day.addWidget(self.day_spin)
        day.addWidget(self.last_day_check)
        day.addStretch(1)
        form.addRow("Day", self.day_row)

        self.weekday_combo = QComboBox(self)
        for code, name in zip(frequency.WEEKDAYS, frequency.WEEKDAY_NAMES, strict=True):
            self.weekday_combo.addItem(name, code)
        form.addRow("Weekday", self.weekday_combo)

        self.time_edit = QTimeEdit(QTime(2, 0), self)
        self.time_edit.setDisplayFormat("HH:mm")
        form.addRow("At", self.time_edit)

        self.every_spin = QSpinBox(self)
        self.every_spin.setRange(1, 10080)
        self.every_spin.setValue(60)
        self.every_spin.setSuffix(" minutes")
        form.addRow("Every", self.every_spin)

        today = QDate.currentDate()
        self.start_check = QCheckBox("From", self)
        self.start_date = QDateEdit(today, self)
        self.end_check = QCheckBox("Until", self)
        self.end_date = QDateEdit(today.addMonths(12), self)
        for edit in (self.start_date, self.end_date):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
        self.start_row = self._check_row(self.start_check, self.start_date)
        self.end_row = self._check_row(self.end_check, self.end_date)
        form.addRow("Starts", self.start_row)
        form.addRow("Ends", self.end_row)

        self.zone_combo = QComboBox(self)
        self.zone_combo.setEditable(True)
        self.zone_combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.zone_combo.addItems(list(zone_names()))
        self.zone_combo.setCurrentText(default_zone)
        self.zone_combo.setMinimumContentsLength(18)
        self.zone_combo.setToolTip(f"DMS_TIMEZONE of this workspace: {default_zone}")
        for spin in (self.day_spin, self.every_spin):
            plain_spin(spin)  # type or wheel
        self.time_edit.setButtonSymbols(QAbstractSpinBox.ButtonSymbols.NoButtons)
        form.addRow("Time zone", self.zone_combo)

        self._rows = {
            "month": self.months_row,
            "day": self.day_row,
            "weekday": self.weekday_combo,
            "time": self.time_edit,
            "every": self.every_spin,
            "start": self.start_row,
            "end": self.end_row,
            "zone": self.zone_combo,
        }
        for signal in (
            self.frequency_combo.currentIndexChanged,
            self.month_combo.currentIndexChanged,
            self.month2_combo.currentIndexChanged,
            self.day_spin.valueChanged,
            self.last_day_check.toggled,
            self.weekday_combo.currentIndexChanged,
            self.time_edit.timeChanged,
            self.every_spin.valueChanged,
            self.start_check.toggled,
            self.start_date.dateChanged,
            self.end_check.toggled,
            self.end_date.dateChanged,
            self.zone_combo.currentTextChanged,
        ):
            signal.connect(self._changed)
        self._update_rows()

    def _check_row(self, check: QCheckBox, edit: QDateEdit) -> QWidget:
        row = QWidget(self)
        layout = QHBoxLayout(row)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(check)
        layout.addWidget(edit)
        layout.addStretch(1)
        edit.setEnabled(False)
        check.toggled.connect(edit.setEnabled)
        return row

    # -- reading -------------------------------------------------------------------------------
    @property
    def code(self) -> str | None:
        code = self.frequency_combo.currentData()
        return str(code) if code else None

    def visible_rows(self) -> tuple[str, ...]:
        return ROWS[self.code]

    def zone(self) -> str:
        return self.zone_combo.currentText().strip() or self.default_zone

    def spec(self) -> ScheduleSpec:
        """The fields as a ScheduleSpec (``after`` and ``enabled`` are the dialog's)."""
        code = self.code
        if code is None:
            return ScheduleSpec()
        rows = ROWS[code]
        day: str | None = None
        if "day" in rows:
            day = "L" if self.last_day_check.isChecked() else str(self.day_spin.value())
        elif "weekday" in rows:
            day = str(self.weekday_combo.currentData())
        months = None
        if code == "HY":
            months = f"{self.month_combo.currentData()},{self.month2_combo.currentData()}"
        elif code in ("YR", "QT"):
            months = str(self.month_combo.currentData())
        at = self.time_edit.time()
        zone_name = self.zone()
        zone = zone_of(zone_name)
        start = end = None
        if self.start_check.isChecked():
            start = to_utc(datetime.combine(day_of(self.start_date), time(0, 0)), zone)
        if self.end_check.isChecked():
            end = to_utc(datetime.combine(day_of(self.end_date), time(23, 59)), zone)
        return ScheduleSpec(
            code,
            day=day,
            hour=at.hour() if "time" in rows else None,
            minute=at.minute() if "time" in rows else None,
            months=months,
            every_minutes=self.every_spin.value() if code == "ID" else None,
            start=start,
            end=end,
            zone=None if zone_name == self.default_zone else zone_name,
        )

    def rule(self) -> frequency.Rule | None:
        """The validated rule (None: on demand); raises the core's ValidationError."""
        return rule_for(self.spec(), self.default_zone)

    # -- writing -------------------------------------------------------------------------------
    def set_spec(self, spec: ScheduleSpec) -> None:
        """Show a saved schedule (its UTC dates back in its zone)."""
        index = self.frequency_combo.findData(spec.frequency) if spec.frequency else 0
        self.frequency_combo.setCurrentIndex(max(0, index))
        zone_name = spec.zone or self.default_zone
        self.zone_combo.setCurrentText(zone_name)
        zone = zone_of(zone_name)
        day = str(spec.day or "").upper()
        if spec.frequency in ("WK", "FN"):
            self.weekday_combo.setCurrentIndex(max(0, self.weekday_combo.findData(day[:3])))
        elif day in ("L", "LAST"):
            self.last_day_check.setChecked(True)
        elif day.isdigit():
            self.day_spin.setValue(int(day))
        months = [m for m in str(spec.months or "").split(",") if m.strip().isdigit()]
        if months:
            self.month_combo.setCurrentIndex(int(months[0]) - 1)
        if len(months) > 1:
            self.month2_combo.setCurrentIndex(int(months[1]) - 1)
        self.time_edit.setTime(QTime(spec.hour or 0, spec.minute or 0))
        if spec.every_minutes:
            self.every_spin.setValue(spec.every_minutes)
        for check, edit, moment in (
            (self.start_check, self.start_date, spec.start),
            (self.end_check, self.end_date, spec.end),
        ):
            local = to_local(moment, zone)
            check.setChecked(local is not None)
            if local is not None:
                edit.setDate(QDate(local.year, local.month, local.day))
        self._update_rows()

    def set_start(self, day: date) -> None:
        self.start_check.setChecked(True)
        self.start_date.setDate(QDate(day.year, day.month, day.day))

    # -- reacting ------------------------------------------------------------------------------
    def _changed(self, *_args: object) -> None:
        self._update_rows()
        self.sig_changed.emit()

    def _update_rows(self) -> None:
        code = self.code
        rows = ROWS[code]
        for name, widget in self._rows.items():
            self.form.setRowVisible(widget, name in rows)
        label = self.form.labelForField(self.months_row)
        if label is not None and code in MONTH_LABELS:
            label.setProperty("text", MONTH_LABELS[code])
        self.month2_combo.setVisible(code == "HY")
        self.day_spin.setEnabled(not self.last_day_check.isChecked())
        fortnightly = code == "FN"
        if fortnightly and not self.start_check.isChecked():
            self.start_check.setChecked(True)  # week one: fortnightly needs a start date
        self.start_check.setEnabled(not fortnightly)
        self.start_check.setText("Week one" if fortnightly else "From")
        self.start_check.setToolTip(
            "A fortnightly schedule runs every second week counted from this date"
            if fortnightly
            else "No run before this date"
        )
        self.start_date.setEnabled(self.start_check.isChecked())
