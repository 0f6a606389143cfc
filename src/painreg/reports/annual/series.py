"""The register's series since its start: volumes per year (every year in the
data, rehabilitation and assessment only, in total), the patient mix and the
outcome shares per year, and the previous year beside the current one.

Every year from the first year with a registration to the report year is
shown (not the last five): the register holder reads the report for the
development since the start. Values of a year whose denominator is under the
publishing threshold are not shown (the year stays in the table, with the
not-shown mark).
"""

from __future__ import annotations

from typing import Any

from painreg.analytics.context import AGE_GROUPS, CHANGE_OUTCOMES, EDUCATION
from painreg.analytics.indicators import BY_KEY
from painreg.reports import render
from painreg.reports.annual.labels import EDUCATION_SV, LEVEL_SHORT
from painreg.reports.annual.model import Section, pct
from painreg.reports.publishing import MIN_PUBLISHED, NOT_SHOWN, Table, format_number

#: The series the report draws, computed for every year (with ``labels.TREND_KEYS``).
SERIES_KEYS = ("sex", "age_group", "education_rehab", "response_rate_end", *CHANGE_OUTCOMES)


def first_year(register: Any) -> int | None:
    """The first year of the register: of a rehab end date or an assessment's first visit."""
    r = register.registrations
    rehab = r.rehab_end_date.year().min().to_pyarrow().as_py()
    assessment = (
        r.filter(r.category == "assessment").first_visit_date.year().min().to_pyarrow().as_py()
    )
    years = [y for y in (rehab, assessment) if y is not None]
    return min(years) if years else None


def volumes_section(level: str, year: int, series: dict[int, dict[str, Any]]) -> Section:
    """Completed patients per year, per category and in total, since the start."""
    short = LEVEL_SHORT[level]
    section = Section(f"Avslutade patienter per år, {short} {min(series)}–{year}")
    rows, table = [], []
    for y, levels in series.items():
        nat = levels[level]["national"]
        rehab, assessed = nat["completed_rehab"], nat.get("assessments", 0)
        rows.append({"år": str(y), "grupp": "MMR", "antal": rehab})
        rows.append({"år": str(y), "grupp": "Enbart utredning", "antal": assessed})
        table.append([str(y), rehab, assessed, rehab + assessed])
    section.add_bars(
        rows, x="år", y="antal", color="grupp", title="Antal avslutade per år", percent=False
    )
    section.tables.append(
        Table.of_values(
            f"Avslutade patienter per år, {short}",
            ["År", "MMR", "Enbart utredning", "Totalt"],
            table,
            kinds=["text", "int", "int", "int"],
            note="MMR: avslutad multimodal rehabilitering (räknas på avslutsåret). Enbart "
            "utredning: patienter som utreddes utan att påbörja MMR (räknas på året för "
            "första besöket).",
        )
    )
    return section


def patient_mix_section(level: str, series: dict[int, dict[str, Any]]) -> Section:
    """The share of men, the age groups and education per year (completed rehabilitation)."""
    short = LEVEL_SHORT[level]
    section = Section(f"Patientgruppen över tid, {short}")
    years = list(series)
    ages = [a for a in AGE_GROUPS]
    rows = []
    for y in years:
        nat = series[y][level]["national"]
        sex, age, edu = nat["sex"], nat["age_group"], nat["education_rehab"]
        rows.append(
            [str(y), format_number(sex["n"]), pct(sex["M"], sex["n"])]
            + [pct(age[a], age["n"]) for a in ages]
            + [pct(edu[e], edu["n"]) for e in EDUCATION]
        )
    section.tables.append(
        Table.of_values(
            "Andel män, åldersgrupper och högsta utbildning per år (avslutade MMR)",
            ["År", "n", "Män"] + [f"{a} år" for a in ages] + [EDUCATION_SV[e] for e in EDUCATION],
            rows,
            note=f"Andelar av avslutade MMR det året; {NOT_SHOWN} = färre än "
            f"{MIN_PUBLISHED} patienter.",
        )
    )
    chart = []
    for y in years:
        sex = series[y][level]["national"]["sex"]
        if sex["n"] >= MIN_PUBLISHED:
            chart.append({"år": str(y), "grupp": "Män", "andel": sex["M"] / sex["n"]})
    if chart:
        section.add_bars(chart, x="år", y="andel", color="grupp", title="Andel män per år")
    return section


def outcomes_over_time_section(level: str, series: dict[int, dict[str, Any]]) -> Section:
    """The share improved of every change outcome per year, nationally."""
    short = LEVEL_SHORT[level]
    section = Section(f"Utfall över tid, {short}: andel förbättrade per år")
    keys = [k for k in CHANGE_OUTCOMES if k in series[max(series)][level]["national"]]
    rows, chart = [], []
    for key in keys:
        row = [BY_KEY[key].title_sv]
        for y in series:
            v = series[y][level]["national"][key]
            row.append(pct(v["improved"], v["n"]))
            if v["n"] >= MIN_PUBLISHED:
                chart.append(
                    {"år": str(y), "mått": BY_KEY[key].title_sv, "andel": v["improved"] / v["n"]}
                )
        rows.append(row)
    if chart:
        section.add_bars(
            chart,
            x="år",
            y="andel",
            color="mått",
            title="Andel förbättrade från initialt till avslut",
        )
    section.tables.append(
        Table.of_values(
            "Andel förbättrade per år (nationellt)", ["Mått", *[str(y) for y in series]], rows
        )
    )
    return section


def previous_year_text(
    key: str, level: str, year: int, series: dict[int, dict[str, Any]], group: str = "national"
) -> str:
    """'Föregående år (Y − 1): 54 % förbättrade (95 % KI …), n = 80.' or '' without that year."""
    previous = series.get(year - 1, {}).get(level, {}).get(group, {}).get(key)
    if previous is None:
        return ""
    s = render.share(previous["improved"], previous["n"])
    if not s.shown:
        return f"{year - 1}: {NOT_SHOWN} (färre än {MIN_PUBLISHED} patienter)."
    return (
        f"{year - 1}: {s.text()} förbättrade (95 % KI {s.interval_text()}), "
        f"n = {format_number(previous['n'])}."
    )
