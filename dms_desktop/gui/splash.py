"""A small frameless window shown while the workspace opens (migrations can take a moment)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QProgressBar, QVBoxLayout, QWidget

from dms_desktop import APP_NAME, __version__
from dms_desktop.gui.resources import app_icon


class StartupSplash(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.SplashScreen | Qt.WindowType.FramelessWindowHint)
        self.setObjectName("splash")
        self.setAttribute(Qt.WidgetAttribute.WA_TranslucentBackground)  # rounded corners
        self.setWindowIcon(app_icon())
        self.setFixedSize(420, 150)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        frame = QFrame(self)
        frame.setObjectName("splashFrame")
        outer.addWidget(frame)
        layout = QVBoxLayout(frame)
        layout.setContentsMargins(22, 20, 22, 18)
        layout.setSpacing(10)
        top = QHBoxLayout()
        top.setSpacing(14)
        badge = QLabel(frame)
        badge.setPixmap(app_icon().pixmap(44, 44))
        top.addWidget(badge)
        names = QVBoxLayout()
        names.setSpacing(0)
        title = QLabel(APP_NAME, frame)
        title.setObjectName("bannerTitle")
        version = QLabel(f"Version {__version__}", frame)
        version.setObjectName("bannerSubtitle")
        names.addWidget(title)
        names.addWidget(version)
        top.addLayout(names, 1)
        layout.addLayout(top)
        self.status = QLabel("Opening the workspace…", frame)
        self.status.setObjectName("mutedLabel")
        layout.addWidget(self.status)
        bar = QProgressBar(frame)
        bar.setRange(0, 0)  # busy: opening reports no fraction
        bar.setTextVisible(False)
        bar.setFixedHeight(6)
        layout.addWidget(bar)

    def set_status(self, text: str) -> None:
        self.status.setText(text)
