"""Validation of registry data: errors block saving, warnings are kept and listed.

The REDCap/QReg habit: a hard error (impossible date order, malformed ICD-10
code, value outside the instrument's codes) refuses the whole save; a soft
warning (a date in the future, an answer outside the occasion's window, a
discontinuation without reason) keeps the value and is listed next to it.

Every message exists in Swedish (shown by default) and English; an ``Issue``
picks the active language. :func:`raise_errors` turns errors into Django's
``ValidationError`` keyed by field, so a form shows each next to its field.

Sign-off (klarmarkering) rules are from DOMAIN.md, registration workflow.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import get_language

from painreg.registry.models import (
    Category,
    Occasion,
    OccasionKind,
    OccasionStatus,
    Registration,
    due_window,
)
from painreg.tidy import diagnoses, rules, vocabulary

NON_FIELD = "__all__"


@dataclass(frozen=True)
class Issue:
    """One finding: ``field`` it belongs to, a stable ``code``, and the two texts."""

    field: str
    code: str
    sv: str
    en: str

    @property
    def message(self) -> str:
        lang = get_language() or "sv"
        return self.en if lang.startswith("en") else self.sv

    def __str__(self) -> str:
        return self.message


@dataclass
class Findings:
    """What a check found: errors block the write, warnings are shown with it."""

    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)

    def error(self, field_name: str, code: str, sv: str, en: str) -> None:
        self.errors.append(Issue(field_name, code, sv, en))

    def warning(self, field_name: str, code: str, sv: str, en: str) -> None:
        self.warnings.append(Issue(field_name, code, sv, en))

    def extend(self, other: Findings) -> None:
        self.errors += other.errors
        self.warnings += other.warnings

    @property
    def ok(self) -> bool:
        return not self.errors


def raise_errors(report: Findings) -> None:
    """Raise ``ValidationError({field: [messages]})`` when the report has errors."""
    if report.errors:
        by_field: dict[str, list[ValidationError]] = {}
        for issue in report.errors:
            by_field.setdefault(issue.field, []).append(
                ValidationError(issue.message, code=issue.code)
            )
        raise ValidationError(by_field)


# --- Registrations -----------------------------------------------------------

REGISTRATION_FIELDS: tuple[str, ...] = (
    "category",
    "referral_date",
    "first_visit_date",
    "rehab_start_date",
    "rehab_end_date",
    "discontinued",
    "discontinuation_reason",
    "main_diagnosis",
    "secondary_diagnoses",
    "education",
    "work_measures",
    "programme",
)

_DATE_LABELS = {
    "referral_date": ("Remissdatum", "Referral date"),
    "first_visit_date": ("Datum för första besök", "First visit date"),
    "rehab_start_date": ("Startdatum för rehabiliteringen", "Rehab start date"),
    "rehab_end_date": ("Avslutsdatum för rehabiliteringen", "Rehab end date"),
}


def normalize_registration(values: Mapping[str, Any]) -> dict[str, Any]:
    """Blank strings to ``None``/``""``, diagnosis codes to their normal form where
    well-formed (malformed ones are left for :func:`check_registration` to report)."""
    out = dict(values)
    for name in _DATE_LABELS:
        if out.get(name) == "":
            out[name] = None
    for name in ("main_diagnosis",):
        if out.get(name):
            try:
                out[name] = diagnoses.normalize_icd10(out[name])
            except diagnoses.DiagnosisCodeError:
                pass
    if "secondary_diagnoses" in out:
        codes = out["secondary_diagnoses"] or []
        if isinstance(codes, str):
            codes = codes.replace(",", ";").split(";")
        codes = [str(c).strip() for c in codes if str(c).strip()]
        normal = []
        for c in codes:
            try:
                normal.append(diagnoses.normalize_icd10(c))
            except diagnoses.DiagnosisCodeError:
                normal.append(c)
        out["secondary_diagnoses"] = normal
    for name in ("work_measures", "programme"):
        if name in out and out[name] is None:
            out[name] = []
    for name in ("discontinuation_reason", "education", "main_diagnosis"):
        if name in out and out[name] is None:
            out[name] = ""
    return out


def check_registration(
    values: Mapping[str, Any], *, birth_date: dt.date | None = None, today: dt.date | None = None
) -> Findings:
    """Check a registration's field values (the full set, after an update is applied).

    One check per job, in the order their findings are listed: category,
    dates (type, order, against birth and today), discontinuation,
    diagnoses, the other code lists. The rules themselves are stated in
    :mod:`painreg.tidy.rules` and the code lists in :mod:`painreg.tidy.vocabulary`;
    this module words the findings for people.
    """
    r = Findings()
    category = values.get("category")
    _check_category(r, category)
    dates = _dates(r, values)
    _check_date_order(r, dates, category)
    _check_dates_in_life(r, dates, birth_date=birth_date, today=today or dt.date.today())
    _check_discontinuation(r, values, dates, category)
    _check_diagnoses(r, values)
    education = values.get("education") or ""
    if education and education not in vocabulary.EDUCATION:
        r.error("education", "choice", "Okänd utbildningsnivå.", "Unknown education level.")
    _check_list(r, "work_measures", values.get("work_measures"), vocabulary.WORK_MEASURES.values)
    _check_list(r, "programme", values.get("programme"), vocabulary.PROGRAMMES.values)
    return r


def _check_category(r: Findings, category: Any) -> None:
    if category not in vocabulary.REGISTRATION_CATEGORIES:
        r.error(
            "category",
            "category",
            "Välj patientkategori (endast utredning eller multimodal rehabilitering).",
            "Choose the patient category (assessment only or multimodal rehabilitation).",
        )


def _dates(r: Findings, values: Mapping[str, Any]) -> dict[str, dt.date | None]:
    """The four dates by field; a value that is not a date is an error and counts as empty."""
    dates = {name: values.get(name) for name in _DATE_LABELS}
    for name, value in dates.items():
        if value is not None and not isinstance(value, dt.date):
            sv, en = _DATE_LABELS[name]
            r.error(name, "date", f"{sv} är inte ett datum.", f"{en} is not a date.")
            dates[name] = None
    return dates


#: How each of :func:`painreg.tidy.rules.date_problems`' findings is shown: field, sv, en.
_DATE_ORDER_MESSAGES: dict[str, tuple[str, str, str]] = {
    rules.REFERRAL_AFTER_FIRST_VISIT: (
        "referral_date",
        "Remissdatum kan inte vara efter första besöket.",
        "The referral date cannot be after the first visit.",
    ),
    rules.REHAB_START_BEFORE_FIRST_VISIT: (
        "rehab_start_date",
        "Rehabiliteringen kan inte starta före första besöket.",
        "Rehabilitation cannot start before the first visit.",
    ),
    rules.REHAB_END_BEFORE_START: (
        "rehab_end_date",
        "Avslutsdatum för rehabiliteringen kan inte vara före startdatum.",
        "The rehab end date cannot be before the rehab start date.",
    ),
    rules.REHAB_END_WITHOUT_START: (
        "rehab_start_date",
        "Ange startdatum för rehabiliteringen när avslutsdatum finns.",
        "Enter the rehab start date when there is an end date.",
    ),
}


def _check_date_order(r: Findings, dates: Mapping[str, dt.date | None], category: Any) -> None:
    for code in rules.date_problems(**dates):
        # Any rehab date of an assessment is itself the error (assessment_with_rehab),
        # so a missing start is asked for only in a rehab registration.
        if code == rules.REHAB_END_WITHOUT_START and category != Category.REHAB:
            continue
        field_name, sv, en = _DATE_ORDER_MESSAGES[code]
        r.error(field_name, code, sv, en)


def _check_dates_in_life(
    r: Findings, dates: Mapping[str, dt.date | None], *, birth_date: dt.date | None, today: dt.date
) -> None:
    """No date before the patient's birth (error); a date in the future is a warning."""
    if birth_date is not None:
        for name, value in dates.items():
            if value is not None and value < birth_date:
                sv, en = _DATE_LABELS[name]
                r.error(
                    name,
                    "before_birth",
                    f"{sv} kan inte vara före patientens födelsedatum.",
                    f"{en} cannot be before the patient's date of birth.",
                )
    for name, value in dates.items():
        if value is not None and value > today:
            sv, en = _DATE_LABELS[name]
            r.warning(name, "future_date", f"{sv} ligger i framtiden.", f"{en} is in the future.")


