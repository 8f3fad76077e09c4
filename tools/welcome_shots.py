"""Screenshots of the first start and the user guide for tools/screenshots.py: the welcome page,
the shared-database step with a failed test (an unknown host, in plain words), the first
administrator with the policy checklist half met, the tour panel on Home, the Help window.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

Save = Callable[[Any, str], Any]
Wait = Callable[..., None]


def welcome_shots(home: Path, save: Save, wait_for: Wait) -> None:
    """welcome, welcome_shared_db, welcome_first_admin, welcome_demo (fresh DMS_HOMEs under
    ``home``)."""
    from dms_desktop.core.settings import load_settings
    from dms_desktop.gui.welcome.wizard import WelcomeWindow

    settings = load_settings({"DMS_HOME": str(home / "first-start")})
    window = WelcomeWindow(settings)
    window.show()
    save(window, "welcome")

    window.choice.shared_button.click()
    page = window.server
    page.host_edit.setText("dms-meta.example.invalid")
    page.database_edit.setText("dms")
    page.user_edit.setText("dms_owner")
    page.password_edit.setText("not shown")
    page.schema_edit.setText("dwt")
    page.test_button.click()
    wait_for(lambda: not window.busy, 30)
    save(window, "welcome_shared_db")

    window.go_back()
    window.choice.empty_button.click()
    window.folder.folder_edit.setText(str(home / "first-start" / "team-dw"))
    window.go_next()
    wait_for(lambda: window.current() is window.admin, 30)
    window.admin.password_edit.setText("warehouse")
    window.admin.confirm_edit.setText("ware")
    save(window, "welcome_first_admin")
    window.close()

    demo = WelcomeWindow(load_settings({"DMS_HOME": str(home / "first-demo")}))
    demo.show()
    demo.choice.demo_button.click()
    wait_for(lambda: demo.demo_page.progress.value() >= 30, 120)  # the jobs are running
    save(demo, "welcome_demo")
    wait_for(lambda: not demo.busy, 180)
    demo.close()


def help_shots(window: Any, save: Save, suffix: str = "") -> None:
    """help (the guide opened by F1 on the Mapper), main_home_tour (the next steps on Home)."""
    from dms_desktop.gui import prefs
    from dms_desktop.gui.welcome.tour import attach_tour

    window.show_module("mapper")
    guide = window.menus.open_context_help()
    guide.resize(1100, 760)
    save(guide, f"help{suffix}")
    guide.close()

    window.show_module("home")
    prefs.set_value(prefs.TOUR_PENDING, True)
    tour = attach_tour(window, window.menus.open_guide)
    save(window, f"main_home_tour{suffix}")
    if tour is not None:
        tour.dismiss()
