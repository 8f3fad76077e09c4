"""``dms upload FILE …`` (load a CSV, Excel or JSON file into a table) and ``dms upload-def``.

``dms upload rates.csv --connection DW --table fx_rates`` detects the file's layout, maps its
columns onto the table by name and loads it all-or-nothing; ``--create-table`` makes the
table from the inferred types, ``--definition NAME`` reruns a saved upload on a new file (a
pattern such as ``incoming/*.csv`` takes the newest match). Exit 1 with the first errors when
validation fails (nothing is loaded then).
"""

from __future__ import annotations

import argparse
import json
import shutil
import signal
import sys
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

from dms_desktop.commands.base import as_user
from dms_desktop.core.connections.service import ConnectionService
from dms_desktop.core.errors import DmsError, ValidationError
from dms_desktop.core.security.permissions import CurrentUser
from dms_desktop.core.tasks import TaskState
from dms_desktop.core.uploads import (
    MODES,
    FileOptions,
    UploadDef,
    UploadResult,
    UploadService,
    auto_map,
    describe_table,
    inspect_file,
    newest_file,
    propose_columns,
    run_upload,
)
from dms_desktop.core.uploads.target import resolve_table
from dms_desktop.core.workspace import Workspace

SHOWN = 10  # errors printed when validation fails


class UploadInvalid(DmsError):
    """The file failed validation: nothing was loaded (exit 1)."""


def _options(args: argparse.Namespace) -> FileOptions:
    return FileOptions(
        encoding=args.encoding or "",
        delimiter="\t" if args.delimiter in ("\\t", "tab", "TAB") else (args.delimiter or ""),
        sheet=args.sheet or "",
        header=not args.no_header,
        skip_rows=args.header_row - 1 if args.header_row else -1,
        null_values=tuple(args.null or ()),
        decimal="," if args.decimal_comma else "",
    )


def _adhoc(ws: Workspace, user: CurrentUser, args: argparse.Namespace, path: Path) -> UploadDef:
    """A definition made on the spot: the file's layout mapped onto the table by name."""
    if not args.connection or not args.table:
        raise ValidationError("Give --connection and --table (or --definition NAME).")
    profile = inspect_file(path, _options(args))
    connection = ConnectionService(ws, user).get(args.connection)
    engine, dialect = ConnectionService(ws, user).engine_and_dialect(args.connection)
    stored = resolve_table(engine, args.schema, args.table)
    if stored is not None:
        targets = describe_table(engine, args.schema, stored)
        columns = auto_map(profile.columns, targets, profile.guesses)
        if not columns:
            raise ValidationError(
                f"No column of {path.name} matches a column of {stored} by name: the file has "
                f"{', '.join(profile.columns[:10])}."
            )
    elif args.create_table:
        columns = propose_columns(profile, dialect)
    else:
        raise ValidationError(
            f"Table {args.table} does not exist on {connection.name}: add --create-table to "
            "make it from the file."
        )
    return UploadDef(
        name=args.save or path.stem[:100],
        conid=connection.conid,
        table=stored or args.table,
        schema=args.schema,
        columns=tuple(columns),
        options=profile.options,
        file=str(path),
        create_table=stored is None,
    )


def _with_flags(defn: UploadDef, args: argparse.Namespace) -> UploadDef:
    if args.mode:
        defn = replace(defn, mode=args.mode.upper())
    if args.skip_bad_rows is not None:
        defn = replace(defn, max_rejects=args.skip_bad_rows)
    if args.batch_rows:
        defn = replace(defn, batch_rows=args.batch_rows)
    if args.key:
        wanted = {k.lower() for k in args.key}
        names = {c.target.lower() for c in defn.columns}
        missing = sorted(wanted - names)
        if missing:
            raise ValidationError(
                f"--key {', '.join(missing)}: not a loaded column (loaded: "
                f"{', '.join(c.target for c in defn.columns)})."
            )
        defn = defn.with_columns([replace(c, key=c.target.lower() in wanted) for c in defn.columns])
    return defn


def _upload(ws: Workspace, user: CurrentUser, args: argparse.Namespace) -> Any:
    if args.definition:
        if args.connection or args.table:
            raise ValidationError("--definition brings its own connection and table: drop them.")
        defn = UploadService(ws, user).get(args.definition)
        if not (args.file or defn.file):
            raise ValidationError(f"Upload {defn.name} has no file saved: give the file to load.")
        path = newest_file(args.file or defn.file)
    else:
        if not args.file:
            raise ValidationError("Give the file to upload.")
        path = newest_file(args.file)
        defn = _adhoc(ws, user, args, path)
    defn = _with_flags(defn, args)
    state = TaskState(_progress_printer(args.progress))
    previous = signal.signal(signal.SIGINT, lambda *_: state.cancel())
    try:
        result = run_upload(
            ws, user, defn, path, state, validate_only=args.validate_only, errors_path=None
        )
    finally:
        signal.signal(signal.SIGINT, previous)
        if args.progress:
            print(file=sys.stderr)
    if args.errors and result.errors_file:
        shutil.copyfile(result.errors_file, args.errors)
        result.errors_file = str(args.errors)
    saved = None
    if args.save and result.ok and not args.definition:
        saved = UploadService(ws, user).save(replace(defn, name=args.save))
    return _report(result, args, saved)


