"""Admin page: a placeholder until the Admin module lands (replace ``PAGE`` here)."""

from __future__ import annotations

from dms_desktop.gui.pages import placeholder

PAGE = placeholder(
    module="admin",
    title="Admin",
    icon_name="admin",
    summary="Users, roles and permissions",
    description=(
        "Users, roles and the permission matrix (view, create, edit, delete per module); unlock "
        "accounts, reset passwords, the password policy, the login audit, workspace parameters "
        "and rotation of the secrets key."
    ),
)
