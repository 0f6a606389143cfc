"""The register's indicators: each defined once, as an Ibis expression, with its documentation.

Decisions (DOMAIN.md, "Counting rules of the indicators"; ARCHITECTURE.md):

- Every indicator is an :class:`Indicator` in :data:`INDICATORS`: its key (the
  JSON key), Swedish and English title, numerator, denominator, population,
  the figure(s) of the 2021 annual report it reproduces, and a function
  building an Ibis expression that counts per unit. ``docs/indicators.md`` is
  rendered from these objects (:func:`render_indicator_reference`), so the
  documentation cannot drift from the code.
- Counting is per unit; a care level's national value is the sum over its
  units (units partition a care level; levels are never pooled). Coverage is
  the exception: national coverage sums only the units that reported a total.
- Change categories are computed in the engine from the rules in the
  instrument definitions (:func:`painreg.instruments.change_rule`), never
  from thresholds written here; a test checks them against
  :func:`painreg.instruments.change_category` row by row.
- Filters (sex, age group, education, diagnosis group, programme) restrict
  the registrations before any indicator is counted.

Pure Python on Ibis; no Django.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import ibis
import ibis.expr.types as ir

from painreg.analytics.load import Register

CARE_LEVELS = ("specialist", "primary")
CHANGE4 = ("improved", "unchanged_positive", "unchanged_negative", "worsened")
CHANGE3 = ("improved", "unchanged", "worsened")
REASONS = ("own_decision", "other_medical", "other")
EDUCATION = ("compulsory", "upper_secondary", "university", "other", "unknown")
WORK_MEASURES = (
    "rehab_plan",
    "rtw_action_plan",
    "ergonomic",
    "planned_meetings",
    "workplace_visit",
)
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
#: Sjukvårdsregion of each region (SCB county code), förordning 2023:1203. A copy of
#: registry/data/regions.csv (analytics may not import the Django app); a test
#: checks they agree.
HEALTHCARE_REGIONS: dict[str, str] = {
    "01": "stockholm_gotland", "09": "stockholm_gotland",
    "03": "mellansverige", "04": "mellansverige", "17": "mellansverige",
    "18": "mellansverige", "19": "mellansverige", "20": "mellansverige", "21": "mellansverige",
    "05": "sydostra", "06": "sydostra", "08": "sydostra",
    "07": "sodra", "10": "sodra", "12": "sodra", "13": "sodra",
    "14": "vastra",
    "22": "norra", "23": "norra", "24": "norra", "25": "norra",
}  # fmt: skip
# Epsilon for float differences such as 45.1 - 30.0 (as instruments.change does).
_EPS = 1e-9


# ---------------------------------------------------------------------------
# Filters and the base table


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


def _has_item(list_column: ir.StringValue, value: str) -> ir.BooleanValue:
    # Lists are ';'-joined strings (interop.schema); wrap so whole elements match.
    return (ibis.literal(";") + list_column.fill_null("") + ";").contains(f";{value};")


def base_registrations(register: Register, filters: Filters | None = None) -> ir.Table:
    """Signed-off registrations with unit, patient, year, age and discontinuation reason.

    ``year``: rehab by ``rehab_end_date`` (null while ongoing), assessment by
    ``first_visit_date``. ``reason``: the discontinuation reason, ``other`` when
    discontinued without one, null when not discontinued.
    """
    r = register.registrations
    r = r.filter(r.signed_off.fill_null(True))
    units = register.units.select("unit_id", "care_level", "region_code")
    patients = register.patients.select(
        patient_key=register.patients.patient_id,
        sex=register.patients.sex,
        birth_year=register.patients.birth_year,
    )
    t = r.inner_join(units, "unit_id").left_join(patients, r.patient_id == patients.patient_key)
    discontinued = t.discontinued.fill_null(False)
    t = t.mutate(
        year=ibis.cases(
            (t.category == "rehab", t.rehab_end_date.year()),
            else_=t.first_visit_date.year(),
        ),
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
        t = t.filter(_has_item(t.programme, filters.programme))
    return t


@dataclass
class Context:
    """What an indicator's expression is built from."""

    register: Register
    base: ir.Table
    year: int | ir.IntegerScalar

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

    def score(self, instrument: str, score: str, occasion: str) -> ir.Table:
        s = self.register.scores
        s = s.filter((s.instrument == instrument) & (s.score == score) & (s.occasion == occasion))
        return s.select("registration_id", "value")


# ---------------------------------------------------------------------------
# Change categories from the instrument rules


def _band(value: ir.NumericValue, bands: Sequence[tuple[str, float]]) -> ir.IntegerValue:
    """Index of the first band whose max is >= value (as instruments.scoring.band_index)."""
    branches = [(value <= upper, i) for i, (_label, upper) in enumerate(bands[:-1])]
    last = len(bands) - 1
    return ibis.cases(*branches, else_=last) if branches else ibis.literal(last)


