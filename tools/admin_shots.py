"""Screenshots of the Admin module for tools/screenshots.py: users, the permission matrix, the
audit viewer, the configuration editor, the lock screen.

``prepare_admin`` adds a few users, a role limited to some connections, a lockout and changed
parameters to the throwaway demo workspace, so the tables have something to show.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

Save = Callable[[Any, str], Any]
Wait = Callable[..., None]

PEOPLE = (
    ("j.smith", "Jane Smith", "jane.smith@example.com", "Data engineering", ["Developer"]),
    ("o.night", "Oscar Night", "oscar.night@example.com", "Operations", ["Operator"]),
    ("a.audit", "Ada Audit", "ada.audit@example.com", "Internal audit", ["Viewer"]),
    ("p.temp", "Pat Temp", "pat.temp@example.com", "Finance", ["Viewer"]),
)
PASSWORD = "screenshots only, 2026"


def prepare_admin(ws: Any, user: Any) -> None:
    """Illustrative accounts, roles, audit rows and parameters (run once, before the shots)."""
    from dms_desktop.core.admin.params import ParamService
    from dms_desktop.core.errors import DmsError
    from dms_desktop.core.security.auth import AuthService
    from dms_desktop.core.security.roles import RoleService
    from dms_desktop.core.security.users import Profile, UserService

    users = UserService(ws, user)
    existing = {u.username for u in users.list_users()}
    for name, full, email, department, roles in PEOPLE:
        if name not in existing:
            users.create_user(name, PASSWORD, roles, Profile(full, email, department),
                              must_change=name == "p.temp")  # fmt: skip
    auth = AuthService(ws)
    auth.login("j.smith", PASSWORD, host="dw-laptop-07")
    for _ in range(5):  # someone guessing o.night's password: a lockout
        with contextlib.suppress(DmsError):
            auth.login("o.night", "night shift?", host="10.20.4.17")
    users.disable("p.temp")
    roles = RoleService(ws, user)
    if "Night shift" not in {r.name for r in roles.list_roles()}:
        roles.create("Night shift", "Operators of the night runs: the ERP source only",
                     copy_from="Operator")  # fmt: skip
        roles.set_rights("Night shift", "reports", ["view"])
        roles.set_connections("Night shift", False, ["DEMO_ERP"])
        users.grant_role("o.night", "Night shift")
    params = ParamService(ws, user)
    params.set("SECURITY.LOCKOUT_MINUTES", "30")
    params.set("SESSION.IDLE_TIMEOUT_MIN", "10")
    params.set("SECURITY.PASSWORD_MIN_CLASSES", "2")


def admin_shots(window: Any, save: Save, wait_for: Wait, suffix: str = "") -> None:
    """admin_users, admin_user_dialog, admin_matrix, admin_audit, admin_changes, admin_config,
    lock_screen."""
    from dms_desktop.gui.admin.page import AUDIT, CONFIG, ROLES, USERS, AdminPage

    window.show_module("admin")
    page = window.page("admin")
    assert isinstance(page, AdminPage)

    def shown(number: int) -> Any:
        tab = page.show_tab(number)
        tab.refresh()
        wait_for(lambda: not tab.loading)
        return tab

    users = shown(USERS)
    users.select("o.night")
    save(window, f"admin_users{suffix}")
    dialog = users.new_user()  # the policy as a checklist that follows the typing
    dialog.name_edit.setText("m.jones")
    dialog.full_name_edit.setText("Mia Jones")
    dialog.email_edit.setText("mia.jones@example.com")
    dialog.department_edit.setText("Data engineering")
    dialog.set_roles(["Developer"])
    dialog.password_edit.setText("m.jones-2026")
    dialog.confirm_edit.setText("m.jones-2026")
    wait_for(lambda: dialog.policy.policy.min_classes == 2)
    save(dialog, f"admin_user_dialog{suffix}")
    dialog.reject()
    roles = shown(ROLES)
    names = [r.name for r in roles.roles]
    roles.role_list.setCurrentRow(names.index("Night shift") if "Night shift" in names else 0)
    save(window, f"admin_matrix{suffix}")
    audit = shown(AUDIT)
    save(window, f"admin_audit{suffix}")
    audit.kind_combo.setCurrentIndex(audit.kind_combo.findData("changes"))
    wait_for(lambda: not audit.loading)
    rows = [c.action for c in audit.changes.rows]
    if "SET_CONNECTIONS" in rows:
        audit.view.selectRow(rows.index("SET_CONNECTIONS"))
    save(window, f"admin_changes{suffix}")
    audit.kind_combo.setCurrentIndex(audit.kind_combo.findData("logins"))
    shown(CONFIG)
    save(window, f"admin_config{suffix}")
    lock = window.idle_lock
    overlay = lock.lock()
    overlay.password_edit.setText("secret")
    save(window, f"lock_screen{suffix}")
    lock.unlocked()
    page.show_tab(USERS)
