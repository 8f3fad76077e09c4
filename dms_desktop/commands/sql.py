"""``dms sql …``: managed source queries (DMS_MAPRSQL)."""

from __future__ import annotations

import argparse
from dataclasses import asdict
from pathlib import Path
from typing import Any

from dms_desktop.commands.base import as_user
from dms_desktop.core.connections.service import ConnectionService
from dms_desktop.core.errors import ValidationError
from dms_desktop.core.security.permissions import CurrentUser
from dms_desktop.core.sqlstore.export import export_query
from dms_desktop.core.sqlstore.runner import QueryRun
from dms_desktop.core.sqlstore.service import SqlService
from dms_desktop.core.workspace import Workspace


def _add(ws: Workspace, user: CurrentUser, args: argparse.Namespace) -> dict[str, Any]:
    if bool(args.file) == bool(args.text):
        raise ValidationError("Give the query with exactly one of --file or --text.")
    try:
        text = Path(args.file).read_text(encoding="utf-8") if args.file else args.text
    except (OSError, UnicodeDecodeError) as exc:
        raise ValidationError(f"Cannot read {args.file}: {exc}.") from exc
    conid = ConnectionService(ws, user).get(args.connection).conid
    saved = SqlService(ws, user).save(args.code, text, conid, args.description)
    return {"code": saved.code, "version": saved.version, "connection": args.connection}


def _show(ws: Workspace, user: CurrentUser, args: argparse.Namespace) -> dict[str, Any]:
    found = SqlService(ws, user).get(args.code, args.version)
    data = asdict(found)
    data["columns"] = [f"{c.name} {c.type}" for c in found.columns]
    return data


def _list(ws: Workspace, user: CurrentUser, _args: argparse.Namespace) -> list[dict[str, Any]]:
    return [
        {"code": q.code, "version": q.version, "verified": q.verified, "description": q.description}
        for q in SqlService(ws, user).list()
    ]


def _validate(ws: Workspace, user: CurrentUser, args: argparse.Namespace) -> dict[str, Any]:
    result = SqlService(ws, user).validate(args.code)
    if not result.ok:
        first = result.problems[0]
        where = f" (line {first.line}, column {first.column})" if first.line else ""
        raise ValidationError(f"{args.code}: {first.message}{where}")
    return {
        "code": args.code,
        "valid": True,
        "columns": [f"{c.name} {c.type}" for c in result.columns],
    }


def _run(ws: Workspace, user: CurrentUser, args: argparse.Namespace) -> Any:
    query = SqlService(ws, user).get(args.code)
    if query.conid is None:
        raise ValidationError(f"{args.code} has no connection: save it with --connection.")
    engine, dialect = ConnectionService(ws, user).engine_and_dialect(query.conid)
    if args.out:
        out = Path(args.out)
        if out.suffix.lower() not in (".csv", ".xlsx"):
            raise ValidationError("--out must end in .csv or .xlsx.")
        result = export_query(engine, dialect, query.text, out)
        return {"rows": result.rows, "file": str(result.path), "seconds": round(result.elapsed, 3)}
    with QueryRun(engine, dialect, query.text, fetch_size=args.limit) as run:
        run.start()
        rows = run.fetch(args.limit)
        names = [c.name for c in run.columns]
    return [dict(zip(names, row, strict=True)) for row in rows]


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    sql = sub.add_parser("sql", help="managed source queries").add_subparsers(
        dest="sql_command", required=True, metavar="ACTION"
    )
    p = sql.add_parser("add", parents=[common], help="save a query (new code or new version)")
    p.add_argument("code")
    p.add_argument("--connection", required=True)
    p.add_argument("--file")
    p.add_argument("--text")
    p.add_argument("--description")
    p.set_defaults(handler=as_user(_add))
    p = sql.add_parser("list", parents=[common], help="list managed queries")
    p.set_defaults(handler=as_user(_list))
    p = sql.add_parser("show", parents=[common], help="show a query (a version)")
    p.add_argument("code")
    p.add_argument("--version", type=int)
    p.set_defaults(handler=as_user(_show))
    p = sql.add_parser("validate", parents=[common], help="parse, check, describe a query")
    p.add_argument("code")
    p.set_defaults(handler=as_user(_validate))
    p = sql.add_parser("run", parents=[common], help="run a query; print or export rows")
    p.add_argument("code")
    p.add_argument("--limit", type=int, default=20)
    p.add_argument("--out", help="FILE.csv or FILE.xlsx: export every row")
    p.set_defaults(handler=as_user(_run))
