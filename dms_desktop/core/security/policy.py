"""Password policy: length over composition (NIST SP 800-63B), no reuse of recent passwords."""

from __future__ import annotations

from collections.abc import Iterable

from dms_desktop.core.errors import ValidationError
from dms_desktop.core.security.passwords import verify_password

MIN_LENGTH = 12
MAX_LENGTH = 256
HISTORY_DEPTH = 5
PASSWORD_POLICY_TEXT = (
    f"At least {MIN_LENGTH} characters; not your user name; "
    f"not one of your last {HISTORY_DEPTH} passwords. A long phrase is best."
)


def check_password(username: str, password: str, recent_hashes: Iterable[str] = ()) -> None:
    """Raise ValidationError naming the first rule the password breaks."""
    if len(password) < MIN_LENGTH:
        raise ValidationError(f"The password is too short: use at least {MIN_LENGTH} characters.")
    if len(password) > MAX_LENGTH:
        raise ValidationError(f"The password is too long: use at most {MAX_LENGTH} characters.")
    if username and username.casefold() in password.casefold():
        raise ValidationError("The password must not contain the user name.")
    if len(set(password)) < 4:
        raise ValidationError("The password repeats too few characters: use a phrase.")
    for old in recent_hashes:
        if verify_password(old, password):
            raise ValidationError(
                f"This password was used recently: choose one not among your last {HISTORY_DEPTH}."
            )
