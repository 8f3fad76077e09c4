"""What the start-up dialogs share: a banner, an inline message, and one background call at a
time with the inputs disabled while it runs (argon2 takes a noticeable fraction of a second)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QSysInfo
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QDialog, QLabel, QWidget

from dms_desktop import APP_NAME
from dms_desktop.gui.errors import user_message
from dms_desktop.gui.resources import app_icon
from dms_desktop.gui.widgets import DialogBanner, fit_height, set_message
from dms_desktop.gui.workers import TaskSlot

DIALOG_WIDTH = 460


def host_name() -> str:
    """Recorded in the login audit, as the seed's web tool records the client address."""
    return QSysInfo.machineHostName() or "unknown"


class FormDialog(QDialog):
    def __init__(self, ui: Any, subtitle: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ui = ui
        ui.setupUi(self)
        self.setWindowIcon(app_icon())
        self.banner = DialogBanner(APP_NAME, subtitle, parent=self)
        ui.rootLayout.insertWidget(0, self.banner)
        self.setFixedWidth(DIALOG_WIDTH)
        ui.busyBar.setVisible(False)
        self._task = TaskSlot()
        self.show_message("")

    # -- inline message -----------------------------------------------------------------------
    def show_message(self, text: str, severity: str = "error") -> None:
        set_message(self.ui.messageLabel, text, severity)
        fit_height(self, DIALOG_WIDTH)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        fit_height(self, DIALOG_WIDTH)
        super().showEvent(event)

    def message(self) -> str:
        label: QLabel = self.ui.messageLabel
        return label.text()

    # -- background calls ---------------------------------------------------------------------
    def inputs(self) -> list[QWidget]:
        """The widgets disabled while a call runs; subclasses list theirs."""
        return []

    @property
    def busy(self) -> bool:
        return self._task.busy

    def set_busy(self, busy: bool) -> None:
        for widget in self.inputs():
            widget.setEnabled(not busy)
        self.ui.busyBar.setVisible(busy)

    def run(self, fn: Callable[..., Any], *args: Any, on_done: Callable[[Any], None]) -> None:
        self.set_busy(True)

        def done(result: Any) -> None:
            self.set_busy(False)
            on_done(result)

        def failed(exc: BaseException) -> None:
            self.set_busy(False)
            self.on_error(exc)

        self._task.start(fn, *args, on_done=done, on_error=failed)

    def on_error(self, exc: BaseException) -> None:
        text, _known = user_message(exc)
        self.show_message(text)

    def reject(self) -> None:
        self._task.cancel()
        self.set_busy(False)
        super().reject()
