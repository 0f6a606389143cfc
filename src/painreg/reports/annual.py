"""The national annual report (and one unit's report): HTML, PDF and Excel appendices.

Decisions:

- Everything shown is computed by :mod:`painreg.analytics.indicators` (raw
  counts) and published here under DOMAIN.md's publishing rules through
  :mod:`painreg.reports.render`: groups below 5 not shown, proportions greyed
  below 10 ("otillräckligt underlag"), count tables suppressed, every unit
  proportion with a 95% Wilson interval and a funnel plot against the
  national value of the same care level and year instead of a ranking.
- The two care levels are reported side by side, never pooled.
- The report follows the 2021 report's figures (numbers in headings refer to
  them); the Excel appendix per care level has one sheet per indicator and
  one row per unit.
- Output is rendered completely in memory, then written (no half-written
  report directory).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from painreg.analytics.indicators import (
    BY_KEY,
    CARE_LEVELS,
    CHANGE_OUTCOMES,
    EDUCATION,
    WORK_MEASURES,
    Filters,
    compute_indicators,
)
from painreg.analytics.load import Register
from painreg.analytics.stats import cochran_armitage_trend, newcombe_difference_interval
from painreg.reports import render
from painreg.reports.publishing import format_number, format_percent
from painreg.tidy import vocabulary

TEMPLATES = Path(__file__).with_name("templates") / "annual"

LEVEL_LABEL = {"specialist": "MMRsv (specialistvård)", "primary": "MMRpv (primärvård)"}
LEVEL_SHORT = {"specialist": "MMRsv", "primary": "MMRpv"}
CATEGORY_SV = vocabulary.CHANGE_CATEGORIES.headings()
REASON_SV = vocabulary.DISCONTINUATION_REASONS.headings()
EDUCATION_SV = {
    **vocabulary.EDUCATION.headings(),
    vocabulary.UNKNOWN.value: vocabulary.UNKNOWN.heading(),
}
# In running text, as "hads (initialt)".
OCCASION_SV = {k: v[:1].lower() + v[1:] for k, v in vocabulary.OCCASIONS.headings().items()}
TEST_SV = {"mann_whitney": "Mann–Whitney", "chi2": "χ²", "fisher": "Fisher", "none": "–"}
ACTIVITY_SV = {
    "none": "Ingen tid alls",
    "under_30": "< 30 min",
    "from_30_to_60": "30–60 min",
    "from_60_to_90": "60–90 min",
    "from_90_to_150": "90–150 min",
    "from_150_to_300": "150–300 min",
    "over_300": "> 300 min",
}
WAI_SV = {"poor": "Dålig", "moderate": "Måttlig", "good": "Bra", "excellent": "Utmärkt"}
WORK_SV = vocabulary.WORK_MEASURES.headings()
TREND_KEYS = (
    "completed_rehab",
    "assessments",
    "hads_anxiety_case_initial",
    "hads_depression_case_initial",
    "wai_category_initial",
    "wai_category_end",
    "work_measures",
    "selection_women",
    "selection_men",
    "satisfaction_end",
    "mental_wellbeing_end",
    "mpi_adaptive_coper_initial",
    "mpi_adaptive_coper_end",
)
#: Said instead of figure 22 when no MPI profile is classified (no classifier given).
MPI_NOT_CLASSIFIED = "MPI-profil ej klassificerad (klassificerare saknas)"


class UnknownUnit(LookupError):
    """The unit asked for is not in the register (message for people)."""


@dataclass
class Table:
    title: str
    columns: list[str]
    rows: list[list[str]]
    grey: list[bool] = field(default_factory=list)
    note: str = ""


@dataclass
class Section:
    title: str
    paragraphs: list[str] = field(default_factory=list)
    charts: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)

    def add_bars(self, rows: list[dict[str, Any]], **chart: Any) -> None:
        """A bar chart of ``rows`` (``render.bar_chart``'s options), as SVG."""
        self.charts.append(render.chart_svg(render.bar_chart(rows, **chart)))


@dataclass
class LevelReport:
    level: str
    label: str
    sections: list[Section]
    appendix: bytes


@dataclass
class Report:
    title: str
    subtitle: str
    year: int
    levels: list[LevelReport]
    note: str = render.PUBLISHING_NOTE


def _pct(x: int, n: int) -> str:
    s = render.share(x, n)
    return s.text() if s.shown else render.NOT_SHOWN


def _years(register: Register, year: int, span: int = 5) -> list[int]:
    years = register.registrations.rehab_end_date.year().min().to_pyarrow().as_py()
    first = max(year - span + 1, years or year)
    return list(range(first, year + 1))


def build_report(
    register: Register,
    year: int,
    *,
    filters: Filters | None = None,
    unit: str | None = None,
    casemix_outcome: str = "global_life_situation",
) -> Report:
    """The report's content (sections per care level), computed from the register."""
    units = register.units.to_pandas().set_index("unit_id")
    if unit is not None and unit not in units.index:
        raise UnknownUnit(f"no unit {unit!r} in the register; unit ids are as in units.unit_id")
    levels_wanted = CARE_LEVELS if unit is None else (units.loc[unit, "care_level"],)
    current = compute_indicators(register, year, filters=filters)
    years = _years(register, year)
    series = {
        y: compute_indicators(register, y, filters=filters, keys=TREND_KEYS, regions=False)[
            "care_levels"
        ]
        for y in years
    }
    names = units["name"].to_dict()
    levels = []
    for level in levels_wanted:
        data = current["care_levels"][level]
        sections = _level_sections(
            level,
            year,
            data,
            series,
            names,
            unit,
            context=(register, filters),
            casemix_outcome=casemix_outcome,
        )
        levels.append(
            LevelReport(level, LEVEL_LABEL[level], sections, _appendix(level, year, data, names))
        )
    who = "Nationella registret över smärtrehabilitering (NRS)"
    title = f"Årsrapport {year}" if unit is None else f"Enhetsrapport {year}: {names[unit]}"
    subtitle = who + ("" if filters is None else f" — urval: {filters.describe()}")
    return Report(title=title, subtitle=subtitle, year=year, levels=levels)


def _level_sections(
    level: str,
    year: int,
    data: dict[str, Any],
    series: dict[int, dict[str, Any]],
    names: dict[str, str],
    unit: str | None,
    context: tuple[Register, Filters | None] | None = None,
    casemix_outcome: str = "global_life_situation",
) -> list[Section]:
    nat = data["national"]
    short = LEVEL_SHORT[level]
    sections = []

    # Volumes (figures 2, 23)
    vol = Section(f"Avslutade patienter {short}, {min(series)}–{year} (figur 2, 23)")
    rows = []
    for y, levels in series.items():
        rows.append(
            {"år": str(y), "grupp": "MMR", "antal": levels[level]["national"]["completed_rehab"]}
        )
        if level == "specialist":
            rows.append(
                {
                    "år": str(y),
                    "grupp": "Enbart utredning",
                    "antal": levels[level]["national"]["assessments"],
                }
            )
    vol.add_bars(rows, x="år", y="antal", color="grupp", title="Antal avslutade", percent=False)
    completed = nat["completed_rehab"]
    disc = nat["discontinued"]
    n_disc = sum(disc.values())
    vol.paragraphs.append(
        f"{year} avslutades {format_number(completed)} patienter i {short}"
        + (
            f" och {format_number(nat['assessments'])} utreddes utan rehabilitering"
            if level == "specialist"
            else ""
        )
        + f". {format_number(n_disc)} avbröt rehabiliteringen."
    )
    vol.tables.append(
        Table(
            "Avbrott per orsak",
            **render.suppressed_table(
                ["Nationellt"], [REASON_SV[r] for r in disc], [list(disc.values())]
            ),
        )
    )
    sections.append(vol)

    # Data completeness: response rate and coverage (figure 1)
    comp = Section("Svarsfrekvens och täckningsgrad (figur 1)")
    rr = nat["response_rate_end"]
    s = render.share(rr["numerator"], rr["denominator"])
    comp.paragraphs.append(
        f"Svarsfrekvens vid avslut: {s.text()} (95 % KI {s.interval_text()}), "
        f"{format_number(rr['numerator'])} av {format_number(rr['denominator'])}."
    )
    cov = nat["coverage"]
    if cov["reported_total"]:
        comp.paragraphs.append(
            f"Täckningsgrad bland enheter som rapporterat totalt antal: "
            f"{format_percent(cov['registered'] / cov['reported_total'])} "
            f"({format_number(cov['registered'])} av {format_number(cov['reported_total'])})."
        )
    else:
        comp.paragraphs.append("Täckningsgrad: okänd (inga enheter har rapporterat totalt antal).")
    comp.tables.append(_coverage_table(data, names, unit))
    if unit is None:
        comp.tables.append(_regional_coverage_table(data))
    if context is not None:
        comp.tables += _completeness_tables(context, level, year)
    sections.append(comp)

    # Outcomes per unit (figures 3-12, 15-18)
    for key in CHANGE_OUTCOMES:
        if key not in nat:
            continue
        sections.append(_outcome_section(key, level, year, data, names, unit))

    sections.append(_across_measures_section(level, year, nat))
    if context is not None:
        sections.append(_casemix_section(context, level, year, names, unit, casemix_outcome))

    # Baseline psychological status over years (figures 13-14, 27-30)
    base = Section(f"Sannolikt klinisk ångest och depression initialt, {short} (figur 13–14)")
    rows = []
    for key, label in (
        ("hads_anxiety_case_initial", "Ångest (HAD 11–21)"),
        ("hads_depression_case_initial", "Depression (HAD 11–21)"),
    ):
        xs, ns = [], []
        for y, levels in series.items():
            v = levels[level]["national"][key]
            xs.append(v["numerator"])
            ns.append(v["denominator"])
            if v["denominator"] >= render.MIN_SHOWN:
                rows.append(
                    {"år": str(y), "mått": label, "andel": v["numerator"] / v["denominator"]}
                )
        if len(xs) >= 2 and sum(ns) > 0:
            z, p = cochran_armitage_trend(xs, ns)
            base.paragraphs.append(
                f"{label}: trendtest över åren (Cochran–Armitage) z = {format_number(z, 2)}, "
                f"p = {format_number(p, 3)}."
            )
    if rows:
        base.add_bars(rows, x="år", y="andel", color="mått", title="Andel initialt")
    sections.append(base)

    if unit is None and context is not None:
        sections.append(_by_sex_section(context, level, series))

    # WAI categories initial vs end (figures 19-21)
    wai = Section(f"Upplevd arbetsförmåga (WAI) initialt och vid avslut, {short} (figur 19–21)")
    ini, end = nat["wai_category_initial"], nat["wai_category_end"]
    if ini["n"] >= render.MIN_SHOWN:
        rows = []
        for cat in ("poor", "moderate", "good", "excellent"):
            rows.append(
                {"kategori": WAI_SV[cat], "tillfälle": "Initialt", "andel": ini[cat] / ini["n"]}
            )
            rows.append(
                {"kategori": WAI_SV[cat], "tillfälle": "Avslut", "andel": end[cat] / end["n"]}
            )
        wai.add_bars(rows, x="kategori", y="andel", color="tillfälle", title="Andel per kategori")
        low, high = newcombe_difference_interval(ini["poor"], ini["n"], end["poor"], end["n"])
        wai.paragraphs.append(
            f"Andel med dålig arbetsförmåga: {_pct(ini['poor'], ini['n'])} initialt och "
            f"{_pct(end['poor'], end['n'])} vid avslut; skillnad "
            f"{format_number((ini['poor'] - end['poor']) / ini['n'] * 100, 0)} procentenheter "
            f"(95 % KI enligt Newcombe {format_number(low * 100, 0)} till "
            f"{format_number(high * 100, 0)}; "
            "intervallet behandlar tillfällena som oberoende och är därför försiktigt)."
        )
    else:
        wai.paragraphs.append(render.INSUFFICIENT.capitalize() + ".")
    sections.append(wai)

    sections.append(_mpi_section(level, series))
    sections.append(_activity_satisfaction_section(level, year, nat, series))

    # Patient group: education, sex, age, work measures, diagnoses (24-26, 31, 35-36)
    grp = Section(f"Patientgruppen, {short} (figur 24–26, 31, 35–36)")
    edu = nat["education_rehab"]
    grp.tables.append(
        Table(
            "Högsta avslutade utbildning (avslutade MMR)",
            **render.suppressed_table(
                ["Nationellt"], [EDUCATION_SV[e] for e in EDUCATION], [[edu[e] for e in EDUCATION]]
            ),
        )
    )
    if level == "specialist" and "education_assessment" in nat:
        ea = nat["education_assessment"]
        grp.tables.append(
            Table(
                "Högsta avslutade utbildning (enbart utredning)",
                **render.suppressed_table(
                    ["Nationellt"],
                    [EDUCATION_SV[e] for e in EDUCATION],
                    [[ea[e] for e in EDUCATION]],
                ),
            )
        )
        sel = []
        for y, levels in series.items():
            for key, label in (("selection_women", "Kvinnor"), ("selection_men", "Män")):
                v = levels[level]["national"][key]
                if v["denominator"] >= render.MIN_SHOWN:
                    sel.append(
                        {"år": str(y), "kön": label, "andel": v["numerator"] / v["denominator"]}
                    )
        if sel:
            grp.add_bars(
                sel,
                x="år",
                y="andel",
                color="kön",
                title="Urval från utredning till MMR (andel som fick MMR)",
            )
    sex = nat["sex"]
    grp.paragraphs.append(
        f"Andel kvinnor: {_pct(sex['F'], sex['n'])}; andel män: {_pct(sex['M'], sex['n'])}."
    )
    ages = nat["age_group"]
    grp.tables.append(
        Table(
            "Åldersgrupper (avslutade MMR)",
            **render.suppressed_table(
                ["Nationellt"],
                list(BY_KEY["age_group"].categories),
                [[ages[a] for a in BY_KEY["age_group"].categories]],
            ),
        )
    )
    work_rows = []
    for y, levels in series.items():
        w = levels[level]["national"]["work_measures"]
        if w["n"] >= render.MIN_SHOWN:
            for m in WORK_MEASURES:
                work_rows.append({"år": str(y), "åtgärd": WORK_SV[m], "andel": w[m] / w["n"]})
    if work_rows:
        grp.add_bars(
            work_rows,
            x="år",
            y="andel",
            color="åtgärd",
            title="Arbetsinriktade åtgärder (figur 31)",
        )
    diag = list(nat["main_diagnosis"].items())[:10]
    if diag:
        grp.tables.append(
            Table(
                "Vanligaste huvuddiagnoser (figur 35–36)",
                **render.suppressed_table([d for d, _ in diag], ["Antal"], [[c] for _, c in diag]),
                note="Tabellen visar de tio vanligaste; totalen avser dessa.",
            )
        )
    sections.append(grp)
    return sections


def _unit_rows(data: dict[str, Any], key: str) -> list[tuple[str, Any]]:
    return [(u, v[key]) for u, v in sorted(data["units"].items())]


def _by_sex_section(
    context: tuple[Register, Filters | None], level: str, series: dict[int, dict[str, Any]]
) -> Section:
    """Probable clinical anxiety/depression at baseline by sex over years (figures 27-30),
    and the share with poor work ability before and after over years (figure 21)."""
    import dataclasses

    register, filters = context
    short = LEVEL_SHORT[level]
    section = Section(f"Kvinnor och män över tid, {short} (figur 21, 27–30)")
    keys = ["hads_anxiety_case_initial", "hads_depression_case_initial"]
    rows = []
    for sex, label in (("F", "Kvinnor"), ("M", "Män")):
        chosen = dataclasses.replace(filters or Filters(), sex=sex)
        for y in series:
            national = compute_indicators(register, y, filters=chosen, keys=keys, regions=False)[
                "care_levels"
            ][level]["national"]
            for key, measure in zip(keys, ("ångest", "depression"), strict=True):
                v = national[key]
                if v["denominator"] >= render.MIN_SHOWN:
                    rows.append({"år": str(y), "grupp": f"{label}, {measure}",
                                 "andel": v["numerator"] / v["denominator"]})  # fmt: skip
    if rows:
        section.add_bars(
            rows,
            x="år",
            y="andel",
            color="grupp",
            title="Andel med sannolikt klinisk ångest/depression initialt (HAD 11–21)",
        )
    poor = []
    for y, levels in series.items():
        for key, label in (("wai_category_initial", "Före"), ("wai_category_end", "Efter")):
            v = levels[level]["national"][key]
            if v["n"] >= render.MIN_SHOWN:
                poor.append({"år": str(y), "tillfälle": label, "andel": v["poor"] / v["n"]})
    if poor:
        section.add_bars(
            poor,
            x="år",
            y="andel",
            color="tillfälle",
            title="Andel med dålig upplevd arbetsförmåga (WAI 0–5) före och efter MMR",
        )
    return section


def _mpi_section(level: str, series: dict[int, dict[str, Any]]) -> Section:
    """Adaptive copers (MPI) at initial and end over the years (figure 22).

    The MPI profile needs the registry holder's classifier (docs/scoring.md). When
    no registration in the register has a classified profile (any level, any
    year), the section says so instead of drawing a chart of zeros.
    """
    section = Section(f"Adaptiv copingprofil (MPI), {LEVEL_SHORT[level]} (figur 22)")
    keys = {"mpi_adaptive_coper_initial": "Initialt", "mpi_adaptive_coper_end": "Avslut"}
    classified = any(
        levels[lvl]["national"].get(key, {}).get("denominator", 0) > 0
        for levels in series.values()
        for lvl in levels
        for key in keys
    )
    if not classified:
        section.paragraphs.append(MPI_NOT_CLASSIFIED + ".")
        return section
    rows, table = [], []
    for y, levels in series.items():
        nat = levels[level]["national"]
        ini, end = nat["mpi_adaptive_coper_initial"], nat["mpi_adaptive_coper_end"]
        if ini["denominator"] < render.MIN_SHOWN:
            continue
        for key, label in keys.items():
            v = nat[key]
            rows.append(
                {"år": str(y), "tillfälle": label, "andel": v["numerator"] / v["denominator"]}
            )
        table.append(
            [str(y), format_number(ini["denominator"]),
             _pct(ini["numerator"], ini["denominator"]), _pct(end["numerator"], end["denominator"])]
        )  # fmt: skip
    if not rows:
        section.paragraphs.append(render.INSUFFICIENT.capitalize() + ".")
        return section
    section.add_bars(
        rows, x="år", y="andel", color="tillfälle", title="Andel adaptiva copers (MPI)"
    )
    section.tables.append(
        Table(
            "Adaptiv copingprofil (MPI) initialt och vid avslut",
            ["År", "n", "Initialt", "Avslut"],
            table,
            note="Bland avslutade MMR med MPI-profil klassificerad initialt och vid avslut "
            "(registerhållarens klassificerare).",
        )
    )
    return section


def _activity_satisfaction_section(
    level: str, year: int, nat: dict[str, Any], series: dict[int, dict[str, Any]]
) -> Section:
    """Physical activity before and after (text of part 2) and satisfaction over years (32)."""
    short = LEVEL_SHORT[level]
    section = Section(f"Fysisk aktivitet och nöjdhet, {short} (figur 32)")
    ini, end = nat["activity_initial"], nat["activity_end"]
    if ini["n"] >= render.MIN_SHOWN:
        rows = []
        for cat, label in ACTIVITY_SV.items():
            rows.append({"minuter": label, "tillfälle": "Initialt", "andel": ini[cat] / ini["n"]})
            rows.append({"minuter": label, "tillfälle": "Avslut", "andel": end[cat] / end["n"]})
        section.add_bars(
            rows,
            x="minuter",
            y="andel",
            color="tillfälle",
            title="Fysisk aktivitet som ger andfåddhet, minuter per vecka",
        )
        section.paragraphs.append(
            f"Andel utan fysisk aktivitet som ger andfåddhet: {_pct(ini['none'], ini['n'])} "
            f"initialt och {_pct(end['none'], end['n'])} vid avslut "
            f"(n = {format_number(ini['n'])})."
        )
    rows = []
    xs, ns = [], []
    for y, levels in series.items():
        v = levels[level]["national"]["satisfaction_end"]
        xs.append(v["numerator"])
        ns.append(v["denominator"])
        if v["denominator"] >= render.MIN_SHOWN:
            rows.append({"år": str(y), "mått": "Nöjd eller mycket nöjd",
                         "andel": v["numerator"] / v["denominator"]})  # fmt: skip
    if rows:
        section.add_bars(rows, x="år", y="andel", color="mått", title="Nöjdhet vid avslut")
    if len(xs) >= 2 and sum(ns) > 0:
        z, p = cochran_armitage_trend(xs, ns)
        section.paragraphs.append(
            f"Nöjdhet över åren: trendtest (Cochran–Armitage) z = {format_number(z, 2)}, "
            f"p = {format_number(p, 3)}."
        )
    _mental_wellbeing(section, level, series)
    return section


def _mental_wellbeing(section: Section, level: str, series: dict[int, dict[str, Any]]) -> None:
    """Second half of figure 32: mean RAND-36 emotional well-being at end, per year."""
    rows, table = [], []
    for y, levels in series.items():
        v = levels[level]["national"].get("mental_wellbeing_end")
        if v is None or v["n"] < render.MIN_SHOWN:
            continue
        mean, low, high = _mean_ci(v)
        rows.append({"år": str(y), "mått": "Psykiskt välbefinnande", "medelvärde": mean})
        table.append(
            [str(y), format_number(v["n"]), format_number(mean, 1),
             f"{format_number(low, 1)} till {format_number(high, 1)}"]
        )  # fmt: skip
    if not rows:
        return
    section.add_bars(
        rows,
        x="år",
        y="medelvärde",
        color="mått",
        title="Psykiskt välbefinnande vid avslut (RAND-36, 0–100, medelvärde)",
        percent=False,
    )
    section.tables.append(
        Table(
            "Psykiskt välbefinnande vid avslut (RAND-36 emotionellt välbefinnande)",
            ["År", "n", "Medelvärde", "95 % KI"],
            table,
            note="Skala 0–100, högre är bättre. Rapporten 2021 anger inte mätinstrumentet "
            "för psykiskt mående; registrets mått är RAND-36 emotionellt välbefinnande.",
        )
    )


def _mean_ci(v: dict[str, Any]) -> tuple[float, float, float]:
    """Mean and 95 % t interval from summable ``n, sum, sum_sq``."""
    import math

    from scipy import stats as sps

    n = v["n"]
    mean = v["sum"] / n
    var = max(v["sum_sq"] - v["sum"] ** 2 / n, 0.0) / (n - 1)
    half = float(sps.t.ppf(0.975, n - 1)) * math.sqrt(var / n)
    return mean, mean - half, mean + half


def _across_measures_section(level: str, year: int, nat: dict[str, Any]) -> Section:
    """Improved and unchanged-positive shares across the change measures (figures 33-34)."""
    section = Section(
        f"Förbättring och oförändrat positiv skattning, {LEVEL_SHORT[level]} {year} (figur 33–34)"
    )
    rows, table = [], []
    for key in ("eqvas_change", "hads_anxiety_change", "hads_depression_change", "pcs_change",
                "wai_change"):  # fmt: skip
        v = nat.get(key)
        if v is None or v["n"] < render.MIN_SHOWN:
            continue
        label = BY_KEY[key].title_sv
        for cat in ("improved", "unchanged_positive"):
            rows.append({"mått": label, "kategori": CATEGORY_SV[cat], "andel": v[cat] / v["n"]})
        table.append(
            [label, format_number(v["n"]), _pct(v["improved"], v["n"]),
             _pct(v["unchanged_positive"], v["n"]),
             _pct(v["improved"] + v["unchanged_positive"], v["n"])]
        )  # fmt: skip
    if rows:
        section.add_bars(
            rows, x="mått", y="andel", color="kategori", title="Andel", horizontal=True
        )
    section.tables.append(
        Table(
            "Per mätinstrument",
            ["Mått", "n", "Förbättrad", "Oförändrat positiv", "Summa"],
            table,
        )
    )
    section.tables.append(_mean_change_table(nat))
    return section


def _mean_change_table(nat: dict[str, Any]) -> Table:
    """Mean change end − initial with a 95 % t interval per measure (figure 34)."""
    from painreg.analytics.indicators import MEAN_CHANGES

    rows = []
    for suffix, *_rest in MEAN_CHANGES:
        key = f"mean_change_{suffix}"
        v = nat.get(key)
        if v is None or v["n"] < render.MIN_SHOWN:
            continue
        mean, low, high = _mean_ci(v)
        rows.append(
            [BY_KEY[key].title_sv.removeprefix("Medelförändring, "), format_number(v["n"]),
             format_number(mean, 1), f"{format_number(low, 1)} till "
             f"{format_number(high, 1)}"]
        )  # fmt: skip
    return Table(
        "Medelförändring från initialt till avslut (figur 34)",
        ["Mått", "n", "Medelförändring", "95 % KI"],
        rows,
        note="Positiv förändring är förbättring för EQ-VAS och RAND-36, "
        "negativ för smärtintensitet, HAD och PCS.",
    )


def _completeness_tables(
    context: tuple[Register, Filters | None], level: str, year: int
) -> list[Table]:
    from painreg.analytics.analyses import completeness, dropout_analysis

    register, filters = context
    comp = completeness(register, year, level, filters=filters)
    rows = []
    for r in comp.itertuples(index=False):
        if r.forms < render.MIN_SHOWN:
            continue
        rows.append(
            [f"{r.instrument} ({OCCASION_SV.get(r.occasion, r.occasion)})", format_number(r.forms),
             format_percent(r.form_completeness), format_percent(r.item_completeness)]
        )  # fmt: skip
    tables = [
        Table(
            "Ifyllnadsgrad per mätinstrument och tillfälle",
            ["Instrument", "Formulär", "Kompletta formulär", "Besvarade frågor"],
            rows,
        )
    ]
    drop = []
    for r in dropout_analysis(register, year, level, filters=filters):
        if min(r.n_responders, r.n_nonresponders) < render.MIN_SHOWN:
            continue
        share_row = r.method != "mann_whitney"
        value = (lambda v: format_percent(v)) if share_row else (lambda v: format_number(v, 1))
        drop.append(
            [r.measure, format_number(r.n_responders), format_number(r.n_nonresponders),
             value(r.responders), value(r.nonresponders), format_number(r.smd, 2),
             format_number(r.p_value, 3), TEST_SV[r.method]]
        )  # fmt: skip
    tables.append(
        Table(
            "Bortfallsanalys vid avslut: svarande mot icke svarande (initiala värden)",
            [
                "Mått",
                "Svarande",
                "Ej svarande",
                "Svarande: median/andel",
                "Ej svarande: median/andel",
                "SMD",
                "p",
                "Test",
            ],
            drop,
            note="SMD: standardiserad medelvärdesskillnad (Austin 2009).",
        )
    )
    return tables


def _casemix_section(
    context: tuple[Register, Filters | None],
    level: str,
    year: int,
    names: dict[str, str],
    unit: str | None,
    outcome: str = "global_life_situation",
) -> Section:
    from painreg.analytics.analyses import casemix, casemix_frame

    register, filters = context
    section = Section(
        f"Case-mix-justerad jämförelse: andel förbättrade, {BY_KEY[outcome].title_sv}, "
        f"{LEVEL_SHORT[level]} {year}"
    )
    section.paragraphs.append(
        "Förväntat antal förbättrade per enhet enligt en nationell logistisk modell "
        "(ålder, kön, utbildning, måttets startvärde där det finns, smärtduration och "
        "sjukskrivning vid start). "
        "Kvot observerat/förväntat med exakt 95 % Poisson-intervall; 1 = som förväntat."
    )
    units = casemix(casemix_frame(register, year, level, outcome=outcome, filters=filters))
    rows = []
    for u in units:
        if u.n < render.MIN_SHOWN or (unit is not None and u.unit_id != unit):
            continue
        rows.append(
            [names.get(u.unit_id, u.unit_id), format_number(u.n), format_number(u.observed),
             format_number(u.expected, 1), format_number(u.ratio, 2),
             f"{format_number(u.low, 2)}–{format_number(u.high, 2)}"]
        )  # fmt: skip
    if not units:
        section.paragraphs.append(render.INSUFFICIENT.capitalize() + " för en modell.")
    section.tables.append(
        Table(
            "Observerat och förväntat per enhet",
            ["Enhet", "n", "Observerat", "Förväntat", "O/F", "95 % KI"],
            rows,
            [int(r[1].replace("\xa0", "")) < render.MIN_SOLID for r in rows],
        )
    )
    return section


HEALTHCARE_REGION_SV = vocabulary.HEALTHCARE_REGIONS.headings()


def _regional_coverage_table(data: dict[str, Any]) -> Table:
    """Coverage per healthcare region and region (units that reported a total)."""
    regions = vocabulary.REGIONS.headings()
    rows = []
    for key, label_of in (
        ("healthcare_regions", lambda k: f"Sjukvårdsregion {HEALTHCARE_REGION_SV.get(k, k)}"),
        ("regions", lambda k: regions.get(k, k)),
    ):
        for group, values in data.get(key, {}).items():
            cov = values.get("coverage")
            if cov is None:  # a region with no unit listed this year
                continue
            tot = cov["reported_total"]
            if tot is None:
                rows.append([label_of(group), "", "ej rapporterat", ""])
            elif tot >= render.MIN_SHOWN:
                rows.append(
                    [label_of(group), render.count_text(cov["registered"]), format_number(tot),
                     format_percent(cov["registered"] / tot)]
                )  # fmt: skip
    return Table(
        "Täckningsgrad per sjukvårdsregion och region",
        ["Område", "Registrerade", "Rapporterat totalt", "Täckningsgrad"],
        rows,
        note="Summerat över de enheter som rapporterat totalt antal patienter.",
    )


def _coverage_table(data: dict[str, Any], names: dict[str, str], unit: str | None) -> Table:
    rows, grey = [], []
    for u, v in _unit_rows(data, "coverage"):
        if unit is not None and u != unit:
            continue
        reg, tot = v["registered"], v["reported_total"]
        if tot is None:
            if reg >= render.MIN_SHOWN:
                rows.append([names.get(u, u), render.count_text(reg), "ej rapporterat", ""])
                grey.append(False)
            continue
        if tot < render.MIN_SHOWN:
            continue
        rows.append(
            [names.get(u, u), render.count_text(reg), format_number(tot), format_percent(reg / tot)]
        )
        grey.append(tot < render.MIN_SOLID)
    return Table(
        "Täckningsgrad per enhet",
        ["Enhet", "Registrerade", "Rapporterat totalt", "Täckningsgrad"],
        rows,
        grey,
    )


def _outcome_section(
    key: str, level: str, year: int, data: dict[str, Any], names: dict[str, str], unit: str | None
) -> Section:
    indicator = BY_KEY[key]
    short = LEVEL_SHORT[level]
    section = Section(f"{indicator.title_sv}, {short} {year} (figur {indicator.figures})")
    nat = data["national"][key]
    cats = list(indicator.categories)
    ns = render.share(nat["improved"], nat["n"])
    section.paragraphs.append(
        f"Nationellt: {ns.text()} förbättrade (95 % KI {ns.interval_text()}), "
        f"n = {format_number(nat['n'])}."
    )
    bars = []
    points = []
    rows, grey = [], []
    hidden = 0
    groups = [("Nationellt", nat)] + [
        (names.get(u, u) + f" ({u})", v) for u, v in _unit_rows(data, key)
    ]
    for label, v in groups:
        if v["n"] < render.MIN_SHOWN:
            hidden += 1
            continue
        for c in cats:
            bars.append({"grupp": label, "kategori": CATEGORY_SV[c], "andel": v[c] / v["n"]})
        if label != "Nationellt":
            points.append({"label": label, "n": v["n"], "share": v["improved"] / v["n"]})
        s = render.share(v["improved"], v["n"])
        if unit is None or label == "Nationellt" or label.endswith(f"({unit})"):
            rows.append(
                [label, format_number(v["n"]), s.text(), s.interval_text()]
                + [_pct(v[c], v["n"]) for c in cats[1:]]
            )
            grey.append(s.status == "grey")
    if bars:
        section.charts.append(
            render.chart_svg(
                render.stacked_share_chart(
                    bars,
                    category_order=[CATEGORY_SV[c] for c in cats],
                    title="Andel per förändringskategori",
                )
            )
        )
    if points and nat["n"] > 0:
        highlight = None
        if unit is not None:
            highlight = next((p["label"] for p in points if p["label"].endswith(f"({unit})")), None)
        section.charts.append(
            render.chart_svg(
                render.funnel_chart(
                    points,
                    nat["improved"] / nat["n"],
                    "Andel förbättrade per enhet (trattdiagram)",
                    highlight=highlight,
                )
            )
        )
    hidden_units = hidden - (1 if nat["n"] < render.MIN_SHOWN else 0)
    note = f"{hidden_units} enheter med färre än 5 patienter visas inte." if hidden_units else ""
    section.tables.append(
        Table(
            "Per enhet",
            ["Enhet", "n", "Förbättrad", "95 % KI"] + [CATEGORY_SV[c] for c in cats[1:]],
            rows,
            grey,
            note,
        )
    )
    return section


# ---------------------------------------------------------------------------
# Excel appendix: one sheet per indicator, one row per unit


def _appendix(level: str, year: int, data: dict[str, Any], names: dict[str, str]) -> bytes:
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    units = sorted(data["units"].items())
    # Completed and discontinued: a count table, suppressed.
    reasons = list(data["national"]["discontinued"])
    shown_units = [
        (u, v)
        for u, v in units
        if v["completed_rehab"] + sum(v["discontinued"].values()) >= render.MIN_SHOWN
    ]
    if shown_units:
        table = render.suppressed_table(
            [names.get(u, u) for u, _ in shown_units],
            ["Avslutade"] + [REASON_SV[r] for r in reasons],
            [
                [v["completed_rehab"]] + [v["discontinued"][r] for r in reasons]
                for _, v in shown_units
            ],
        )
        render.write_excel_table(
            book,
            "Avslutade och avbrott",
            f"Avslutade och avbrott {year}",
            ["Enhet", *table["columns"][1:]],
            table["rows"],
        )
    # Rates
    for key in ("response_rate_end", "response_rate_1y"):
        rows, grey = [], []
        for u, v in [("Nationellt", data["national"])] + [(names.get(u, u), v) for u, v in units]:
            r = v[key]
            s = render.share(r["numerator"], r["denominator"])
            if not s.shown:
                continue
            rows.append([u, r["denominator"], s.share, s.low, s.high])
            grey.append(s.status == "grey")
        render.write_excel_table(
            book,
            BY_KEY[key].title_sv,
            f"{BY_KEY[key].title_sv} {year}",
            ["Enhet", "Nämnare", "Andel", "KI låg", "KI hög"],
            rows,
            kinds=["text", "int", "pct", "pct", "pct"],
            grey_rows=grey,
        )
    # Coverage
    rows = []
    for u, v in units:
        c = v["coverage"]
        tot = c["reported_total"]
        if (tot if tot is not None else c["registered"]) < render.MIN_SHOWN:
            continue
        registered = c["registered"]
        rows.append(
            [
                names.get(u, u),
                registered if registered >= render.MIN_SHOWN else render.count_text(registered),
                tot if tot is not None else "ej rapporterat",
                (c["registered"] / tot) if tot else None,
            ]
        )
    render.write_excel_table(
        book,
        "Täckningsgrad",
        f"Täckningsgrad {year}",
        ["Enhet", "Registrerade", "Rapporterat totalt", "Täckningsgrad"],
        rows,
        kinds=["text", "int", "int", "pct"],
    )
    # Outcomes
    for key in CHANGE_OUTCOMES:
        if key not in data["national"]:
            continue
        cats = list(BY_KEY[key].categories)
        rows, grey = [], []
        for u, v in [("Nationellt", data["national"][key])] + [
            (names.get(u, u), v[key]) for u, v in units
        ]:
            s = render.share(v["improved"], v["n"])
            if not s.shown:
                continue
            rows.append([u, v["n"], s.share, s.low, s.high] + [v[c] / v["n"] for c in cats[1:]])
            grey.append(s.status == "grey")
        render.write_excel_table(
            book,
            BY_KEY[key].title_sv[:31],
            f"{BY_KEY[key].title_sv} {year}",
            ["Enhet", "n", "Förbättrad", "KI låg", "KI hög"] + [CATEGORY_SV[c] for c in cats[1:]],
            rows,
            kinds=["text", "int", "pct", "pct", "pct"] + ["pct"] * (len(cats) - 1),
            grey_rows=grey,
        )
    book.close()
    return buffer.getvalue()


# ---------------------------------------------------------------------------
# Rendering and writing


def render_html(report: Report) -> str:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=jinja2.select_autoescape(["html"]),
    )
    env.filters["safe_svg"] = lambda s: jinja2.utils.markupsafe.Markup(s)
    return env.get_template("report.html").render(report=report, insufficient=render.INSUFFICIENT)


