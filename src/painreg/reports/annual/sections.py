"""The sections of one care level, in the order of the 2021 report: volumes,
completeness, outcomes, baseline status, work ability, the patient group."""

from __future__ import annotations

from typing import Any

from painreg.analytics.context import CHANGE_OUTCOMES, EDUCATION, WORK_MEASURES, Filters
from painreg.analytics.indicators import BY_KEY
from painreg.analytics.load import Register
from painreg.analytics.stats import cochran_armitage_trend, newcombe_difference_interval
from painreg.reports import render
from painreg.reports.annual import figures, oneyear, tables
from painreg.reports.annual import series as series_sections
from painreg.reports.annual.labels import EDUCATION_SV, LEVEL_SHORT, REASON_SV, WAI_SV, WORK_SV
from painreg.reports.annual.model import Section, pct
from painreg.reports.publishing import (
    INSUFFICIENT,
    MIN_PUBLISHED,
    Table,
    format_interval,
    format_number,
    format_percent,
)


def level_sections(
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

    # Volumes since the register's start
    vol = series_sections.volumes_section(level, year, series)
    completed = nat["completed_rehab"]
    disc = nat["discontinued"]
    n_disc = sum(disc.values())
    vol.paragraphs.append(
        f"{year} avslutades {format_number(completed)} patienter i {short}"
        f" och {format_number(nat['assessments'])} utreddes utan rehabilitering"
        f". {format_number(n_disc)} avbröt rehabiliteringen."
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
    comp = Section(f"Svarsfrekvens och täckningsgrad, {short} {year}")
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
    comp.paragraphs += oneyear.unit_coverage_paragraphs(level, nat)
    comp.tables.append(tables.coverage_table(data, names, unit))
    if unit is None:
        comp.tables.append(tables.regional_coverage_table(data))
        comp.tables.append(oneyear.unit_coverage_table(data))
    if context is not None:
        comp.tables += tables.completeness_tables(context, level, year)
    sections.append(comp)

    # Outcomes per unit (figures 3-12, 15-18)
    for key in CHANGE_OUTCOMES:
        if key not in nat:
            continue
        sections.append(figures.outcome_section(key, level, year, data, names, unit, series))
    sections.append(series_sections.outcomes_over_time_section(level, series))

    sections += oneyear.one_year_sections(level, year, data, names, unit, context)
    sections.append(oneyear.context_section(level, year, data, names, unit))
    sections.append(figures.across_measures_section(level, year, nat))
    if context is not None:
        sections.append(tables.casemix_section(context, level, year, names, unit, casemix_outcome))

    # Baseline psychological status over years (figures 13-14, 27-30)
    base = Section(f"Sannolikt klinisk ångest och depression initialt, {short}")
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
            if v["denominator"] >= MIN_PUBLISHED:
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
        sections.append(figures.by_sex_section(context, level, series))

    # WAI categories initial vs end (figures 19-21)
    wai = Section(f"Upplevd arbetsförmåga (WAI) initialt och vid avslut, {short} {year}")
    ini, end = nat["wai_category_initial"], nat["wai_category_end"]
    if ini["n"] >= MIN_PUBLISHED:
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
            f"Andel med dålig arbetsförmåga: {pct(ini['poor'], ini['n'])} initialt och "
            f"{pct(end['poor'], end['n'])} vid avslut; skillnad "
            f"{format_number((ini['poor'] - end['poor']) / ini['n'] * 100, 0)} procentenheter "
            f"(95 % KI enligt Newcombe {format_interval(low * 100, high * 100)}; "
            "intervallet behandlar tillfällena som oberoende och är därför försiktigt)."
        )
    else:
        wai.paragraphs.append(INSUFFICIENT.capitalize() + ".")
    sections.append(wai)

    sections.append(figures.mpi_section(level, series))
    sections.append(figures.activity_satisfaction_section(level, year, nat, series))

    # Patient group: education, sex, age, work measures, diagnoses (24-26, 31, 35-36)
    grp = Section(f"Patientgruppen, {short} {year}")
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
                if v["denominator"] >= MIN_PUBLISHED:
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
        f"Andel kvinnor: {pct(sex['F'], sex['n'])}; andel män: {pct(sex['M'], sex['n'])}."
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
        if w["n"] >= MIN_PUBLISHED:
            for m in WORK_MEASURES:
                work_rows.append({"år": str(y), "åtgärd": WORK_SV[m], "andel": w[m] / w["n"]})
    if work_rows:
        grp.add_bars(
            work_rows,
            x="år",
            y="andel",
            color="åtgärd",
            title="Arbetsinriktade åtgärder",
        )
    diag = list(nat["main_diagnosis"].items())[:10]
    if diag:
        grp.tables.append(
            Table(
                "Vanligaste huvuddiagnoser",
                **render.suppressed_table([d for d, _ in diag], ["Antal"], [[c] for _, c in diag]),
                note="Tabellen visar de tio vanligaste; totalen avser dessa.",
            )
        )
    sections.append(grp)
    sections.append(series_sections.patient_mix_section(level, series))
    return sections
