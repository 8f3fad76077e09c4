"""The ``dms`` command: administration and automation.

Exit codes: 0 success, 1 a known failure (one line on stderr), 2 usage error, 3 a bug (the
traceback goes to the log file). Commands act as the user in DMS_USER with the password in
DMS_PASSWORD (or a prompt on a terminal); ``init`` bootstraps an empty workspace.
"""

from __future__ import annotations

import argparse
import getpass
import json
import logging
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict, is_dataclass
from datetime import datetime
from typing import Any

from dms_desktop import __version__
from dms_desktop.core.errors import AuthError, DmsError, ValidationError
from dms_desktop.core.logs import setup_logging
from dms_desktop.core.security.auth import AuthService
from dms_desktop.core.security.permissions import CurrentUser
from dms_desktop.core.security.users import UserService
from dms_desktop.core.settings import Settings, load_settings
from dms_desktop.core.workspace import Workspace, open_workspace

log = logging.getLogger("dms.cli")
Handler = Callable[[argparse.Namespace, Settings], Any]


def _read_stdin_password(what: str) -> str:
    value = sys.stdin.readline().rstrip("\r\n")
    if not value:
        raise ValidationError(
            f"No {what} on standard input: pipe it in, e.g. printf '%s\\n' \"$PW\" | dms ..."
        )
    return value


def _acting_user(ws: Workspace) -> CurrentUser:
    username = os.environ.get("DMS_USER")
    password = os.environ.get("DMS_PASSWORD")
    if not username or password is None:
        if not sys.stdin.isatty():
            raise AuthError("Set DMS_USER and DMS_PASSWORD to say who runs this command.")
        username = username or input("DMS user: ")
        password = getpass.getpass(f"Password for {username}: ")
    return AuthService(ws).login(username, password)


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
            password = _read_stdin_password("admin password")
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


def _with_user(action: Callable[[UserService, argparse.Namespace], Any]) -> Handler:
    def run(args: argparse.Namespace, settings: Settings) -> Any:
        ws = open_workspace(settings)
        try:
            return action(UserService(ws, _acting_user(ws)), args)
        finally:
            ws.close()

    return run


def _user_add(svc: UserService, args: argparse.Namespace) -> dict[str, Any]:
    if not args.password_stdin:
        raise ValidationError("Pass the new user's password on stdin with --password-stdin.")
    password = _read_stdin_password("password")
    user_id = svc.add_user(args.name, args.role, password, must_change=args.must_change)
    return {"user_id": user_id, "username": args.name, "role": args.role}


def _user_list(svc: UserService, _args: argparse.Namespace) -> list[Any]:
    return svc.list_users()


def _user_unlock(svc: UserService, args: argparse.Namespace) -> dict[str, Any]:
    svc.unlock(args.name)
    return {"unlocked": args.name}


def cmd_status(args: argparse.Namespace, settings: Settings) -> Any:
    from dms_desktop.core.overview import workspace_overview

    ws = open_workspace(settings, upgrade=False)
    try:
        _acting_user(ws).require("home", "view")
        return workspace_overview(ws)
    finally:
        ws.close()


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    # SUPPRESS: a sub-command's default must not overwrite `dms --json <command>`.
    common.add_argument(
        "--json", action="store_true", default=argparse.SUPPRESS, help="machine-readable output"
    )
    parser = argparse.ArgumentParser(
        prog="dms", parents=[common], description="DMS Desktop command line."
    )
    parser.add_argument("--version", action="version", version=f"dms {__version__}")
    parser.add_argument(
        "--metadata-url",
        metavar="URL",
        help="SQLAlchemy URL of the metadata database (wins over DB_*)",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

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
    p.set_defaults(handler=cmd_status)

    user = sub.add_parser("user", help="manage users").add_subparsers(
        dest="user_command", required=True, metavar="ACTION"
    )
    p = user.add_parser("add", parents=[common], help="add a user")
    p.add_argument("name")
    p.add_argument("--role", required=True, help="Admin, Developer, Operator or Viewer")
    p.add_argument("--password-stdin", action="store_true")
    p.add_argument("--must-change", action="store_true", help="force a change at first login")
    p.set_defaults(handler=_with_user(_user_add))
    p = user.add_parser("list", parents=[common], help="list users")
    p.set_defaults(handler=_with_user(_user_list))
    p = user.add_parser("unlock", parents=[common], help="unlock a locked account")
    p.add_argument("name")
    p.set_defaults(handler=_with_user(_user_unlock))
    return parser


def _jsonable(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        return _jsonable(asdict(value))
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    return value


def _print_human(result: Any) -> None:
    result = _jsonable(result)
    if isinstance(result, list):
        if not result:
            print("(none)")
            return
        keys = list(result[0])
        widths = {k: max(len(k), *(len(_cell(r[k])) for r in result)) for k in keys}
        print("  ".join(k.ljust(widths[k]) for k in keys))
        for row in result:
            print("  ".join(_cell(row[k]).ljust(widths[k]) for k in keys))
    elif isinstance(result, dict):
        for key, value in result.items():
            print(f"{key}: {_cell(value)}")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return (
            ", ".join(_cell(v) for v in value)
            if value and not isinstance(value[0], dict)
            else f"{len(value)} rows"
        )
    return str(value)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    environ = dict(os.environ)
    if args.metadata_url:
        environ["DMS_METADATA_URL"] = args.metadata_url
    log_path = None
    try:
        settings = load_settings(environ)
        log_path = setup_logging(settings)
        if getattr(args, "if_missing", False) and _workspace_exists(settings):
            args.demo = False
        result = args.handler(args, settings)
    except DmsError as exc:
        log.info("dms %s failed: %s", args.command, exc.message)
        print(f"error: {exc.message}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    except Exception:
        log.exception("dms %s failed unexpectedly", args.command)
        where = f" (details in {log_path})" if log_path else ""
        print(f"error: unexpected failure{where}", file=sys.stderr)
        return 3
    if getattr(args, "json", False):
        print(json.dumps(_jsonable(result), indent=2, default=str))
    else:
        _print_human(result)
    return 0


def _workspace_exists(settings: Settings) -> bool:
    url = settings.sqlalchemy_url()
    return url.get_backend_name() != "sqlite" or bool(
        url.database and os.path.exists(url.database) and os.path.getsize(url.database) > 0
    )


if __name__ == "__main__":
    sys.exit(main())
