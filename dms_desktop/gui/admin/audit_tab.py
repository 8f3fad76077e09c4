"""Audit: the login audit (filter by user, outcome, period) and the trail of administrative
changes with their before/after values; both export to CSV."""

from __future__ import annotations

import json
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from dms_desktop.core.admin.audit import OUTCOMES, AuditFilter, ChangeEvent, LoginEvent
from dms_desktop.core.admin.trail import CATEGORIES
from dms_desktop.gui.admin import work
from dms_desktop.gui.admin.base import AdminTab
from dms_desktop.gui.pages import PageContext
from dms_desktop.gui.records import Column, RecordsModel, records_view
from dms_desktop.gui.resources import icon

KINDS = {"logins": "Logins", "changes": "Administrative changes"}
ALL = "All"
DEFAULT_DAYS = 30


def _pretty(value: str | None) -> str:
    if not value:
        return "—"
    try:
        return json.dumps(json.loads(value), indent=2, ensure_ascii=False)
    except ValueError:
        return value


def _loaded(value: str | None) -> Any:
    try:
        return json.loads(value) if value else None
    except ValueError:
        return value


def _short(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict):
        return ", ".join(f"{k} {_short(v)}" for k, v in value.items()) or "none"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "none"
    if value is None or value == "":
        return "—"
    return str(value)


def change_summary(event: ChangeEvent) -> str:
    """One line: what changed, ``key: before → after``; the detail pane has it all."""
    before, after = _loaded(event.before_value), _loaded(event.after_value)
    if isinstance(before, dict) or isinstance(after, dict):
        old = before if isinstance(before, dict) else {}
        new = after if isinstance(after, dict) else {}
        if event.action == "CREATE":
            shown = {k: v for k, v in new.items() if v not in (None, [], "", {})}
            return "; ".join(f"{k}: {_short(v)}" for k, v in shown.items())
        keys = [k for k in {**old, **new} if old.get(k) != new.get(k) and k != "default"]
        parts = [f"{k}: {_short(old.get(k))} → {_short(new.get(k))}" for k in keys]
        if parts:
            return "; ".join(parts)
    return event.detail or ""


