"""Render the GUI offscreen to screenshots/*.png (``make screenshots``).

Builds a throwaway demo workspace in a temporary folder (settings, data, logs and QSettings
all there, so the user's own are never touched), then grabs: the login and first-run
dialogs, the main window on every module, About, and the main window in the dark theme.
A few illustrative run-log rows are added to the throwaway workspace so the Home table has
something to show.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import QCoreApplication, QSettings  # noqa: E402
from PySide6.QtWidgets import QWidget  # noqa: E402

OUT = ROOT / "screenshots"
WINDOW_SIZE = (1280, 800)


def settle(ms: int = 150) -> None:
    end = time.monotonic() + ms / 1000
    while time.monotonic() < end:
        QCoreApplication.processEvents()
        time.sleep(0.01)


def save(widget: QWidget, name: str) -> Path:
    settle()
    path = OUT / f"{name}.png"
    if not widget.grab().save(str(path)):
        raise SystemExit(f"could not write {path}")
    print(f"wrote {path.relative_to(ROOT)}")
    return path


def sample_runs(ws) -> None:  # type: ignore[no-untyped-def]
    from dms_desktop.core.metadata.engine import write_tx
    from dms_desktop.core.metadata.tables import dms_prclog

    start = datetime(2026, 11, 28, 2, 0, 0)
    rows = [
        ("STG_ORDERS", "SUCCESS", 0, 42, 184_220, 0),
        ("DIM_CUSTOMER", "SUCCESS", 2, 95, 1_204, 311),
        ("DIM_PRODUCT", "SUCCESS", 4, 18, 36, 12),
        ("FACT_SALES", "FAILED", 5, 64, 0, 0),
        ("FACT_SALES", "SUCCESS", 30, 388, 652_871, 0),
        ("AGG_SALES_MONTH", "RUNNING", 40, None, None, None),
    ]
    with write_tx(ws.engine) as conn:
        for mapref, status, minute, seconds, inserted, updated in rows:
            started = start + timedelta(minutes=minute)
            conn.execute(
                dms_prclog.insert().values(
                    mapref=mapref,
                    status=status,
                    strtdt=started,
                    enddt=started + timedelta(seconds=seconds) if seconds is not None else None,
                    insrows=inserted,
                    updrows=updated,
                    trgtyp="SCHEDULE",
                    message="Illustration for the screenshots",
                )
            )


def main() -> int:
    OUT.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="dms-shots-") as tmp:
        home = Path(tmp)
        os.environ["DMS_HOME"] = str(home / "home")
        QSettings.setDefaultFormat(QSettings.Format.IniFormat)
        QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(home / "qs"))

        from dms_desktop.core.demo.seed import DEMO_PASSWORD, DEMO_USER, create_demo_workspace
        from dms_desktop.core.logs import setup_logging
        from dms_desktop.core.security.auth import AuthService
        from dms_desktop.core.settings import load_settings
        from dms_desktop.core.workspace import open_workspace
        from dms_desktop.gui.app import create_application
        from dms_desktop.gui.login.change_password import ChangePasswordDialog
        from dms_desktop.gui.login.dialog import LoginDialog
        from dms_desktop.gui.login.first_run import FirstRunDialog
        from dms_desktop.gui.main_window import MainWindow
        from dms_desktop.gui.splash import StartupSplash
        from dms_desktop.gui.workers import wait_for_background_tasks

        app = create_application([sys.argv[0]])
        settings = load_settings()
        setup_logging(settings)
        ws = create_demo_workspace(settings)
        sample_runs(ws)

        splash = StartupSplash()
        splash.show()
        save(splash, "splash")
        splash.close()

        hint = (
            f"Demo workspace: log in as “{DEMO_USER}” with the password “{DEMO_PASSWORD}” "
            "(see the README)."
        )
        login = LoginDialog(ws, username=DEMO_USER, demo_hint=hint)
        login.show()
        save(login, "login")
        login.ui.passwordEdit.setText("not the password")
        login.log_in()
        wait_for_background_tasks()
        save(login, "login_wrong_password")
        login.close()

        change = ChangePasswordDialog(
            ws,
            DEMO_USER,
            "old password",
            reason="The password of 'demo' has expired; choose a new one.",
        )
        change.show()
        save(change, "change_password")
        change.close()

        empty = open_workspace(load_settings({"DMS_HOME": str(home / "empty")}))
        first = FirstRunDialog(empty)
        first.show()
        save(first, "first_run")
        first.close()

        user = AuthService(ws).login(DEMO_USER, DEMO_PASSWORD)
        window = MainWindow(ws, user)
        window.resize(*WINDOW_SIZE)
        window.show()
        for spec in window.specs:
            window.show_module(spec.module)
            wait_for_background_tasks()
            save(window, f"main_{spec.module}")
        window.show_module("home")
        for title in ("View", "Jobs"):
            menu = next(a.menu() for a in window.menuBar().actions() if a.text() == f"&{title}")
            menu.popup(window.mapToGlobal(window.menuBar().geometry().bottomLeft()))
            save(menu, f"menu_{title.lower()}")
            menu.hide()
        about = window.menus.show_about()
        save(about, "about")
        about.close()

        window.set_theme("dark")
        wait_for_background_tasks()
        save(window, "main_home_dark")
        window.show_module("mapper")
        save(window, "main_mapper_dark")
        about = window.menus.show_about()
        save(about, "about_dark")
        about.close()
        login = LoginDialog(ws, username=DEMO_USER, demo_hint=hint)
        login.show()
        save(login, "login_dark")
        login.close()
        window.set_theme("light")

        window.close()
        wait_for_background_tasks()
        ws.close()
        empty.close()
        del app
    return 0


if __name__ == "__main__":
    sys.exit(main())
