"""``python -m kundenwert set-password``: the owner's dashboard password.

Asked twice without echo (getpass), or read from the first line of stdin for scripts
(``--password-stdin``, as ``docker login`` does), so it never lands in the shell history or in
the process list. The password is never printed, logged or put into an error message.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable

from kundenwert import auth
from kundenwert.cli import CliError
from kundenwert.db import get_engine
from kundenwert.settings import get_settings


def _read_stdin() -> str:
    line = sys.stdin.readline()
    return line.removesuffix("\n").removesuffix("\r")


def _ask_twice(ask: Callable[[str], str] | None = None) -> str:
    ask = ask or getpass.getpass  # looked up now, so a test can replace it
    try:
        first = ask("Neues Passwort: ")
        second = ask("Passwort wiederholen: ")
    except (EOFError, KeyboardInterrupt) as error:
        raise CliError("Abgebrochen; das Passwort bleibt unverändert.") from error
    if first != second:
        raise CliError("Die beiden Eingaben stimmen nicht überein; nichts wurde geändert.")
    return first


def _cmd_set_password(args: argparse.Namespace) -> int:
    password = _read_stdin() if args.password_stdin else _ask_twice()
    problem = auth.password_problem(password)
    if problem:
        raise CliError(f"{problem} Nichts wurde geändert.")
    engine = get_engine(get_settings().resolved_database_url)
    replaced = auth.has_password(engine)
    auth.set_password(engine, password)
    if not args.quiet:
        print(
            "Passwort geändert; offene Sitzungen sind abgemeldet."
            if replaced
            else "Passwort gesetzt; das Dashboard fragt ab jetzt danach."
        )
    return 0


def add_auth_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    cmd = sub.add_parser(
        "set-password",
        help="set or change the dashboard password (asked twice, never echoed)",
    )
    cmd.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from the first line of stdin (for scripts)",
    )
    cmd.add_argument("--quiet", action="store_true")
    cmd.set_defaults(handler=_cmd_set_password)
