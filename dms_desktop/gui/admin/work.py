"""What the Admin page runs in workers: plain calls of the core services, no Qt."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from dms_desktop.core import clock
from dms_desktop.core.admin.audit import AuditFilter, AuditService, ChangeEvent, LoginEvent
from dms_desktop.core.admin.params import ParamService, ParamValue
from dms_desktop.core.scheduler.notify import send_test
from dms_desktop.core.security.roles import RoleInfo, RoleService
from dms_desktop.core.security.users import Profile, UserInfo, UserService
from dms_desktop.gui.pages import PageContext


@dataclass(frozen=True)
class UsersData:
    users: list[UserInfo]
    roles: list[str]
    now: datetime


def load_users(ctx: PageContext) -> UsersData:
    users = UserService(ctx.ws, ctx.user).list_users()
    roles = [r.name for r in RoleService(ctx.ws, ctx.user).list_roles()]
    return UsersData(users, roles, clock.utcnow())


def create_user(
    ctx: PageContext,
    username: str,
    password: str,
    roles: list[str],
    profile: Profile,
    must_change: bool,
) -> str:
    UserService(ctx.ws, ctx.user).create_user(
        username, password, roles, profile, must_change=must_change
    )
    return username


def edit_user(ctx: PageContext, username: str, profile: Profile, roles: list[str]) -> str:
    service = UserService(ctx.ws, ctx.user)
    service.update_profile(username, profile)
    if sorted(roles) != sorted(service.get_user(username).roles):
        service.set_roles(username, roles)
    return username


def set_active(ctx: PageContext, username: str, active: bool) -> str:
    service = UserService(ctx.ws, ctx.user)
    (service.enable if active else service.disable)(username)
    return f"{username} {'enabled' if active else 'disabled'}."


def unlock_user(ctx: PageContext, username: str) -> str:
    UserService(ctx.ws, ctx.user).unlock(username)
    return f"{username} unlocked."


def reset_password(ctx: PageContext, username: str, password: str) -> str:
    UserService(ctx.ws, ctx.user).reset_password(username, password)
    return f"Password of {username} reset: they choose a new one at the next login."


def delete_user(ctx: PageContext, username: str) -> str:
    UserService(ctx.ws, ctx.user).delete_user(username)
    return f"{username} deleted."


@dataclass(frozen=True)
class RolesData:
    roles: list[RoleInfo]
    connections: list[tuple[int, str]]


def load_roles(ctx: PageContext) -> RolesData:
    service = RoleService(ctx.ws, ctx.user)
    return RolesData(service.list_roles(), service.connection_choices())


def save_role(
    ctx: PageContext,
    name: str,
    rights: Mapping[str, Iterable[str]],
    all_connections: bool,
    connections: list[int],
) -> RoleInfo:
    service = RoleService(ctx.ws, ctx.user)
    service.set_matrix(name, rights)
    return service.set_connections(name, all_connections, connections)


def create_role(ctx: PageContext, name: str, description: str, copy_from: str | None) -> str:
    return RoleService(ctx.ws, ctx.user).create(name, description, copy_from=copy_from).name


def update_role(ctx: PageContext, name: str, new_name: str, description: str) -> str:
    return (
        RoleService(ctx.ws, ctx.user).update(name, new_name=new_name, description=description).name
    )


def delete_role(ctx: PageContext, name: str) -> str:
    RoleService(ctx.ws, ctx.user).delete(name)
    return f"Role {name} deleted."


def load_audit(
    ctx: PageContext, kind: str, flt: AuditFilter
) -> list[LoginEvent] | list[ChangeEvent]:
    service = AuditService(ctx.ws, ctx.user)
    return service.changes(flt) if kind == "changes" else service.logins(flt)


def export_audit(ctx: PageContext, kind: str, flt: AuditFilter, path: str) -> str:
    count = AuditService(ctx.ws, ctx.user).export(kind, flt, Path(path))
    return f"Exported {count:,} row{'' if count == 1 else 's'} to {path}."


def load_params(ctx: PageContext) -> list[ParamValue]:
    return ParamService(ctx.ws, ctx.user).list()


def save_params(ctx: PageContext, changes: Mapping[str, str]) -> list[ParamValue]:
    """Store each change (validated one by one: the first bad one stops, naming its key)."""
    service = ParamService(ctx.ws, ctx.user)
    for key, text in changes.items():
        service.set(key, text)
    return service.list()


def send_test_mail(ctx: PageContext) -> str:
    """A test mail to NOTIFY.FAILURE_TO through the saved mail settings (up to 10 s)."""
    sent = send_test(ctx.ws, ctx.user)
    return f"Test mail sent to {', '.join(sent)}: check the inbox."


def reset_param(ctx: PageContext, key: str) -> list[ParamValue]:
    service = ParamService(ctx.ws, ctx.user)
    service.reset(key)
    return service.list()
