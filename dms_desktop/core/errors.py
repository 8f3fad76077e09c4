"""User-facing errors.

Two kinds of failure exist (the qutebrowser split): *known* ones, caused by the environment
or the user's input, raised as a ``DmsError`` whose ``message`` is one line saying what is
wrong and what to do; and *bugs*, anything else, which are logged with their traceback.
``to_user_error`` is the one place that maps driver errors onto the known kinds.
"""

from __future__ import annotations

import re
from datetime import datetime


class DmsError(Exception):
    """A known failure with a one-line message for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ConfigError(DmsError):
    """A setting is invalid."""


class MetadataUnavailable(DmsError):
    """The metadata database cannot be reached, opened or written."""


class ValidationError(DmsError):
    """Input refused by a rule (policy, name, value)."""


class NotFound(DmsError):
    """A named object does not exist."""


class AlreadyExists(DmsError):
    """A name or key is already taken."""


class PermissionDenied(DmsError):
    """The current user's roles do not allow the action."""


class AuthError(DmsError):
    """Base of the login failures."""


class InvalidCredentials(AuthError):
    def __init__(self) -> None:
        super().__init__("Wrong user name or password.")


class AccountLocked(AuthError):
    def __init__(self, username: str, until: datetime | None) -> None:
        when = f" until {until:%Y-%m-%d %H:%M} UTC" if until else ""
        super().__init__(
            f"Account '{username}' is locked{when} after too many failed logins; "
            "wait, or ask an administrator to unlock it (dms user unlock)."
        )
        self.until = until


class AccountDisabled(AuthError):
    def __init__(self, username: str) -> None:
        super().__init__(f"Account '{username}' is disabled; ask an administrator to enable it.")


class PasswordExpired(AuthError):
    def __init__(self, username: str) -> None:
        super().__init__(f"The password of '{username}' has expired; choose a new one.")
        self.username = username


def to_user_error(exc: BaseException) -> DmsError | None:
    """Map a driver/OS error onto a known error, or return None when it is a bug."""
    if isinstance(exc, DmsError):
        return exc
    from sqlalchemy import exc as sa_exc

    if isinstance(exc, sa_exc.OperationalError | sa_exc.InterfaceError):
        return MetadataUnavailable(describe_db_error(exc))
    if isinstance(exc, sa_exc.DatabaseError):
        text = describe_db_error(exc)
        if "readonly" in text.lower() or "read-only" in text.lower():
            return MetadataUnavailable(text)
        return MetadataUnavailable(text)
    if isinstance(exc, PermissionError | FileNotFoundError | IsADirectoryError):
        return MetadataUnavailable(f"{exc.strerror or exc}: {exc.filename}")
    return None


class ConnectionFailed(DmsError):
    """A source/target database cannot be reached or refused the login."""


# (needle in the lower-cased driver message, plain words); first match wins.
_HINTS: tuple[tuple[str, str], ...] = (
    ("could not translate host name", "Unknown host: check the host name."),
    ("name or service not known", "Unknown host: check the host name."),
    ("temporary failure in name resolution", "Unknown host: check the host name."),
    ("nodename nor servname", "Unknown host: check the host name."),
    ("getaddrinfo failed", "Unknown host: check the host name."),
    (
        "connection refused",
        "Connection refused: nothing listens on that host and port "
        "(is the database server running?).",
    ),
    ("timeout expired", "Connection timed out: check host, port and firewall."),
    ("timed out", "Connection timed out: check host, port and firewall."),
    ("password authentication failed", "Wrong database user or password."),
    ("access denied for user", "Wrong database user or password."),
    ("ora-01017", "Wrong database user or password."),
    (
        "could not serialize access",
        "Another session changed the same rows while this ran, so nothing was changed: "
        "run the load again.",
    ),
    ("no password supplied", "The database asks for a password: enter one."),
    ("unknown database", "The database does not exist on the server: check its name."),
    ("ora-12514", "The listener does not know that Oracle service name: check the service."),
    (
        "attempt to write a readonly database",
        "The database file is read-only: make it writable or choose another file.",
    ),
    (
        "file is not a database",
        "The file is not a SQLite database (corrupt or another kind "
        "of file): restore a backup or choose another file.",
    ),
    (
        "database disk image is malformed",
        "The database file is corrupt: restore a backup "
        "(the *.bak-* copies beside a workspace) or choose another file.",
    ),
    (
        "unable to open database file",
        "Cannot open the database file: check that it exists, "
        "is readable and its folder is writable.",
    ),
)


def describe_db_error(exc: BaseException) -> str:
    """One line, in plain words, from a DBAPI error (never the statement or its values)."""
    orig = getattr(exc, "orig", None) or exc
    raw = " ".join(str(orig).split())
    low = raw.lower()
    missing_db = re.search(r'database "([^"]+)" does not exist', raw)
    if missing_db:
        return f"Database '{missing_db.group(1)}' does not exist on the server: check its name."
    for needle, hint in _HINTS:
        if needle in low:
            return hint
    return raw.split(" DETAIL:")[0][:300]
