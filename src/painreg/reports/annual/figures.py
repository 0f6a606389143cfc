"""The annual report's sections that are mainly figures: outcomes per unit
(stacked shares and funnel plot), women and men over the years, MPI profile,
physical activity and satisfaction, emotional well-being, and the change
measures side by side."""

from __future__ import annotations

from typing import Any

from painreg.analytics.compute import yearly_indicators
from painreg.analytics.context import Filters
from painreg.analytics.indicators import BY_KEY
from painreg.analytics.load import Register
from painreg.analytics.stats import cochran_armitage_trend
from painreg.reports import render
from painreg.reports.annual.labels import ACTIVITY_SV, CATEGORY_SV, LEVEL_SHORT, MPI_NOT_CLASSIFIED
from painreg.reports.annual.model import Section, mean_ci, pct, unit_labels, unit_rows
from painreg.reports.annual.series import previous_year_text
from painreg.reports.annual.tables import mean_change_table
from painreg.reports.publishing import (
    INSUFFICIENT,
    MIN_PUBLISHED,
    Table,
    chart_svg,
    format_interval,
    format_number,
)


def by_sex_section(
    context: tuple[Register, Filters | None], level: str, series: dict[int, dict[str, Any]]
) -> Section:
    """Probable clinical anxiety/depression at baseline by sex over years (figures 27-30),
    and the share with poor work ability before and after over years (figure 21)."""
    import dataclasses

    register, filters = context
    short = LEVEL_SHORT[level]
    section = Section(f"Kvinnor och män över tid, {short}")
    keys = ["hads_anxiety_case_initial", "hads_depression_case_initial"]
    rows = []
    for sex, label in (("F", "Kvinnor"), ("M", "Män")):
        chosen = dataclasses.replace(filters or Filters(), sex=sex)
        by_year = yearly_indicators(register, list(series), keys, filters=chosen)
        for y in series:
            national = by_year[y][level]["national"]
            for key, measure in zip(keys, ("ångest", "depression"), strict=True):
                v = national[key]
                if v["denominator"] >= MIN_PUBLISHED:
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
            if v["n"] >= MIN_PUBLISHED:
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


def mpi_section(level: str, series: dict[int, dict[str, Any]]) -> Section:
    """Adaptive copers (MPI) at initial and end over the years (figure 22).

    The MPI profile needs the registry holder's classifier (docs/scoring.md). When
    no registration in the register has a classified profile (any level, any
    year), the section says so instead of drawing a chart of zeros.
    """
    section = Section(f"Adaptiv copingprofil (MPI), {LEVEL_SHORT[level]}")
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
        if ini["denominator"] < MIN_PUBLISHED:
            continue
        for key, label in keys.items():
            v = nat[key]
            rows.append(
                {"år": str(y), "tillfälle": label, "andel": v["numerator"] / v["denominator"]}
            )
        table.append(
            [str(y), format_number(ini["denominator"]),
             pct(ini["numerator"], ini["denominator"]), pct(end["numerator"], end["denominator"])]
        )  # fmt: skip
    if not rows:
        section.paragraphs.append(INSUFFICIENT.capitalize() + ".")
        return section
    section.add_bars(
        rows, x="år", y="andel", color="tillfälle", title="Andel adaptiva copers (MPI)"
    )
    section.tables.append(
        Table.of_values(
            "Adaptiv copingprofil (MPI) initialt och vid avslut",
            ["År", "n", "Initialt", "Avslut"],
            table,
            note="Bland avslutade MMR med MPI-profil klassificerad initialt och vid avslut "
            "(registerhållarens klassificerare).",
        )
    )
    return section


def activity_satisfaction_section(
    level: str, year: int, nat: dict[str, Any], series: dict[int, dict[str, Any]]
) -> Section:
    """Physical activity before and after (text of part 2) and satisfaction over years (32)."""
    short = LEVEL_SHORT[level]
    section = Section(f"Fysisk aktivitet och nöjdhet, {short}")
    ini, end = nat["activity_initial"], nat["activity_end"]
    if ini["n"] >= MIN_PUBLISHED:
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
            f"Andel utan fysisk aktivitet som ger andfåddhet: {pct(ini['none'], ini['n'])} "
            f"initialt och {pct(end['none'], end['n'])} vid avslut "
            f"(n = {format_number(ini['n'])})."
        )
    rows = []
    xs, ns = [], []
    for y, levels in series.items():
        v = levels[level]["national"]["satisfaction_end"]
        xs.append(v["numerator"])
        ns.append(v["denominator"])
        if v["denominator"] >= MIN_PUBLISHED:
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
    mental_wellbeing(section, level, series)
    return section


