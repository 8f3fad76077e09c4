"""``dms connection …`` and ``dms secrets …``."""

from __future__ import annotations

import argparse
from dataclasses import asdict
from typing import Any

from dms_desktop.commands.base import as_user, read_stdin_secret
from dms_desktop.core.connections.model import ConnectionDef, from_url
from dms_desktop.core.connections.service import ConnectionService
from dms_desktop.core.errors import ConnectionFailed, ValidationError
from dms_desktop.core.security.permissions import CurrentUser
from dms_desktop.core.security.secrets import init_key_file, rotate_secrets
from dms_desktop.core.workspace import Workspace

TYPES = {
    "postgresql": "POSTGRESQL",
    "oracle": "ORACLE",
    "sqlite": "SQLITE",
    "mysql": "MYSQL",
    "mariadb": "MYSQL",
}


def _public(defn: ConnectionDef) -> dict[str, Any]:
    data = asdict(defn)
    data["target"] = defn.display()
    return data


def _definition(args: argparse.Namespace) -> tuple[ConnectionDef, str | None]:
    if args.url:
        if args.type or args.host or args.path:
            raise ValidationError("Give either --url or --type with its fields, not both.")
        defn, password = from_url(args.name, args.url)
    else:
        if not args.type:
            raise ValidationError("Give --type (postgresql, oracle, sqlite, mysql) or --url.")
        defn = ConnectionDef(
            name=args.name,
            dbtype=TYPES[args.type],
            host=args.host,
            port=args.port,
            service=args.service,
            database=args.path or args.database,
            user=args.user,
            description=args.description,
        )
        password = None
    if args.password_stdin:
        password = read_stdin_secret("password")
    return defn, password


def _add(ws: Workspace, user: CurrentUser, args: argparse.Namespace) -> dict[str, Any]:
    defn, password = _definition(args)
    return _public(ConnectionService(ws, user).create(defn, password))


def _list(ws: Workspace, user: CurrentUser, _args: argparse.Namespace) -> list[dict[str, Any]]:
    return [
        {
            "name": c.name,
            "type": c.dbtype,
            "target": c.display(),
            "password": c.has_password,
            "description": c.description,
        }
        for c in ConnectionService(ws, user).list_connections()
    ]


def _test(ws: Workspace, user: CurrentUser, args: argparse.Namespace) -> dict[str, Any]:
    result = ConnectionService(ws, user).test(args.name)
    if not result.ok:
        raise ConnectionFailed(f"Connection '{args.name}': {result.message}")
    return asdict(result)


def _copy(ws: Workspace, user: CurrentUser, args: argparse.Namespace) -> dict[str, Any]:
    return _public(ConnectionService(ws, user).copy(args.name, args.new_name))


def _delete(ws: Workspace, user: CurrentUser, args: argparse.Namespace) -> dict[str, Any]:
    ConnectionService(ws, user).delete(args.name)
    return {"deleted": args.name}


def _rotate(ws: Workspace, user: CurrentUser, _args: argparse.Namespace) -> dict[str, Any]:
    return {"reencrypted": rotate_secrets(ws, user)}


def _init_key(ws: Workspace, user: CurrentUser, args: argparse.Namespace) -> dict[str, Any]:
    user.require("admin", "edit")
    return {"key_file": str(init_key_file(ws, args.key_file))}


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    con = sub.add_parser("connection", help="database connections").add_subparsers(
        dest="connection_command", required=True, metavar="ACTION"
    )
    p = con.add_parser("add", parents=[common], help="add a connection")
    p.add_argument("name")
    p.add_argument("--type", choices=sorted(TYPES))
    p.add_argument("--host")
    p.add_argument("--port", type=int)
    p.add_argument("--database", help="PostgreSQL/MySQL database")
    p.add_argument("--service", help="Oracle service name")
    p.add_argument("--path", help="SQLite file")
    p.add_argument("--user")
    p.add_argument("--description")
    p.add_argument("--url", help="a SQLAlchemy URL instead of the fields")
    p.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    p.set_defaults(handler=as_user(_add))
    p = con.add_parser("list", parents=[common], help="list connections")
    p.set_defaults(handler=as_user(_list))
    p = con.add_parser("test", parents=[common], help="connect once and report")
    p.add_argument("name")
    p.set_defaults(handler=as_user(_test))
    p = con.add_parser("copy", parents=[common], help="copy a connection")
    p.add_argument("name")
    p.add_argument("new_name")
    p.set_defaults(handler=as_user(_copy))
    p = con.add_parser("delete", parents=[common], help="delete an unused connection")
    p.add_argument("name")
    p.set_defaults(handler=as_user(_delete))

    sec = sub.add_parser("secrets", help="the key of the connection secrets").add_subparsers(
        dest="secrets_command", required=True, metavar="ACTION"
    )
    p = sec.add_parser("rotate", parents=[common], help="re-encrypt every secret, new key")
    p.set_defaults(handler=as_user(_rotate))
    p = sec.add_parser("init", parents=[common], help="create a 0600 key file (headless host)")
    p.add_argument(
        "--key-file",
        nargs="?",
        const=None,
        default=None,
        type=_path,
        help="where (default: <config dir>/secret.key)",
    )
    p.set_defaults(handler=as_user(_init_key))


def _path(value: str) -> Any:
    from pathlib import Path

    return Path(value).expanduser()
