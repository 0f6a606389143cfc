"""`painreg audit verify` and `painreg audit export`: the tamper-evident audit trail.

The chains are :mod:`painreg.audit.chain`; the export is
:mod:`painreg.audit.export` through ``registry.access.audit_export_for``
(logged). docs/operations.md says how to verify and what a break means.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
from pathlib import Path

from painreg.cli.operator import add_claim_argument, operator_name
from painreg.errors import UserError

#: How many findings the command prints per chain (all of them are in the export's JSON).
SHOWN_FINDINGS = 50

_ANCHOR = re.compile(r"^(events|access):(\d+):([0-9a-f]{64})$")


def register(subparsers: argparse._SubParsersAction) -> None:
    group = subparsers.add_parser(
        "audit",
        help="verify the audit trail's hash chains; export the audit trail",
        description="The audit events and the access log are hash chains (docs/security.md).",
    )
    commands = group.add_subparsers(dest="audit_command", metavar="COMMAND", required=True)

    verify = commands.add_parser(
        "verify",
        help="check both chains; name every edited, deleted or inserted row",
        description="Check every row of the audit events and of the access log: its number "
        "follows the one before, it links to the row before it, its hash matches its content, "
        "its payload is the one it was written with (or a redaction lists it), and the last "
        "row is the chain's head. Prints each chain's head (CHAIN:SEQ:HASH): record it "
        "outside the database and give it back with --anchor later, so that even a rewrite "
        "of the whole chain shows. The result is kept: the audit page and the audit export "
        "check only the rows written since the last intact check. Exit code 1 when a chain "
        "is broken.",
    )
    verify.add_argument(
        "--anchor",
        metavar="CHAIN:SEQ:HASH",
        action="append",
        default=[],
        type=_anchor,
        help="a head printed by an earlier verify; the row must still have that hash (repeatable)",
    )
    verify.set_defaults(handler=run_verify)

    export = commands.add_parser(
        "export",
        help="the audit trail, filtered, with the chains' check (CSV or JSON)",
        description="Write the rows of both chains selected by unit, user, patient and "
        "period, each with its hashes and its check, and (JSON) each chain's head and "
        "findings. Patients are named by their internal id; payloads are left out (their "
        "digest stays). The export is written to the access log, once for each patient it "
        "names.",
    )
    export.add_argument("--format", choices=("csv", "json"), default="csv")
    export.add_argument("--unit", metavar="CODE", help="only this unit's rows (unit code)")
    export.add_argument("--user", metavar="USERNAME", help="only this user's rows")
    export.add_argument(
        "--patient",
        metavar="PATIENT",
        help="only this patient's rows: a personnummer or the internal patient id",
    )
    export.add_argument("--from", dest="date_from", metavar="DATE", type=_date)
    export.add_argument("--to", dest="date_to", metavar="DATE", type=_date)
    export.add_argument(
        "--output",
        type=Path,
        metavar="FILE",
        help="file to write, readable by its owner only (default: standard output)",
    )
    add_claim_argument(export)
    export.set_defaults(handler=run_export)


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date YYYY-MM-DD") from None


def _anchor(text: str) -> tuple[str, int, str]:
    match = _ANCHOR.match(text.strip())
    if not match:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not CHAIN:SEQ:HASH (events or access, a number, 64 hex digits)"
        )
    return match.group(1), int(match.group(2)), match.group(3)


def run_verify(args: argparse.Namespace) -> int:
    from painreg.cli.serve import setup_django

    setup_django()
    from painreg.audit.chain import CHAINS, record_check, verify

    broken = False
    for chain in CHAINS:
        anchors = [(seq, digest) for name, seq, digest in args.anchor if name == chain]
        report = verify(chain, anchors=anchors)
        record_check(report)
        state = "ok" if report.ok else f"BROKEN: {len(report.findings)} finding(s)"
        print(
            f"{chain}: {report.rows:,} rows, {len(report.redacted):,} redacted; {state}; "
            f"head {chain}:{report.head_seq}:{report.head_hash}"
        )
        for finding in report.findings[:SHOWN_FINDINGS]:
            print(f"  {finding.kind}: {finding.message}")
        if len(report.findings) > SHOWN_FINDINGS:
            print(f"  … and {len(report.findings) - SHOWN_FINDINGS} more")
        broken = broken or not report.ok
    return 1 if broken else 0


def run_export(args: argparse.Namespace) -> int:
    from painreg.cli.serve import setup_django

    setup_django()
    from painreg.audit.export import AuditFilter, to_csv, to_json
    from painreg.outputs import write_output
    from painreg.registry import access
    from painreg.registry.models import Unit

    if args.date_from and args.date_to and args.date_to < args.date_from:
        raise UserError("--to is before --from")
    if args.unit and not Unit.objects.filter(code=args.unit).exists():
        raise UserError(f"no unit with code {args.unit!r}; see the admin for unit codes")
    selection = AuditFilter(
        unit=args.unit,
        username=args.user,
        patient_id=_patient_id(args.patient) if args.patient else None,
        date_from=args.date_from,
        date_to=args.date_to,
    )
    export = access.audit_export_for(user=None, selection=selection, username=operator_name(args))
    text = to_json(export) if args.format == "json" else to_csv(export)
    write_output(args.output, text, private=True)
    if args.output is not None:
        state = "the chains verify" if export.ok else "A CHAIN IS BROKEN (see the check column)"
        print(f"wrote {len(export.rows):,} rows to {args.output}; {state}")
    return 0


def _patient_id(text: str) -> int:
    """The internal id of the patient ``text`` names (personnummer or id)."""
    from painreg.registry.models import Patient
    from painreg.tidy import personnummer as pnr

    if text.isdigit() and len(text) < 10:
        return int(text)
    try:
        number = pnr.parse(text)
    except pnr.PersonnummerError as exc:
        raise UserError(f"--patient {text}: {exc}") from None
    found = Patient.objects.filter(personnummer=number.digits).values_list("pk", flat=True).first()
    if found is None:
        raise UserError(f"no patient with personnummer {number.formatted} in the register")
    return found
