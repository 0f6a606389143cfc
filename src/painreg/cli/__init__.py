"""The `painreg` command: one entry point, subcommands grouped by job.

Each group lives beside the code it drives, in a module with a
``register(subparsers)`` function that adds its subcommands and sets
``handler`` on each (see ``COMMAND_MODULES``). Handlers import heavy
libraries (Django, Ibis, Spark) inside themselves so that ``painreg --help``
and ``painreg score`` start fast.

Errors a user can act on are raised as :class:`painreg.errors.UserError` and
printed here as one line, exit code 2; never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from painreg import __version__
from painreg.errors import UserError

#: Modules that add subcommands, in the order they appear in ``--help``.
COMMAND_MODULES: tuple[str, ...] = (
    "painreg.cli.serve",  # demo, serve, access-extract, reapply-deletions
    "painreg.cli.audit",  # audit verify, audit export
    "painreg.cli.score",  # score, instruments
    "painreg.cli.exchange",  # export, codebook, import
    "painreg.cli.fhir",  # fhir
    "painreg.cli.report",  # report
    "painreg.cli.contacts",  # contacts
    "painreg.cli.regional",  # regional
    "painreg.cli.synth",  # synth
    "painreg.cli.sick_leave",  # sick-leave
    "painreg.cli.reminders",  # send-reminders
    "painreg.cli.api_tokens",  # api-tokens
    "painreg.cli.quality",  # quality
    "painreg.cli.validation",  # validation
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="painreg",
        description="Quality registry and follow-up for chronic pain rehabilitation.",
    )
    parser.add_argument("--version", action="version", version=f"painreg {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            # A group not built yet is simply absent; any other missing
            # import is a real error and must surface.
            if exc.name is not None and name.startswith(exc.name):
                continue
            raise
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 0 if args.command is None else 2
    try:
        result = handler(args)
    except UserError as exc:
        print(f"painreg: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("painreg: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    return int(result or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