def change_expression(
    rule: dict[str, Any], initial: ir.NumericValue | None, end: ir.NumericValue
) -> ir.StringValue:
    """The DOMAIN.md change category as an engine expression, from a rule of
    :func:`painreg.instruments.change_rule`."""
    kind = rule["rule"]
    if kind == "end_category":
        labels = [label for label, _ in rule["bands"]]
        band = _band(end, rule["bands"])
        return ibis.cases(*[(band == i, label) for i, label in enumerate(labels)])
    lower_is_better = rule["better"] == "lower"
    if kind == "category_shift":
        before = _band(initial, rule["bands"])
        after = _band(end, rule["bands"])
        better = (after < before) if lower_is_better else (after > before)
        positive_codes = [
            i for i, (label, _) in enumerate(rule["bands"]) if label in rule["positive"]
        ]
        return ibis.cases(
            ((after != before) & better, "improved"),
            (after != before, "worsened"),
            (after.isin(positive_codes), "unchanged_positive"),
            else_="unchanged_negative",
        )
    if kind == "threshold":
        difference = end - initial
        step = float(rule["min_change"]) - _EPS
        improved = (difference <= -step) if lower_is_better else (difference >= step)
        worsened = (difference >= step) if lower_is_better else (difference <= -step)
        if "positive_below" in rule:
            positive = end < float(rule["positive_below"])
        else:
            positive = end >= float(rule["positive_at_least"])
        return ibis.cases(
            (improved, "improved"),
            (worsened, "worsened"),
            (positive, "unchanged_positive"),
            else_="unchanged_negative",
        )
    raise ValueError(f"unknown change rule {kind!r}")


def _eqvas(ctx: Context, occasion: str) -> ir.Table:
    """EQ-VAS: ``eq5d5l`` vas, or ``eq5d3l`` vas for a registration that answered 3L.

    Only the year's completed registrations (the population of every measure;
    callers join them anyway): starting from them, a database looks up each
    registration's scores by index, instead of working out the rule for every
    registration of every year first (the unit dashboard on PostgreSQL).
    """
    s = ctx.register.scores
    three = s.filter((s.instrument == "eq5d3l") & (s.score == "vas"))
    # No DISTINCT: an anti-join ignores duplicates, and without it a database
    # probes each registration's 3L scores by index instead of listing every
    # registration that ever answered 3L first.
    answered_3l = three.select("registration_id")
    among = ctx.completed().select("registration_id")
    five = among.inner_join(ctx.score("eq5d5l", "vas", occasion), "registration_id")
    five = five.anti_join(answered_3l, "registration_id")
    return among.inner_join(ctx.score("eq5d3l", "vas", occasion), "registration_id").union(five)


def measure_values(ctx: Context, instrument: str, score: str, occasion: str) -> ir.Table:
    """``registration_id, value`` of a measure at an occasion (``eqvas``: the EQ-VAS rule,
    among the context's completed registrations)."""
    if instrument == "eqvas":
        return _eqvas(ctx, occasion)
    return ctx.score(instrument, score, occasion)


def _change_counts(
    instrument: str, measure: str, categories: Sequence[str]
) -> Callable[[Context], ir.Table]:
    from painreg.instruments import change_rule

    rule_instrument = "eq5d5l" if instrument == "eqvas" else instrument

    def build(ctx: Context) -> ir.Table:
        rule = change_rule(rule_instrument, measure)
        completed = ctx.completed().select("registration_id", "unit_id")
        end = measure_values(ctx, instrument, rule["score"], "end").rename(end_value="value")
        t = completed.inner_join(end, "registration_id")
        if rule["rule"] == "end_category":
            category = change_expression(rule, None, t.end_value)
        else:
            initial = measure_values(ctx, instrument, rule["score"], "initial")
            t = t.inner_join(initial.rename(initial_value="value"), "registration_id")
            category = change_expression(rule, t.initial_value, t.end_value)
        t = t.mutate(category=category)
        return _count_by(t, "category", categories, total="n")

    return build


def _count_by(
    t: ir.Table, column: str, categories: Sequence[str], total: str | None = None
) -> ir.Table:
    """Per unit: one count column per category (and a total), in a fixed order."""
    metrics = {c: (t[column] == c).sum().cast("int64") for c in categories}
    if total:
        metrics = {total: t.count(), **metrics}
    return t.group_by("unit_id").aggregate(**metrics)


# ---------------------------------------------------------------------------
# The other counting expressions


def _completed_rehab(ctx: Context) -> ir.Table:
    return ctx.completed().group_by("unit_id").aggregate(count=lambda t: t.count())


def _assessments(ctx: Context) -> ir.Table:
    return ctx.assessments().group_by("unit_id").aggregate(count=lambda t: t.count())


def _discontinued(ctx: Context) -> ir.Table:
    r = ctx.rehab()
    return _count_by(r.filter(r.is_discontinued), "reason", REASONS)


def _answered(ctx: Context, occasion: str) -> ir.Table:
    """Answers at ``occasion`` (any item): the registrations that answered it."""
    a = ctx.register.answers
    return a.filter(a.occasion == occasion)


def _response_rate(occasion: str, years_back: int) -> Callable[[Context], ir.Table]:
    """Completed registrations with at least one answer at ``occasion``.

    Why a semi-join (``EXISTS``) and two counts rather than a join to the
    distinct answered registrations: a database answers "has this occasion an
    answer?" with one index look-up per registration (the unit dashboard on
    PostgreSQL), whereas the distinct set has to be built from every answer of
    every year first (16 million rows on the scale-1 register). Same counts.
    """

    def build(ctx: Context) -> ir.Table:
        completed = ctx.completed(ctx.year - years_back)
        answered = completed.semi_join(_answered(ctx, occasion), "registration_id")
        denominators = completed.group_by("unit_id").aggregate(denominator=lambda t: t.count())
        numerators = answered.group_by("unit_id").aggregate(numerator=lambda t: t.count())
        t = denominators.left_join(numerators, "unit_id")
        return t.select(
            "unit_id",
            numerator=t.numerator.fill_null(0).cast("int64"),
            denominator=t.denominator,
        )

    return build


