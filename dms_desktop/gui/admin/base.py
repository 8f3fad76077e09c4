"""What the Admin tabs share: an inline message, one load and one action at a time in workers,
and buttons that say which right is missing instead of failing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QLabel, QPushButton, QWidget

from dms_desktop.gui.errors import user_message
from dms_desktop.gui.pages import PageContext
from dms_desktop.gui.widgets import set_message
from dms_desktop.gui.workers import TaskSlot


class AdminTab(QWidget):
    sig_loaded = Signal()  # the tab shows what the database holds (tests wait on it)
    sig_action_done = Signal(str)  # an action finished: the message shown

    def __init__(self, context: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self._load_task = TaskSlot()
        self._action_task = TaskSlot()
        self._loaded_once = False
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        set_message(self.message, "")
        self.rights: dict[QPushButton, tuple[str, str] | None] = {}

    # -- buttons ------------------------------------------------------------------------------
    def button(
        self, text: str, tip: str, slot: Callable[[], Any], right: tuple[str, str] | None = None
    ) -> QPushButton:
        """A button needing ``right`` (module, action): disabled with the reason when missing."""
        button = QPushButton(text, self)
        button.setToolTip(tip)
        button.clicked.connect(lambda _checked=False: slot())
        self.rights[button] = right
        if right is not None and not self.context.user.can(*right):
            button.setToolTip(self.context.user.missing(*right))
        return button

    def permitted(self, button: QPushButton) -> bool:
        right = self.rights.get(button)
        return right is None or self.context.user.can(*right)

    # -- loading ------------------------------------------------------------------------------
    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        super().showEvent(event)
        if not self._loaded_once:
            self._loaded_once = True
            self.refresh()

    def refresh(self) -> None:
        raise NotImplementedError

    def load(self, fn: Callable[..., Any], *args: Any, done: Callable[[Any], None]) -> None:
        def shown(result: Any) -> None:
            done(result)
            self.update_buttons()
            self.sig_loaded.emit()

        self._load_task.start(fn, self.context, *args, on_done=shown, on_error=self._load_failed)

    @property
    def loading(self) -> bool:
        return self._load_task.busy

    def _load_failed(self, exc: BaseException) -> None:
        self.show_message(f"Could not read: {user_message(exc)[0]}")
        self.sig_loaded.emit()

    # -- actions ------------------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        return self._action_task.busy

    def act(
        self,
        fn: Callable[..., Any],
        *args: Any,
        done: Callable[[Any], None] | None = None,
        failed: Callable[[BaseException], None] | None = None,
    ) -> None:
        """Run an action; on success show its message (a str result) and reload."""

        def finished(result: Any) -> None:
            text = result if isinstance(result, str) else ""
            if text:
                self.show_message(text, "info")
            if done is not None:
                done(result)
            self.refresh()
            self.update_buttons()
            self.sig_action_done.emit(text)

        def refused(exc: BaseException) -> None:
            text = user_message(exc)[0]
            self.show_message(text)
            if failed is not None:
                failed(exc)
            self.update_buttons()
            self.sig_action_done.emit(text)

        self._action_task.start(fn, self.context, *args, on_done=finished, on_error=refused)
        self.update_buttons()

    def show_message(self, text: str, severity: str = "error") -> None:
        set_message(self.message, text, severity)

    def update_buttons(self) -> None:
        """Subclasses enable their buttons from the selection, rights and ``busy``."""

    def cancel_tasks(self) -> None:
        self._load_task.cancel()
        self._action_task.cancel()
