"""``dms job …`` and ``dms scheduler status``."""

from __future__ import annotations

import argparse
import time
from dataclasses import replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dms_desktop.commands.base import as_user
from dms_desktop.core.errors import DmsError, ValidationError
from dms_desktop.core.jobs import frequency, queue
from dms_desktop.core.jobs.service import JobService, ScheduleSpec
from dms_desktop.core.metadata.tables import dms_prcreq
from dms_desktop.core.scheduler.service import SchedulerService, ServiceOptions, services
from dms_desktop.core.security.permissions import CurrentUser
from dms_desktop.core.workspace import Workspace


class RunFailedExit(DmsError):
    """``job run --wait`` on a run that did not succeed."""


def _date(text: str | None, zone: str, end: bool = False) -> datetime | None:
    """A date or time given in the schedule's zone, as the naive UTC the core keeps; an end
    date without a time means the end of that day (23:59), as in the schedule editor."""
    if not text:
        return None
    try:
        local = datetime.fromisoformat(text)
    except ValueError:
        raise ValidationError(f"{text!r} is not a date: use YYYY-MM-DD[ HH:MM].") from None
    if end and len(text.strip()) == 10:
        local = local.replace(hour=23, minute=59)
    try:
        tz = ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError(f"Unknown time zone {zone!r}: use an IANA name.") from None
    return frequency.to_utc(local, tz)


def _spec(args: argparse.Namespace, default_zone: str) -> ScheduleSpec:
    zone = args.timezone or default_zone
    return ScheduleSpec(
        frequency=args.freq,
        day=args.day if args.day is not None else args.weekday,
        hour=args.hour,
        minute=args.minute,
        months=args.month,
        every_minutes=args.every_minutes,
        start=_date(args.start, zone),
        end=_date(args.end, zone, end=True),
        zone=args.timezone,
        after=args.after,
    )


def _info(job: Any) -> dict[str, Any]:
    return {
        "job": job.name,
        "description": job.description,
        "kind": job.kind,
        "runs": job.steps_text,
        "mappings": list(job.mappings),
        "schedule": job.rule_text,
        "enabled": job.enabled,
        "next_run": job.next_run,
        "last_status": job.last_status,
        "retries": job.retries,
        "retry_delay": job.retry_delay,
    }


def _create(ws: Workspace, user: CurrentUser, args: argparse.Namespace) -> dict[str, Any]:
    kinds = [k for k in (args.ref, args.report, args.upload) if k]
    if len(kinds) != 1:
        raise ValidationError(
            "Give one thing for the job to run: a mapping (REF [--then REF…]), "
            "--report NAME or --upload DEFINITION."
        )
    if args.file and not args.upload:
        raise ValidationError("--file goes with --upload: the file or pattern to load.")
    common: dict[str, Any] = dict(
        description=args.description,
        retries=args.retries,
        retry_delay=args.retry_delay,
        schedule=_spec(args, ws.settings.timezone),
    )
    jobs = JobService(ws, user)
    name = args.name or kinds[0]
    if args.report:
        return _info(jobs.create_report_job(name, args.report, **common))
    if args.upload:
        return _info(jobs.create_upload_job(name, args.upload, args.file, **common))
    return _info(jobs.create(name, [args.ref, *(args.then or [])], **common))


def _set(ws: Workspace, user: CurrentUser, args: argparse.Namespace) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    if args.retries is not None:
        changes["retries"] = args.retries
    if args.retry_delay is not None:
        changes["retry_delay"] = (
            None
            if args.retry_delay.lower() == "default"
            else _int(args.retry_delay, "--retry-delay")
        )
    if args.steps is not None:
        changes["steps"] = [s.strip() for s in args.steps.split(",") if s.strip()]
    if args.description is not None:
        changes["description"] = args.description
    if not changes:
        raise ValidationError(
            "Nothing to change: give --retries, --retry-delay, --steps or --description."
        )
    return _info(JobService(ws, user).edit(args.job, **changes))


