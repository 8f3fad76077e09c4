"""New job / Edit job: what it runs (mappings in order, a report, an upload), its description,
the schedule, the job it runs after (with the chain drawn), retries, and a live preview: the
rule in words and the next 10 run times.

Everything the preview needs is computed from the fields and the job list in memory; only
loading the mappings and saving go to the database, in workers. Save stays disabled while the
fields are invalid, with the core's own message shown inline.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from datetime import date

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from dms_desktop.core import clock
from dms_desktop.core.errors import ValidationError
from dms_desktop.core.jobs import frequency
from dms_desktop.core.jobs.service import MAPPING, ScheduleSpec
from dms_desktop.gui.errors import user_message
from dms_desktop.gui.jobs.chain import ChainView, ancestors, cycle_through
from dms_desktop.gui.jobs.display import mark_primary, to_local, zone_of
from dms_desktop.gui.jobs.schedule_form import ScheduleForm, describe_rule, rule_for
from dms_desktop.gui.jobs.steps_box import StepsBox
from dms_desktop.gui.jobs.work import JobRow, StepChoices, create_job, load_choices, save_job
from dms_desktop.gui.pages import PageContext
from dms_desktop.gui.widgets import plain_spin, set_message
from dms_desktop.gui.workers import TaskSlot

NAME_RULE = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]{0,99}$")  # as the core checks it
NEXT_COUNT = 10
NO_PARENT = "— none —"


class JobDialog(QDialog):
    sig_saved = Signal(object)  # the core's JobInfo of the saved job

    def __init__(
        self,
        context: PageContext,
        jobs: Sequence[JobRow],
        job: JobRow | None = None,
        preselect: Sequence[str] = (),
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("jobDialog")
        self.context = context
        self.job = job
        self.jobs = list(jobs)
        self.parents = {row.name: row.parent for row in self.jobs}
        self.zone = context.ws.settings.timezone
        self._load = TaskSlot()
        self._save = TaskSlot()
        self._preselect = list(preselect)
        self.setWindowTitle(f"Edit job {job.name}" if job else "New job")
        self.resize(960, 700)

        columns = QHBoxLayout()
        columns.setSpacing(16)
        left = QVBoxLayout()
        left.setSpacing(10)
        self.name_edit = QLineEdit(self)
        self.description_edit = QLineEdit(self)
        self.description_edit.setObjectName("descriptionEdit")
        self.description_edit.setPlaceholderText("Optional")
        self.description_edit.setMaxLength(500)
        self.steps = StepsBox(self)
        self.picker = self.steps.picker
        identity = QFormLayout()
        if job is None:
            self.name_edit.setPlaceholderText("e.g. NIGHTLY_SALES")
            identity.addRow("Name", self.name_edit)
        else:
            self.name_edit.setText(job.name)
            self.name_edit.hide()
            title = QLabel(job.name, self)
            title.setObjectName("sectionTitle")
            left.addWidget(title)
            self.description_edit.setText(job.info.description or "")
            self.steps.lock_kind(job.info.kind, job.info.steps_text)
            self.picker.choose(list(job.info.mappings))  # before the list of choices loads
        identity.addRow("Description", self.description_edit)
        left.addLayout(identity)
        box = QGroupBox("What it runs", self)
        QVBoxLayout(box).addWidget(self.steps)
        left.addWidget(box)

        schedule_box = QGroupBox("Schedule", self)
        self.form = ScheduleForm(self.zone, schedule_box)
        QVBoxLayout(schedule_box).addWidget(self.form)
        left.addWidget(schedule_box)

        after_box = QGroupBox("Dependency", self)
        after_layout = QVBoxLayout(after_box)
        after_row = QFormLayout()
        self.after_combo = QComboBox(after_box)
        self.after_combo.setObjectName("afterCombo")
        self.after_combo.addItem(NO_PARENT, None)
        for row in self.jobs:
            if job is None or row.name != job.name:
                self.after_combo.addItem(row.name, row.name)
        self.after_combo.setToolTip("Run when this job succeeds, for the same run date")
        after_row.addRow("Runs after", self.after_combo)
        after_layout.addLayout(after_row)
        self.chain = ChainView(after_box)
        after_layout.addWidget(self.chain)
        left.addWidget(after_box)

        retry_box = QGroupBox("On failure", self)
        retry_row = QHBoxLayout(retry_box)
        self.retries_spin = QSpinBox(self)
        self.retries_spin.setRange(0, 10)
        self.retry_delay_spin = QSpinBox(self)
        self.retry_delay_spin.setRange(0, 86_400)
        self.retry_delay_spin.setSingleStep(30)
        self.retry_delay_spin.setSuffix(" s")
        self.retry_delay_spin.setSpecialValueText("default (30 s, doubling)")
        for spin in (self.retries_spin, self.retry_delay_spin):
            plain_spin(spin)
            spin.setToolTip(
                "A failed run, or one whose worker is lost, is queued again after the delay, "
                "doubling each time; the last failure fails the run. Cancelled runs are not "
                "retried."
            )
        retry_row.addWidget(QLabel("Retries", self))
        retry_row.addWidget(self.retries_spin)
        retry_row.addSpacing(12)
        retry_row.addWidget(QLabel("Retry delay", self))
        retry_row.addWidget(self.retry_delay_spin)
        retry_row.addStretch(1)
        left.addWidget(retry_box)
        left.addStretch(1)
        columns.addLayout(left, 3)

        preview = QGroupBox("Preview", self)
        preview_layout = QVBoxLayout(preview)
        self.words_label = QLabel(preview)
        self.words_label.setObjectName("ruleWords")
        self.words_label.setWordWrap(True)
        self.words_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        font = self.words_label.font()
        font.setBold(True)
        self.words_label.setFont(font)
        self.next_caption = QLabel(f"Next {NEXT_COUNT} runs", preview)
        self.next_caption.setObjectName("mutedLabel")
        self.next_caption.setWordWrap(True)
        self.next_list = QListWidget(preview)
        self.next_list.setObjectName("nextRunsList")
        self.next_list.setSelectionMode(QListWidget.SelectionMode.NoSelection)
        preview_layout.addWidget(self.words_label)
        preview_layout.addSpacing(6)
        preview_layout.addWidget(self.next_caption)
        preview_layout.addWidget(self.next_list, 1)
        columns.addWidget(preview, 2)

        self.message = QLabel(self)
        self.message.setWordWrap(True)
        set_message(self.message, "")
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        mark_primary(self.save_button)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(20, 16, 20, 16)
        outer.addLayout(columns, 1)
        outer.addWidget(self.message)
        outer.addWidget(buttons)

        if job is not None:
            self.form.set_spec(job.info.schedule)
            if job.parent:
                self.after_combo.setCurrentIndex(max(0, self.after_combo.findData(job.parent)))
            self.retries_spin.setValue(job.info.retries)
            self.retry_delay_spin.setValue(job.info.retry_delay or 0)
        for signal in (
            self.form.sig_changed,
            self.steps.sig_changed,
            self.name_edit.textChanged,
            self.after_combo.currentIndexChanged,
        ):
            signal.connect(self.validate)
        self.validate()
        if job is None or job.info.kind == MAPPING:
            if job is not None:
                self._preselect = list(job.info.mappings)
            self._load.start(
                load_choices,
                context.ws,
                context.user,
                on_done=self._show_choices,
                on_error=self._failed,
            )

    # -- fields --------------------------------------------------------------------------------
    def _show_choices(self, choices: StepChoices) -> None:
        self.steps.set_choices(choices, self._preselect)
        if self.job is None and self._preselect and not self.name_edit.text():
            self.name_edit.setText(self._preselect[0])
        self.validate()

    def job_name(self) -> str:
        return self.name_edit.text().strip()

    def parent_name(self) -> str | None:
        data = self.after_combo.currentData()
        return str(data) if data else None

    def spec(self) -> ScheduleSpec:
        enabled = self.job.info.enabled if self.job is not None else True
        return replace(self.form.spec(), after=self.parent_name(), enabled=enabled)

    # -- validation and preview ----------------------------------------------------------------
    def validate(self, *_args: object) -> bool:
        """Check the fields, refresh the preview and the chain; True when Save may run."""
        error, hint = "", ""
        name = self.job_name()
        parent = self.parent_name()
        if self.job is None:
            if not name:
                hint = "Name the job."
            elif not NAME_RULE.match(name):
                error = (
                    f"Job name {name!r} is not valid: up to 100 letters, digits, _ . -, "
                    "starting with a letter."
                )
            elif any(row.name.lower() == name.lower() for row in self.jobs):
                error = f"Job '{name}' exists: choose another name."
        rule = None
        try:
            rule = self.form.rule()
        except ValidationError as exc:
            error = error or exc.message
        cycle = cycle_through(name or "this job", parent, self.parents) if parent else []
        if cycle:
            error = error or f"That dependency makes a cycle: {' → '.join(cycle)}."
        if not error and not hint and (self.job is None or self.job.info.kind == MAPPING):
            hint = self.steps.missing()
        self._show_chain(name, parent, bool(cycle))
        self._show_preview(rule, parent, invalid=bool(error))
        set_message(self.message, error or hint, "error" if error else "info")
        ok = not error and not hint and not self._save.busy
        self.save_button.setEnabled(ok)
        return ok

    def _show_chain(self, name: str, parent: str | None, broken: bool) -> None:
        chain = [] if broken else ancestors(parent, self.parents)
        own = self.job.name if self.job else None
        children = [row.name for row in self.jobs if own and row.parent == own]
        self.chain.set_chain(name or "new job", chain, children, broken)

    def _show_preview(self, rule: frequency.Rule | None, parent: str | None, invalid: bool) -> None:
        self.next_list.clear()
        if invalid:
            self.words_label.setText("The schedule is not valid yet.")
            self.next_caption.setText("No run times until the fields are valid.")
            return
        if rule is not None:
            words = describe_rule(rule) + (f"; also after {parent} succeeds" if parent else "")
            self.words_label.setText(words[:1].upper() + words[1:])
            self.next_caption.setText(f"Next {NEXT_COUNT} runs ({rule.zone})")
            self._list_times(rule)
            return
        if parent:
            root = ancestors(parent, self.parents)[0]
            self.words_label.setText(f"After {parent} succeeds, for the same run date")
            root_rule = self._rule_of(root)
            if root_rule is None:
                self.next_caption.setText(f"{root} runs on demand: no planned times.")
                return
            self.next_caption.setText(
                f"Follows {root} ({describe_rule(root_rule)}): its next {NEXT_COUNT} runs"
            )
            self._list_times(root_rule)
            return
        self.words_label.setText("On demand: runs when started with Run now")
        self.next_caption.setText("No planned runs.")

    def _rule_of(self, name: str) -> frequency.Rule | None:
        row = next((r for r in self.jobs if r.name == name), None)
        try:
            return rule_for(row.info.schedule, self.zone) if row else None
        except ValidationError:
            return None

    def _list_times(self, rule: frequency.Rule) -> None:
        workspace_zone = zone_of(self.zone)
        times = frequency.next_firings(rule, clock.utcnow(), NEXT_COUNT)
        for moment in times:
            local = to_local(moment, rule.tz)
            assert local is not None
            text = f"{local:%a %Y-%m-%d %H:%M} {local.tzname()}"
            if rule.zone != self.zone:
                here = to_local(moment, workspace_zone)
                assert here is not None
                text += f"   ({here:%H:%M} {here.tzname()})"
            self.next_list.addItem(text)
        if not times:
            self.next_list.addItem("No run in the schedule's date range.")

    # -- saving --------------------------------------------------------------------------------
    def save(self) -> None:
        if not self.validate():
            return
        self.save_button.setEnabled(False)
        set_message(self.message, "Saving…", "info")
        ws, user = self.context.ws, self.context.user
        delay = self.retry_delay_spin.value() or None
        description = self.description_edit.text().strip() or None
        if self.job is None:
            self._save.start(
                create_job,
                ws,
                user,
                self.job_name(),
                self.steps.what(),
                description,
                self.retries_spin.value(),
                delay,
                self.spec(),
                on_done=self._saved,
                on_error=self._failed,
            )
        else:
            info = self.job.info
            self._save.start(
                save_job,
                ws,
                user,
                info,
                self.spec(),
                description,
                self.retries_spin.value(),
                delay,
                self.picker.mappings() if info.kind == MAPPING else None,
                on_done=self._saved,
                on_error=self._failed,
            )

    def _saved(self, info: object) -> None:
        self.sig_saved.emit(info)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        text, _known = user_message(exc)
        set_message(self.message, text)
        self.save_button.setEnabled(True)

    def done(self, result: int) -> None:
        self._load.cancel()
        self._save.cancel()
        super().done(result)

    def set_start_date(self, day: date) -> None:
        self.form.set_start(day)
