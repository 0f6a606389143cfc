"""Analyses beyond counting: completeness, dropout analysis, case-mix adjusted comparison.

Decisions (DOMAIN.md, "Counting rules of the indicators"):

- **Completeness** of an instrument at an occasion: *item completeness* =
  answered required items / required items expected in the forms where the
  instrument was administered (at least one of its items answered); *form
  completeness* = administered forms with every required item answered /
  administered forms. Items and "required" come from the instrument
  definitions.
- **Dropout analysis** at end: completed rehab registrations that answered at
  end (responders) against those that did not, on baseline (``initial``)
  scores and background. Scores: Mann-Whitney U (two-sided) and the
  standardised mean difference; categories: chi-square, or Fisher's exact
  test when an expected count is below 5, with the SMD of each 0/1
  indicator (Austin 2009).
- **Case-mix**: a national logistic model per care level and year
  (statsmodels, maximum likelihood) of the outcome on age, sex, education,
  the measure's baseline score (none for the global questions, which are
  asked only at end), pain duration and sick leave at baseline (background
  questions). Registrations missing a covariate are left out (complete
  cases; education missing is its own level). Expected count per unit = sum
  of the predicted probabilities of its patients; observed/expected with an
  exact Poisson interval (:func:`painreg.analytics.stats.observed_expected`).

Pure Python on Ibis, pandas and statsmodels; no Django.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import ibis
import pandas as pd

from painreg.analytics import stats
from painreg.analytics.context import Context, Filters, base_registrations
from painreg.analytics.load import Register
from painreg.analytics.measures import change_expression, measure_values
from painreg.tidy import vocabulary

#: Baseline scores compared in the dropout analysis: (instrument, score, Swedish label).
DROPOUT_SCORES = (
    ("hads", "anxiety", "HAD ångest"),
    ("hads", "depression", "HAD depression"),
    ("nprs", "intensity", "Smärtintensitet (NPRS)"),
    ("pcs", "total", "Katastrofiering (PCS)"),
    ("wai", "score", "Arbetsförmåga (WAI)"),
    ("background", "pain_duration_years", "Smärtduration, år"),
)


#: The 2021 report's own dropout variables (Bortfallsanalys), as 0/1 flags at
#: baseline: (Swedish label, ((item, lowest, highest), ...)); a registration is
#: flagged when an item it answered lies in its range, and counted when it
#: answered any of the items. EQ-5D 5L and 3L each with their own levels
#: (DOMAIN.md / docs/decisions.md: the report names the variables, not the
#: items). "Sedentary almost all day" is not asked in the register's forms: the
#: nearest measure, no physical activity that makes one out of breath, stands in
#: its place under its own name.
DROPOUT_FLAGS: tuple[tuple[str, tuple[tuple[str, float, float], ...]], ...] = (
    ("Oro/nedstämdhet, måttlig eller mer (EQ-5D)",
     (("eq5d5l_ad", 3, 5), ("eq5d3l_ad", 2, 3))),
    ("Svår smärta/besvär (EQ-5D)", (("eq5d5l_pd", 4, 5), ("eq5d3l_pd", 3, 3))),
    ("Klarar inte sina vanliga aktiviteter (EQ-5D)", (("eq5d5l_ua", 5, 5), ("eq5d3l_ua", 3, 3))),
    ("Ingen fysisk aktivitet som ger andfåddhet (i stället för stillasittande)",
     (("activity_1", 0, 0),)),
    ("Inte alls övertygad om att bli återställd", (("background_6", 1, 1),)),
)  # fmt: skip


def _baseline_flags(
    register: Register, items: tuple[tuple[str, float, float], ...]
) -> pd.DataFrame:
    """``registration_id, value`` (0/1) of a :data:`DROPOUT_FLAGS` variable at initial."""
    a = register.answers
    a = a.filter((a.occasion == "initial") & a.item.isin([i for i, _, _ in items]))
    hit = ibis.or_(*[(a.item == i) & a.value.between(lo, hi) for i, lo, hi in items])
    t = a.group_by("registration_id").aggregate(value=hit.cast("int64").max())
    return t.to_pandas()


def _item_catalogue() -> pd.DataFrame:
    from painreg.instruments import get_instrument, instrument_ids

    rows = []
    for instrument_id in instrument_ids():
        if instrument_id == "sf36":  # the same items as rand36, scored differently
            continue
        for item in get_instrument(instrument_id).items:
            rows.append(
                {"item": item.id, "instrument": instrument_id, "required": bool(item.required)}
            )
    return pd.DataFrame(rows)


def completeness(
    register: Register,
    year: int,
    care_level: str,
    *,
    filters: Filters | None = None,
    by_unit: bool = False,
) -> pd.DataFrame:
    """Item and form completeness per instrument and occasion (completed rehab of the year).

    Columns: instrument, occasion, forms, complete_forms, answered_items, expected_items,
    item_completeness, form_completeness; with ``by_unit``, per unit too (``unit_id``
    first), counted in the same pass.
    """
    ctx = Context(register, base_registrations(register, filters), year)
    completed = ctx.completed()
    keep = ["registration_id", "unit_id"] if by_unit else ["registration_id"]
    completed = completed.filter(completed.care_level == care_level).select(*keep)
    group = ["unit_id"] if by_unit else []
    catalogue = _item_catalogue()
    required = catalogue[catalogue.required].groupby("instrument").size().rename("n_required")
    # The catalogue as expressions, not a joined in-memory table: the same code
    # then runs on the live database (the unit report from the web), whose
    # backend takes no in-memory tables.
    a = register.answers
    a = a.filter(a.value.notnull() & a.item.isin(catalogue.item.tolist()))
    a = a.inner_join(completed, "registration_id")
    a = a.mutate(
        instrument=a.item.substitute(dict(zip(catalogue.item, catalogue.instrument, strict=True))),
        # ifelse, not a cast: PostgreSQL casts no boolean to bigint.
        required=ibis.ifelse(a.item.isin(catalogue.item[catalogue.required].tolist()), 1, 0),
    )
    forms = a.group_by([*group, "registration_id", "occasion", "instrument"]).aggregate(
        answered=a.required.sum().cast("int64")
    )
    frame = forms.to_pandas()
    if frame.empty:
        return pd.DataFrame(
            columns=[*group, "instrument", "occasion", "forms", "complete_forms",
                     "answered_items", "expected_items", "item_completeness", "form_completeness"]
        )  # fmt: skip
    frame = frame.join(required, on="instrument")
    frame = frame[frame.n_required.notna()]
    frame["complete"] = frame.answered >= frame.n_required
    out = (
        frame.groupby([*group, "instrument", "occasion"])
        .agg(
            forms=("answered", "size"),
            complete_forms=("complete", "sum"),
            answered_items=("answered", "sum"),
            expected_items=("n_required", "sum"),
        )
        .reset_index()
    )
    out = out.astype({"complete_forms": int, "answered_items": int, "expected_items": int})
    out["item_completeness"] = out.answered_items / out.expected_items
    out["form_completeness"] = out.complete_forms / out.forms
    return out


@dataclass(frozen=True)
class DropoutRow:
    """One baseline measure: responders against non-responders at end."""

    measure: str
    n_responders: int
    n_nonresponders: int
    responders: float  # median (scores) or share (categories)
    nonresponders: float
    smd: float
    method: str
    p_value: float


def _responders(register: Register, ctx: Context, care_level: str) -> pd.DataFrame:
    completed = ctx.completed()
    completed = completed.filter(completed.care_level == care_level)
    a = register.answers
    answered = a.filter(a.occasion == "end").select("registration_id").distinct()
    answered = answered.mutate(responder=ibis.literal(True))
    t = completed.left_join(answered, "registration_id")
    t = t.select(
        "registration_id",
        "unit_id",
        "sex",
        "age",
        "education",
        responder=t.responder.fill_null(False),
    )
    return t.to_pandas()


def _baseline(register: Register, instrument: str, score: str) -> pd.DataFrame:
    s = register.scores
    s = s.filter((s.instrument == instrument) & (s.score == score) & (s.occasion == "initial"))
    return s.select("registration_id", "value").to_pandas()


def dropout_analysis(
    register: Register, year: int, care_level: str, *, filters: Filters | None = None
) -> list[DropoutRow]:
    """Responders against non-responders at end, on baseline measures (see module docstring)."""
    ctx = Context(register, base_registrations(register, filters), year)
    people = _responders(register, ctx, care_level)
    rows: list[DropoutRow] = []
    if people.empty:
        return rows
    for instrument, score, label in DROPOUT_SCORES:
        values = people.merge(_baseline(register, instrument, score), on="registration_id")
        yes = values.loc[values.responder, "value"].astype(float).tolist()
        no = values.loc[~values.responder, "value"].astype(float).tolist()
        if not yes or not no:
            continue
        test = stats.mann_whitney(yes, no)
        rows.append(
            DropoutRow(label, len(yes), len(no), float(pd.Series(yes).median()),
                       float(pd.Series(no).median()), stats.standardised_mean_difference(yes, no),
                       test.method, test.p_value)
        )  # fmt: skip
    for label, items in DROPOUT_FLAGS:
        values = people.merge(_baseline_flags(register, items), on="registration_id")
        row = _share_row(label, values.loc[values.responder, "value"].astype(float).tolist(),
                         values.loc[~values.responder, "value"].astype(float).tolist())  # fmt: skip
        if row is not None:
            rows.append(row)
    for column, value, label in (
        ("sex", "F", "Kvinnor"),
        ("education", "university", "Universitet/högskola"),
    ):
        known = people[people[column].notna()]
        yes = (known.loc[known.responder, column] == value).astype(float).tolist()
        no = (known.loc[~known.responder, column] == value).astype(float).tolist()
        row = _share_row(label, yes, no)
        if row is not None:
            rows.append(row)
    return rows


def _share_row(label: str, yes: list[float], no: list[float]) -> DropoutRow | None:
    """A 0/1 variable: shares of responders and non-responders, chi-square or Fisher."""
    if not yes or not no:
        return None
    table = [[int(sum(yes)), len(yes) - int(sum(yes))], [int(sum(no)), len(no) - int(sum(no))]]
    test = stats.independence_test(table)
    smd = stats.standardised_mean_difference(yes, no)
    return DropoutRow(
        label, len(yes), len(no), sum(yes) / len(yes), sum(no) / len(no), smd, test.method,
        test.p_value,
    )  # fmt: skip


# ---------------------------------------------------------------------------
# Case-mix


@dataclass(frozen=True)
class UnitCaseMix:
    unit_id: str
    n: int
    observed: int
    expected: float
    ratio: float
    low: float
    high: float


def casemix_frame(
    register: Register,
    year: int,
    care_level: str,
    *,
    outcome: str = "global_life_situation",
    filters: Filters | None = None,
) -> pd.DataFrame:
    """One row per completed rehab registration with the outcome and the covariates."""
    from painreg.instruments import change_rule

    ctx = Context(register, base_registrations(register, filters), year)
    completed = ctx.completed()
    completed = completed.filter(completed.care_level == care_level)
    instrument, measure = _outcome_measure(outcome)
    rule = change_rule("eq5d5l" if instrument == "eqvas" else instrument, measure)
    end = measure_values(ctx, instrument, rule["score"], "end").rename(end_value="value")
    t = completed.inner_join(end, "registration_id")
    if rule["rule"] == "end_category":
        t = t.mutate(
            category=change_expression(rule, None, t.end_value), baseline=ibis.null("float64")
        )
    else:
        initial = measure_values(ctx, instrument, rule["score"], "initial").rename(baseline="value")
        t = t.inner_join(initial, "registration_id")
        t = t.mutate(category=change_expression(rule, t.baseline, t.end_value))
    duration = ctx.score("background", "pain_duration_years", "initial").rename(
        pain_duration="value"
    )
    sick = ctx.score("background", "sick_leave_percent", "initial").rename(sick_leave="value")
    t = t.left_join(duration, "registration_id").left_join(sick, "registration_id")
    t = t.select(
        "registration_id", "unit_id", "age", "sex", "baseline", "pain_duration",
        improved=(t.category == "improved").cast("int64"),
        education=t.education.fill_null(vocabulary.UNKNOWN.value),
        sick_leave=(t.sick_leave > 0).cast("int64"),
    )  # fmt: skip
    return t.to_pandas()


def _outcome_measure(outcome: str) -> tuple[str, str]:
    return {
        "global_life_situation": ("global", "global_life_1"),
        "global_pain_experience": ("global", "global_pain_1"),
        "eqvas_change": ("eqvas", "vas"),
        "hads_anxiety_change": ("hads", "anxiety"),
        "hads_depression_change": ("hads", "depression"),
        "pcs_change": ("pcs", "total"),
        "wai_change": ("wai", "score"),
    }[outcome]


def casemix(frame: pd.DataFrame, confidence: float = 0.95) -> list[UnitCaseMix]:
    """Fit the national logistic model and return observed/expected per unit."""
    import statsmodels.api as sm

    covariates = ["age", "pain_duration", "sick_leave"]
    if frame["baseline"].notna().any():
        covariates.append("baseline")
    data = frame.dropna(subset=[*covariates, "sex"]).copy()
    if len(data) < 20 or data["improved"].nunique() < 2:
        return []
    x = data[covariates].astype(float)
    x["female"] = (data["sex"] == "F").astype(float)
    levels = sorted(data["education"].unique())
    for level in levels[1:]:
        x[f"edu_{level}"] = (data["education"] == level).astype(float)
    x = sm.add_constant(x, has_constant="add")
    x = x.loc[:, x.std(ddof=0).gt(0) | (x.columns == "const")]
    import warnings

    with warnings.catch_warnings():
        # Perfect separation in small groups warns; the fit is still the MLE we report.
        warnings.simplefilter("ignore")
        model = sm.Logit(data["improved"].astype(float), x).fit(disp=0, maxiter=200)
    data["expected"] = model.predict(x)
    out = []
    for unit, group in data.groupby("unit_id"):
        observed = int(group["improved"].sum())
        expected = float(group["expected"].sum())
        if expected <= 0:
            continue
        oe = stats.observed_expected(observed, expected, confidence)
        out.append(
            UnitCaseMix(str(unit), len(group), observed, expected, oe.ratio, oe.low, oe.high)
        )
    return [u for u in out if math.isfinite(u.expected)]


#: The analyses' definitions, written once: the generated reference prints them.
ANALYSES: tuple[tuple[str, str], ...] = (
    (
        "Completeness (ifyllnadsgrad)",
        "Per care level, instrument and occasion, over completed rehab registrations of "
        "the year. Item completeness = answered required items / required items expected "
        "in the forms where the instrument was administered (at least one of its items "
        "answered). Form completeness = administered forms with every required item "
        "answered / administered forms. Items and which are required come from the "
        "instrument definitions. Function: `completeness`.",
    ),
    (
        "Dropout analysis (bortfallsanalys)",
        "Completed rehab registrations of the year that answered at end (responders) "
        "against those that did not, on baseline (initial) scores: HADS anxiety and "
        "depression, NPRS intensity, PCS total, WAI, pain duration (median, Mann-Whitney "
        "U two-sided, standardised mean difference), and on sex and education (share, "
        "chi-square or Fisher's exact test when an expected count is below 5, SMD of the "
        "0/1 indicator; Austin 2009). Function: `dropout_analysis`.",
    ),
    (
        "Case-mix adjusted comparison",
        "A national logistic model per care level and year of the outcome (improved "
        "handling of the life situation by default; any change measure's 'improved' "
        "selectable) on age, sex, education, the measure's baseline score (none for the "
        "global questions, asked only at end), pain duration and sick leave at baseline "
        "(background questions). Complete cases; missing education is its own level. "
        "Expected count per unit = sum of its patients' predicted probabilities; "
        "observed/expected with an exact (Garwood) Poisson interval for the observed "
        "count. Functions: `casemix_frame`, `casemix`.",
    ),
)


def describe_analyses() -> list[tuple[str, str]]:
    """(title, definition) of each analysis, for the generated reference."""
    return list(ANALYSES)


__all__ = [
    "DropoutRow",
    "UnitCaseMix",
    "casemix",
    "casemix_frame",
    "completeness",
    "describe_analyses",
    "dropout_analysis",
]
