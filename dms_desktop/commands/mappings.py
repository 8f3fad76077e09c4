"""``dms mapping …``: import/export specs, list, validate, target DDL, preview."""

from __future__ import annotations

import argparse
from dataclasses import asdict
from pathlib import Path
from typing import Any

from dms_desktop.commands.base import as_user
from dms_desktop.core.connections.service import ConnectionService
from dms_desktop.core.errors import ValidationError
from dms_desktop.core.mapping.ddl import alter_ddl, apply_ddl
from dms_desktop.core.mapping.preview import preview_query
from dms_desktop.core.mapping.repository import MappingService
from dms_desktop.core.mapping.spec import export_mappings, import_file
from dms_desktop.core.mapping.validate import validate_mapping
from dms_desktop.core.security.permissions import CurrentUser
from dms_desktop.core.workspace import Workspace


def _import(ws: Workspace, user: CurrentUser, args: argparse.Namespace) -> list[dict[str, Any]]:
    saved = import_file(ws, user, Path(args.file).expanduser(), replace=args.replace)
    return [{"mapping": m.ref, "version": m.version, "columns": len(m.columns)} for m in saved]


def _export(ws: Workspace, user: CurrentUser, args: argparse.Namespace) -> dict[str, Any]:
    out = Path(args.out).expanduser()
    export_mappings(ws, user, [args.ref], out, args.format)
    return {"exported": args.ref, "file": str(out)}


def _list(ws: Workspace, user: CurrentUser, _args: argparse.Namespace) -> list[dict[str, Any]]:
    return [
        {
            "reference": m.ref,
            "table": m.table_name,
            "type": m.table_type,
            "sql": m.sql_code,
            "version": m.version,
            "validated": m.validated,
            "updated": m.updated,
            "by": m.updated_by,
        }
        for m in MappingService(ws, user).list_mappings()
    ]


def _validate(ws: Workspace, user: CurrentUser, args: argparse.Namespace) -> dict[str, Any]:
    mapping = MappingService(ws, user).get(args.ref)
    problems = validate_mapping(ws, user, mapping)
    if problems:
        count = len(problems)
        head = (
            f"Mapping {mapping.ref} (version {mapping.version}) has {count} "
            f"problem{'s' if count != 1 else ''}:"
        )
        raise ValidationError("\n".join([head, *(str(p) for p in problems)]))
    return {"mapping": mapping.ref, "version": mapping.version, "valid": True}


def _ddl(ws: Workspace, user: CurrentUser, args: argparse.Namespace) -> dict[str, Any] | None:
    mapping = MappingService(ws, user).get(args.ref)
    if args.apply:
        plan = apply_ddl(ws, user, mapping)
    else:
        if mapping.target_conid is None:
            raise ValidationError(f"Mapping {mapping.ref} has no target connection: set one.")
        connections = ConnectionService(ws, user)
        dialect = connections.get(mapping.target_conid).dialect
        plan = alter_ddl(mapping, connections.engine(mapping.target_conid), dialect)
    if getattr(args, "json", False):
        return {"mapping": mapping.ref, "applied": bool(args.apply), **asdict(plan)}
    for statement in plan.statements:
        print(f"{statement};\n")
    if not plan.statements:
        print(f"-- {mapping.table_name}: the table already fits the mapping.")
    for line in plan.notes:
        print(f"-- note: {line}")
    for line in plan.destructive:
        print(f"-- destructive, not applied: {line}")
    if args.apply and plan.statements:
        print(f"-- applied {len(plan.statements)} statement(s).")
    return None


def _preview(ws: Workspace, user: CurrentUser, args: argparse.Namespace) -> list[dict[str, Any]]:
    mapping = MappingService(ws, user).get(args.ref)
    run, _source = preview_query(ws, user, mapping, args.rows)
    with run:
        run.start()
        rows = run.fetch(args.rows)
        names = [c.name for c in run.columns]
    return [dict(zip(names, row, strict=True)) for row in rows]


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    mapping = sub.add_parser("mapping", help="mappings (DMS_MAPR)").add_subparsers(
        dest="mapping_command", required=True, metavar="ACTION"
    )
    p = mapping.add_parser("import", parents=[common], help="import a JSON/YAML/XLSX spec")
    p.add_argument("file")
    p.add_argument(
        "--replace", action="store_true", help="existing references become a new version"
    )
    p.set_defaults(handler=as_user(_import))
    p = mapping.add_parser("export", parents=[common], help="write a mapping to a spec file")
    p.add_argument("ref")
    p.add_argument("--format", choices=("json", "yaml", "xlsx"), help="default: from --out")
    p.add_argument("--out", required=True, help="the file to write")
    p.set_defaults(handler=as_user(_export))
    p = mapping.add_parser("list", parents=[common], help="list the current mappings")
    p.set_defaults(handler=as_user(_list))
    p = mapping.add_parser("validate", parents=[common], help="validate (exit 1 on problems)")
    p.add_argument("ref")
    p.set_defaults(handler=as_user(_validate))
    p = mapping.add_parser("ddl", parents=[common], help="the target table's CREATE/ALTER")
    p.add_argument("ref")
    p.add_argument("--apply", action="store_true", help="run it on the target connection")
    p.set_defaults(handler=as_user(_ddl))
    p = mapping.add_parser("preview", parents=[common], help="first rows of the transformation")
    p.add_argument("ref")
    p.add_argument("--rows", type=int, default=20, help="how many rows (default 20)")
    p.set_defaults(handler=as_user(_preview))
