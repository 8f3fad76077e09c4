"""Light and dark themes: the Fusion style, a QPalette and a style sheet from resources/themes."""

from __future__ import annotations

from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

from dms_desktop.gui.resources import resource_path

THEMES = ("light", "dark")
DEFAULT_THEME = "light"

# role -> (light, dark).  Link is the accent used for foreground marks (selected icons, links).
_COLOURS: dict[QPalette.ColorRole, tuple[str, str]] = {
    QPalette.ColorRole.Window: ("#f5f6f8", "#1f2023"),
    QPalette.ColorRole.WindowText: ("#1f2328", "#e3e5e8"),
    QPalette.ColorRole.Base: ("#ffffff", "#2a2c30"),
    QPalette.ColorRole.AlternateBase: ("#f7f8fa", "#2e3034"),
    QPalette.ColorRole.Text: ("#1f2328", "#e3e5e8"),
    QPalette.ColorRole.Button: ("#ffffff", "#2f3237"),
    QPalette.ColorRole.ButtonText: ("#1f2328", "#e3e5e8"),
    QPalette.ColorRole.BrightText: ("#ffffff", "#ffffff"),
    QPalette.ColorRole.Highlight: ("#2563eb", "#3b82f6"),
    QPalette.ColorRole.HighlightedText: ("#ffffff", "#ffffff"),
    QPalette.ColorRole.PlaceholderText: ("#6b7280", "#8b9098"),
    QPalette.ColorRole.ToolTipBase: ("#1f2328", "#3a3d43"),
    QPalette.ColorRole.ToolTipText: ("#ffffff", "#f0f1f3"),
    QPalette.ColorRole.Link: ("#1d4ed8", "#8ab4ff"),
    QPalette.ColorRole.LinkVisited: ("#6d28d9", "#c4a7ff"),
    QPalette.ColorRole.Light: ("#ffffff", "#3a3d43"),
    QPalette.ColorRole.Midlight: ("#e4e7ec", "#34373d"),
    QPalette.ColorRole.Mid: ("#c9ced6", "#464a51"),
    QPalette.ColorRole.Dark: ("#9aa1ab", "#141517"),
    QPalette.ColorRole.Shadow: ("#5b616b", "#000000"),
}
_DISABLED: dict[QPalette.ColorRole, tuple[str, str]] = {
    QPalette.ColorRole.WindowText: ("#a0a6ae", "#60656d"),
    QPalette.ColorRole.Text: ("#a0a6ae", "#60656d"),
    QPalette.ColorRole.ButtonText: ("#a0a6ae", "#60656d"),
    QPalette.ColorRole.Highlight: ("#b8c2d0", "#3d4452"),
}


def palette_for(theme: str) -> QPalette:
    index = 1 if theme == "dark" else 0
    palette = QPalette()
    for role, colours in _COLOURS.items():
        palette.setColor(role, QColor(colours[index]))
    for role, colours in _DISABLED.items():
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor(colours[index]))
    return palette


def style_sheet(theme: str) -> str:
    return resource_path("themes", f"{theme}.qss").read_text(encoding="utf-8")


def apply_theme(app: QApplication, theme: str) -> str:
    """Install ``theme`` (unknown names fall back to light) and return the name applied."""
    if theme not in THEMES:
        theme = DEFAULT_THEME
    app.setStyle("Fusion")
    app.setPalette(palette_for(theme))
    app.setStyleSheet(style_sheet(theme))
    app.setProperty("dms_theme", theme)
    return theme


def current_theme(app: QApplication) -> str:
    theme = app.property("dms_theme")
    return theme if theme in THEMES else DEFAULT_THEME


def is_dark() -> bool:
    """Whether the palette in use is dark (the colours of status words and marks follow)."""
    return QGuiApplication.palette().color(QPalette.ColorRole.Base).lightness() < 128