def _coverage(ctx: Context) -> ir.Table:
    registered = ctx.rehab().group_by("unit_id").aggregate(registered=lambda t: t.count())
    totals = ctx.register.unit_year_totals
    totals = totals.filter(totals.year == ctx.year).select(
        "unit_id", reported_total="rehab_patients_total"
    )
    t = registered.outer_join(totals, "unit_id")
    return t.select(
        unit_id=ibis.coalesce(t.unit_id, t.unit_id_right),
        registered=t.registered.fill_null(0),
        reported_total=t.reported_total,
    )


def _baseline_case(instrument: str, score: str) -> Callable[[Context], ir.Table]:
    """Share whose baseline score is in the instrument's most severe band."""
    from painreg.instruments import change_rule

    def build(ctx: Context) -> ir.Table:
        rule = change_rule(instrument, score)
        last = len(rule["bands"]) - 1
        t = ctx.completed().inner_join(ctx.score(instrument, score, "initial"), "registration_id")
        t = t.mutate(case=_band(t.value, rule["bands"]) == last)
        return t.group_by("unit_id").aggregate(
            numerator=t.case.sum().cast("int64"), denominator=t.count()
        )

    return build


def category_bands(instrument: str, category: str) -> tuple[str, list[tuple[str, float]]]:
    """(score it categorises, [(label, max), ...]) of a category score of a definition."""
    from painreg.instruments import get_instrument

    definition = get_instrument(instrument).score_def(category)
    bands = [(b["label"], float(b["max"])) for b in definition.params["bands"]]
    return definition.params["of"], bands


def _categories_at(instrument: str, category: str, occasion: str) -> Callable[[Context], ir.Table]:
    """A score's category at one occasion, among registrations scored at initial and end."""

    def build(ctx: Context) -> ir.Table:
        score, bands = category_bands(instrument, category)
        labels = [label for label, _ in bands]
        both = (
            ctx.score(instrument, score, "initial")
            .select("registration_id")
            .intersect(ctx.score(instrument, score, "end").select("registration_id"))
        )
        t = (
            ctx.completed()
            .inner_join(both, "registration_id")
            .inner_join(ctx.score(instrument, score, occasion), "registration_id")
        )
        band = _band(t.value, bands)
        t = t.mutate(category=ibis.cases(*[(band == i, lab) for i, lab in enumerate(labels)]))
        return _count_by(t, "category", labels, total="n")

    return build


def mpi_profile_code(label: str) -> float:
    """The numeric code of an MPI profile in ``scores`` (its index in the definition's labels).

    Why a code: ``scores`` is numeric; a profile row (``mpi``, ``profile``) is
    present only where the registry holder's classifier was applied (a stored
    score, or :func:`painreg.analytics.load.mpi_profile_scores`). Without the
    classifier there are no such rows (or only ``not_classified``): the
    indicator is then empty and the report says so; nothing is guessed.
    """
    from painreg.instruments import get_instrument

    return float(get_instrument("mpi").score_def("profile").labels.index(label))


def _mpi_adaptive(occasion: str) -> Callable[[Context], ir.Table]:
    """Adaptive copers among registrations classified at initial and end (figure 22)."""

    def build(ctx: Context) -> ir.Table:
        unclassified = mpi_profile_code("not_classified")
        initial = ctx.score("mpi", "profile", "initial").rename(initial_value="value")
        end = ctx.score("mpi", "profile", "end").rename(end_value="value")
        t = (
            ctx.completed()
            .inner_join(initial, "registration_id")
            .inner_join(end, "registration_id")
        )
        t = t.filter((t.initial_value != unclassified) & (t.end_value != unclassified))
        value = t.initial_value if occasion == "initial" else t.end_value
        return t.group_by("unit_id").aggregate(
            numerator=(value == mpi_profile_code("adaptive_coper")).sum().cast("int64"),
            denominator=t.count(),
        )

    return build


def _satisfied(ctx: Context) -> ir.Table:
    """Satisfied or very satisfied at end (the definition's ``satisfied`` flag)."""
    t = ctx.completed().inner_join(ctx.score("satisfaction", "satisfied", "end"), "registration_id")
    return t.group_by("unit_id").aggregate(
        numerator=(t.value == 1).sum().cast("int64"), denominator=t.count()
    )


def _education(population: str) -> Callable[[Context], ir.Table]:
    def build(ctx: Context) -> ir.Table:
        t = ctx.completed() if population == "rehab" else ctx.assessments()
        t = t.mutate(level=t.education.fill_null("unknown"))
        return _count_by(t, "level", EDUCATION, total="n")

    return build


def _sex_shares(ctx: Context) -> ir.Table:
    return _count_by(ctx.completed(), "sex", ("F", "M"), total="n")