def _check_discontinuation(
    r: Findings, values: Mapping[str, Any], dates: Mapping[str, dt.date | None], category: Any
) -> None:
    discontinued = bool(values.get("discontinued"))
    reason = values.get("discontinuation_reason") or ""
    if rules.rehab_fields_of_assessment(
        category,
        rehab_start_date=dates["rehab_start_date"],
        rehab_end_date=dates["rehab_end_date"],
        discontinued=discontinued,
    ):
        r.error(
            "category",
            "assessment_with_rehab",
            "En registrering med endast utredning har inga rehabiliteringsdatum eller avbrott. "
            "Byt kategori till multimodal rehabilitering eller ta bort datumen.",
            "An assessment-only registration has no rehab dates or discontinuation. Change the "
            "category to multimodal rehabilitation or remove the dates.",
        )
    if reason and reason not in vocabulary.DISCONTINUATION_REASONS:
        r.error(
            "discontinuation_reason",
            "choice",
            "Okänd orsak till avbrott.",
            "Unknown discontinuation reason.",
        )
    if rules.reason_without_discontinuation(
        discontinued=discontinued, discontinuation_reason=reason
    ):
        r.error(
            "discontinuation_reason",
            "reason_without_discontinuation",
            "Orsak till avbrott anges bara när rehabiliteringen avbröts.",
            "A discontinuation reason is given only when rehabilitation was discontinued.",
        )
    if discontinued and not reason:
        r.warning(
            "discontinuation_reason",
            "discontinued_without_reason",
            "Orsak till avbrott saknas; den räknas som ”annat”.",
            "The discontinuation reason is missing; it counts as 'other'.",
        )


