"""``painreg validation``: source-data validation rounds from the command line.

`create` a round, `draw` its sample (reproducible: the same seed and the
same data give the same sample), ``list`` the rounds, and ``export`` a
round's report (HTML, PDF, Excel: agreement per variable, per unit and
overall, error types; no identities). The pages (``/validering/``) do the
same for the coordinator, and the validators enter what they find there.
Every write is an audit event naming the operator.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from painreg.cli.operator import add_claim_argument, operator_name
from painreg.errors import UserError

FORMATS = ("html", "pdf", "xlsx")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "validation",
        help="source-data validation: create a round, draw its sample, export the results",
        description=__doc__.split("\n\n")[1] if __doc__ else None,
    )
    sub = parser.add_subparsers(dest="validation_command", metavar="VALIDATION_COMMAND")

    create = sub.add_parser("create", help="create a validation round")
    create.add_argument("--name", required=True, help="the round's name")
    create.add_argument(
        "--years",
        required=True,
        metavar="YEAR[-YEAR]",
        help="counting years, e.g. 2025 or 2024-2025",
    )
    create.add_argument(
        "--units", required=True, metavar="CODE,...", help="unit codes, comma-separated"
    )
    create.add_argument("--sample-size", type=int, required=True, help="registrations per unit")
    create.add_argument(
        "--variables",
        default="dates,category,main_diagnosis,discontinuation,work_measures",
        metavar="GROUP,...",
        help="variable groups: dates, category, main_diagnosis, discontinuation, work_measures "
        "(default: all)",
    )
    create.add_argument(
        "--items", default="", metavar="ITEM,...", help="questionnaire item ids to check"
    )
    create.add_argument("--seed", type=int, required=True, help="the random seed (an integer)")
    add_claim_argument(create)
    create.set_defaults(handler=_in_english(_create))

    draw = sub.add_parser("draw", help="draw and store a round's sample (once)")
    draw.add_argument("round", type=int, help="the round's id")
    add_claim_argument(draw)
    draw.set_defaults(handler=_in_english(_draw))

    validator = sub.add_parser(
        "add-validator", help="name a validator of a round (the role at each of its units)"
    )
    validator.add_argument("round", type=int, help="the round's id")
    validator.add_argument("username", help="the validator's user name (an existing account)")
    add_claim_argument(validator)
    validator.set_defaults(handler=_in_english(_add_validator))

    listing = sub.add_parser("list", help="list the validation rounds")
    listing.set_defaults(handler=_in_english(_list))

    export = sub.add_parser("export", help="write a round's report (no identities)")
    export.add_argument("round", type=int, help="the round's id")
    export.add_argument("--output", required=True, type=Path, help="directory to write into")
    export.add_argument(
        "--format",
        default="html,pdf,xlsx",
        metavar="FORMAT,...",
        help="html, pdf and/or xlsx (default: all three)",
    )
    export.set_defaults(handler=_in_english(_export))
    parser.set_defaults(handler=lambda args: parser.print_help() or 2)


def _in_english(handler: Any) -> Any:
    """Run ``handler`` with Django set up and messages in English (the command line's
    language), the active language restored afterwards."""

    def run(args: argparse.Namespace) -> int:
        import os

        import django

        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "painreg.settings")
        django.setup()
        from django.utils import translation

        with translation.override("en"):
            return int(handler(args))

    return run


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _years(text: str) -> tuple[int, int]:
    parts = text.split("-")
    try:
        years = [int(p) for p in parts]
    except ValueError:
        raise UserError(f"--years: {text!r} is not YEAR or YEAR-YEAR") from None
    if len(years) not in (1, 2):
        raise UserError(f"--years: {text!r} is not YEAR or YEAR-YEAR")
    return years[0], years[-1]


def _errors(exc: Any) -> str:
    return "; ".join(
        f"{field}: {' '.join(messages)}" for field, messages in exc.message_dict.items()
    )


def _get_round(round_id: int) -> Any:
    from painreg.verification.models import ValidationRound

    try:
        return ValidationRound.objects.get(pk=round_id)
    except ValidationRound.DoesNotExist:
        raise UserError(f"no validation round {round_id}") from None


def _create(args: argparse.Namespace) -> int:
    from django.core.exceptions import ValidationError

    from painreg.registry.models import Unit
    from painreg.verification import actions

    year_from, year_to = _years(args.years)
    codes = _split(args.units)
    units = list(Unit.objects.filter(code__in=codes))
    missing = sorted(set(codes) - {u.code for u in units})
    if missing:
        raise UserError(f"--units: no unit with code {', '.join(missing)}")
    try:
        round_ = actions.create_round(
            user=None,
            name=args.name,
            year_from=year_from,
            year_to=year_to,
            units=units,
            sample_size=args.sample_size,
            groups=_split(args.variables),
            items=_split(args.items),
            seed=args.seed,
            username=operator_name(args),
        )
    except ValidationError as exc:
        raise UserError(f"validation create: {_errors(exc)}") from None
    print(f"validation round {round_.pk} created: {round_.name}")
    return 0


def _draw(args: argparse.Namespace) -> int:
    from django.core.exceptions import ValidationError

    from painreg.verification import actions, results

    round_ = _get_round(args.round)
    try:
        samples = actions.draw_sample(user=None, round_=round_, username=operator_name(args))
    except ValidationError as exc:
        raise UserError(f"validation draw: {_errors(exc)}") from None
    for code, n, _done in results.progress(round_):
        print(f"{code}: {n} registrations sampled")
    print(
        f"validation round {round_.pk}: {len(samples)} registrations sampled (seed {round_.seed})"
    )
    return 0


def _add_validator(args: argparse.Namespace) -> int:
    from django.contrib.auth import get_user_model
    from django.core.exceptions import ValidationError

    from painreg.verification import actions

    round_ = _get_round(args.round)
    member = get_user_model().objects.filter(username=args.username, is_active=True).first()
    if member is None:
        raise UserError(f"no active account {args.username!r}")
    try:
        actions.assign_validator(
            user=None, round_=round_, member=member, username=operator_name(args)
        )
    except ValidationError as exc:
        raise UserError(f"validation add-validator: {_errors(exc)}") from None
    print(f"{member.get_username()} validates round {round_.pk}")
    return 0


def _list(args: argparse.Namespace) -> int:
    from painreg.verification.models import ValidationRound

    for r in ValidationRound.objects.order_by("pk").prefetch_related("units", "samples"):
        samples = list(r.samples.all())
        done = sum(s.completed for s in samples)
        state = f"{done}/{len(samples)} validated" if r.drawn else "not drawn"
        units = ",".join(sorted(u.code for u in r.units.all()))
        print(f"{r.pk}\t{r.name}\t{r.year_from}-{r.year_to}\t{units}\t{state}")
    return 0


def _export(args: argparse.Namespace) -> int:
    from painreg.outputs import write_outputs
    from painreg.reports import validation_report
    from painreg.verification import results

    formats = _split(args.format)
    unknown = sorted(set(formats) - set(FORMATS))
    if unknown or not formats:
        raise UserError(
            f"--format: {', '.join(unknown) or 'none'}; choose from {', '.join(FORMATS)}"
        )
    report = results.report(_get_round(args.round))
    render = {
        "html": lambda: validation_report.render_html(report),
        "pdf": lambda: validation_report.render_pdf(report),
        "xlsx": lambda: validation_report.render_excel(report),
    }
    stem = f"kalldatavalidering-{args.round}"
    paths = write_outputs(args.output, [(f"{stem}.{fmt}", render[fmt]()) for fmt in formats])
    for path in paths:
        print(f"wrote {path}")
    return 0
