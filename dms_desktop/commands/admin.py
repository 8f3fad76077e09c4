"""``dms role …``, ``dms param …`` and ``dms audit``."""

from __future__ import annotations

import argparse
from datetime import datetime, timedelta
from typing import Any

from dms_desktop.commands.base import as_user
from dms_desktop.core.admin.audit import OUTCOMES, AuditFilter, AuditService
from dms_desktop.core.admin.params import ParamService
from dms_desktop.core.errors import ValidationError
from dms_desktop.core.scheduler.notify import send_test
from dms_desktop.core.security.permissions import ALL_ACTIONS, MODULES, CurrentUser, applies
from dms_desktop.core.security.roles import RoleInfo, RoleService, parse_actions, rights_text
from dms_desktop.core.workspace import Workspace


def _role_row(info: RoleInfo) -> dict[str, Any]:
    return {
        "role": info.name,
        "description": info.description,
        "system": info.is_system,
        "users": list(info.users),
        "connections": "all" if info.all_connections else list(info.connections) or "none",
    }


def _role_list(ws: Workspace, user: CurrentUser, _args: argparse.Namespace) -> Any:
    return [_role_row(r) for r in RoleService(ws, user).list_roles()]


def _matrix(info: RoleInfo) -> list[dict[str, Any]]:
    return [
        {
            "module": m,
            **{a: ("yes" if info.can(m, a) else "") if applies(m, a) else "-" for a in ALL_ACTIONS},
        }
        for m in MODULES
    ]


def _role_show(ws: Workspace, user: CurrentUser, args: argparse.Namespace) -> Any:
    info = RoleService(ws, user).get(args.name)
    if getattr(args, "json", False):
        return {
            **_role_row(info),
            "rights": {m: sorted(a) for m, a in info.rights.items()},
        }
    for key, value in _role_row(info).items():
        print(f"{key}: {value if not isinstance(value, list) else ', '.join(value) or '(none)'}")
    print()
    return _matrix(info)


def _role_set(ws: Workspace, user: CurrentUser, args: argparse.Namespace) -> Any:
    module = args.module.lower()
    info = RoleService(ws, user).set_rights(args.name, module, parse_actions(module, args.actions))
    return {"role": info.name, "module": module, "actions": rights_text(info.rights[module])}


def _role_create(ws: Workspace, user: CurrentUser, args: argparse.Namespace) -> Any:
    info = RoleService(ws, user).create(args.name, args.description, copy_from=args.copy_from)
    return _role_row(info)


def _role_delete(ws: Workspace, user: CurrentUser, args: argparse.Namespace) -> Any:
    RoleService(ws, user).delete(args.name)
    return {"deleted": args.name}


def _role_connections(ws: Workspace, user: CurrentUser, args: argparse.Namespace) -> Any:
    if args.all == bool(args.connections):
        raise ValidationError("Give either --all or the connection names the role may use.")
    info = RoleService(ws, user).set_connections(args.name, args.all, args.connections)
    return _role_row(info)


def _param_list(ws: Workspace, user: CurrentUser, _args: argparse.Namespace) -> Any:
    return [p.row() for p in ParamService(ws, user).list()]


def _param_set(ws: Workspace, user: CurrentUser, args: argparse.Namespace) -> Any:
    return ParamService(ws, user).set(args.key, args.value).row()


def _param_reset(ws: Workspace, user: CurrentUser, args: argparse.Namespace) -> Any:
    return ParamService(ws, user).reset(args.key).row()


def _notify_test(ws: Workspace, user: CurrentUser, args: argparse.Namespace) -> Any:
    return {"sent_to": list(send_test(ws, user, args.to))}


