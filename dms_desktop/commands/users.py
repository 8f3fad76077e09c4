"""``dms init``, ``dms status`` and ``dms user …``."""

from __future__ import annotations

import argparse
from typing import Any

from dms_desktop.commands.base import as_user, read_stdin_secret
from dms_desktop.core.errors import ValidationError
from dms_desktop.core.security.auth import AuthService
from dms_desktop.core.security.permissions import CurrentUser
from dms_desktop.core.security.users import UserService
from dms_desktop.core.settings import Settings
from dms_desktop.core.workspace import Workspace, open_workspace


def cmd_init(args: argparse.Namespace, settings: Settings) -> dict[str, Any]:
    if args.admin and not args.admin_password_stdin:
        raise ValidationError("--admin needs --admin-password-stdin (the password on stdin).")
    if args.demo:
        from dms_desktop.core.demo.seed import create_demo_workspace

        ws = create_demo_workspace(settings)
    else:
        ws = open_workspace(settings)
    try:
        auth = AuthService(ws)
        created = None
        if args.admin:
            password = read_stdin_secret("admin password")
            if auth.has_users():
                raise ValidationError("The workspace already has users: use 'dms user add'.")
            created = auth.create_first_admin(args.admin, password).username
        return {
            "metadata": settings.describe(),
            "backup": str(ws.backup_path) if ws.backup_path else None,
            "admin_created": created,
            "demo_user": ws.demo_user,
            "has_users": auth.has_users(),
        }
    finally:
        ws.close()


def _status(ws: Workspace, user: CurrentUser, _args: argparse.Namespace) -> Any:
    from dms_desktop.core.overview import workspace_overview

    user.require("home", "view")
    return workspace_overview(ws)


def _user_add(ws: Workspace, user: CurrentUser, args: argparse.Namespace) -> dict[str, Any]:
    if not args.password_stdin:
        raise ValidationError("Pass the new user's password on stdin with --password-stdin.")
    password = read_stdin_secret("password")
    user_id = UserService(ws, user).add_user(
        args.name, args.role, password, must_change=args.must_change
    )
    return {"user_id": user_id, "username": args.name, "role": args.role}


def _user_list(ws: Workspace, user: CurrentUser, _args: argparse.Namespace) -> Any:
    return UserService(ws, user).list_users()


def _user_unlock(ws: Workspace, user: CurrentUser, args: argparse.Namespace) -> dict[str, Any]:
    UserService(ws, user).unlock(args.name)
    return {"unlocked": args.name}


def _user_disable(ws: Workspace, user: CurrentUser, args: argparse.Namespace) -> dict[str, Any]:
    UserService(ws, user).disable(args.name)
    return {"disabled": args.name}


def _user_enable(ws: Workspace, user: CurrentUser, args: argparse.Namespace) -> dict[str, Any]:
    UserService(ws, user).enable(args.name)
    return {"enabled": args.name}


def _user_reset(ws: Workspace, user: CurrentUser, args: argparse.Namespace) -> dict[str, Any]:
    if not args.password_stdin:
        raise ValidationError(
            "Pass the temporary password on stdin with --password-stdin; the user must "
            "change it at the next login."
        )
    UserService(ws, user).reset_password(args.name, read_stdin_secret("temporary password"))
    return {"reset": args.name, "must_change_password": True}


def _user_grant(ws: Workspace, user: CurrentUser, args: argparse.Namespace) -> dict[str, Any]:
    roles = UserService(ws, user).grant_role(args.name, args.role)
    return {"username": args.name, "roles": list(roles)}


def _user_revoke(ws: Workspace, user: CurrentUser, args: argparse.Namespace) -> dict[str, Any]:
    roles = UserService(ws, user).revoke_role(args.name, args.role)
    return {"username": args.name, "roles": list(roles)}


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("init", parents=[common], help="create or upgrade the metadata database")
    p.add_argument("--demo", action="store_true", help="add the demo source, connections, user")
    p.add_argument(
        "--if-missing",
        action="store_true",
        help="(for make run) only upgrade when the workspace already exists",
    )
    p.add_argument("--admin", metavar="NAME", help="create the first administrator")
    p.add_argument("--admin-password-stdin", action="store_true")
    p.set_defaults(handler=cmd_init)

    p = sub.add_parser("status", parents=[common], help="the workspace at a glance")
    p.set_defaults(handler=as_user(_status, upgrade=False))

    user = sub.add_parser("user", help="manage users").add_subparsers(
        dest="user_command", required=True, metavar="ACTION"
    )
    p = user.add_parser("add", parents=[common], help="add a user")
    p.add_argument("name")
    p.add_argument("--role", required=True, help="Admin, Developer, Operator or Viewer")
    p.add_argument("--password-stdin", action="store_true")
    p.add_argument("--must-change", action="store_true", help="force a change at first login")
    p.set_defaults(handler=as_user(_user_add))
    p = user.add_parser("list", parents=[common], help="list users")
    p.set_defaults(handler=as_user(_user_list))
    p = user.add_parser("unlock", parents=[common], help="unlock a locked account")
    p.add_argument("name")
    p.set_defaults(handler=as_user(_user_unlock))
    for verb, action, text in (
        ("disable", _user_disable, "disable an account (its open sessions end)"),
        ("enable", _user_enable, "enable a disabled account"),
    ):
        p = user.add_parser(verb, parents=[common], help=text)
        p.add_argument("name")
        p.set_defaults(handler=as_user(action))
    p = user.add_parser(
        "reset-password", parents=[common], help="set a temporary password (changed at login)"
    )
    p.add_argument("name")
    p.add_argument("--password-stdin", action="store_true")
    p.set_defaults(handler=as_user(_user_reset))
    for verb, action, text in (
        ("grant", _user_grant, "give a user a role"),
        ("revoke", _user_revoke, "take a role from a user"),
    ):
        p = user.add_parser(verb, parents=[common], help=text)
        p.add_argument("name")
        p.add_argument("role")
        p.set_defaults(handler=as_user(action))