def _age_groups(ctx: Context) -> ir.Table:
    t = ctx.completed()
    branches = []
    for group in AGE_GROUPS:
        low, high = age_bounds(group)
        cond = t.age >= low if high is None else (t.age >= low) & (t.age <= high)
        branches.append((cond, group))
    t = t.mutate(group=ibis.cases(*branches, else_="other"))
    return _count_by(t, "group", AGE_GROUPS, total="n")


def _selection(sex: str) -> Callable[[Context], ir.Table]:
    def build(ctx: Context) -> ir.Table:
        b = ctx.base
        t = b.filter((b.year == ctx.year) & (b.sex == sex))
        return t.group_by("unit_id").aggregate(
            numerator=(t.category == "rehab").sum().cast("int64"), denominator=t.count()
        )

    return build


def _mean_change(instrument: str, score: str) -> Callable[[Context], ir.Table]:
    """Sums of the change end − initial (summable over units; mean and SD derive from them)."""

    def build(ctx: Context) -> ir.Table:
        end = measure_values(ctx, instrument, score, "end").rename(end_value="value")
        initial = measure_values(ctx, instrument, score, "initial").rename(initial_value="value")
        t = (
            ctx.completed()
            .inner_join(end, "registration_id")
            .inner_join(initial, "registration_id")
        )
        t = t.mutate(change=(t.end_value - t.initial_value).cast("float64"))
        return t.group_by("unit_id").aggregate(
            n=t.count(), sum=t.change.sum(), sum_sq=(t.change * t.change).sum()
        )

    return build


def _mean_at(instrument: str, score: str, occasion: str) -> Callable[[Context], ir.Table]:
    """Sums of a score at one occasion (summable over units; mean and SD derive from them)."""

    def build(ctx: Context) -> ir.Table:
        values = measure_values(ctx, instrument, score, occasion)
        t = ctx.completed().inner_join(values, "registration_id")
        t = t.mutate(x=t.value.cast("float64"))
        return t.group_by("unit_id").aggregate(n=t.count(), sum=t.x.sum(), sum_sq=(t.x * t.x).sum())

    return build


#: Measures of figure 34 (mean change): key suffix, instrument, score, Swedish and English name.
MEAN_CHANGES = (
    ("eqvas", "eqvas", "vas", "EQ-VAS", "EQ-VAS"),
    ("nprs", "nprs", "intensity", "Smärtintensitet (NPRS)", "Pain intensity (NPRS)"),
    ("rand36_vitality", "rand36", "energy_fatigue", "Vitalitet (RAND-36)", "Vitality (RAND-36)"),
    ("rand36_pain", "rand36", "pain", "Smärta (RAND-36)", "Pain (RAND-36)"),
    ("hads_anxiety", "hads", "anxiety", "Ångest (HAD)", "Anxiety (HADS)"),
    ("hads_depression", "hads", "depression", "Depression (HAD)", "Depression (HADS)"),
    ("pcs", "pcs", "total", "Katastrofiering (PCS)", "Catastrophizing (PCS)"),
)


def _work_measures(ctx: Context) -> ir.Table:
    t = ctx.completed()
    metrics = {m: _has_item(t.work_measures, m).sum().cast("int64") for m in WORK_MEASURES}
    return t.group_by("unit_id").aggregate(n=t.count(), **metrics)


def _diagnoses(ctx: Context) -> ir.Table:
    """Completed rehab registrations by main diagnosis (ICD-10 code as registered)."""
    t = ctx.completed()
    t = t.mutate(code=t.main_diagnosis.fill_null("okänd"))
    return t.group_by(["unit_id", "code"]).aggregate(count=t.count())


# ---------------------------------------------------------------------------
# The definitions


@dataclass(frozen=True)
class Indicator:
    """One indicator, defined once: documentation and expression together.

    ``kind`` says the shape of a unit's value: ``count`` (an int),
    ``categories`` (counts per category in ``categories``, total ``n`` where
    ``has_total``), ``rate`` (``numerator``, ``denominator``), ``coverage``
    (``registered``, ``reported_total``), ``long`` (counts per dynamic code),
    ``sums`` (``n``, ``sum``, ``sum_sq`` of a change or a score: summable over units).
    """

    key: str
    title_sv: str
    title_en: str
    numerator: str
    denominator: str
    population: str
    figures: str
    kind: str
    build: Callable[[Context], ir.Table] = field(repr=False)
    categories: tuple[str, ...] = ()
    has_total: bool = False
    levels: tuple[str, ...] = CARE_LEVELS
    in_json: bool = True


_COMPLETED = "completed rehab registrations of the year (signed off, not discontinued)"


def _change(
    key, title_sv, title_en, instrument, measure, figures, cats=CHANGE4, levels=CARE_LEVELS
):  # type: ignore[no-untyped-def]
    end_only = cats == CHANGE3
    return Indicator(
        key=key,
        title_sv=title_sv,
        title_en=title_en,
        numerator="registrations in each change category (DOMAIN.md, Change categories)",
        denominator=(
            "n: "
            + _COMPLETED
            + (" answered at end" if end_only else " with the measure complete at initial and end")
        ),
        population=_COMPLETED,
        figures=figures,
        kind="categories",
        build=_change_counts(instrument, measure, cats),
        categories=cats,
        has_total=True,
        levels=levels,
    )


