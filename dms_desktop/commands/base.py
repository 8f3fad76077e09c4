"""What every sub-command needs: who runs it, stdin secrets, a workspace for the call."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Callable
from typing import Any

from dms_desktop.core.errors import AuthError, ValidationError
from dms_desktop.core.security.auth import AuthService
from dms_desktop.core.security.permissions import CurrentUser
from dms_desktop.core.settings import Settings
from dms_desktop.core.workspace import Workspace, open_workspace

Handler = Callable[[argparse.Namespace, Settings], Any]
Action = Callable[[Workspace, CurrentUser, argparse.Namespace], Any]


def read_stdin_secret(what: str) -> str:
    value = sys.stdin.readline().rstrip("\r\n")
    if not value:
        raise ValidationError(
            f"No {what} on standard input: pipe it in, e.g. printf '%s\\n' \"$PW\" | dms ..."
        )
    return value


def acting_user(ws: Workspace) -> CurrentUser:
    """DMS_USER / DMS_PASSWORD, or a prompt on a terminal."""
    username = os.environ.get("DMS_USER")
    password = os.environ.get("DMS_PASSWORD")
    if not username or password is None:
        if not sys.stdin.isatty():
            raise AuthError("Set DMS_USER and DMS_PASSWORD to say who runs this command.")
        username = username or input("DMS user: ")
        password = getpass.getpass(f"Password for {username}: ")
    return AuthService(ws).login(username, password)


def as_user(action: Action, *, upgrade: bool = True) -> Handler:
    """Open the workspace, log in as the acting user, run, close."""

    def run(args: argparse.Namespace, settings: Settings) -> Any:
        ws = open_workspace(settings, upgrade=upgrade)
        try:
            return action(ws, acting_user(ws), args)
        finally:
            ws.close()

    return run
