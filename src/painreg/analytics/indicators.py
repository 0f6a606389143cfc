"""The register's indicators: each defined once, as an Ibis expression, with its documentation.

Decisions (DOMAIN.md, "Counting rules of the indicators"; ARCHITECTURE.md):

- Every indicator is an :class:`Indicator` in :data:`INDICATORS`: its key (the
  JSON key), Swedish and English title, numerator, denominator, population,
  the figure(s) of the 2021 annual report it reproduces, and a function
  building an Ibis expression that counts per unit. ``docs/indicators.md`` is
  rendered from these objects
  (:func:`painreg.analytics.reference.render_indicator_reference`), so the
  documentation cannot drift from the code.
- Counting is per unit (:mod:`painreg.analytics.compute` sums the units);
  who is counted is :mod:`painreg.analytics.context`; change categories come
  from :mod:`painreg.analytics.measures`.

Pure Python on Ibis; no Django.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import ibis
import ibis.expr.types as ir

from painreg.analytics.context import (
    ACTIVITY_CATEGORIES,
    AGE_GROUPS,
    CARE_LEVELS,
    CHANGE3,
    CHANGE4,
    CHANGE_OUTCOMES,
    EDUCATION,
    REASONS,
    WAI_CATEGORIES,
    WORK_MEASURES,
    Context,
    age_bounds,
    has_item,
)
from painreg.analytics.load import mpi_profile_code
from painreg.analytics.measures import (
    band_index,
    baseline_counts,
    baseline_labels,
    change_counts,
    count_by,
    measure_values,
    positive_value,
    sustained_counts,
)
from painreg.tidy import vocabulary

# ---------------------------------------------------------------------------
# The counting expressions


def _completed_rehab(ctx: Context) -> ir.Table:
    return ctx.completed().group_by("unit_id").aggregate(count=lambda t: t.count())


def _assessments(ctx: Context) -> ir.Table:
    return ctx.assessments().group_by("unit_id").aggregate(count=lambda t: t.count())


def _discontinued(ctx: Context) -> ir.Table:
    r = ctx.rehab()
    return count_by(r.filter(r.is_discontinued), "reason", REASONS)


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
    every year first (docs/dashboard.md has the figures). Same counts.
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
        t = t.mutate(case=band_index(t.value, rule["bands"]) == last)
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
        band = band_index(t.value, bands)
        t = t.mutate(category=ibis.cases(*[(band == i, lab) for i, lab in enumerate(labels)]))
        return count_by(t, "category", labels, total="n")

    return build


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
        t = t.mutate(level=t.education.fill_null(vocabulary.UNKNOWN.value))
        return count_by(t, "level", EDUCATION, total="n")

    return build


def _sex_shares(ctx: Context) -> ir.Table:
    return count_by(ctx.completed(), "sex", vocabulary.SEXES.values, total="n")


def _age_groups(ctx: Context) -> ir.Table:
    t = ctx.completed()
    branches = []
    for group in AGE_GROUPS:
        low, high = age_bounds(group)
        cond = t.age >= low if high is None else (t.age >= low) & (t.age <= high)
        branches.append((cond, group))
    t = t.mutate(group=ibis.cases(*branches, else_="other"))
    return count_by(t, "group", AGE_GROUPS, total="n")


def _selection(sex: str) -> Callable[[Context], ir.Table]:
    def build(ctx: Context) -> ir.Table:
        b = ctx.base
        t = b.filter((b.year == ctx.year) & (b.sex == sex))
        return t.group_by("unit_id").aggregate(
            numerator=(t.category == "rehab").sum().cast("int64"), denominator=t.count()
        )

    return build


def _mean_change(
    instrument: str, score: str, occasion: str = "end", years_back: int = 0
) -> Callable[[Context], ir.Table]:
    """Sums of the change ``occasion`` − initial (summable over units; mean and SD
    derive from them); at one year among the completed registrations of the year before."""

    def build(ctx: Context) -> ir.Table:
        end = measure_values(ctx, instrument, score, occasion, years_back)
        end = end.rename(end_value="value")
        initial = measure_values(ctx, instrument, score, "initial", years_back)
        initial = initial.rename(initial_value="value")
        t = (
            ctx.completed(ctx.year - years_back)
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
    ("eq5d_index", "eq5d", "index", "EQ-5D-index", "EQ-5D index"),
    ("mpi_pain_severity", "mpi", "pain_severity", "Smärtans svårighetsgrad (MPI)",
     "Pain severity (MPI)"),
)  # fmt: skip
#: Figure 34's measures asked at one year (registry/data/forms.yaml; a test checks it):
#: their mean change initial -> one year.
MEAN_CHANGES_1Y = ("eqvas", "nprs", "rand36_vitality", "rand36_pain", "hads_anxiety",
                   "hads_depression", "pcs", "eq5d_index")  # fmt: skip


def _work_measures(ctx: Context) -> ir.Table:
    t = ctx.completed()
    metrics = {m: has_item(t.work_measures, m).sum().cast("int64") for m in WORK_MEASURES}
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
    #: 1: an outcome of the completed rehab registrations of the year before (the
    #: one-year follow-up); units are listed when listed in either year.
    years_back: int = 0


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
        build=change_counts(instrument, measure, cats),
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
        _response_rate("followup_1y", 1), years_back=1,
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
        "(text, Del 3)", "categories", _sex_shares, categories=vocabulary.SEXES.values,
        has_total=True, in_json=False,
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
# One-year outcomes (DOMAIN.md, "One-year outcomes"): the twins initial ->
# followup_1y of the change measures, of the completed rehab registrations of
# the year before; sustained improvement; mean changes at one year.

_COMPLETED_1Y = "completed rehab registrations of year − 1 (signed off, not discontinued)"
#: The change measures with a one-year twin: every change outcome is asked at one year
#: (registry/data/forms.yaml, checked by a test), so the same tuple.
ONE_YEAR_CHANGES = CHANGE_OUTCOMES
#: The four-category change measures with a sustained-improvement count.
SUSTAINED_CHANGES = (
    "eqvas_change",
    "hads_anxiety_change",
    "hads_depression_change",
    "pcs_change",
    "wai_change",
)


def one_year_key(key: str) -> str:
    """``pcs_change`` -> ``pcs_change_1y`` (the JSON key of the one-year twin)."""
    return f"{key}_1y"


def sustained_key(key: str) -> str:
    """``pcs_change`` -> ``pcs_change_sustained``."""
    return f"{key}_sustained"


#: (instrument, measure) of each change indicator, as its build reads it.
CHANGE_SOURCES: dict[str, tuple[str, str]] = {
    "global_life_situation": ("global", "global_life_1"),
    "global_pain_experience": ("global", "global_pain_1"),
    "global_pain_handling": ("global", "global_painhandling_1"),
    "eqvas_change": ("eqvas", "vas"),
    "hads_anxiety_change": ("hads", "anxiety"),
    "hads_depression_change": ("hads", "depression"),
    "pcs_change": ("pcs", "total"),
    "wai_change": ("wai", "score"),
}


def _one_year_twin(end: Indicator) -> Indicator:
    instrument, measure = CHANGE_SOURCES[end.key]
    end_only = end.categories == CHANGE3
    return Indicator(
        one_year_key(end.key),
        f"{end.title_sv}, 1 år efter avslut",
        f"{end.title_en}, one year after the end",
        "registrations in each change category initial → one year (DOMAIN.md, One-year outcomes)",
        "n: "
        + _COMPLETED_1Y
        + (
            " answered at the one-year follow-up"
            if end_only
            else " with the measure complete at initial and at the one-year follow-up"
        ),
        _COMPLETED_1Y,
        "(one-year twin of " + end.figures + ")",
        "categories",
        change_counts(instrument, measure, end.categories, "followup_1y", 1),
        categories=end.categories,
        has_total=True,
        levels=end.levels,
        years_back=1,
    )


def _sustained(end: Indicator) -> Indicator:
    instrument, measure = CHANGE_SOURCES[end.key]
    return Indicator(
        sustained_key(end.key),
        f"{end.title_sv}, bestående förbättring",
        f"{end.title_en}, sustained improvement",
        "sustained: of n, those also improved initial → one year",
        "n: " + _COMPLETED_1Y + " complete at initial, end and one year and improved at end",
        _COMPLETED_1Y,
        "(one year)",
        "categories",
        sustained_counts(instrument, measure),
        categories=("sustained",),
        has_total=True,
        levels=end.levels,
        years_back=1,
    )


def _baseline(end: Indicator) -> Indicator:
    from painreg.instruments import change_rule

    instrument, measure = CHANGE_SOURCES[end.key]
    rule = change_rule("eq5d5l" if instrument == "eqvas" else instrument, measure)
    return Indicator(
        f"{end.key}_baseline",
        f"{end.title_sv}, utgångsläge",
        f"{end.title_en}, baseline",
        "registrations per category of the initial value (bands, or positive/negative by "
        "the limit of an unchanged positive value)",
        "n: the registrations of " + end.key,
        _COMPLETED,
        "(read before " + end.figures + ")",
        "categories",
        baseline_counts(instrument, measure),
        categories=baseline_labels(rule),
        has_total=True,
        levels=end.levels,
        in_json=False,
    )


def _flag_at(
    instrument: str, score: str, occasions: tuple[str, ...], years_back: int, flag: Callable
) -> Callable[[Context], ir.Table]:
    """Per unit: among registrations with the score at every occasion, how many
    have ``flag(value)`` at each occasion (``n`` and one count per occasion)."""

    def build(ctx: Context) -> ir.Table:
        t = ctx.completed(ctx.year - years_back).select("registration_id", "unit_id")
        for occasion in occasions:
            values = measure_values(ctx, instrument, score, occasion, years_back)
            t = t.inner_join(values.rename(**{occasion: "value"}), "registration_id")
        # A boolean summed, not cast: PostgreSQL has no cast from boolean to bigint.
        metrics = {o: flag(t[o]).sum().cast("int64") for o in occasions}
        return t.group_by("unit_id").aggregate(n=t.count(), **metrics)

    return build


def _pcs_free(value: ir.NumericValue) -> ir.BooleanValue:
    from painreg.instruments import change_rule

    return positive_value(change_rule("pcs", "total"), value)


def _flag_true(value: ir.NumericValue) -> ir.BooleanValue:
    return value == 1


def _context_indicators() -> tuple[Indicator, ...]:
    out = []
    for suffix, occasions, years_back, sv_when, en_when in (
        ("", ("initial", "end"), 0, "före och efter", "before and after"),
        ("_1y", ("initial", "followup_1y"), 1, "före och 1 år efter", "before and one year after"),
    ):
        population = _COMPLETED_1Y if years_back else _COMPLETED
        out.append(
            Indicator(
                f"pcs_free{suffix}", f"Fria från katastrofiering (PCS < 30), {sv_when}",
                f"Free of catastrophizing (PCS < 30), {en_when}",
                "registrations with PCS below the limit of an unchanged positive value (30) "
                "at each occasion",
                f"n: {population} with PCS at {' and '.join(occasions)}", population,
                "(text after 16)", "categories",
                _flag_at("pcs", "total", occasions, years_back, _pcs_free),
                categories=occasions, has_total=True, in_json=False, years_back=years_back,
            )
        )  # fmt: skip
        out.append(
            Indicator(
                f"lisat_vocation_satisfied{suffix}",
                f"Nöjd med yrkessituationen (LiSat-11), {sv_when}",
                f"Satisfied with the vocational situation (LiSat-11), {en_when}",
                "registrations satisfied (5-6) with the vocational situation at each occasion",
                f"n: {population} with LiSat-11's vocational item at {' and '.join(occasions)}",
                population, "34 (text)", "categories",
                _flag_at("lisat11", "vocation_satisfied", occasions, years_back, _flag_true),
                categories=occasions, has_total=True, levels=("specialist",), in_json=False,
                years_back=years_back,
            )
        )  # fmt: skip
    return tuple(out)


INDICATORS += tuple(_one_year_twin(BY_KEY[k]) for k in ONE_YEAR_CHANGES)
INDICATORS += tuple(_sustained(BY_KEY[k]) for k in SUSTAINED_CHANGES)
INDICATORS += tuple(_baseline(BY_KEY[k]) for k in SUSTAINED_CHANGES)
INDICATORS += _context_indicators()
INDICATORS += tuple(
    Indicator(
        f"mean_change_1y_{suffix}", f"Medelförändring till 1 år, {sv}",
        f"Mean change to one year, {en}",
        "sum of (one year − initial) over the registrations",
        _COMPLETED_1Y + " with the score at initial and at the one-year follow-up (n)",
        _COMPLETED_1Y, "(one-year twin of 34)", "sums",
        _mean_change(instrument, score, "followup_1y", 1),
        categories=("sum", "sum_sq"), has_total=True, in_json=False, years_back=1,
    )
    for suffix, instrument, score, sv, en in MEAN_CHANGES
    if suffix in MEAN_CHANGES_1Y
)  # fmt: skip
BY_KEY = {i.key: i for i in INDICATORS}
