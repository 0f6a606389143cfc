"""`painreg export DIR` and `painreg import DIR`: the register as tidy interchange tables.

The format is :mod:`painreg.tidy.schema` (docs/interchange.md); validation
is :mod:`painreg.tidy.validation`; the database side is
:mod:`painreg.interop.export` and :mod:`painreg.interop.load`. The
``fhir`` group is :mod:`painreg.cli.fhir`.
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from painreg.cli.operator import add_claim_argument, operator_name
from painreg.errors import UserError


def register(subparsers: argparse._SubParsersAction) -> None:
    export = subparsers.add_parser(
        "export",
        help="export the register as interchange tables (CSV or Parquet) with their codebook",
        description="Write units, unit_year_totals, patients, registrations, answers and the "
        "stored scores of the configured database to DIR (docs/interchange.md), with the "
        "codebook (datapackage.json, codebook.xlsx). Opted-out patients are never exported. "
        "The export is written to the access log.",
    )
    export.add_argument("directory", metavar="DIR", type=Path, help="output directory")
    export.add_argument("--format", choices=("csv", "parquet"), default="csv")
    export.add_argument(
        "--units", metavar="CODE", nargs="+", help="only these units (their unit_id codes)"
    )
    export.add_argument(
        "--from", dest="date_from", metavar="DATE", type=_date, help="first date, YYYY-MM-DD"
    )
    export.add_argument(
        "--to", dest="date_to", metavar="DATE", type=_date, help="last date, YYYY-MM-DD"
    )
    export.add_argument(
        "--pseudonymise",
        action="store_true",
        help="replace personnummer by a keyed pseudonym (HMAC-SHA256 with PAINREG_PSEUDONYM_KEY)",
    )
    add_claim_argument(export, "--user")
    export.set_defaults(handler=run_export)

    book = subparsers.add_parser(
        "codebook",
        help="write the interchange format's codebook (datapackage.json, codebook.xlsx)",
        description="Write the codebook of the interchange format to DIR without a database: "
        "datapackage.json (a Frictionless Data Package descriptor: every table's columns, "
        "types, keys, references and allowed codes with Swedish and English labels) and "
        "codebook.xlsx (the same as one Excel sheet). `painreg export` writes both beside its "
        "tables (docs/interchange.md).",
    )
    book.add_argument("directory", metavar="DIR", type=Path, help="output directory")
    book.add_argument(
        "--format",
        choices=("csv", "parquet"),
        default="csv",
        help="the format of the tables the descriptor describes",
    )
    book.add_argument(
        "--pseudonymised",
        action="store_true",
        help="describe patient_id as a pseudonym (as in an export with --pseudonymise)",
    )
    book.set_defaults(handler=run_codebook)

    imp = subparsers.add_parser(
        "import",
        help="validate and import interchange tables into the register",
        description="Validate every file in DIR (types, codes, dates, catalogue items and "
        "values, references, duplicates) and, if nothing is rejected, load everything in one "
        "transaction. Rows whose id exists already are left unchanged, so importing the same "
        "files twice adds nothing. A sick-leave extract (sick_leave with sick_leave_coverage) "
        "replaces the register's previous one; the same extract twice changes nothing. With "
        "--check only validates.",
    )
    imp.add_argument("directory", metavar="DIR", type=Path, help="directory of interchange files")
    imp.add_argument("--check", action="store_true", help="validate only; write nothing")
    imp.add_argument(
        "--skip-unknown-patients",
        action="store_true",
        help="skip (and count) sick-leave periods of patients not in the register instead of "
        "refusing the import",
    )
    imp.add_argument(
        "--update-units",
        action="store_true",
        help="units the register holds take the file's active_from, active_to, connected and "
        "pain_care_level (each change audited); their region and care level must not change",
    )
    imp.add_argument(
        "--report", metavar="FILE", type=Path, help="write every problem to FILE (CSV)"
    )
    add_claim_argument(imp, "--user")
    imp.set_defaults(handler=run_import)


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date YYYY-MM-DD") from None


def _progress():  # type: ignore[no-untyped-def]
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    return Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    )


def _reporter(progress):  # type: ignore[no-untyped-def]
    tasks: dict[str, int] = {}

    def report(what: str, done: int, total: int | None) -> None:
        if what not in tasks:
            tasks[what] = progress.add_task(what, total=total)
        progress.update(tasks[what], completed=done, total=total)

    return report


def run_export(args: argparse.Namespace) -> int:
    from painreg.cli.serve import setup_django

    setup_django()
    from painreg.interop.export import export_register

    if args.date_from and args.date_to and args.date_to < args.date_from:
        raise UserError("--to is before --from")
    with _progress() as progress:
        result = export_register(
            args.directory,
            format=args.format,
            units=args.units,
            date_from=args.date_from,
            date_to=args.date_to,
            pseudonymised=args.pseudonymise,
            username=operator_name(args),
            progress=_reporter(progress),
        )
    rows = ", ".join(f"{name} {count:,}" for name, count in result.rows.items())
    print(f"exported to {result.directory} ({args.format}): {rows}")
    return 0


def run_codebook(args: argparse.Namespace) -> int:
    from painreg.reports.codebook import write_codebook

    paths = write_codebook(args.directory, args.format, pseudonymised=args.pseudonymised)
    print("wrote " + ", ".join(str(p) for p in paths))
    return 0


def run_import(args: argparse.Namespace) -> int:
    from painreg.cli.serve import setup_django

    setup_django()
    from painreg.interop.load import ImportRejected, import_register
    from painreg.tidy.validation import format_report

    if not args.directory.is_dir():
        raise UserError(f"{args.directory}: no such directory")
    try:
        with _progress() as progress:
            result = import_register(
                args.directory,
                username=operator_name(args),
                check_only=args.check,
                skip_unknown_patients=args.skip_unknown_patients,
                update_units=args.update_units,
                progress=_reporter(progress),
            )
    except ImportRejected as exc:
        for line in format_report(exc.report):
            print(line)
        if args.report:
            exc.report.write_csv(args.report)
            print(f"every problem is listed in {args.report}")
        raise
    for line in format_report(result.report):
        print(line)
    rows = ", ".join(f"{name} {count:,}" for name, count in result.report.rows.items())
    if args.check:
        print(f"{args.directory}: valid ({rows}); nothing written (--check)")
        return 0
    added = ", ".join(f"{k} {v:,}" for k, v in result.added.items())
    present = sum(result.already_present.values())
    updated = "".join(f"; {k} updated {v:,}" for k, v in result.updated.items())
    print(f"imported {args.directory}: added {added}; {present:,} row(s) already present{updated}")
    return 0