def _write_all(directory: Path, files: Sequence[tuple[str, bytes]]) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, content in files:
        tmp = directory / (name + ".tmp")
        tmp.write_bytes(content)
        written.append((tmp, directory / name))
    for tmp, final in written:
        tmp.replace(final)
    return [final for _, final in written]


def _files(report: Report, stem: str, pdf: bool) -> list[tuple[str, bytes]]:
    html = render_html(report)
    files = [(f"{stem}.html", html.encode("utf-8"))]
    if pdf:
        import weasyprint

        files.append((f"{stem}.pdf", weasyprint.HTML(string=html).write_pdf()))
    for level in report.levels:
        files.append((f"{stem}-bilaga-{level.level}.xlsx", level.appendix))
    return files


def write_annual_report(
    register: Register,
    year: int,
    directory: Path,
    *,
    filters: Filters | None = None,
    pdf: bool = True,
    casemix_outcome: str = "global_life_situation",
) -> list[Path]:
    """Render the annual report and write HTML, PDF and one Excel appendix per care level."""
    report = build_report(register, year, filters=filters, casemix_outcome=casemix_outcome)
    return _write_all(Path(directory), _files(report, f"arsrapport-{year}", pdf))


def write_unit_report(
    register: Register,
    unit: str,
    year: int,
    directory: Path,
    *,
    filters: Filters | None = None,
    pdf: bool = True,
    casemix_outcome: str = "global_life_situation",
) -> list[Path]:
    """One unit's report against its care level: HTML, PDF and its level's appendix."""
    report = build_report(
        register, year, filters=filters, unit=unit, casemix_outcome=casemix_outcome
    )
    return _write_all(Path(directory), _files(report, f"enhetsrapport-{unit}-{year}", pdf))
