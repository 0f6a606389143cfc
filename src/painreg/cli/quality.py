"""``painreg quality``: the data-quality rules over the register or over files.

``painreg quality run`` runs the rules over the database and updates the
findings the pages show (run it nightly from cron, and on demand);
``--data DIR`` runs the same rules over interchange files instead, for a
register holder checking an import before loading it (nothing is stored).
``painreg quality rules`` lists the rules. The rules are
``painreg/analytics/quality_rules.yaml``; ``--rules FILE`` tries another file.
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path
from typing import Any

from painreg.cli.operator import add_claim_argument, operator_name


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "quality", help="data-quality rules over the register or interchange files"
    )
    sub = parser.add_subparsers(dest="quality_command", metavar="SUBCOMMAND", required=True)
    run = sub.add_parser(
        "run",
        help="run the rules: over the database (findings stored; nightly) or --data DIR",
        description="Run the data-quality rules. Over the database the findings are stored "
        "for the data-quality pages (findings no longer found are marked resolved); with "
        "--data DIR over interchange files, printed and written with --output, nothing stored.",
    )
    run.add_argument(
        "--data", type=Path, metavar="DIR", help="interchange files (CSV or Parquet) to check"
    )
    run.add_argument("--rules", type=Path, metavar="FILE", help="a rule file (default: shipped)")
    run.add_argument(
        "--today",
        type=dt.date.fromisoformat,
        metavar="YYYY-MM-DD",
        help="the day the date rules count from (default: today)",
    )
    run.add_argument(
        "--output", type=Path, metavar="FILE", help="write every finding as CSV to FILE"
    )
    run.add_argument("--language", choices=("sv", "en"), default="sv", help="rule names in")
    add_claim_argument(run)
    run.set_defaults(handler=_run)
    rules = sub.add_parser("rules", help="list the rules: id, severity, name")
    rules.add_argument("--rules", type=Path, metavar="FILE", help="a rule file (default: shipped)")
    rules.add_argument("--language", choices=("sv", "en"), default="sv", help="names in")
    rules.set_defaults(handler=_rules)


def _rules(args: argparse.Namespace) -> int:
    from painreg.analytics import quality

    for rule in quality.load_rules(args.rules):
        print(f"{rule.id}\t{rule.severity}\t{rule.name(args.language)}")
    return 0


def _summary(run: Any, language: str) -> None:
    names = {r.id: r.name(language) for r in run.rules}
    for rule_id, count in run.counts().items():
        if count:
            print(f"  {rule_id}: {count} ({names[rule_id]})")
    for rule_id, why in run.not_run.items():
        print(f"  {rule_id}: not run ({why})")


def _run(args: argparse.Namespace) -> int:
    from painreg.analytics import quality
    from painreg.outputs import csv_text, write_output

    rules = quality.load_rules(args.rules)
    if args.data is not None:
        result = quality.run_on_directory(args.data, rules, today=args.today)
        print(f"quality: {len(result.findings)} findings in {args.data}")
        _summary(result, args.language)
        if args.output is not None:
            # The files' registration ids only; private: they may be a hospital's own ids.
            write_output(
                args.output, csv_text(quality.findings_table(result, args.language)), private=True
            )
        errors = sum(1 for f in result.findings if f.severity == "error")
        return 1 if errors else 0
    from painreg.cli.serve import setup_django

    setup_django()
    from painreg.quality import actions

    stored = actions.run_quality_check(username=operator_name(args), rules=rules, today=args.today)
    print(
        f"quality: {stored.found} findings ({stored.opened} new, {stored.resolved} resolved) "
        f"in the register"
    )
    for rule_id, count in stored.rules.items():
        if count:
            print(f"  {rule_id}: {count}")
    for rule_id, why in stored.not_run.items():
        print(f"  {rule_id}: not run ({why})")
    if args.output is not None:
        from painreg.quality.models import Finding

        rows = [["rule", "severity", "unit_id", "registration_id", "occasion", "field", "detail"]]
        for f in Finding.objects.filter(resolved_at__isnull=True).select_related(
            "unit", "registration"
        ):
            rows.append(
                [f.rule, f.severity, f.unit.code,
                 f.registration.public_id if f.registration else "", f.occasion, f.field,
                 f.detail]
            )  # fmt: skip
        write_output(args.output, csv_text(rows), private=True)
    return 0