def _progress_printer(enabled: bool):  # type: ignore[no-untyped-def]
    def show(_fraction: float, text: str) -> None:
        if enabled:
            print(f"\r{text[:70]:<70}", end="", file=sys.stderr, flush=True)

    return show


def _report(result: UploadResult, args: argparse.Namespace, saved: UploadDef | None) -> Any:
    data = result.summary()
    data["first_errors"] = [asdict(i) for i in result.errors[:SHOWN]]
    if saved is not None:
        data["saved_definition"] = saved.name
    if getattr(args, "json", False):
        print(json.dumps(data, indent=2, default=str))
    else:
        for note in result.notes:
            print(f"  {note}")
        print(result.message)
        if saved is not None:
            print(f"Saved as upload definition {saved.name} (version {saved.version}).")
    if not result.ok:
        lines = [result.message]
        if result.status == "INVALID":
            lines += [
                f"  row {i.row}, {i.column or '(row)'}: {i.value!r} {i.reason}"
                for i in result.errors[:SHOWN]
            ]
            if result.error_count > SHOWN:
                lines.append(f"  … {result.error_count - SHOWN:,} more in {result.errors_file}")
        raise UploadInvalid("\n".join(lines))
    return None


def _list(ws: Workspace, user: CurrentUser, _args: argparse.Namespace) -> list[dict[str, Any]]:
    return [
        {
            "name": d.name,
            "table": f"{d.schema}.{d.table}" if d.schema else d.table,
            "mode": d.mode,
            "file": d.file,
            "version": d.version,
            "last_run": d.last_run,
            "last_status": d.last_status,
        }
        for d in UploadService(ws, user).list()
    ]


def _show(ws: Workspace, user: CurrentUser, args: argparse.Namespace) -> dict[str, Any]:
    defn = UploadService(ws, user).get(args.name)
    data = asdict(defn)
    data["options"] = defn.options.to_json()
    return data


def _delete(ws: Workspace, user: CurrentUser, args: argparse.Namespace) -> dict[str, Any]:
    UploadService(ws, user).delete(args.name)
    return {"name": args.name, "deleted": True}


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "upload",
        parents=[common],
        help="load a CSV, Excel or JSON file into a table (validated, all-or-nothing)",
    )
    p.add_argument(
        "file",
        nargs="?",
        help="the file, or a pattern (the newest match is loaded); with --definition, "
        "default: the definition's own",
    )
    p.add_argument("--connection", metavar="NAME", help="target connection")
    p.add_argument("--table", metavar="T", help="target table")
    p.add_argument("--schema", help="schema of the table (PostgreSQL, Oracle)")
    p.add_argument("--definition", metavar="NAME", help="rerun a saved upload definition")
    p.add_argument("--create-table", action="store_true", help="create the table when missing")
    p.add_argument("--mode", choices=[m.lower() for m in MODES], help="default: append")
    p.add_argument("--key", nargs="+", metavar="COL", help="key column(s) (upsert, duplicates)")
    p.add_argument(
        "--skip-bad-rows",
        type=int,
        metavar="N",
        help="load the valid rows when at most N are bad (rejects beside the file)",
    )
    p.add_argument("--validate-only", action="store_true", help="check every row, load nothing")
    p.add_argument("--errors", type=Path, metavar="CSV", help="write every error to this file")
    p.add_argument("--save", metavar="NAME", help="save the upload as a definition when it works")
    p.add_argument("--encoding", help="file encoding (default: detected)")
    p.add_argument("--delimiter", help="CSV delimiter, e.g. ';' or tab (default: detected)")
    p.add_argument("--sheet", help="Excel sheet (default: the first)")
    p.add_argument("--header-row", type=int, metavar="N", help="row holding the header")
    p.add_argument("--no-header", action="store_true", help="the file has no header row")
    p.add_argument("--null", action="append", metavar="TEXT", help="a value read as NULL")
    p.add_argument("--decimal-comma", action="store_true", help="numbers use a decimal comma")
    p.add_argument("--batch-rows", type=int, metavar="N", help="rows per batch")
    p.add_argument("--progress", action="store_true", help="show progress on stderr")
    p.set_defaults(handler=as_user(_upload))

    defs = sub.add_parser("upload-def", help="saved upload definitions").add_subparsers(
        dest="upload_def_command", required=True, metavar="ACTION"
    )
    p = defs.add_parser("list", parents=[common], help="list upload definitions")
    p.set_defaults(handler=as_user(_list))
    p = defs.add_parser("show", parents=[common], help="show an upload definition")
    p.add_argument("name")
    p.set_defaults(handler=as_user(_show))
    p = defs.add_parser("delete", parents=[common], help="delete an upload definition")
    p.add_argument("name")
    p.set_defaults(handler=as_user(_delete))
