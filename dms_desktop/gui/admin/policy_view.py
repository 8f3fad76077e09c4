"""The password policy as a checklist that follows what the user types.

The rules come from the workspace (``load_policy``, read in a worker when the dialog opens);
until then the defaults show. History is checked on save only: it needs the stored hashes.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QLabel, QLineEdit

from dms_desktop.core.security.policy import DEFAULT_POLICY, PasswordPolicy, load_policy
from dms_desktop.core.workspace import Workspace
from dms_desktop.gui.workers import run_in_background

MATCH_RULE = "Both entries match"


def _dark(label: QLabel) -> bool:
    return label.palette().color(label.foregroundRole()).lightness() > 128


def policy_html(
    label: QLabel, policy: PasswordPolicy, username: str, password: str, confirm: str | None
) -> str:
    ok, bad, idle = ("#57ab5a", "#e5534b", "#8b9098") if _dark(label) else (
        "#1a7f37", "#cf222e", "#656d76")  # fmt: skip
    rules = policy.rules(username, password)
    if confirm is not None:
        rules.append((MATCH_RULE, bool(password) and password == confirm))
    lines = []
    for text, met in rules:
        if not password or text.endswith("(checked on save)"):
            mark, colour = "•", idle
        else:
            mark, colour = ("✓", ok) if met else ("✗", bad)
        lines.append(f'<span style="color:{colour}">{mark}&nbsp;{escape(text)}</span>')
    return "<br>".join(lines)


class PolicyFeedback(QObject):
    """Keeps ``label`` showing the checklist for ``password`` (and ``confirm``)."""

    def __init__(
        self,
        label: QLabel,
        password: QLineEdit,
        username: Callable[[], str],
        ws: Workspace | None = None,
        confirm: QLineEdit | None = None,
        relayout: Callable[[], None] | None = None,
    ) -> None:
        super().__init__(label)
        self.label, self.password, self.confirm, self.username = label, password, confirm, username
        self.relayout = relayout
        self.policy = DEFAULT_POLICY
        label.setTextFormat(Qt.TextFormat.RichText)
        label.setWordWrap(True)
        password.textChanged.connect(self.refresh)
        if confirm is not None:
            confirm.textChanged.connect(self.refresh)
        self.refresh()
        if ws is not None:
            run_in_background(load_policy, ws, on_done=self.set_policy, on_error=lambda _e: None)

    def set_policy(self, policy: PasswordPolicy) -> None:
        changed = len(policy.rules("", "")) != len(self.policy.rules("", ""))
        self.policy = policy
        self.refresh()
        if changed and self.relayout is not None:
            self.relayout()  # a rule more or less: the dialog's height follows

    def refresh(self) -> None:
        confirm = self.confirm.text() if self.confirm is not None else None
        self.label.setText(
            policy_html(self.label, self.policy, self.username(), self.password.text(), confirm)
        )

    def failures(self) -> list[str]:
        """Rules the typed password breaks (what the Save button explains)."""
        rules = self.policy.rules(self.username(), self.password.text())
        if self.confirm is not None:
            rules.append((MATCH_RULE, self.password.text() == self.confirm.text()))
        return [text for text, met in rules if not met]