INDICATORS: tuple[Indicator, ...] = (
    Indicator(
        "completed_rehab", "Avslutade MMR", "Completed rehabilitation",
        "rehab registrations of the year not discontinued", "—",
        "rehab registrations by year of rehab_end_date", "2, 23", "count", _completed_rehab,
    ),
    Indicator(
        "assessments", "Enbart utredning", "Assessment only",
        "assessment registrations of the year (by first visit)", "—",
        "assessment registrations by year of first_visit_date", "2", "count", _assessments,
        in_json=False,
    ),
    Indicator(
        "discontinued", "Avbrott per orsak", "Discontinuations by reason",
        "discontinued rehab registrations of the year by reason (empty reason = other)", "—",
        "rehab registrations of the year", "(text, Orsak till avbrott)", "categories",
        _discontinued, categories=REASONS,
    ),
    Indicator(
        "coverage", "Täckningsgrad", "Coverage",
        "registered: rehab registrations of the year at the unit (discontinued included)",
        "reported_total: the unit's rehab_patients_total for the year (null when not "
        "reported; national sums over units that reported)",
        "rehab registrations of the year", "1", "coverage", _coverage,
    ),
    Indicator(
        "response_rate_end", "Svarsfrekvens vid avslut", "Response rate at end",
        _COMPLETED + " with at least one answer at end", _COMPLETED,
        _COMPLETED, "(text, Svarsfrekvens)", "rate", _response_rate("end", 0),
    ),
    Indicator(
        "response_rate_1y", "Svarsfrekvens vid 1-årsuppföljning", "Response rate at one year",
        "completed rehab registrations of year − 1 with at least one answer at followup_1y",
        "completed rehab registrations of year − 1",
        "completed rehab registrations of the previous year", "(text)", "rate",
        _response_rate("followup_1y", 1),
    ),
    _change("global_life_situation", "Förmåga att hantera livssituationen",
            "Ability to handle the life situation", "global", "global_life_1", "3-4", CHANGE3),
    _change("global_pain_experience", "Smärtupplevelse", "Pain experience",
            "global", "global_pain_1", "5-6", CHANGE3),
    _change("global_pain_handling", "Förmåga att hantera smärtan", "Ability to handle pain",
            "global", "global_painhandling_1", "(text, MMRpv)", CHANGE3, ("primary",)),
    _change("eqvas_change", "Hälsoupplevelse (EQ-VAS)", "Self-rated health (EQ-VAS)",
            "eqvas", "vas", "7-8"),
    _change("hads_anxiety_change", "Ångest (HAD)", "Anxiety (HADS)", "hads", "anxiety", "9-10"),
    _change("hads_depression_change", "Depression (HAD)", "Depression (HADS)",
            "hads", "depression", "11-12"),
    _change("pcs_change", "Katastrofiering (PCS)", "Catastrophizing (PCS)", "pcs", "total",
            "15-16"),
    _change("wai_change", "Upplevd arbetsförmåga (WAI)", "Work ability (WAI)", "wai", "score",
            "17-18"),
    Indicator(
        "hads_anxiety_case_initial", "Sannolikt klinisk ångest initialt (HAD 11-21)",
        "Probable clinical anxiety at baseline (HADS 11-21)",
        "those whose initial HADS anxiety is in the highest band (11-21)",
        _COMPLETED + " with HADS anxiety at initial", _COMPLETED, "13, 27-28", "rate",
        _baseline_case("hads", "anxiety"), in_json=False,
    ),
    Indicator(
        "hads_depression_case_initial", "Sannolikt klinisk depression initialt (HAD 11-21)",
        "Probable clinical depression at baseline (HADS 11-21)",
        "those whose initial HADS depression is in the highest band (11-21)",
        _COMPLETED + " with HADS depression at initial", _COMPLETED, "14, 29-30", "rate",
        _baseline_case("hads", "depression"), in_json=False,
    ),
    Indicator(
        "wai_category_initial", "WAI-kategori initialt", "WAI category at initial",
        "registrations per WAI category at initial",
        _COMPLETED + " with WAI at initial and end", _COMPLETED, "19-21", "categories",
        _categories_at("wai", "category", "initial"), categories=WAI_CATEGORIES,
        has_total=True, in_json=False,
    ),
    Indicator(
        "wai_category_end", "WAI-kategori vid avslut", "WAI category at end",
        "registrations per WAI category at end",
        _COMPLETED + " with WAI at initial and end", _COMPLETED, "19-21", "categories",
        _categories_at("wai", "category", "end"), categories=WAI_CATEGORIES,
        has_total=True, in_json=False,
    ),
    Indicator(
        "activity_initial", "Fysisk aktivitet initialt", "Physical activity at initial",
        "registrations per band of weekly minutes of physical activity at initial",
        _COMPLETED + " with the activity question at initial and end", _COMPLETED,
        "(text, fysisk aktivitet)", "categories", _categories_at("activity", "minutes", "initial"),
        categories=ACTIVITY_CATEGORIES, has_total=True, in_json=False,
    ),
    Indicator(
        "activity_end", "Fysisk aktivitet vid avslut", "Physical activity at end",
        "registrations per band of weekly minutes of physical activity at end",
        _COMPLETED + " with the activity question at initial and end", _COMPLETED,
        "(text, fysisk aktivitet)", "categories", _categories_at("activity", "minutes", "end"),
        categories=ACTIVITY_CATEGORIES, has_total=True, in_json=False,
    ),
    Indicator(
        "satisfaction_end", "Nöjd med rehabiliteringen", "Satisfied with the rehabilitation",
        "those satisfied or very satisfied (4-5) at end",
        _COMPLETED + " who answered the satisfaction question at end", _COMPLETED, "32",
        "rate", _satisfied, in_json=False,
    ),
    *(
        Indicator(
            f"mpi_adaptive_coper_{occasion}",
            f"Adaptiv copingprofil (MPI), {sv}", f"Adaptive coper (MPI), {en}",
            f"registrations with the MPI profile adaptive coper at {occasion}",
            _COMPLETED + " with an MPI profile classified by the registry holder's classifier "
            "at initial and end (empty without the classifier)", _COMPLETED, "22", "rate",
            _mpi_adaptive(occasion), in_json=False,
        )
        for occasion, sv, en in (("initial", "initialt", "initial"), ("end", "vid avslut", "end"))
    ),
    Indicator(
        # Figure 32's "psykiskt mående efter MMRsv": the 2021 text does not name the
        # measure; the register's mental well-being scale is RAND-36 emotional
        # well-being (mental health, 0-100, higher is better), shown as a mean.
        "mental_wellbeing_end", "Psykiskt välbefinnande vid avslut (RAND-36)",
        "Mental well-being at end (RAND-36)",
        "sum of the RAND-36 emotional well-being score (0-100) at end",
        _COMPLETED + " with the RAND-36 emotional well-being score at end (n)", _COMPLETED,
        "32", "sums", _mean_at("rand36", "emotional_wellbeing", "end"),
        categories=("sum", "sum_sq"), has_total=True, in_json=False,
    ),
    Indicator(
        "education_rehab", "Utbildning, MMR", "Education, rehabilitation",
        "completed rehab registrations per highest education", _COMPLETED, _COMPLETED,
        "24-25", "categories", _education("rehab"), categories=EDUCATION, has_total=True,
        in_json=False,
    ),
    Indicator(
        "education_assessment", "Utbildning, enbart utredning", "Education, assessment only",
        "assessment registrations per highest education", "assessment registrations of the year",
        "assessment registrations of the year", "25", "categories", _education("assessment"),
        categories=EDUCATION, has_total=True, levels=("specialist",), in_json=False,
    ),
    Indicator(
        "sex", "Kön", "Sex", "completed rehab registrations by sex", _COMPLETED, _COMPLETED,
        "(text, Del 3)", "categories", _sex_shares, categories=("F", "M"), has_total=True,
        in_json=False,
    ),
    Indicator(
        "age_group", "Åldersgrupp", "Age group", "completed rehab registrations by age group",
        _COMPLETED, _COMPLETED, "(text, Del 3)", "categories", _age_groups,
        categories=AGE_GROUPS, has_total=True, in_json=False,
    ),
    Indicator(
        "selection_women", "Urval till MMR, kvinnor", "Selection to rehabilitation, women",
        "women's rehab registrations of the year",
        "women's registrations of the year (assessment and rehab)",
        "registrations of the year", "26", "rate", _selection("F"), levels=("specialist",),
        in_json=False,
    ),
    Indicator(
        "selection_men", "Urval till MMR, män", "Selection to rehabilitation, men",
        "men's rehab registrations of the year",
        "men's registrations of the year (assessment and rehab)",
        "registrations of the year", "26", "rate", _selection("M"), levels=("specialist",),
        in_json=False,
    ),
    Indicator(
        "work_measures", "Arbetsinriktade åtgärder", "Work-related measures",
        "completed rehab registrations with each work-related measure", _COMPLETED,
        _COMPLETED, "31", "categories", _work_measures, categories=WORK_MEASURES,
        has_total=True, in_json=False,
    ),
    Indicator(
        "main_diagnosis", "Huvuddiagnos", "Main diagnosis",
        "completed rehab registrations per main diagnosis", _COMPLETED, _COMPLETED, "35-36",
        "long", _diagnoses, in_json=False,
    ),
)  # fmt: skip

