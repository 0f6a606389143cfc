"""`painreg contacts validate|analyze ...`: follow-up of EHR contact extracts (docs/contacts.md).

``validate`` checks files and lists every rejected row and exact duplicate;
``analyze`` computes the follow-up (JSON) and optionally renders the report
(HTML, PDF, Excel; small cells suppressed). Heavy imports (Ibis, engines,
WeasyPrint) happen inside the handlers so ``painreg --help`` stays fast.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path

from painreg.errors import UserError
from painreg.outputs import write_output


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "contacts",
        help="follow-up of primary-care EHR contact extracts",
        description="Follow-up of primary-care EHR contact extracts (docs/contacts.md).",
    )
    sub = parser.add_subparsers(dest="contacts_command", metavar="COMMAND", required=True)

    val = sub.add_parser(
        "validate",
        help="check contact (and certificate) files; list rejected rows and duplicates",
        description="Check contact files (and sick-leave certificates): every rejected row "
        "with file, row, column and reason, and every exact duplicate.",
    )
    _common(val)
    val.set_defaults(handler=validate_command)

    ana = sub.add_parser(
        "analyze",
        help="professions met, continuity, frequent attenders, sick leave, before/after",
        description="The follow-up of the patients with a diagnosis in a period: professions "
        "that recorded it, caregivers, frequent attenders, continuity (UPC, COC, SECON, "
        "MMCI), sick leave, and a before/after comparison.",
    )
    _common(ana)
    ana.add_argument(
        "--diagnosis",
        action="append",
        required=True,
        metavar="CODE",
        help="ICD-10 or KSH97-P code prefix, with or without the dot (repeatable)",
    )
    ana.add_argument(
        "--from",
        dest="date_from",
        required=True,
        metavar="DATE",
        help="first day of the period (YYYY-MM-DD, inclusive)",
    )
    ana.add_argument(
        "--to",
        dest="date_to",
        required=True,
        metavar="DATE",
        help="last day of the period (inclusive)",
    )
    ana.add_argument("--compare-from", metavar="DATE", help="first day of a comparison period")
    ana.add_argument("--compare-to", metavar="DATE", help="last day of the comparison period")
    ana.add_argument("--unit", metavar="UNIT_ID", help="only this health centre")
    ana.add_argument(
        "--by-unit", action="store_true", help="also every health centre side by side (a region)"
    )
    ana.add_argument(
        "--frequent-threshold",
        type=int,
        default=10,
        metavar="N",
        help="frequent attender: more than N contacts in the period (default 10)",
    )
    ana.add_argument(
        "--min-visits",
        type=int,
        default=2,
        metavar="N",
        help="continuity only for patients with at least N contacts with an "
        "identified caregiver (default 2)",
    )
    ana.add_argument(
        "--sick-leave-gap",
        type=int,
        default=5,
        metavar="DAYS",
        help="certificates at most DAYS apart form one episode (default 5)",
    )
    for option, what in (
        ("--prescriptions", "prescriptions (patient_id, unit_id, prescribed_on, atc, ...)"),
        ("--listings", "listings with named regular physician and care contact"),
        ("--referrals", "referrals between units (sent, accepted, first visit, returned)"),
    ):
        ana.add_argument(
            option,
            action="append",
            default=[],
            type=Path,
            metavar="FILE",
            help=f"{what}, CSV or Parquet (repeatable)",
        )
    ana.add_argument(
        "--drug-groups",
        type=Path,
        metavar="FILE",
        help="YAML 'name: [ATC prefixes]' of the addictive-drug groups (default: DOMAIN.md's four)",
    )
    ana.add_argument(
        "--units",
        type=Path,
        metavar="FILE",
        help="CSV unit_id, name, region_code, pain_care_level, owner: names and care "
        "levels of the units the files mention",
    )
    ana.add_argument(
        "--monthly",
        action="store_true",
        help="also every month of the period, with run charts (Anhøj's rules) of each measure",
    )
    ana.add_argument(
        "--baseline-to",
        metavar="YYYY-MM",
        help="with --monthly: the last month of the frozen baseline (default: all months)",
    )
    ana.add_argument(
        "--report",
        type=Path,
        metavar="DIR",
        help="write the report (report.html, report.pdf, report.xlsx) to DIR",
    )
    ana.set_defaults(handler=analyze_command)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "files", nargs="+", type=Path, metavar="FILE", help="contact extract(s), CSV or Parquet"
    )
    parser.add_argument(
        "--sick-leave",
        action="append",
        default=[],
        type=Path,
        metavar="FILE",
        help="sick-leave certificates, CSV or Parquet (repeatable)",
    )
    parser.add_argument(
        "--mapping",
        type=Path,
        metavar="FILE",
        help="YAML mapping of local headers and values (over the shipped Swedish one)",
    )
    parser.add_argument("--strict", action="store_true", help="fail if any row is rejected")
    parser.add_argument(
        "--engine",
        choices=("duckdb", "pyspark"),
        default="duckdb",
        help="where the expressions run (default duckdb)",
    )
    parser.add_argument(
        "--json",
        type=Path,
        metavar="FILE",
        help="write the result as JSON to FILE (default: standard output)",
    )


def _date(text: str | None, option: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UserError(f"{option} {text!r} is not a date; write YYYY-MM-DD") from None


def _write_json(result: dict, path: Path | None) -> None:
    text = json.dumps(result, ensure_ascii=False, indent=2, default=str) + "\n"
    write_output(path, text)


def _summary(validation: dict) -> None:
    for kind, report in validation.items():
        print(
            f"{kind}: {report['rows']} rows, {report['rejected']} rejected, "
            f"{report['duplicate_rows']} duplicate rows merged",
            file=sys.stderr,
        )
        for reason, count in report["by_reason"].items():
            print(f"  {count} x {reason}", file=sys.stderr)


def validate_command(args: argparse.Namespace) -> int:
    from painreg.contacts.analysis import validate_files

    result = validate_files(
        args.files,
        certificates=args.sick_leave,
        mapping_path=args.mapping,
        engine=args.engine,
        strict=args.strict,
    )
    _write_json(result, args.json)
    _summary(result)
    return 1 if any(r["rejected"] for r in result.values()) else 0


def analyze_command(args: argparse.Namespace) -> int:
    from painreg.contacts.analysis import analyze
    from painreg.contacts.codes import normalise_prefixes
    from painreg.contacts.measures import Period
    from painreg.contacts.units import read_drug_groups, read_units

    if args.baseline_to and not args.monthly:
        raise UserError("--baseline-to needs --monthly")
    period = Period(_date(args.date_from, "--from"), _date(args.date_to, "--to"))
    compare = None
    if args.compare_from or args.compare_to:
        if not (args.compare_from and args.compare_to):
            raise UserError("give both --compare-from and --compare-to")
        compare = Period(
            _date(args.compare_from, "--compare-from"), _date(args.compare_to, "--compare-to")
        )
    result = analyze(
        args.files,
        prefixes=normalise_prefixes(args.diagnosis),
        period=period,
        compare=compare,
        unit=args.unit,
        by_unit=args.by_unit,
        frequent_threshold=args.frequent_threshold,
        min_visits=args.min_visits,
        gap_days=args.sick_leave_gap,
        certificates=args.sick_leave,
        mapping_path=args.mapping,
        engine=args.engine,
        strict=args.strict,
        prescriptions=args.prescriptions,
        listings=args.listings,
        referrals=args.referrals,
        drug_groups=read_drug_groups(args.drug_groups),
        units_reference=read_units(args.units) if args.units else None,
        monthly=args.monthly,
        baseline_to=args.baseline_to,
    )
    if args.report is not None:
        from painreg.reports.contacts_report import write_report

        for path in write_report(result, args.report):
            print(f"wrote {path}", file=sys.stderr)
    if args.json is not None or args.report is None:
        _write_json(result, args.json)
    _summary(result["validation"])
    return 0