def _check_diagnoses(r: Findings, values: Mapping[str, Any]) -> None:
    main = values.get("main_diagnosis") or ""
    if main and not diagnoses.is_valid_icd10(main):
        r.error("main_diagnosis", "icd10", diagnoses.MESSAGE_SV, diagnoses.MESSAGE_EN)
    for code in values.get("secondary_diagnoses") or []:
        if not diagnoses.is_valid_icd10(code):
            r.error(
                "secondary_diagnoses",
                "icd10",
                f"Bidiagnosen {code!s} har fel format. Skriv en ICD-10-kod, till exempel M54.5.",
                f"The secondary diagnosis {code!s} has the wrong format. Write an ICD-10 code, "
                "such as M54.5.",
            )


def _check_list(r: Findings, name: str, value: Any, allowed: Iterable[str]) -> None:
    allowed = set(allowed)
    if value is None:
        return
    if not isinstance(value, list | tuple):
        r.error(name, "list", "Ogiltigt värde.", "Invalid value.")
        return
    unknown = [v for v in value if v not in allowed]
    if unknown:
        r.error(
            name,
            "choice",
            f"Okända val: {', '.join(map(str, unknown))}.",
            f"Unknown choices: {', '.join(map(str, unknown))}.",
        )


def registration_values(registration: Registration) -> dict[str, Any]:
    return {name: getattr(registration, name) for name in REGISTRATION_FIELDS}


def registration_warnings(
    registration: Registration, *, today: dt.date | None = None
) -> list[Issue]:
    """The warnings kept on a saved registration (listed next to the fields)."""
    return check_registration(
        registration_values(registration),
        birth_date=registration.patient.birth_date,
        today=today,
    ).warnings


# --- Answers -----------------------------------------------------------------


def check_answer(
    item: str,
    value: Any,
    *,
    answered_on: dt.date | None,
    occasion: Occasion | None = None,
    today: dt.date | None = None,
) -> Findings:
    """Check one answer: the catalogue's allowed values (error), the date (error if in
    the future, warning if outside the occasion's window)."""
    from painreg import instruments

    today = today or dt.date.today()
    r = Findings()
    try:
        instruments.validate_value(item, value)
    except instruments.InstrumentError as exc:
        r.error(
            item,
            "value",
            f"Ogiltigt svar på {item}: {exc}",
            f"Invalid answer to {item}: {exc}",
        )
    if answered_on is None:
        r.error(item, "answered_on", "Ange svarsdatum.", "Enter the date answered.")
    elif answered_on > today:
        r.error(
            item,
            "answered_on_future",
            "Svarsdatum kan inte ligga i framtiden.",
            "The date answered cannot be in the future.",
        )
    elif occasion is not None:
        reg = occasion.registration
        window = due_window(
            occasion.kind, first_visit_date=reg.first_visit_date, rehab_end_date=reg.rehab_end_date
        )
        if window is not None and not window[0] <= answered_on <= window[1]:
            r.warning(
                item,
                "outside_window",
                f"Svarsdatum {answered_on:%Y-%m-%d} ligger utanför tillfällets period "
                f"({window[0]:%Y-%m-%d}–{window[1]:%Y-%m-%d}).",
                f"The date answered {answered_on:%Y-%m-%d} is outside the occasion's window "
                f"({window[0]:%Y-%m-%d} to {window[1]:%Y-%m-%d}).",
            )
    return r


# --- Sign-off ----------------------------------------------------------------


def occasion_form(occasion: Occasion) -> list[str]:
    """The instruments of the occasion's configured form, in order (``registry.form_config``:
    the same form the patient answers electronically), or none when not configured."""
    from painreg import instruments
    from painreg.registry import form_config

    try:
        return form_config.form_instruments(occasion.registration.unit.care_level, occasion.kind)
    except instruments.InstrumentError:
        return []