def _when(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise ValidationError(f"Give dates as YYYY-MM-DD[ HH:MM], not {text!r}.") from None


def _audit(ws: Workspace, user: CurrentUser, args: argparse.Namespace) -> Any:
    until = _when(args.until)
    if until is not None and len(args.until) == 10:
        until += timedelta(days=1)  # a date means "to the end of that day"
    flt = AuditFilter(args.user, args.outcome, _when(args.since), until, args.limit)
    service = AuditService(ws, user)
    if args.export:
        count = service.export("changes" if args.changes else "logins", flt, args.export)
        return {"exported": count, "file": args.export}
    return service.changes(flt) if args.changes else service.logins(flt)


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    role = sub.add_parser("role", help="roles and the permission matrix").add_subparsers(
        dest="role_command", required=True, metavar="ACTION"
    )
    p = role.add_parser("list", parents=[common], help="list the roles")
    p.set_defaults(handler=as_user(_role_list))
    p = role.add_parser("show", parents=[common], help="a role's matrix and connections")
    p.add_argument("name")
    p.set_defaults(handler=as_user(_role_show))
    p = role.add_parser(
        "set",
        parents=[common],
        help="set a role's actions on a module",
        description="ACTIONS: view,create,edit,delete (run on jobs, export on reports), "
        "letters such as 'vce', 'all' or 'none'.",
    )
    p.add_argument("name")
    p.add_argument("module", help=", ".join(MODULES))
    p.add_argument("actions")
    p.set_defaults(handler=as_user(_role_set))
    p = role.add_parser("create", parents=[common], help="create a role")
    p.add_argument("name")
    p.add_argument("--description")
    p.add_argument("--copy-from", metavar="ROLE", help="start from this role's rights")
    p.set_defaults(handler=as_user(_role_create))
    p = role.add_parser("delete", parents=[common], help="delete a role nobody holds")
    p.add_argument("name")
    p.set_defaults(handler=as_user(_role_delete))
    p = role.add_parser("connections", parents=[common], help="limit a role to some connections")
    p.add_argument("name")
    p.add_argument("connections", nargs="*", metavar="CONNECTION")
    p.add_argument("--all", action="store_true", help="every connection (no limit)")
    p.set_defaults(handler=as_user(_role_connections))

    param = sub.add_parser("param", help="workspace parameters").add_subparsers(
        dest="param_command", required=True, metavar="ACTION"
    )
    p = param.add_parser("list", parents=[common], help="every parameter, value and default")
    p.set_defaults(handler=as_user(_param_list))
    p = param.add_parser("set", parents=[common], help="set a parameter (GROUP.CODE VALUE)")
    p.add_argument("key")
    p.add_argument("value")
    p.set_defaults(handler=as_user(_param_set))
    p = param.add_parser("reset", parents=[common], help="back to the default")
    p.add_argument("key")
    p.set_defaults(handler=as_user(_param_reset))

    notify = sub.add_parser("notify", help="failure mail (NOTIFY.* parameters)").add_subparsers(
        dest="notify_command", required=True, metavar="ACTION"
    )
    p = notify.add_parser("test", parents=[common], help="send a test mail")
    p.add_argument("--to", help="address(es), comma-separated (default NOTIFY.FAILURE_TO)")
    p.set_defaults(handler=as_user(_notify_test))

    p = sub.add_parser("audit", parents=[common], help="the login audit, or the admin changes")
    p.add_argument("--changes", action="store_true", help="administrative changes, not logins")
    p.add_argument("--user", help="part of the user name")
    p.add_argument(
        "--outcome",
        help=f"logins: {', '.join(OUTCOMES)}; changes: USER, ROLE, PARAM, SECRETS, ACCESS",
    )
    p.add_argument("--since", help="YYYY-MM-DD[ HH:MM] (UTC)")
    p.add_argument("--until", help="YYYY-MM-DD[ HH:MM] (UTC; a date includes the whole day)")
    p.add_argument("--limit", type=int, default=200)
    p.add_argument("--export", metavar="FILE.csv", help="write the rows to a CSV file")
    p.set_defaults(handler=as_user(_audit))
