"""E-mail when a job has failed for good (after its retries), as Airflow's email_on_failure.

Configured in Admin › Configuration (NOTIFY.*): the SMTP server, the sender and the
recipients. Nothing is sent while NOTIFY.SMTP_HOST or NOTIFY.FAILURE_TO is empty. Port 465
speaks TLS from the start; any other port upgrades with STARTTLS when the server offers it.
A login uses NOTIFY.SMTP_USER and the password in the environment variable
DMS_SMTP_PASSWORD of the scheduler's process, so no mail password is stored in the metadata
database. A mail that cannot be sent is logged and never changes the run's outcome.
"""

from __future__ import annotations

import logging
import os
import smtplib
import socket
import ssl
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import formatdate, getaddresses, make_msgid
from typing import Any

from sqlalchemy import select

from dms_desktop.core.admin.config import setting
from dms_desktop.core.errors import DmsError
from dms_desktop.core.metadata.tables import dms_job, dms_prcreq
from dms_desktop.core.security.permissions import CurrentUser
from dms_desktop.core.workspace import Workspace

log = logging.getLogger(__name__)

PASSWORD_ENV = "DMS_SMTP_PASSWORD"
TIMEOUT_S = 10  # a slow or silent server holds a worker this long at most
SSL_PORT = 465


@dataclass(frozen=True)
class MailSettings:
    host: str
    port: int
    sender: str
    user: str
    recipients: tuple[str, ...]


def mail_settings(ws: Workspace, to: str | None = None) -> MailSettings | None:
    """The configured server, mailing ``to`` (else NOTIFY.FAILURE_TO); None when no server
    or no recipient is set (failure mail is off)."""
    host = str(setting(ws, "NOTIFY.SMTP_HOST")).strip()
    recipients = addresses(to if to is not None else str(setting(ws, "NOTIFY.FAILURE_TO")))
    if not host or not recipients:
        return None
    return MailSettings(
        host=host,
        port=int(setting(ws, "NOTIFY.SMTP_PORT")),
        sender=str(setting(ws, "NOTIFY.SMTP_FROM")).strip(),
        user=str(setting(ws, "NOTIFY.SMTP_USER")).strip(),
        recipients=recipients,
    )


def addresses(text: str) -> tuple[str, ...]:
    """``a@x.org, Ops <ops@x.org>; b@y.org`` -> the addresses (commas or semicolons)."""
    found = getaddresses([text.replace(";", ",")])
    return tuple(address for _name, address in found if "@" in address)


def send(config: MailSettings, message: EmailMessage) -> None:
    """Deliver ``message``; DmsError in plain words when the server cannot be used."""
    message["From"] = config.sender
    message["To"] = ", ".join(config.recipients)
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain=config.sender.rpartition("@")[2] or None)
    where = f"{config.host}:{config.port}"
    try:
        server: smtplib.SMTP
        if config.port == SSL_PORT:
            server = smtplib.SMTP_SSL(
                config.host, config.port, timeout=TIMEOUT_S, context=ssl.create_default_context()
            )
        else:
            server = smtplib.SMTP(config.host, config.port, timeout=TIMEOUT_S)
        with server:
            server.ehlo()
            if config.port != SSL_PORT and server.has_extn("starttls"):
                server.starttls(context=ssl.create_default_context())
                server.ehlo()
            if config.user:
                server.login(config.user, os.environ.get(PASSWORD_ENV, ""))
            server.send_message(message)
    except smtplib.SMTPAuthenticationError as exc:
        raise DmsError(
            f"The mail server {where} refused the login of {config.user}: check "
            f"NOTIFY.SMTP_USER and {PASSWORD_ENV}."
        ) from exc
    except smtplib.SMTPRecipientsRefused as exc:
        refused = ", ".join(exc.recipients)
        raise DmsError(f"The mail server {where} refused the recipients {refused}.") from exc
    except smtplib.SMTPSenderRefused as exc:
        raise DmsError(
            f"The mail server {where} refused the sender {config.sender}: check NOTIFY.SMTP_FROM."
        ) from exc
    except (smtplib.SMTPException, OSError) as exc:
        reason = "it did not answer in time" if isinstance(exc, socket.timeout) else str(exc)
        raise DmsError(f"Could not send mail through {where}: {reason}.") from exc


def failure_mail(request: dict[str, Any]) -> EmailMessage:
    """The mail for a failed DMS_PRCREQ row (joined with its job's name as ``jobnm``)."""
    job = request.get("jobnm") or f"#{request.get('jobid')}"
    run_date = request.get("scheduled_for")
    when = f"{run_date:%Y-%m-%d %H:%M} UTC" if isinstance(run_date, datetime) else "unknown"
    asked = f", asked by {request['requested_by']}" if request.get("requested_by") else ""
    mail = EmailMessage()
    mail["Subject"] = f"DMS Desktop: job {job} failed (run date {when})"
    mail.set_content(
        "\n".join(
            [
                f"Job {job} failed after attempt {request.get('attempt')} of "
                f"{request.get('max_attempts')}; no retries are left.",
                "",
                f"Request: {request.get('prcreqid')} ({str(request.get('reqtyp')).lower()}{asked})",
                f"Run date: {when}",
                "",
                "What went wrong:",
                str(request.get("message") or "no message"),
                "",
                "The target tables are as they were before the failed run. See the Monitor in "
                f"DMS Desktop, or 'dms job history {job}'; after the fix, 'dms job run {job}' "
                "runs it again.",
            ]
        )
    )
    return mail


def notify_failure(ws: Workspace, prcreqid: int) -> bool:
    """Mail the recipients that request ``prcreqid`` failed for good. True when a mail went
    out; never raises (the run has already been recorded as failed)."""
    try:
        config = mail_settings(ws)
        if config is None:
            return False
        with ws.engine.connect() as conn:
            request = (
                conn.execute(
                    select(dms_prcreq, dms_job.c.jobnm)
                    .outerjoin(dms_job, dms_job.c.jobid == dms_prcreq.c.jobid)
                    .where(dms_prcreq.c.prcreqid == prcreqid)
                )
                .mappings()
                .first()
            )
        if request is None:
            return False
        send(config, failure_mail(dict(request)))
    except DmsError as exc:
        log.warning("Failure mail for request %s not sent: %s", prcreqid, exc.message)
        return False
    except Exception:  # noqa: BLE001 - a mail problem never stops the scheduler
        log.exception("Failure mail for request %s not sent", prcreqid)
        return False
    log.info("Failure mail for request %s sent to %s", prcreqid, ", ".join(config.recipients))
    return True


def send_test(ws: Workspace, actor: CurrentUser, to: str | None = None) -> tuple[str, ...]:
    """A test mail to ``to`` (else the failure recipients); the addresses it went to. Needs
    the Edit right in Admin, like the settings it checks."""
    actor.require("admin", "edit")
    config = mail_settings(ws, to)
    if config is None and not str(setting(ws, "NOTIFY.SMTP_HOST")).strip():
        raise DmsError(
            "No mail server: set NOTIFY.SMTP_HOST (Admin › Configuration or "
            "'dms param set NOTIFY.SMTP_HOST smtp.example.com')."
        )
    if config is None:
        raise DmsError(
            "No recipient: give --to ADDRESS or set NOTIFY.FAILURE_TO (addresses separated by "
            "commas)."
        )
    mail = EmailMessage()
    mail["Subject"] = "DMS Desktop: test mail"
    mail.set_content(
        "This is a test of the failure mail of DMS Desktop. When a job fails after its "
        "retries, a mail like this one names the job, the run and the error."
    )
    send(config, mail)
    return config.recipients
