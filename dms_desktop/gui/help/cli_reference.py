"""The ``dms`` command reference, generated from the argparse parser itself (so it cannot drift).

Qt-free: a walk over ``build_parser()``'s sub-parsers producing Markdown, one section per
command with its usage, description, arguments and options.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Iterator

from dms_desktop.cli import build_parser

TITLE = "Command line reference"


def _subparsers(parser: argparse.ArgumentParser) -> argparse._SubParsersAction | None:  # type: ignore[type-arg]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return action
    return None


def walk(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], str, argparse.ArgumentParser]]:
    """(command words, one-line help, parser) of every command below ``parser``, depth first."""
    sub = _subparsers(parser)
    if sub is None:
        return
    helps = {choice.dest: choice.help or "" for choice in sub._choices_actions}
    for name, child in sub.choices.items():
        words = (*path, name)
        yield words, helps.get(name, ""), child
        yield from walk(child, words)


def command_names(parser: argparse.ArgumentParser | None = None) -> list[str]:
    """Every command as typed, e.g. ``dms user add`` (groups included)."""
    root = parser or build_parser()
    return [" ".join((root.prog, *words)) for words, _help, _p in walk(root)]


def _help_text(parser: argparse.ArgumentParser, action: argparse.Action) -> str:
    if not action.help or action.help == argparse.SUPPRESS:
        return ""
    formatter = parser._get_formatter()
    return " ".join(formatter._expand_help(action).split())


_SPECIAL = re.compile(r"([\\`*_<>|\[\]])")


def _escape(text: str) -> str:
    """Help text as literal Markdown: ``<config dir>`` must not open an HTML tag."""
    return _SPECIAL.sub(r"\\\1", text)


def _arguments(parser: argparse.ArgumentParser, *, root: bool = False) -> list[str]:
    rows = []
    for action in parser._actions:
        if isinstance(action, argparse._HelpAction | argparse._SubParsersAction):
            continue
        if not root and action.dest == "json":
            continue  # said once, in the introduction
        if action.help == argparse.SUPPRESS and not action.option_strings:
            continue
        if action.option_strings:
            name = ", ".join(action.option_strings)
            if action.nargs != 0:
                metavar = action.metavar or action.dest.upper()
                name += f" {metavar}"
        else:
            name = str(action.metavar or action.dest)
        text = _help_text(parser, action)
        if action.choices and not isinstance(action.choices, dict):
            choices = ", ".join(str(c) for c in action.choices)
            text = f"{text} (one of: {choices})" if text else f"one of: {choices}"
        code = name.replace("|", "\\|")  # a table cell: the pipe is escaped even in code
        rows.append(f"| `{code}` | {_escape(text) or '—'} |")
    return rows


def _usage(parser: argparse.ArgumentParser) -> str:
    usage = parser.format_usage().strip()
    return usage.removeprefix("usage: ")


def cli_reference_markdown(parser: argparse.ArgumentParser | None = None) -> str:
    root = parser or build_parser()
    lines = [
        f"# {TITLE}",
        "",
        "Generated from the `dms` command's own definitions when this guide opens, so it always "
        "matches the installed version. Every command accepts `--json` (machine-readable "
        "output) and `-h` (its help). Commands act as the user in `DMS_USER` with the "
        "password in `DMS_PASSWORD` (or a prompt on a terminal); `dms init` bootstraps a "
        "workspace. Exit codes: 0 success, 1 a known failure (one line on stderr), 2 a usage "
        "error, 3 a bug (the traceback goes to the log file).",
        "",
        "## dms",
        "",
        "```",
        _usage(root),
        "```",
        "",
        "| argument | meaning |",
        "|---|---|",
        *_arguments(root, root=True),
        "",
    ]
    for words, help_text, parser_ in walk(root):
        name = " ".join((root.prog, *words))
        lines += [f"## {name}", ""]
        if help_text:
            lines += [_escape(help_text[0].upper() + help_text[1:]) + ".", ""]
        if parser_.description:
            lines += [_escape(" ".join(parser_.description.split())), ""]
        lines += ["```", _usage(parser_), "```", ""]
        rows = _arguments(parser_)
        sub = _subparsers(parser_)
        if sub is not None:
            commands = [f"`{name} {choice}`" for choice in sub.choices]
            lines += ["Commands: " + ", ".join(commands) + ".", ""]
        if rows:
            lines += ["| argument | meaning |", "|---|---|", *rows, ""]
    return "\n".join(lines)
