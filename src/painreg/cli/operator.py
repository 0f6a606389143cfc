"""Who ran a command, as the audit trail and the access log record it.

The operating-system user is what the machine vouches for; a name given
with ``--as`` is what the operator claims (a colleague who asked, a ticket)
and is recorded as claimed, beside the operating-system user, never instead
of it: ``cli:anna``, or ``cli:anna (as "Bertil Berg", claimed)``.
"""

from __future__ import annotations

import argparse
import os
import pwd

#: The longest claimed name kept (the audit rows hold 150 characters in all).
CLAIM_MAX = 80


def add_claim_argument(parser: argparse.ArgumentParser, *aliases: str) -> None:
    """``--as NAME`` (and older spellings of it): who the operator acts for, as claimed."""
    parser.add_argument(
        "--as",
        *aliases,
        dest="claimed_as",
        metavar="NAME",
        help="who you act for, recorded as claimed beside your login name",
    )


def login_name() -> str:
    """The name of the process's user in the password database (its number when it has
    none). Not ``getpass.getuser()``: that reads ``LOGNAME`` and ``USER`` first, which
    anyone can set to any name."""
    uid = os.geteuid()
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)


def operator_name(args: argparse.Namespace | None = None, *, role: str = "") -> str:
    """``cli:<login name>[:role]``, with a claimed name when ``--as`` was given."""
    name = f"cli:{login_name()}" + (f":{role}" if role else "")
    claimed = getattr(args, "claimed_as", None)
    if not claimed:
        return name
    printable = "".join(c for c in claimed if c.isprintable()).strip()[:CLAIM_MAX]
    return f'{name} (as "{printable}", claimed)'
