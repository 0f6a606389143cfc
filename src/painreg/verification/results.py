"""The register's side of a validation round: registered values, eligible registrations,
the variables of a sample, and the round's checks for the pure computations.

The rules themselves (sampling, normalising, classifying, agreement) are
:mod:`painreg.analytics.validation`'s; this module only reads the database.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from painreg.analytics import validation as v
from painreg.instruments import find_item
from painreg.instruments.model import InstrumentError
from painreg.registry.models import Answer, AnswerSource, Registration
from painreg.reports import validation_report
from painreg.tidy import vocabulary
from painreg.verification.models import RecordedValue, SampledRegistration, ValidationRound


def eligible_registrations(round_: ValidationRound) -> dict[str, dict[str, Registration]]:
    """Per unit code, the round's eligible registrations by ``registration_id``: signed
    off, in the register, counting in the round's years (DOMAIN.md counting rules)."""
    out: dict[str, dict[str, Registration]] = {u.code: {} for u in round_.units.all()}
    registrations = (
        Registration.objects.in_register()
        .signed_off()
        .filter(unit__in=round_.units.all())
        .select_related("unit")
    )
    for reg in registrations:
        year = reg.counting_year
        if year is not None and round_.year_from <= year <= round_.year_to:
            out[reg.unit.code][reg.public_id] = reg
    return out


def sample_variables(round_: ValidationRound, registration: Registration) -> list[str]:
    """The variables to check for one sampled registration: the chosen registration
    variables, then each chosen item at each occasion entered by staff."""
    variables = list(v.registration_variables(round_.groups))
    if round_.items:
        staff_kinds = set(
            Answer.objects.filter(
                occasion__registration=registration, source=AnswerSource.STAFF
            ).values_list("occasion__kind", flat=True)
        )
        for kind in vocabulary.OCCASIONS.values:
            if kind in staff_kinds:
                variables += [v.item_variable(kind, item) for item in round_.items]
    return variables


def registered_value(registration: Registration, variable: str) -> str | None:
    """The register's normalised value of ``variable`` (``None`` when missing)."""
    item = v.parse_item_variable(variable)
    if item:
        kind, item_id = item
        answer = Answer.objects.filter(
            occasion__registration=registration, occasion__kind=kind, item=item_id
        ).first()
        return v.normalise(variable, answer.value if answer else None)
    if variable in v.WORK_MEASURE_VARIABLES:
        return v.normalise(variable, variable.split(".", 1)[1] in registration.work_measures)
    if variable == "discontinued" and registration.category != "rehab":
        return None  # not asked of an assessment: missing, not "no"
    return v.normalise(variable, getattr(registration, variable))


def ordered_values(variable: str) -> tuple[float, ...] | None:
    """An item's ordered list of values (for "neighbouring option"), else ``None``."""
    item = v.parse_item_variable(variable)
    if not item:
        return None
    try:
        return find_item(item[1]).values
    except InstrumentError:
        return None


def outcome(record: RecordedValue) -> str:
    return v.classify(
        record.registered or None,
        record.value or None,
        not_found=record.not_found,
        ordered_values=ordered_values(record.variable),
    )


@dataclass(frozen=True)
class Comparison:
    variable: str
    label: str
    registered: str
    recorded: str
    not_found: bool
    outcome: str


def comparisons(sample: SampledRegistration, lang: str = "sv") -> list[Comparison]:
    records = {r.variable: r for r in sample.recorded.all()}
    out = []
    for variable in sample.variables:
        record = records.get(variable)
        if record is None:
            continue
        out.append(
            Comparison(
                variable,
                v.variable_label(variable, lang),
                v.display_value(variable, record.registered, lang),
                v.display_value(variable, record.value, lang),
                record.not_found,
                outcome(record),
            )
        )
    return out


def round_checks(round_: ValidationRound) -> list[v.Check]:
    """Every checked variable of the round's completed samples (no identities)."""
    records = (
        RecordedValue.objects.filter(
            sample__round=round_,
            sample__completed_at__isnull=False,
            # An opt-out after the draw takes the patient's data out of the results too.
            sample__registration__patient__opted_out_at__isnull=True,
        )
        .select_related("sample", "sample__unit")
        .order_by("sample__number", "pk")
    )
    return [
        v.Check(r.sample.unit.code, str(r.sample.number), r.variable, outcome(r)) for r in records
    ]


def round_variables(round_: ValidationRound) -> list[str]:
    """The round's variables in a stable order: registration variables, then items."""
    seen: dict[str, None] = dict.fromkeys(v.registration_variables(round_.groups))
    for sample in round_.samples.all():
        seen.update(dict.fromkeys(sample.variables))
    return list(seen)


def unit_names(round_: ValidationRound) -> dict[str, str]:
    return {u.code: u.name for u in round_.units.all()}


def progress(round_: ValidationRound) -> list[tuple[str, int, int]]:
    """Per unit (code): sampled and completed registrations."""
    rows: dict[str, list[int]] = {u.code: [0, 0] for u in round_.units.order_by("code")}
    for sample in round_.samples.select_related("unit"):
        row = rows.setdefault(sample.unit.code, [0, 0])
        row[0] += 1
        row[1] += sample.completed
    return [(code, n, done) for code, (n, done) in rows.items()]


def unknown_items(items: Iterable[str]) -> list[str]:
    """The item ids of ``items`` the catalogue does not know."""
    unknown = []
    for item in items:
        try:
            find_item(item)
        except InstrumentError:
            unknown.append(item)
    return unknown


def report(round_: ValidationRound) -> validation_report.ValidationReport:
    """The round's report (no identities): what the results page, the downloads and
    ``painreg validation export`` show."""
    variables = round_variables(round_)
    summary = v.summarise(round_checks(round_), variables)
    samples = round_.samples.all()
    info = validation_report.RoundInfo(
        name=round_.name,
        year_from=round_.year_from,
        year_to=round_.year_to,
        sample_size=round_.sample_size,
        seed=round_.seed,
        variables=variables,
        drawn_on=round_.drawn_at.date() if round_.drawn_at else None,
        sampled=samples.count(),
        completed=samples.filter(completed_at__isnull=False).count(),
    )
    return validation_report.build(info, summary, unit_names(round_))