def _schedule(ws: Workspace, user: CurrentUser, args: argparse.Namespace) -> dict[str, Any]:
    """The whole schedule is replaced (as the schedule editor saves it); enabled stays as it was."""
    given = bool(args.freq or args.after)
    if given == bool(args.manual):
        raise ValidationError(
            "Give the new schedule (--freq … and/or --after JOB), or --manual for a job that "
            "runs only on demand (Run now, dms job run)."
            if not given
            else "--manual means no schedule: leave out --freq and --after."
        )
    jobs = JobService(ws, user)
    current = jobs.get(args.job)
    spec = replace(_spec(args, ws.settings.timezone), enabled=current.enabled)
    return _info(jobs.set_schedule(current.name, spec))


def _int(text: str, what: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise ValidationError(f"{what} takes whole seconds or 'default' (got {text!r}).") from None


def _cancel(ws: Workspace, user: CurrentUser, args: argparse.Namespace) -> dict[str, Any]:
    return {"request": args.request, "status": JobService(ws, user).cancel(args.request)}


def _list(ws: Workspace, user: CurrentUser, _args: argparse.Namespace) -> list[dict[str, Any]]:
    return [_info(j) for j in JobService(ws, user).list_jobs()]


def _enable(ws: Workspace, user: CurrentUser, args: argparse.Namespace) -> dict[str, Any]:
    return _info(JobService(ws, user).set_enabled(args.job, args.job_command == "enable"))


def _delete(ws: Workspace, user: CurrentUser, args: argparse.Namespace) -> dict[str, Any]:
    JobService(ws, user).delete(args.job)
    return {"deleted": args.job}


def _history(ws: Workspace, user: CurrentUser, args: argparse.Namespace) -> list[Any]:
    return JobService(ws, user).history(args.job, args.limit)


def _run(ws: Workspace, user: CurrentUser, args: argparse.Namespace) -> dict[str, Any]:
    jobs = JobService(ws, user)
    prcreqid = jobs.run_now(args.job)
    if not args.wait:
        return {"queued": prcreqid, "job": args.job}
    if not any(s["alive"] for s in services(ws)):
        # Nobody would pick it up: run the queue here, as `dms-scheduler --once` would.
        SchedulerService(ws, ServiceOptions(use_clock=False)).drain()
    while True:
        with ws.engine.connect() as conn:
            row = (
                conn.execute(dms_prcreq.select().where(dms_prcreq.c.prcreqid == prcreqid))
                .mappings()
                .one()
            )
        if row["status"] in (queue.DONE, queue.FAILED, queue.CANCELLED):
            break
        time.sleep(0.5)
    if row["status"] != queue.DONE:
        raise RunFailedExit(f"{args.job} {row['status']}: {row['message']}")
    return {
        "job": args.job,
        "request": prcreqid,
        "status": row["status"],
        "message": row["message"],
    }


def _status(ws: Workspace, user: CurrentUser, _args: argparse.Namespace) -> dict[str, Any]:
    user.require("monitor", "view")
    with ws.engine.connect() as conn:
        running = (
            conn.execute(dms_prcreq.select().where(dms_prcreq.c.status.in_(queue.ACTIVE)))
            .mappings()
            .all()
        )
    return {
        "services": services(ws),
        "queue": queue.depth(ws),
        "running": [
            {
                "request": r["prcreqid"],
                "job": r["jobid"],
                "worker": r["worker"],
                "since": r["claimed_at"],
            }
            for r in running
        ],
    }


def _schedule_arguments(p: argparse.ArgumentParser) -> None:
    """The schedule's fields, the same for ``job create`` and ``job schedule``."""
    p.add_argument("--freq", choices=["YR", "HY", "QT", "MN", "FN", "WK", "DL", "ID"])
    p.add_argument("--month", help="month(s): YR 1-12, HY a pair like 1,7, QT the first month")
    p.add_argument("--day", help="day of month 1-31 or L (last); weekday for WK/FN")
    p.add_argument("--weekday", help="MON … SUN (WK, FN)")
    p.add_argument("--hour", type=int)
    p.add_argument("--minute", type=int)
    p.add_argument("--every-minutes", type=int, help="ID: the interval")
    p.add_argument("--start", help="YYYY-MM-DD[ HH:MM] in the schedule's time zone")
    p.add_argument("--end", help="YYYY-MM-DD[ HH:MM] in the schedule's time zone")
    p.add_argument("--timezone", help="IANA zone (default DMS_TIMEZONE)")
    p.add_argument("--after", help="run after this job succeeds")


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    job = sub.add_parser("job", help="jobs and their schedules").add_subparsers(
        dest="job_command", required=True, metavar="ACTION"
    )
    p = job.add_parser(
        "create",
        parents=[common],
        help="a job running mappings, a report or an upload, with a schedule",
    )
    p.add_argument("ref", nargs="?", help="the mapping to run")
    p.add_argument("--then", nargs="*", help="further mappings, run in sequence after REF")
    p.add_argument("--report", help="instead of mappings: render this report to its output")
    p.add_argument("--upload", help="instead of mappings: run this upload definition")
    p.add_argument("--file", help="--upload: file or pattern, its newest match is loaded")
    p.add_argument("--name", help="job name (default: the mapping, report or upload name)")
    p.add_argument("--description", help="what the job is for")
    _schedule_arguments(p)
    p.add_argument("--retries", type=int, default=0)
    p.add_argument("--retry-delay", type=int, help="seconds before the first retry")
    p.set_defaults(handler=as_user(_create))
    p = job.add_parser("set", parents=[common], help="change a job's retries or mappings")
    p.add_argument("job")
    p.add_argument("--retries", type=int, help="retries after a failed run (0-10)")
    p.add_argument("--retry-delay", help="seconds before the first retry, doubling; 'default' = 30")
    p.add_argument("--steps", help="the mappings to run, in order: REF,REF,…")
    p.add_argument("--description", help="what the job is for ('' clears it)")
    p.set_defaults(handler=as_user(_set))
    p = job.add_parser(
        "schedule", parents=[common], help="replace a job's schedule or the job it runs after"
    )
    p.add_argument("job")
    _schedule_arguments(p)
    p.add_argument("--manual", action="store_true", help="no schedule: run only on demand")
    p.set_defaults(handler=as_user(_schedule))
    p = job.add_parser("cancel", parents=[common], help="cancel a queued or running request")
    p.add_argument("request", type=int, help="the request id (dms job history JOB)")
    p.set_defaults(handler=as_user(_cancel))
    p = job.add_parser("list", parents=[common], help="jobs with next run and last status")
    p.set_defaults(handler=as_user(_list))
    for action in ("enable", "disable"):
        p = job.add_parser(action, parents=[common], help=f"{action} a job's schedule")
        p.add_argument("job")
        p.set_defaults(handler=as_user(_enable))
    p = job.add_parser("delete", parents=[common], help="delete a job")
    p.add_argument("job")
    p.set_defaults(handler=as_user(_delete))
    p = job.add_parser("run", parents=[common], help="queue a run now")
    p.add_argument("job")
    p.add_argument("--wait", action="store_true", help="block until done; exit with its status")
    p.set_defaults(handler=as_user(_run))
    p = job.add_parser("history", parents=[common], help="a job's runs")
    p.add_argument("job")
    p.add_argument("--limit", type=int, default=20)
    p.set_defaults(handler=as_user(_history))
    sch = sub.add_parser("scheduler", help="the scheduler services").add_subparsers(
        dest="scheduler_command", required=True, metavar="ACTION"
    )
    p = sch.add_parser("status", parents=[common], help="services alive, queue, running")
    p.set_defaults(handler=as_user(_status))