INDICATORS += tuple(
    Indicator(
        f"mean_change_{suffix}", f"Medelförändring, {sv}", f"Mean change, {en}",
        "sum of (end − initial) over the registrations", _COMPLETED + " with the score at "
        "initial and end (n)", _COMPLETED, "34", "sums", _mean_change(instrument, score),
        categories=("sum", "sum_sq"), has_total=True, in_json=False,
    )
    for suffix, instrument, score, sv, en in MEAN_CHANGES
)  # fmt: skip

BY_KEY: dict[str, Indicator] = {i.key: i for i in INDICATORS}


# ---------------------------------------------------------------------------
# Computing


def _zero(indicator: Indicator) -> Any:
    if indicator.kind == "count":
        return 0
    if indicator.kind == "rate":
        return {"numerator": 0, "denominator": 0}
    if indicator.kind == "coverage":
        return {"registered": 0, "reported_total": None}
    if indicator.kind == "long":
        return {}
    if indicator.kind == "sums":
        return {"n": 0, "sum": 0.0, "sum_sq": 0.0}
    cats = dict.fromkeys(indicator.categories, 0)
    return {"n": 0, **cats} if indicator.has_total else cats


def _unit_values(indicator: Indicator, frame: Any) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if indicator.kind == "long":
        for row in frame.itertuples(index=False):
            values.setdefault(row.unit_id, {})[row.code] = int(row.count)
        return values
    for row in frame.to_dict("records"):
        unit = row.pop("unit_id")
        if indicator.kind == "count":
            values[unit] = int(row["count"])
        elif indicator.kind == "coverage":
            total = row["reported_total"]
            values[unit] = {
                "registered": int(row["registered"]),
                "reported_total": None if total is None or total != total else int(total),
            }
        elif indicator.kind == "sums":
            values[unit] = {
                "n": int(row["n"]), "sum": float(row["sum"]), "sum_sq": float(row["sum_sq"])
            }  # fmt: skip
        else:
            values[unit] = {k: int(v) for k, v in row.items()}
            if indicator.kind == "categories":
                ordered = (["n"] if indicator.has_total else []) + list(indicator.categories)
                values[unit] = {k: values[unit].get(k, 0) for k in ordered}
    return values


