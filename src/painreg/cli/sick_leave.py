"""`painreg sick-leave convert`: a Försäkringskassan extract in its own shape -> interchange tables.

The result (``sick_leave`` and ``sick_leave_coverage``) goes beside the
register's tables: ``painreg import DIR`` loads it, ``--data DIR`` reads it
(docs/interchange.md, docs/annual-report.md). The conversion is
:mod:`painreg.tidy.sick_leave_extract`.
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path
from typing import Any


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date YYYY-MM-DD") from None


def register(subparsers: Any) -> None:
    group = subparsers.add_parser(
        "sick-leave", help="sick-leave extracts from Försäkringskassan (return to work)"
    )
    sub = group.add_subparsers(dest="sick_leave_command", metavar="COMMAND")
    p = sub.add_parser(
        "convert",
        help="turn Försäkringskassan's extract into the sick_leave interchange tables",
        description="Read FILE (CSV with ';', ',' or tab; UTF-8 or Windows-1252), map its "
        "column names and codes to the interchange format (the shipped Swedish mapping, with "
        "--mapping laid over it) and write sick_leave and sick_leave_coverage into --output. "
        "Every value the mapping does not know is reported with its row and column; nothing is "
        "written then.",
    )
    p.add_argument("file", metavar="FILE", type=Path, help="the extract as delivered")
    p.add_argument("--covers-from", type=_date, required=True, help="first day the extract covers")
    p.add_argument("--covers-to", type=_date, required=True, help="last day the extract covers")
    p.add_argument(
        "--output", type=Path, required=True, help="directory to write into (the register's)"
    )
    p.add_argument(
        "--mapping", type=Path, metavar="FILE", help="YAML mapping of local headers and codes"
    )
    p.add_argument("--format", choices=("csv", "parquet"), default="csv")
    p.set_defaults(handler=_convert)


def _convert(args: argparse.Namespace) -> int:
    from painreg.tidy.sick_leave_extract import convert_extract

    result = convert_extract(
        args.file,
        args.output,
        covers_from=args.covers_from,
        covers_to=args.covers_to,
        mapping_path=args.mapping,
        format=args.format,
    )
    names = ", ".join(str(p) for p in result.files)
    print(f"wrote {result.rows:,} period(s): {names}")
    return 0
