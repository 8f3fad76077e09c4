"""``dms report …`` (definitions, runs, exports) and ``dms dashboard`` (the KPI figures)."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from dms_desktop.commands.base import as_user
from dms_desktop.core.dashboard import dashboard
from dms_desktop.core.errors import ValidationError
from dms_desktop.core.reports import ReportService, export_report
from dms_desktop.core.reports.model import (
    FORMATS,
    ReportDef,
    columns_from_json,
    params_from_json,
    template_from_json,
)
from dms_desktop.core.security.permissions import CurrentUser
from dms_desktop.core.workspace import Workspace


def _list(ws: Workspace, user: CurrentUser, _args: argparse.Namespace) -> list[dict[str, Any]]:
    return [
        {
            "name": r.name,
            "builtin": r.builtin,
            "version": r.version,
            "parameters": [p.name for p in r.params],
            "description": r.description,
        }
        for r in ReportService(ws, user).list()
    ]


def _show(ws: Workspace, user: CurrentUser, args: argparse.Namespace) -> dict[str, Any]:
    found = ReportService(ws, user).get(args.name, args.version)
    data = asdict(found)
    data["updated"] = found.updated.isoformat(sep=" ") if found.updated else None
    return data


def _pairs(values: list[str] | None) -> dict[str, str]:
    params: dict[str, str] = {}
    for item in values or []:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise ValidationError(f"--param takes NAME=VALUE, not '{item}'.")
        params[name.strip()] = value
    return params


def _run(ws: Workspace, user: CurrentUser, args: argparse.Namespace) -> dict[str, Any]:
    out = Path(args.out)
    fmt = (args.format or out.suffix.lstrip(".")).lower()
    if fmt not in FORMATS:
        raise ValidationError("Give --format csv, xlsx or pdf (or an --out ending in one).")
    result = export_report(ws, user, args.name, _pairs(args.param), fmt, out)
    return {
        "report": args.name,
        "rows": result.rows,
        "file": str(result.path),
        "seconds": round(result.elapsed, 3),
    }


def _save(ws: Workspace, user: CurrentUser, args: argparse.Namespace) -> dict[str, Any]:
    """A definition from a JSON file shaped like ``dms report show --json`` prints."""
    try:
        data = json.loads(Path(args.file).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValidationError(f"Cannot read a report definition from {args.file}: {exc}.") from exc
    if not isinstance(data, dict) or "name" not in data or "sql" not in data:
        raise ValidationError(f"{args.file} is not a report definition (name and sql needed).")
    defn = ReportDef(
        name=str(data["name"]),
        sql=str(data["sql"]),
        description=data.get("description"),
        conid=data.get("conid"),
        params=params_from_json(json.dumps(data.get("params") or [])),
        columns=columns_from_json(json.dumps(data.get("columns") or [])),
        template=template_from_json(json.dumps(data.get("template") or {})),
        output_folder=data.get("output_folder"),
        file_pattern=data.get("file_pattern"),
        output_format=data.get("output_format"),
    )
    saved = ReportService(ws, user).save(defn)
    return {"name": saved.name, "version": saved.version}


def _delete(ws: Workspace, user: CurrentUser, args: argparse.Namespace) -> dict[str, Any]:
    ReportService(ws, user).delete(args.name)
    return {"name": args.name, "deleted": True}


def _dashboard(ws: Workspace, user: CurrentUser, args: argparse.Namespace) -> Any:
    board = dashboard(ws, user, period_days=args.days, job=args.job, status=args.status)
    if getattr(args, "json", False):
        return board.to_dict()
    k = board.kpis
    rate = f"{k.success_rate:.1%}" if k.success_rate is not None else "-"
    median = f"{k.median_seconds:,.1f} s" if k.median_seconds is not None else "-"
    print(f"Last {board.period_days} days (since {board.since:%Y-%m-%d %H:%M} UTC)")
    for label, value in (
        ("Runs today", f"{k.runs_today:,}"),
        ("Runs", f"{k.runs:,}"),
        ("Success rate", rate),
        ("Failures", f"{k.failures:,}"),
        ("Rows loaded", f"{k.rows_loaded:,}"),
        ("Median duration", median),
    ):
        print(f"  {label:<16} {value}")
    for title, jobs in (("Slowest", board.slowest), ("Most failing", board.failing)):
        if jobs:
            print(f"{title}:")
        for j in jobs[:5]:
            figure = f"{j.failures} failed" if title != "Slowest" else f"{j.median_seconds} s"
            print(f"  {j.job:<30} {figure}")
    return None


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    report = sub.add_parser("report", help="report definitions and exports").add_subparsers(
        dest="report_command", required=True, metavar="ACTION"
    )
    p = report.add_parser("list", parents=[common], help="list reports (built-in and saved)")
    p.set_defaults(handler=as_user(_list))
    p = report.add_parser("show", parents=[common], help="show a report definition")
    p.add_argument("name")
    p.add_argument("--version", type=int)
    p.set_defaults(handler=as_user(_show))
    p = report.add_parser("run", parents=[common], help="run a report into a file")
    p.add_argument("name")
    p.add_argument("--param", action="append", metavar="NAME=VALUE", help="repeatable")
    p.add_argument("--format", choices=FORMATS)
    p.add_argument("--out", required=True, metavar="FILE")
    p.set_defaults(handler=as_user(_run))
    p = report.add_parser("save", parents=[common], help="save a definition from a JSON file")
    p.add_argument("file")
    p.set_defaults(handler=as_user(_save))
    p = report.add_parser("delete", parents=[common], help="delete a saved report")
    p.add_argument("name")
    p.set_defaults(handler=as_user(_delete))

    p = sub.add_parser("dashboard", parents=[common], help="run figures of the last days")
    p.add_argument("--days", type=int, default=30)
    p.add_argument("--job", help="a job name or mapping reference")
    p.add_argument("--status", help="SUCCESS, FAILED, CANCELLED or RUNNING")
    p.set_defaults(handler=as_user(_dashboard))
