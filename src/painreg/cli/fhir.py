"""``painreg fhir``: Questionnaire per instrument, export and import of responses.

See docs/fhir.md. Heavy imports (Django, fhir.resources) stay inside the
handlers so ``painreg --help`` starts fast.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

from painreg.cli.operator import operator_name
from painreg.errors import UserError
from painreg.outputs import write_output


def register(subparsers: Any) -> None:
    fhir = subparsers.add_parser(
        "fhir", help="FHIR R4: questionnaires, export and import of responses"
    )
    sub = fhir.add_subparsers(dest="fhir_command", metavar="FHIR_COMMAND")
    q = sub.add_parser("questionnaire", help="write the FHIR Questionnaire of an instrument")
    q.add_argument("instrument", help="instrument id, e.g. hads")
    q.add_argument("--language", default="sv", choices=["sv", "en"], help="item texts")
    q.add_argument("--output", type=Path, help="file to write (default: standard output)")
    q.set_defaults(handler=_questionnaire)
    e = sub.add_parser(
        "export-responses",
        help="write QuestionnaireResponses (a Bundle) for a registration or a unit and period",
    )
    e.add_argument("--registration", type=int, help="registration id")
    e.add_argument("--unit", help="unit code (with --from and --to)")
    e.add_argument("--from", dest="date_from", type=dt.date.fromisoformat, help="YYYY-MM-DD")
    e.add_argument("--to", dest="date_to", type=dt.date.fromisoformat, help="YYYY-MM-DD")
    e.add_argument("--output", type=Path, help="file to write (default: standard output)")
    e.set_defaults(handler=_export)
    i = sub.add_parser(
        "import-responses",
        help="read QuestionnaireResponses (one resource or a Bundle) into their occasions",
    )
    i.add_argument("file", type=Path, help="JSON file")
    i.set_defaults(handler=_import)
    fhir.set_defaults(handler=lambda args: fhir.print_help() or 2)


def _write(data: dict[str, Any], output: Path | None, *, private: bool = False) -> None:
    write_output(output, json.dumps(data, ensure_ascii=False, indent=2) + "\n", private=private)


def _questionnaire(args: argparse.Namespace) -> int:
    from painreg import instruments
    from painreg.interop import fhir

    try:
        resource = fhir.questionnaire(args.instrument, args.language)
    except instruments.InstrumentError as exc:
        raise UserError(str(exc)) from None
    _write(resource, args.output)
    return 0


def _setup_django() -> None:
    from painreg.cli.serve import setup_django

    setup_django()  # one place that turns a refused setting into one line


def _export(args: argparse.Namespace) -> int:
    _setup_django()
    from painreg import audit
    from painreg.audit.models import AccessAction
    from painreg.interop import fhir
    from painreg.registry.models import Occasion, Registration, Unit

    registrations = Registration.objects.in_register()
    if args.registration is not None:
        if args.unit or args.date_from or args.date_to:
            raise UserError("give either --registration, or --unit with --from and --to")
        registrations = registrations.filter(pk=args.registration)
        if not registrations.exists():
            raise UserError(f"no registration {args.registration} in the register")
        detail = f"fhir export registration {args.registration}"
    elif args.unit and args.date_from and args.date_to:
        unit = Unit.objects.filter(code=args.unit).first()
        if unit is None:
            raise UserError(f"no unit with code {args.unit!r}")
        registrations = registrations.filter(unit=unit)
        detail = f"fhir export unit {unit.code} {args.date_from}..{args.date_to}"
    else:
        raise UserError("give --registration ID, or --unit CODE --from DATE --to DATE")
    occasions = Occasion.objects.filter(registration__in=registrations)
    if args.registration is None:
        occasions = occasions.filter(
            answers__answered_on__gte=args.date_from, answers__answered_on__lte=args.date_to
        ).distinct()
    bundle = fhir.export_responses(occasions)
    audit.log_access(user=None, username=operator_name(), action=AccessAction.EXPORT, detail=detail)
    # Every subject in the bundle: each patient's access extract lists the export.
    audit.log_access_many(
        user=None,
        username=operator_name(),
        action=AccessAction.EXPORT,
        patient_ids=occasions.filter(answers__isnull=False).values_list(
            "registration__patient_id", flat=True
        ),
        detail=detail,
    )
    _write(bundle, args.output, private=True)  # personnummer in every subject
    print(f"{len(bundle['entry'])} QuestionnaireResponse(s)", file=sys.stderr)
    return 0


def _import(args: argparse.Namespace) -> int:
    _setup_django()
    from painreg.interop import fhir

    try:
        text = args.file.read_text(encoding="utf-8")
    except OSError as exc:
        raise UserError(f"cannot read {args.file}: {exc.strerror}") from None
    try:
        counts = fhir.import_responses(fhir.read_resources(text, str(args.file)))
    except fhir.FhirError as exc:
        lines = str(exc).splitlines()
        raise UserError(
            f"{args.file}: nothing imported; {len(lines)} problem(s): " + " | ".join(lines)
        ) from None
    print(
        f"imported {counts['answers']} answers into {counts['occasions']} occasion(s) "
        f"from {counts['resources']} resource(s)"
    )
    return 0