def _national(indicator: Indicator, unit_values: list[Any]) -> Any:
    if indicator.kind == "count":
        return sum(unit_values)
    if indicator.kind == "coverage":
        reported = [v for v in unit_values if v["reported_total"] is not None]
        if not reported:
            return {"registered": None, "reported_total": None}
        return {
            "registered": sum(v["registered"] for v in reported),
            "reported_total": sum(v["reported_total"] for v in reported),
        }
    total: dict[str, int] = {}
    for value in unit_values:
        for k, v in value.items():
            total[k] = total.get(k, 0) + v
    if indicator.kind == "long":
        return dict(sorted(total.items(), key=lambda kv: (-kv[1], kv[0])))
    zero = _zero(indicator)
    return {k: total.get(k, 0) for k in zero}


def listed_units(
    register: Register,
    base: ir.Table,
    year: int | ir.IntegerScalar,
    params: Mapping[ir.Scalar, Any] | None = None,
) -> dict[str, list[str]]:
    """Units per care level listed for the year: a registration of the year or a total."""
    with_regs = base.filter(base.year == year).select("unit_id").distinct()
    totals = register.unit_year_totals
    with_total = totals.filter(totals.year == year).select("unit_id").distinct()
    ids = with_regs.union(with_total).distinct()
    u = register.units.inner_join(ids, "unit_id").select("unit_id", "care_level")
    u = u.to_pandas(params=params)
    return {
        level: sorted(u.loc[u.care_level == level, "unit_id"].tolist()) for level in CARE_LEVELS
    }


def _materialised(register: Register, base: ir.Table) -> ir.Table:
    """``base`` as a temporary table when the backend is DuckDB, else as it is.

    Why: every indicator starts from the same join of registrations, units and
    patients; as an expression it is compiled (Ibis -> SQL, most of the time at
    scale 1) and executed again for each of ~40 indicators. Computed once it is
    a plain table scan. Other backends keep the expression (the unit
    dashboard writes its own temporary table of one year and care level and
    passes it as ``base`` to :func:`compute_indicators`).
    """
    if getattr(register.con, "name", "") != "duckdb":
        return base
    import uuid

    # Once per expression and connection: a series over the years (the annual
    # report) asks for the same base again for each year. A loaded register
    # does not change, so the table stays right; it ends with the connection.
    # (A fresh name: Ibis 12 cannot overwrite a temporary DuckDB table.)
    made = register.con.__dict__.setdefault("_painreg_bases", {})
    table = made.get(base.op())
    if table is None:
        table = made[base.op()] = register.con.create_table(
            f"_painreg_base_{uuid.uuid4().hex}", base, temp=True
        )
    return table


