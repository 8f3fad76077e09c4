"""Password policy: length over composition (NIST SP 800-63B), no reuse of recent passwords.

The numbers are workspace parameters (SECURITY.PASSWORD_*, see ``core.admin.config``); the
defaults are the constants below. ``PasswordPolicy.rules`` gives the checklist the password
dialogs show while the user types; ``check_password`` raises on the first rule broken.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import Connection

from dms_desktop.core.admin.config import settings_of
from dms_desktop.core.errors import ValidationError
from dms_desktop.core.security.passwords import verify_password

if TYPE_CHECKING:
    from dms_desktop.core.workspace import Workspace

MIN_LENGTH = 12
MAX_LENGTH = 256
HISTORY_DEPTH = 5
MIN_DISTINCT = 4
CLASS_NAMES = ("lower-case letters", "upper-case letters", "digits", "symbols or spaces")


def character_classes(password: str) -> int:
    """How many of lower case, upper case, digits and other characters ``password`` mixes."""
    return sum(
        (
            any(c.islower() for c in password),
            any(c.isupper() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        )
    )


@dataclass(frozen=True)
class PasswordPolicy:
    min_length: int = MIN_LENGTH
    min_classes: int = 0
    history: int = HISTORY_DEPTH
    max_days: int = 0

    def text(self) -> str:
        parts = [f"At least {self.min_length} characters", "not your user name"]
        if self.min_classes > 1:
            parts.append(f"mix at least {self.min_classes} of: {', '.join(CLASS_NAMES)}")
        if self.history:
            parts.append(f"not one of your last {self.history} passwords")
        return "; ".join(parts) + ". A long phrase is best."

    def rules(self, username: str, password: str) -> list[tuple[str, bool]]:
        """The checklist shown while typing: (rule, met). History is checked on save."""
        checks = [
            (f"At least {self.min_length} characters", len(password) >= self.min_length),
            (
                "Does not contain the user name",
                bool(password) and not _contains_name(username, password),
            ),
            (f"At least {MIN_DISTINCT} different characters", len(set(password)) >= MIN_DISTINCT),
        ]
        if self.min_classes > 1:
            checks.append(
                (
                    f"Mixes {self.min_classes} of: {', '.join(CLASS_NAMES)}",
                    character_classes(password) >= self.min_classes,
                )
            )
        if self.history:
            checks.append(
                (f"Not one of your last {self.history} passwords (checked on save)", True)
            )
        return checks


DEFAULT_POLICY = PasswordPolicy()
PASSWORD_POLICY_TEXT = DEFAULT_POLICY.text()


def _contains_name(username: str, password: str) -> bool:
    return bool(username) and username.casefold() in password.casefold()


def load_policy(source: Workspace | Connection) -> PasswordPolicy:
    """The workspace's policy, from its parameters."""
    values = settings_of(source)
    return PasswordPolicy(
        min_length=int(values["SECURITY.PASSWORD_MIN_LENGTH"]),
        min_classes=int(values["SECURITY.PASSWORD_MIN_CLASSES"]),
        history=int(values["SECURITY.PASSWORD_HISTORY"]),
        max_days=int(values["SECURITY.PASSWORD_MAX_DAYS"]),
    )


def check_password(
    username: str,
    password: str,
    recent_hashes: Iterable[str] = (),
    policy: PasswordPolicy = DEFAULT_POLICY,
) -> None:
    """Raise ValidationError naming the first rule the password breaks."""
    if len(password) < policy.min_length:
        raise ValidationError(
            f"The password is too short: use at least {policy.min_length} characters."
        )
    if len(password) > MAX_LENGTH:
        raise ValidationError(f"The password is too long: use at most {MAX_LENGTH} characters.")
    if _contains_name(username, password):
        raise ValidationError("The password must not contain the user name.")
    if len(set(password)) < MIN_DISTINCT:
        raise ValidationError("The password repeats too few characters: use a phrase.")
    if policy.min_classes > 1 and character_classes(password) < policy.min_classes:
        raise ValidationError(
            f"The password must mix at least {policy.min_classes} of: {', '.join(CLASS_NAMES)}."
        )
    for old in list(recent_hashes)[: policy.history]:
        if verify_password(old, password):
            raise ValidationError(
                f"This password was used recently: choose one not among your last {policy.history}."
            )
