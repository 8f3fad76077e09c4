"""Admin: users, roles and the permission matrix, the audit, the workspace configuration.

The tabs call the core services in workers; the core checks every right again, so a button
disabled here (with the missing right in its tooltip) is a convenience, not the protection.
"""

from __future__ import annotations

from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

from dms_desktop.gui.admin.audit_tab import AuditTab
from dms_desktop.gui.admin.base import AdminTab
from dms_desktop.gui.admin.config_tab import ConfigTab
from dms_desktop.gui.admin.roles_tab import RolesTab
from dms_desktop.gui.admin.users_tab import UsersTab
from dms_desktop.gui.pages import PageContext, PageSpec
from dms_desktop.gui.widgets import PageHeader

USERS, ROLES, AUDIT, CONFIG = range(4)


class AdminPage(QWidget):
    def __init__(self, context: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("page")
        self.context = context
        layout = QVBoxLayout(self)
        layout.setContentsMargins(28, 24, 28, 24)
        layout.setSpacing(12)
        editable = context.user.can("admin", "edit")
        subtitle = "Users, roles and rights, the audit and the workspace configuration" + (
            "" if editable else " (read only: your roles allow viewing, not changing)"
        )
        layout.addWidget(PageHeader("Administration", subtitle, self))
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("adminTabs")
        self.tabs.setDocumentMode(True)
        self.users = UsersTab(context, self.tabs)
        self.roles = RolesTab(context, self.tabs)
        self.audit = AuditTab(context, self.tabs)
        self.config = ConfigTab(context, self.tabs)
        self.tabs.addTab(self.users, "Users")
        self.tabs.addTab(self.roles, "Roles and permissions")
        self.tabs.addTab(self.audit, "Audit")
        self.tabs.addTab(self.config, "Configuration")
        layout.addWidget(self.tabs, 1)

    def tab_widgets(self) -> list[AdminTab]:
        return [self.users, self.roles, self.audit, self.config]

    def show_tab(self, number: int) -> AdminTab:
        self.tabs.setCurrentIndex(number)
        return self.tab_widgets()[number]

    def cancel_tasks(self) -> None:
        for tab in self.tab_widgets():
            tab.cancel_tasks()


PAGE = PageSpec(
    module="admin",
    title="Admin",
    icon="admin",
    summary="Users, roles and permissions, audit, configuration",
    create=AdminPage,
)