class AuditTab(AdminTab):
    def __init__(self, context: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.kind = "logins"
        self.dialog: QWidget | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 12, 0, 0)
        layout.setSpacing(10)
        bar = QHBoxLayout()
        bar.setSpacing(8)
        self.kind_combo = QComboBox(self)
        for key, title in KINDS.items():
            self.kind_combo.addItem(title, key)
        self.kind_combo.currentIndexChanged.connect(self._kind_changed)
        self.user_edit = QLineEdit(self)
        self.user_edit.setPlaceholderText("User")
        self.user_edit.setToolTip("Part of the user name (logins) or of who or what (changes)")
        self.user_edit.setClearButtonEnabled(True)
        self.user_edit.setMaximumWidth(190)
        self.user_edit.returnPressed.connect(self.refresh)
        self.outcome_combo = QComboBox(self)
        self.outcome_combo.currentIndexChanged.connect(lambda _i: self.refresh())
        today = QDate.currentDate()
        self.from_edit = self._date(today.addDays(-DEFAULT_DAYS))
        self.to_edit = self._date(today)
        self.apply_button = self.button("Apply", "Read the audit with these filters", self.refresh)
        self.export_button = self.button(
            "Export CSV…", "Write the rows shown to a file", self.export
        )
        self.export_button.setIcon(icon("reports"))
        for widget in (self.kind_combo, self.user_edit, QLabel("Outcome", self), self.outcome_combo,
                       QLabel("From", self), self.from_edit, QLabel("To", self), self.to_edit,
                       self.apply_button):  # fmt: skip
            bar.addWidget(widget)
        bar.addStretch(1)
        bar.addWidget(self.export_button)
        layout.addLayout(bar)
        layout.addWidget(self.message)

        self.logins: RecordsModel[LoginEvent] = RecordsModel(
            [
                Column("Time (UTC)", lambda e: e.event_time, 160),
                Column("User", lambda e: e.username, 130),
                Column("Event", lambda e: e.event, 150),
                Column("Host", lambda e: e.host, 150),
                Column("Detail", lambda e: e.detail, 300),
            ],
            self,
        )
        self.logins.strong = lambda e: e.event in ("LOGIN_FAILURE", "LOCKOUT")
        self.changes: RecordsModel[ChangeEvent] = RecordsModel(
            [
                Column("Time (UTC)", lambda e: e.event_time, 150),
                Column("By", lambda e: e.actor, 90),
                Column("Area", lambda e: e.category, 70),
                Column("Action", lambda e: e.action, 150),
                Column("Object", lambda e: e.object_name, 230),
                Column("Change", change_summary, 320),
            ],
            self,
        )
        self.changes.strong = lambda e: e.action == "DENIED"
        self.splitter = QSplitter(Qt.Orientation.Vertical, self)
        self.view = records_view(self.logins, self.splitter, "auditView")
        self.detail = QWidget(self.splitter)
        panes = QVBoxLayout(self.detail)
        panes.setContentsMargins(0, 6, 0, 0)
        self.detail_title = QLabel("Select a change to see its values before and after.", self)
        self.detail_title.setObjectName("mutedLabel")
        self.detail_title.setWordWrap(True)
        panes.addWidget(self.detail_title)
        sides = QHBoxLayout()
        self.before_text = QPlainTextEdit(self.detail)
        self.after_text = QPlainTextEdit(self.detail)
        for name, edit in (("Before", self.before_text), ("After", self.after_text)):
            edit.setObjectName(f"audit{name}")
            edit.setReadOnly(True)
            edit.setPlaceholderText(name)
            sides.addWidget(edit)
        panes.addLayout(sides)
        self.splitter.addWidget(self.view)
        self.splitter.addWidget(self.detail)
        self.splitter.setSizes([400, 170])
        layout.addWidget(self.splitter, 1)
        self._kind_changed()

    def _date(self, value: QDate) -> QDateEdit:
        edit = QDateEdit(value, self)
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("yyyy-MM-dd")
        edit.dateChanged.connect(lambda _d: self.refresh())
        return edit

    def _kind_changed(self, *_args: object) -> None:
        self.kind = str(self.kind_combo.currentData())
        self.outcome_combo.blockSignals(True)
        self.outcome_combo.clear()
        self.outcome_combo.addItem(ALL, None)
        choices = list(OUTCOMES) if self.kind == "logins" else list(CATEGORIES)
        for value in choices:
            self.outcome_combo.addItem(
                value.capitalize() if self.kind == "logins" else value, value
            )
        self.outcome_combo.blockSignals(False)
        model = self.logins if self.kind == "logins" else self.changes
        self.view.setModel(model)
        for number, column in enumerate(model.columns):
            self.view.setColumnWidth(number, column.width)
        self.view.selectionModel().selectionChanged.connect(lambda *_a: self._show_detail())
        self.detail.setVisible(self.kind == "changes")
        self._clear_detail()
        if self._loaded_once:
            self.refresh()

    def audit_filter(self) -> AuditFilter:
        start = self.from_edit.date().toPython()
        end = self.to_edit.date().toPython()
        return AuditFilter(
            user=self.user_edit.text().strip() or None,
            outcome=self.outcome_combo.currentData(),
            since=datetime.combine(start, time()),
            until=datetime.combine(end, time()) + timedelta(days=1),
        )

    def refresh(self) -> None:
        try:
            flt = self.audit_filter()
            flt.check()
        except Exception as exc:  # noqa: BLE001 - a filter the core refuses: say why
            self.show_message(getattr(exc, "message", str(exc)))
            return
        kind = self.kind
        self.load(work.load_audit, kind, flt, done=lambda rows: self._show(kind, rows))

    def _show(self, kind: str, rows: list[LoginEvent] | list[ChangeEvent]) -> None:
        (self.logins if kind == "logins" else self.changes).set_rows(rows)  # type: ignore[arg-type]
        noun = "event" if kind == "logins" else "change"
        shown = f"{len(rows):,} {noun}{'' if len(rows) == 1 else 's'}" if rows else f"No {noun}s"
        more = " (the newest; narrow the filter to see older ones)" if len(rows) >= 5000 else ""
        self.show_message(f"{shown}{more}.", "info")
        self._clear_detail()

    def _clear_detail(self) -> None:
        self.detail_title.setText("Select a change to see its values before and after.")
        self.before_text.clear()
        self.after_text.clear()

    def _show_detail(self) -> None:
        rows = self.view.selectionModel().selectedRows()
        event = self.changes.row_at(rows[0].row()) if rows and self.kind == "changes" else None
        if event is None:
            self._clear_detail()
            return
        detail = f": {event.detail}" if event.detail else ""
        self.detail_title.setText(
            f"{event.action} {event.object_name} by {event.actor} on {event.host or '?'} at "
            f"{event.event_time:%Y-%m-%d %H:%M:%S} UTC{detail}"
        )
        self.before_text.setPlainText(f"Before\n{_pretty(event.before_value)}")
        self.after_text.setPlainText(f"After\n{_pretty(event.after_value)}")

    def export(self) -> QFileDialog:
        dialog = QFileDialog(self, "Export the audit", str(Path.home() / f"dms-{self.kind}.csv"))
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setNameFilter("CSV files (*.csv)")
        dialog.setDefaultSuffix("csv")
        dialog.fileSelected.connect(self.export_to)
        self.dialog = dialog
        dialog.open()
        return dialog

    def export_to(self, path: str) -> None:
        self.act(work.export_audit, self.kind, self.audit_filter(), path)
