"""User-facing errors.

Two kinds of failure exist (the qutebrowser split): *known* ones, caused by the environment
or the user's input, raised as a ``DmsError`` whose ``message`` is one line saying what is
wrong and what to do; and *bugs*, anything else, which are logged with their traceback.
``to_user_error`` is the one place that maps driver errors onto the known kinds.
"""

from __future__ import annotations

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


def describe_db_error(exc: BaseException) -> str:
    """One line, in plain words, from a DBAPI error (never the statement or its values)."""
    orig = getattr(exc, "orig", None) or exc
    raw = " ".join(str(orig).split())
    low = raw.lower()
    hints = [
        ("could not translate host name", "Unknown host: check the host name."),
        ("name or service not known", "Unknown host: check the host name."),
        ("connection refused", "Connection refused: is the database server running on that port?"),
        ("timeout expired", "Connection timed out: check host, port and firewall."),
        ("timed out", "Connection timed out: check host, port and firewall."),
        ("password authentication failed", "Wrong database user or password."),
        ("access denied", "Wrong database user or password."),
        ("does not exist", None),
        (
            "attempt to write a readonly database",
            "The workspace file is read-only: make it writable or choose another workspace.",
        ),
        (
            "file is not a database",
            "The workspace file is not a SQLite database (corrupt or "
            "another kind of file): restore a backup or choose another file.",
        ),
        (
            "database disk image is malformed",
            "The workspace file is corrupt: restore a backup "
            "(the *.bak-* copies beside it) or choose another file.",
        ),
        (
            "unable to open database file",
            "Cannot open the workspace file: check the folder exists and is writable.",
        ),
    ]
    for needle, hint in hints:
        if needle in low:
            return hint or raw.split(" DETAIL")[0]
    return raw[:300]
