"""The typed registry of every workspace parameter the product reads (DMS_PARAMS).

A parameter is a row of DMS_PARAMS keyed ``(PRTYP, PRCD)``, written ``GROUP.CODE`` here. The
registry gives each one a type, a default, bounds and a description, so the editor, the CLI
and the readers agree on one meaning. No row means the default: a workspace stores only what
an administrator changed, and a later release may improve a default without a migration.

Readers call ``setting(source, "GROUP.CODE")``: a stored value that no longer parses (edited
by hand in the database) falls back to the default with a warning in the log, so a bad row
never stops a login or a load.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from difflib import SequenceMatcher
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, select, tuple_

from dms_desktop.core.errors import NotFound, ValidationError
from dms_desktop.core.metadata.tables import dms_params

if TYPE_CHECKING:
    from dms_desktop.core.workspace import Workspace

log = logging.getLogger(__name__)

INT, BOOL, TEXT, DATE, PATH = "int", "bool", "text", "date", "path"
_TRUE = {"1", "true", "yes", "y", "on"}
_FALSE = {"0", "false", "no", "n", "off"}


@dataclass(frozen=True)
class Param:
    group: str  # DMS_PARAMS.PRTYP
    code: str  # DMS_PARAMS.PRCD
    kind: str  # int bool text date path
    default: Any
    title: str
    description: str
    minimum: int | None = None
    maximum: int | None = None
    unit: str = ""
    read_by: str = ""  # the part of the product that reads it

    @property
    def key(self) -> str:
        return f"{self.group}.{self.code}"

    def parse(self, text: str) -> Any:
        """The typed value of ``text``; ValidationError saying what is accepted."""
        raw = (text or "").strip()
        if self.kind == INT:
            if not re.fullmatch(r"[+-]?\d+", raw.replace("_", "").replace(",", "")):
                raise ValidationError(
                    f"{self.key} takes a whole number{self._range()}, not {raw!r}."
                )
            value = int(raw.replace("_", "").replace(",", ""))
            if (self.minimum is not None and value < self.minimum) or (
                self.maximum is not None and value > self.maximum
            ):
                raise ValidationError(
                    f"{self.key} must be{self._range()}; {value} is out of range."
                )
            return value
        if self.kind == BOOL:
            if raw.lower() in _TRUE:
                return True
            if raw.lower() in _FALSE:
                return False
            raise ValidationError(f"{self.key} takes yes or no, not {raw!r}.")
        if self.kind == DATE:
            try:
                return date.fromisoformat(raw)
            except ValueError:
                raise ValidationError(
                    f"{self.key} takes a date as YYYY-MM-DD, not {raw!r}."
                ) from None
        if self.kind == PATH:
            if raw and not Path(raw).expanduser().is_absolute():
                raise ValidationError(f"{self.key} takes an absolute folder path, not {raw!r}.")
            if len(raw) > 1000:
                raise ValidationError(f"{self.key} is longer than 1000 characters.")
            return raw
        if len(raw) > 4000:
            raise ValidationError(f"{self.key} is longer than 4000 characters.")
        return raw

    def format(self, value: Any) -> str:
        """The stored text of a typed value (the inverse of ``parse``)."""
        if self.kind == BOOL:
            return "yes" if value else "no"
        if self.kind == DATE:
            return value.isoformat() if isinstance(value, date) else str(value)
        return str(value)

    def _range(self) -> str:
        if self.minimum is not None and self.maximum is not None:
            return f" from {self.minimum:,} to {self.maximum:,}"
        if self.minimum is not None:
            return f" of at least {self.minimum:,}"
        return ""


REGISTRY: tuple[Param, ...] = (
    Param(
        "SECURITY", "PASSWORD_MIN_LENGTH", INT, 12, "Minimum password length",
        "Passwords shorter than this are refused (NIST SP 800-63B favours length).",
        8, 128, "characters", "login and user administration",
    ),
    Param(
        "SECURITY", "PASSWORD_MIN_CLASSES", INT, 0, "Character classes required",
        "How many of lower case, upper case, digits and symbols a password must mix "
        "(0 = any; length matters more).",
        0, 4, "classes", "login and user administration",
    ),
    Param(
        "SECURITY", "PASSWORD_HISTORY", INT, 5, "Password history",
        "A new password may not be one of this many previous passwords (0 = no check).",
        0, 24, "passwords", "login and user administration",
    ),
    Param(
        "SECURITY", "PASSWORD_MAX_DAYS", INT, 0, "Password lifetime",
        "Days after which a password must be changed at the next login (0 = never).",
        0, 3650, "days", "login",
    ),
    Param(
        "SECURITY", "LOCKOUT_THRESHOLD", INT, 5, "Lockout threshold",
        "Failed logins in a row that lock the account.",
        1, 100, "attempts", "login",
    ),
    Param(
        "SECURITY", "LOCKOUT_MINUTES", INT, 15, "Lockout duration",
        "How long a locked account stays locked (an administrator can unlock it sooner).",
        1, 1440, "minutes", "login",
    ),
    Param(
        "SESSION", "IDLE_TIMEOUT_MIN", INT, 15, "Idle lock",
        "Minutes without keyboard or mouse input after which the window locks behind a "
        "password prompt; unsaved work and running loads are kept (0 = never).",
        0, 1440, "minutes", "desktop window",
    ),
    Param(
        "ENGINE", "SCD2_HIGH_DATE", DATE, date(9999, 12, 31), "SCD2 high date",
        "TODT of the current version of a type 2 dimension row.",
        read_by="load engine",
    ),
    Param(
        "ENGINE", "DEFAULT_BATCH_SIZE", INT, 10_000, "Default batch size",
        "Rows per chunk when a mapping sets no BLKPRCROWS.",
        1_000, 1_000_000, "rows", "load engine",
    ),
    Param(
        "SCHEDULER", "GRACE_SECONDS", INT, 3600, "Missed-firing grace window",
        "A firing missed while no scheduler ran is still queued when at most this late; "
        "older ones are logged as missed.",
        0, 7 * 86_400, "seconds", "scheduler service",
    ),
    Param(
        "NOTIFY", "SMTP_HOST", TEXT, "", "Mail server",
        "SMTP server for failure mails (empty: no mail). Port 465 is TLS; other ports use "
        "STARTTLS when offered.",
        read_by="scheduler service",
    ),
    Param(
        "NOTIFY", "SMTP_PORT", INT, 25, "Mail server port",
        "25, 587 (STARTTLS) or 465 (TLS).",
        1, 65_535, "", "scheduler service",
    ),
    Param(
        "NOTIFY", "SMTP_FROM", TEXT, "dms-desktop@localhost", "Mail sender",
        "The From address of failure mails.",
        read_by="scheduler service",
    ),
    Param(
        "NOTIFY", "SMTP_USER", TEXT, "", "Mail login",
        "User name for the mail server (empty: no login); the password is read from "
        "DMS_SMTP_PASSWORD in the scheduler's environment, never stored.",
        read_by="scheduler service",
    ),
    Param(
        "NOTIFY", "FAILURE_TO", TEXT, "", "Failure mail recipients",
        "Addresses mailed when a job fails after its retries, separated by commas "
        "(empty: no mail).",
        read_by="scheduler service",
    ),
    Param(
        "REPORTS", "OUTPUT_FOLDER", PATH, "", "Report output folder",
        "Where scheduled reports without a folder of their own are written (empty: none).",
        read_by="report scheduler",
    ),
)  # fmt: skip
BY_KEY: dict[str, Param] = {p.key: p for p in REGISTRY}


def lookup(key: str) -> Param:
    """The parameter named ``GROUP.CODE`` (or by its code alone when that is unique)."""
    wanted = key.strip().upper()
    found = BY_KEY.get(wanted)
    if found is None:
        matches = [p for p in REGISTRY if p.code == wanted]
        found = matches[0] if len(matches) == 1 else None
    if found is None:
        # words in another order (MIN_PASSWORD_LENGTH) or one word off are the usual slips
        words = set(re.split(r"[._]", wanted))
        close = sorted(
            (k for k in BY_KEY if len(words & set(re.split(r"[._]", k))) >= len(words) - 1),
            key=lambda k: -SequenceMatcher(None, _sorted_words(wanted), _sorted_words(k)).ratio(),
        )
        hint = (
            f"did you mean {' or '.join(close[:2])}?"
            if close and len(words) > 1
            else (f"use one of {', '.join(BY_KEY)}")
        )
        raise NotFound(f"No parameter '{key}': {hint} (see 'dms param list').")
    return found


def _sorted_words(key: str) -> str:
    return "_".join(sorted(re.split(r"[._]", key)))


def _decode(param: Param, raw: str | None) -> Any:
    if raw is None:
        return param.default
    try:
        return param.parse(raw)
    except ValidationError as exc:
        log.warning("Ignoring stored %s (%s); using the default", param.key, exc.message)
        return param.default


def stored_rows(conn: Connection) -> dict[str, tuple[str | None, Any]]:
    """``key -> (stored text, recupdt or reccrdt)`` for the registry's rows that exist."""
    keys = [(p.group, p.code) for p in REGISTRY]
    rows = conn.execute(
        select(
            dms_params.c.prtyp,
            dms_params.c.prcd,
            dms_params.c.prval,
            dms_params.c.reccrdt,
            dms_params.c.recupdt,
        ).where(tuple_(dms_params.c.prtyp, dms_params.c.prcd).in_(keys))
    ).all()
    return {f"{r.prtyp}.{r.prcd}": (r.prval, r.recupdt or r.reccrdt) for r in rows}


def read_all(conn: Connection) -> dict[str, Any]:
    """Every registered parameter's typed value (defaults where nothing is stored)."""
    stored = stored_rows(conn)
    return {p.key: _decode(p, stored[p.key][0] if p.key in stored else None) for p in REGISTRY}


def setting(source: Workspace | Connection, key: str) -> Any:
    """One typed value; ``source`` is a workspace or a connection inside a transaction."""
    param = BY_KEY[key]  # a KeyError here is a bug: readers name registered keys
    if isinstance(source, Connection):
        return _read_one(source, param)
    with source.engine.connect() as conn:
        return _read_one(conn, param)


def _read_one(conn: Connection, param: Param) -> Any:
    raw = conn.execute(
        select(dms_params.c.prval).where(
            dms_params.c.prtyp == param.group, dms_params.c.prcd == param.code
        )
    ).scalar_one_or_none()
    return _decode(param, raw)


def settings_of(source: Workspace | Connection) -> Mapping[str, Any]:
    if isinstance(source, Connection):
        return read_all(source)
    with source.engine.connect() as conn:
        return read_all(conn)