def mental_wellbeing(section: Section, level: str, series: dict[int, dict[str, Any]]) -> None:
    """Second half of figure 32: mean RAND-36 emotional well-being at end, per year."""
    rows, table = [], []
    for y, levels in series.items():
        v = levels[level]["national"].get("mental_wellbeing_end")
        if v is None or v["n"] < MIN_PUBLISHED:
            continue
        mean, low, high = mean_ci(v)
        rows.append({"år": str(y), "mått": "Psykiskt välbefinnande", "medelvärde": mean})
        table.append(
            [str(y), format_number(v["n"]), format_number(mean, 1),
             format_interval(low, high, 1)]
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
        Table.of_values(
            "Psykiskt välbefinnande vid avslut (RAND-36 emotionellt välbefinnande)",
            ["År", "n", "Medelvärde", "95 % KI"],
            table,
            # Why RAND-36 (the 2021 report does not name its measure): docs/annual-report.md.
            note="Psykiskt mående mäts med RAND-36 emotionellt välbefinnande, skala 0–100, "
            "högre är bättre.",
        )
    )


def across_measures_section(level: str, year: int, nat: dict[str, Any]) -> Section:
    """Improved and unchanged-positive shares across the change measures (figures 33-34)."""
    section = Section(f"Förbättring och oförändrat positiv skattning, {LEVEL_SHORT[level]} {year}")
    rows, table = [], []
    for key in ("eqvas_change", "hads_anxiety_change", "hads_depression_change", "pcs_change",
                "wai_change"):  # fmt: skip
        v = nat.get(key)
        if v is None or v["n"] < MIN_PUBLISHED:
            continue
        label = BY_KEY[key].title_sv
        for cat in ("improved", "unchanged_positive"):
            rows.append({"mått": label, "kategori": CATEGORY_SV[cat], "andel": v[cat] / v["n"]})
        table.append(
            [label, format_number(v["n"]), pct(v["improved"], v["n"]),
             pct(v["unchanged_positive"], v["n"]),
             pct(v["improved"] + v["unchanged_positive"], v["n"])]
        )  # fmt: skip
    if rows:
        section.add_bars(
            rows, x="mått", y="andel", color="kategori", title="Andel", horizontal=True
        )
    section.tables.append(
        Table.of_values(
            "Per mätinstrument",
            ["Mått", "n", "Förbättrad", "Oförändrat positiv", "Summa"],
            table,
        )
    )
    section.tables.append(mean_change_table(nat))
    return section


def outcome_section(
    key: str,
    level: str,
    year: int,
    data: dict[str, Any],
    names: dict[str, str],
    unit: str | None,
    series: dict[int, dict[str, Any]] | None = None,
) -> Section:
    indicator = BY_KEY[key]
    short = LEVEL_SHORT[level]
    section = Section(f"{indicator.title_sv}, {short} {year}")
    nat = data["national"][key]
    cats = list(indicator.categories)
    ns = render.share(nat["improved"], nat["n"])
    previous = previous_year_text(key, level, year, series or {})
    section.paragraphs.append(
        f"Nationellt {year}: {ns.text()} förbättrade (95 % KI {ns.interval_text()}), "
        f"n = {format_number(nat['n'])}." + (f" Föregående år, {previous}" if previous else "")
    )
    bars = []
    points = []
    rows, grey = [], []
    hidden = 0
    labels = unit_labels(names)
    groups = [("Nationellt", nat)] + [(labels.get(u, u), v) for u, v in unit_rows(data, key)]
    for label, v in groups:
        if v["n"] < MIN_PUBLISHED:
            hidden += 1
            continue
        for c in cats:
            bars.append({"grupp": label, "kategori": CATEGORY_SV[c], "andel": v[c] / v["n"]})
        if label != "Nationellt":
            points.append({"label": label, "n": v["n"], "share": v["improved"] / v["n"]})
        s = render.share(v["improved"], v["n"])
        if unit is None or label in ("Nationellt", labels.get(unit)):
            rows.append(
                [label, format_number(v["n"]), s.text(), s.interval_text()]
                + [pct(v[c], v["n"]) for c in cats[1:]]
            )
            grey.append(s.status == "grey")
    if bars:
        section.charts.append(
            chart_svg(
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
            highlight = labels.get(unit)
        section.charts.append(
            chart_svg(
                render.funnel_chart(
                    points,
                    nat["improved"] / nat["n"],
                    "Andel förbättrade per enhet (trattdiagram)",
                    highlight=highlight,
                )
            )
        )
    hidden_units = hidden - (1 if nat["n"] < MIN_PUBLISHED else 0)
    note = (
        f"{hidden_units} enheter med färre än {MIN_PUBLISHED} patienter visas inte."
        if hidden_units
        else ""
    )
    section.tables.append(
        Table.of_values(
            "Per enhet",
            ["Enhet", "n", "Förbättrad", "95 % KI"] + [CATEGORY_SV[c] for c in cats[1:]],
            rows,
            grey=grey,
            note=note,
        )
    )
    return section
