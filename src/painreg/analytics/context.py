"""Who is counted: the code lists, the filters, the base registrations, an indicator's context.

Decisions (DOMAIN.md, "Counting rules of the indicators"):

- Filters (sex, age group, education, diagnosis group, programme) restrict
  the registrations before any indicator is counted.
- A registration belongs to a year by its counting date: rehab by
  ``rehab_end_date``, assessment by ``first_visit_date``
  (:func:`base_registrations`).

Pure Python on Ibis; no Django.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir

from painreg.analytics.load import Register
from painreg.tidy import vocabulary

CARE_LEVELS = ("specialist", "primary")
CHANGE4 = ("improved", "unchanged_positive", "unchanged_negative", "worsened")
CHANGE3 = ("improved", "unchanged", "worsened")
REASONS = vocabulary.DISCONTINUATION_REASONS.values
#: Education of the registrations, with the group of those that gave none.
EDUCATION = (*vocabulary.EDUCATION.values, vocabulary.UNKNOWN.value)
WORK_MEASURES = vocabulary.WORK_MEASURES.values
WAI_CATEGORIES = ("poor", "moderate", "good", "excellent")
#: The change outcomes (share improved among those with the measure), in the
#: 2021 report's order (figures 3-18): the annual report's unit comparisons and
#: the unit dashboard show these.
CHANGE_OUTCOMES = (
    "global_life_situation",
    "global_pain_experience",
    "global_pain_handling",
    "eqvas_change",
    "hads_anxiety_change",
    "hads_depression_change",
    "pcs_change",
    "wai_change",
)
ACTIVITY_CATEGORIES = (
    "none", "under_30", "from_30_to_60", "from_60_to_90", "from_90_to_150", "from_150_to_300",
    "over_300",
)  # fmt: skip
AGE_GROUPS = ("16-19", "20-29", "30-39", "40-49", "50-59", "60-69", "70+")
#: Sjukvårdsregion of each region (SCB county code), förordning 2023:1203.
HEALTHCARE_REGIONS: dict[str, str] = vocabulary.HEALTHCARE_REGION_OF


@dataclass(frozen=True)
class Filters:
    """A patient group. Empty fields do not filter.

    ``age_group`` is "a-b" or "a+" (age = year of first visit − birth year);
    ``diagnosis`` is an ICD-10 prefix compared upper-case without the dot
    (``M79`` matches ``M79.7``); ``programme`` matches registrations whose
    programme list holds it.
    """

    sex: str | None = None
    age_group: str | None = None
    education: str | None = None
    diagnosis: str | None = None
    programme: str | None = None

    def describe(self) -> str:
        parts = [f"{k}={v}" for k, v in self.__dict__.items() if v]
        return ", ".join(parts) or "alla patienter"


def age_bounds(group: str) -> tuple[int, int | None]:
    """``"20-29" -> (20, 29)``, ``"66+" -> (66, None)``."""
    text = group.strip()
    try:
        if text.endswith("+"):
            return int(text[:-1]), None
        low, high = text.split("-")
        return int(low), int(high)
    except ValueError:
        raise ValueError(f"age group {group!r} is not like 20-29 or 66+") from None


def has_item(list_column: ir.StringValue, value: str) -> ir.BooleanValue:
    # Lists are ';'-joined strings (interop.schema); wrap so whole elements match.
    return (ibis.literal(";") + list_column.fill_null("") + ";").contains(f";{value};")


def counting_year(t: ir.Table) -> ir.IntegerColumn:
    """:func:`painreg.tidy.rules.counting_year` as an Ibis expression over registrations."""
    return ibis.cases(
        (t.category == "rehab", t.rehab_end_date.year()), else_=t.first_visit_date.year()
    )


def base_registrations(register: Register, filters: Filters | None = None) -> ir.Table:
    """Signed-off registrations with unit, patient, year, age and discontinuation reason.

    ``year``: rehab by ``rehab_end_date`` (null while ongoing), assessment by
    ``first_visit_date``. ``reason``: the discontinuation reason, ``other`` when
    discontinued without one, null when not discontinued.
    """
    r = register.registrations
    r = r.filter(r.signed_off.fill_null(True))
    units = connected_units(register).select("unit_id", "care_level", "region_code")
    patients = register.patients.select(
        patient_key=register.patients.patient_id,
        sex=register.patients.sex,
        birth_year=register.patients.birth_year,
    )
    t = r.inner_join(units, "unit_id").left_join(patients, r.patient_id == patients.patient_key)
    discontinued = t.discontinued.fill_null(False)
    t = t.mutate(
        year=counting_year(t),
        age=t.first_visit_date.year() - t.birth_year,
        is_discontinued=discontinued,
        reason=ibis.cases(
            (discontinued, t.discontinuation_reason.fill_null("other")), else_=ibis.null("str")
        ),
    )
    t = t.drop("patient_key")
    if filters is None:
        return t
    if filters.sex:
        t = t.filter(t.sex == filters.sex)
    if filters.age_group:
        low, high = age_bounds(filters.age_group)
        t = t.filter(t.age >= low)
        if high is not None:
            t = t.filter(t.age <= high)
    if filters.education:
        t = t.filter(t.education == filters.education)
    if filters.diagnosis:
        prefix = filters.diagnosis.upper().replace(".", "")
        t = t.filter(t.main_diagnosis.upper().replace(".", "").startswith(prefix))
    if filters.programme:
        t = t.filter(has_item(t.programme, filters.programme))
    return t


def connected_units(register: Register) -> ir.Table:
    """The units not marked ``connected = false`` (absent or empty: connected).

    A unit that is not connected appears nowhere but in the unit coverage
    counts (DOMAIN.md, "Unit coverage"): its registrations, if any, are not
    counted and it is never listed.
    """
    u = register.units
    if "connected" not in u.columns:
        return u
    return u.filter(u.connected.fill_null(True))


#: The counts of ``unit_coverage`` (DOMAIN.md, "Unit coverage"), in the JSON's order.
UNIT_COVERAGE = ("providing", "connected", "delivering", "reporting_totals")


def unit_coverage_frame(register: Register, year: int | ir.IntegerScalar) -> ir.Table:
    """One row per unit providing MMR in ``year`` (its active period overlaps the
    year; empty ends are open), with 0/1 columns :data:`UNIT_COVERAGE`.

    Delivering: connected, with at least one signed-off registration of the year
    (either category), whatever the patient group chosen (a unit delivers data or
    not; a filter does not change that). Reporting totals: delivering,
    with a ``rehab_patients_total`` of the year.
    """
    u = register.units
    start = ibis.date(year, 1, 1)
    end = ibis.date(year, 12, 31)
    providing = u.filter(
        (u.active_from.isnull() | (u.active_from <= end))
        & (u.active_to.isnull() | (u.active_to >= start))
    )
    connected = (
        providing.connected.fill_null(True) if "connected" in u.columns else ibis.literal(True)
    )
    r = register.registrations
    r = r.filter(r.signed_off.fill_null(True))
    delivered = r.filter(counting_year(r) == year).select("unit_id").distinct()
    totals = register.unit_year_totals
    reported = totals.filter((totals.year == year) & totals.rehab_patients_total.notnull())
    reported = reported.select("unit_id").distinct()
    t = providing.mutate(is_connected=connected).select(
        "unit_id", "care_level", "region_code", "is_connected"
    )
    t = t.mutate(
        is_delivering=t.is_connected & t.unit_id.isin(delivered.unit_id),
        has_total=t.unit_id.isin(reported.unit_id),
    )
    return t.select(
        "unit_id",
        "care_level",
        "region_code",
        providing=ibis.literal(1),
        # ifelse, not a cast: PostgreSQL has no cast from boolean to bigint.
        connected=ibis.ifelse(t.is_connected, 1, 0),
        delivering=ibis.ifelse(t.is_delivering, 1, 0),
        reporting_totals=ibis.ifelse(t.is_delivering & t.has_total, 1, 0),
    )


@dataclass
class Context:
    """What an indicator's expression is built from."""

    register: Register
    base: ir.Table
    year: int | ir.IntegerScalar
    #: ``(instrument, score) -> table`` of :meth:`scores_of`, when the caller keeps
    #: each score's rows at hand (``compute_indicators`` on DuckDB).
    score_source: Callable[[str, str], ir.Table] | None = None

    def rehab(self, year: int | ir.IntegerScalar | None = None) -> ir.Table:
        """Rehab registrations of the year (discontinued included)."""
        b = self.base
        return b.filter((b.category == "rehab") & (b.year == (self.year if year is None else year)))

    def completed(self, year: int | ir.IntegerScalar | None = None) -> ir.Table:
        """Completed (not discontinued) rehab registrations of the year."""
        r = self.rehab(year)
        return r.filter(~r.is_discontinued)

    def assessments(self) -> ir.Table:
        b = self.base
        return b.filter((b.category == "assessment") & (b.year == self.year))

    def scores_of(self, instrument: str, score: str) -> ir.Table:
        """Every occasion's ``registration_id, occasion, value`` of one score."""
        if self.score_source is not None:
            return self.score_source(instrument, score)
        s = self.register.scores
        s = s.filter((s.instrument == instrument) & (s.score == score))
        return s.select("registration_id", "occasion", "value")

    def score(self, instrument: str, score: str, occasion: str) -> ir.Table:
        s = self.scores_of(instrument, score)
        return s.filter(s.occasion == occasion).select("registration_id", "value")
