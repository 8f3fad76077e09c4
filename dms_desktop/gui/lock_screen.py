"""The lock screen: an opaque cover over the main window with a password prompt.

It is a child of the window, so the pages underneath keep their state and their workers;
it only hides them. ``sig_unlock`` hands the typed password to the idle lock, which checks it
in a worker with the login rules (a wrong one counts towards the lockout).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QIcon, QPainter, QPaintEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from dms_desktop import APP_NAME
from dms_desktop.core.errors import AccountDisabled, AccountLocked
from dms_desktop.gui.errors import user_message
from dms_desktop.gui.resources import icon
from dms_desktop.gui.widgets import IconLabel, set_message

CARD_WIDTH = 420


class LockOverlay(QWidget):
    sig_unlock = Signal(str)  # the password typed
    sig_log_out = Signal()

    def __init__(self, username: str, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("lockOverlay")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setAutoFillBackground(True)
        outer = QVBoxLayout(self)
        outer.addStretch(2)
        row = QHBoxLayout()
        row.addStretch(1)
        card = QFrame(self)
        card.setObjectName("placeholderCard")
        card.setFixedWidth(CARD_WIDTH)
        layout = QVBoxLayout(card)
        layout.setContentsMargins(32, 28, 32, 28)
        layout.setSpacing(12)
        badge = IconLabel(icon("lock"), 40, QIcon.Mode.Selected, card)
        title = QLabel(f"{APP_NAME} is locked", card)
        title.setObjectName("pageTitle")
        intro = QLabel(
            f"Locked after a while without activity. Your work is kept and running loads "
            f"continue. Enter the password of {username} to go on.",
            card,
        )
        intro.setWordWrap(True)
        intro.setObjectName("mutedLabel")
        self.password_edit = QLineEdit(card)
        self.password_edit.setObjectName("lockPassword")
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_edit.setPlaceholderText(f"Password of {username}")
        self.password_edit.returnPressed.connect(self._submit)
        self.message = QLabel(card)
        self.message.setWordWrap(True)
        set_message(self.message, "")
        self.busy_bar = QProgressBar(card)
        self.busy_bar.setRange(0, 0)
        self.busy_bar.setTextVisible(False)
        self.busy_bar.setFixedHeight(6)
        self.busy_bar.hide()
        buttons = QHBoxLayout()
        self.log_out_button = QPushButton("Log out", card)
        self.log_out_button.setToolTip("Leave the session; unsaved work in this window is lost")
        self.log_out_button.clicked.connect(self.sig_log_out.emit)
        self.unlock_button = QPushButton("Unlock", card)
        self.unlock_button.setProperty("primary", True)
        self.unlock_button.setDefault(True)
        self.unlock_button.clicked.connect(self._submit)
        buttons.addWidget(self.log_out_button)
        buttons.addStretch(1)
        buttons.addWidget(self.unlock_button)
        for widget in (badge, title, intro, self.password_edit, self.message, self.busy_bar):
            layout.addWidget(widget)
        layout.addLayout(buttons)
        row.addWidget(card)
        row.addStretch(1)
        outer.addLayout(row)
        outer.addStretch(3)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        painter = QPainter(self)  # opaque: nothing of the window shows through
        painter.fillRect(self.rect(), self.palette().window())
        super().paintEvent(event)

    def _submit(self) -> None:
        password = self.password_edit.text()
        if not password:
            set_message(self.message, "Enter your password.")
            return
        self.sig_unlock.emit(password)

    def set_busy(self, busy: bool) -> None:
        self.busy_bar.setVisible(busy)
        for widget in (self.password_edit, self.unlock_button):
            widget.setEnabled(not busy)

    def refuse(self, exc: BaseException) -> None:
        text, _known = user_message(exc)
        set_message(self.message, text)
        self.password_edit.clear()
        if isinstance(exc, AccountLocked | AccountDisabled):
            self.password_edit.setEnabled(False)
            self.unlock_button.setEnabled(False)
            self.log_out_button.setFocus()
        else:
            self.password_edit.setFocus()
