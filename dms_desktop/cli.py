"""The ``dms`` command: administration and automation.

Exit codes: 0 success, 1 a known failure (one line on stderr), 2 usage error, 3 a bug (the
traceback goes to the log file). Commands act as the user in DMS_USER with the password in
DMS_PASSWORD (or a prompt on a terminal); ``init`` bootstraps an empty workspace.
"""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import os
import sys
from collections.abc import Sequence
from dataclasses import asdict, is_dataclass
from datetime import datetime
from typing import Any

from dms_desktop import __version__
from dms_desktop.core.errors import DmsError
from dms_desktop.core.logs import setup_logging
from dms_desktop.core.settings import Settings, load_settings

log = logging.getLogger("dms.cli")
COMMAND_GROUPS = (
    "users",
    "connections",
    "sql",
    "mappings",
    "loads",
    "jobs",
    "reports",
    "admin",
    "uploads",
)


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
    for group in COMMAND_GROUPS:
        importlib.import_module(f"dms_desktop.commands.{group}").register(sub, common)
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
    if list(sys.argv[1:] if argv is None else argv) == ["--self-test"]:  # see selftest.py
        from dms_desktop.selftest import cli_self_test

        return cli_self_test(main)
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
    if result is None:
        pass  # the command printed its own output
    elif getattr(args, "json", False):
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