def occasion_signoff_problems(occasion: Occasion) -> list[Issue]:
    """Why ``occasion`` cannot be signed off yet (empty list: it can).

    DOMAIN.md: every required item of its form answered, or the instrument
    marked "not administered" with a reason. The form is the occasion's
    configured form (care level and occasion, ``registry.form_config``) plus
    any other instrument with answers: an instrument of the form with no
    answers must be marked not administered. An occasion with no answers and
    no marks gets one message, not one per instrument.
    """
    problems: list[Issue] = []
    answered = set(occasion.answers.values_list("item", flat=True))
    not_administered: dict[str, str] = occasion.not_administered or {}
    for instrument_id, reason in not_administered.items():
        if not str(reason or "").strip():
            problems.append(
                Issue(
                    instrument_id,
                    "not_administered_reason",
                    f"Ange varför {instrument_id} inte administrerades.",
                    f"Give the reason {instrument_id} was not administered.",
                )
            )
    if not answered and not not_administered:
        problems.append(
            Issue(
                NON_FIELD,
                "no_answers",
                "Tillfället har inga svar. Registrera svaren eller markera instrumenten som ej "
                "administrerade, med orsak.",
                "The occasion has no answers. Enter them or mark the instruments as not "
                "administered, with a reason.",
            )
        )
        return problems
    form = occasion_form(occasion)
    missing_by_instrument = rules.missing_required(answered, not_administered, form=form)
    for instrument_id, missing in missing_by_instrument.items():
        definition_items = _item_ids(instrument_id)
        if not answered & definition_items:
            problems.append(
                Issue(
                    instrument_id,
                    "not_answered",
                    f"{instrument_id}: inga svar. Registrera svaren eller markera instrumentet "
                    "som ej administrerat, med orsak.",
                    f"{instrument_id}: no answers. Enter them or mark the instrument as not "
                    "administered, with a reason.",
                )
            )
            continue
        problems.append(
            Issue(
                instrument_id,
                "missing_items",
                f"{instrument_id}: obesvarade obligatoriska frågor: {', '.join(missing)}.",
                f"{instrument_id}: required items not answered: {', '.join(missing)}.",
            )
        )
    return problems


def _item_ids(instrument_id: str) -> set[str]:
    from painreg import instruments

    return set(instruments.get_instrument(instrument_id).item_ids)


def status_from_items(
    answered: set[str], *, not_administered: Mapping[str, str], signed_off: bool
) -> str:
    """An occasion's status from its answered items (:func:`painreg.tidy.rules.occasion_status`)."""
    return OccasionStatus(
        rules.occasion_status(answered, not_administered=not_administered, signed_off=signed_off)
    )


#: How each field :func:`painreg.tidy.rules.missing_for_sign_off` names is asked for.
_SIGN_OFF_MISSING: dict[str, tuple[str, str]] = {
    "first_visit_date": ("Datum för första besök saknas.", "The first visit date is missing."),
    "main_diagnosis": ("Huvuddiagnos saknas.", "The main diagnosis is missing."),
    "rehab_start_date": (
        "Startdatum för rehabiliteringen saknas.",
        "The rehab start date is missing.",
    ),
    "rehab_end_date": (
        "Avslutsdatum för rehabiliteringen saknas (vid avbrott: datum för avbrottet).",
        "The rehab end date is missing (if discontinued: the date of discontinuation).",
    ),
    "discontinuation_reason": (
        "Orsak till avbrott saknas.",
        "The discontinuation reason is missing.",
    ),
}


def registration_signoff_problems(registration: Registration) -> list[Issue]:
    """Why ``registration`` cannot be signed off yet (DOMAIN.md, registration workflow).

    Unit, patient, category, first visit date and main diagnosis; for rehab
    also rehab start and rehab end (for a discontinued rehab the end date is
    the date of discontinuation, and a reason is required); its ``initial``
    occasion signed off; and no validation errors.
    """
    problems: list[Issue] = []
    missing = rules.missing_for_sign_off(
        registration.category,
        first_visit_date=registration.first_visit_date,
        main_diagnosis=registration.main_diagnosis,
        rehab_start_date=registration.rehab_start_date,
        rehab_end_date=registration.rehab_end_date,
        discontinued=registration.discontinued,
        discontinuation_reason=registration.discontinuation_reason,
    )
    for field_name in missing:
        sv, en = _SIGN_OFF_MISSING[field_name]
        problems.append(Issue(field_name, "required", sv, en))
    initial = registration.occasions.filter(kind=OccasionKind.INITIAL).first()
    if initial is None or not initial.signed_off:
        problems.append(
            Issue(
                NON_FIELD,
                "initial_not_signed_off",
                "Det initiala mättillfället är inte klarmarkerat.",
                "The initial occasion is not signed off.",
            )
        )
    problems += check_registration(
        registration_values(registration), birth_date=registration.patient.birth_date
    ).errors
    return problems