def compute_indicators(
    register: Register,
    year: int | ir.IntegerScalar,
    *,
    filters: Filters | None = None,
    keys: Sequence[str] | None = None,
    json_only: bool = False,
    regions: bool = True,
    base: ir.Table | None = None,
    expressions: dict[str, ir.Table] | None = None,
    params: Mapping[ir.Scalar, Any] | None = None,
) -> dict[str, Any]:
    """Every indicator for one year: raw counts per care level, nation and unit.

    The shape of ``painreg report indicators``: ``{"year": Y, "care_levels":
    {level: {"national": {key: value}, "units": {unit_id: {key: value}}}}}``.
    An indicator that does not apply to a care level (e.g. the primary-care
    question on handling pain) is left out of that level. Each level also holds
    ``regions`` (by SCB county code) and ``healthcare_regions`` with the same
    sums over their units (coverage over the units that reported a total);
    ``regions=False`` leaves them out.

    ``base``: the rows of :func:`base_registrations` to start from instead, when
    the caller has them at hand (``filters`` then unused); at least the year's
    (the unit dashboard keeps one year's base registrations of one care level
    in a temporary table, so each indicator filters a few thousand rows instead
    of joining the register's views again). Indicators of an earlier year
    (``response_rate_1y``) need that year's rows too.

    ``expressions``: a dict the caller keeps for one register, ``base`` and
    ``year``; each indicator's expression is built once into it and reused
    (building them costs about 80 ms of CPU per call on the dashboard).

    ``year`` may be a parameter (an Ibis scalar) with its value in ``params``,
    passed to every execution (``to_pandas(params=...)``): the unit dashboard
    builds and compiles the expressions once for every year.
    """
    if base is None:
        base = _materialised(register, base_registrations(register, filters))
    ctx = Context(register=register, base=base, year=year)
    listed = listed_units(register, base, year, params)
    chosen = [
        i for i in INDICATORS if (keys is None or i.key in keys) and (i.in_json or not json_only)
    ]
    levels: dict[str, Any] = {
        level: {"national": {}, "units": {u: {} for u in listed[level]}} for level in CARE_LEVELS
    }
    unit_frame = register.units.select("unit_id", "care_level", "region_code").to_pandas()
    unit_level = dict(zip(unit_frame.unit_id, unit_frame.care_level, strict=True))
    unit_region = dict(zip(unit_frame.unit_id, unit_frame.region_code, strict=True))
    for level in CARE_LEVELS if regions else ():
        levels[level]["regions"] = {}
        levels[level]["healthcare_regions"] = {}
    for indicator in chosen:
        if expressions is None:
            expression = indicator.build(ctx)
        elif indicator.key in expressions:
            expression = expressions[indicator.key]
        else:
            expression = expressions[indicator.key] = indicator.build(ctx)
        values = _unit_values(indicator, expression.to_pandas(params=params))
        for level in CARE_LEVELS:
            if level not in indicator.levels:
                continue
            per_unit = [values.get(u, _zero(indicator)) for u in listed[level]]
            for unit, value in zip(listed[level], per_unit, strict=True):
                levels[level]["units"][unit][indicator.key] = value
            # The nation counts every unit of the level, also one not listed this
            # year (e.g. the one-year response rate of last year's patients).
            unlisted = [
                v
                for u, v in values.items()
                if unit_level.get(u) == level and u not in listed[level]
            ]
            levels[level]["national"][indicator.key] = _national(indicator, per_unit + unlisted)
            if not regions:
                continue
            # Regions and healthcare regions: the same sums over their units.
            every = dict(zip(listed[level], per_unit, strict=True))
            every.update(
                (u, v) for u, v in values.items() if unit_level.get(u) == level and u not in every
            )
            for key, group_of in (
                ("regions", unit_region.get),
                ("healthcare_regions", lambda u: HEALTHCARE_REGIONS.get(unit_region.get(u, ""))),
            ):
                groups: dict[str, list[Any]] = {}
                for u, v in every.items():
                    group = group_of(u)
                    if group:
                        groups.setdefault(group, []).append(v)
                for group, vals in sorted(groups.items()):
                    levels[level][key].setdefault(group, {})[indicator.key] = _national(
                        indicator, vals
                    )
    return {"year": year, "care_levels": levels}


def national_series(
    register: Register,
    years: Sequence[int],
    keys: Sequence[str],
    *,
    filters: Filters | None = None,
) -> dict[int, dict[str, Any]]:
    """National values per care level over several years: ``{year: {level: {key: value}}}``."""
    out = {}
    for year in years:
        result = compute_indicators(register, year, filters=filters, keys=keys)
        out[year] = {level: data["national"] for level, data in result["care_levels"].items()}
    return out


# ---------------------------------------------------------------------------
# Generated documentation


def render_indicator_reference() -> str:
    """docs/indicators.md: every indicator's definition, from :data:`INDICATORS`."""
    lines = [
        "# Indicator definitions",
        "",
        "Generated from `painreg.analytics.indicators.INDICATORS` by `make docs`; do not edit",
        "by hand. Counting rules (year attribution, sign-off, discontinuation) are in",
        "DOMAIN.md; every indicator is counted per unit and summed per care level",
        "(the two care levels are never pooled). Filters (sex, age group, education,",
        "diagnosis group, programme) restrict the registrations first.",
        "",
        "| key | indicator | figure (2021 report) | in JSON | care levels |",
        "|---|---|---|---|---|",
    ]
    for i in INDICATORS:
        lines.append(
            f"| `{i.key}` | {i.title_sv} ({i.title_en}) | {i.figures} | "
            f"{'yes' if i.in_json else 'no'} | {', '.join(i.levels)} |"
        )
    lines.append("")
    for i in INDICATORS:
        lines += [
            f"## `{i.key}`: {i.title_sv}",
            "",
            f"*{i.title_en}.* Figure(s) of the 2021 annual report: {i.figures}.",
            "",
            f"- **Numerator:** {i.numerator}",
            f"- **Denominator:** {i.denominator}",
            f"- **Population:** {i.population}",
            f"- **Value per unit:** {_shape(i)}",
            "",
        ]
    from painreg.analytics.analyses import describe_analyses

    lines += ["# Analyses", ""]
    for title, doc in describe_analyses():
        lines += [f"## {title}", "", doc, ""]
    lines += [
        "See `painreg.analytics.analyses` for the definitions (completeness, dropout analysis,",
        "case-mix) and `painreg.analytics.stats` for the statistics and their sources.",
        "",
    ]
    return "\n".join(lines)


def _shape(i: Indicator) -> str:
    if i.kind == "count":
        return "an integer"
    if i.kind == "rate":
        return "`{numerator, denominator}`"
    if i.kind == "coverage":
        return "`{registered, reported_total}` (reported_total null when unknown)"
    if i.kind == "long":
        return "`{code: count}`"
    if i.kind == "sums":
        return "`{n, sum, sum_sq}` of the change or score (mean = sum / n)"
    keys = (["n"] if i.has_total else []) + list(i.categories)
    return "`{" + ", ".join(keys) + "}`"
