"""The annual report's tables: coverage per unit and per region, completeness
and the dropout analysis, the case-mix comparison and the mean changes."""

from __future__ import annotations

from typing import Any

from painreg.analytics.context import Filters
from painreg.analytics.indicators import BY_KEY
from painreg.analytics.load import Register
from painreg.reports.annual.labels import HEALTHCARE_REGION_SV, LEVEL_SHORT, OCCASION_SV, TEST_SV
from painreg.reports.annual.model import Section, mean_ci, unit_rows
from painreg.reports.publishing import (
    INSUFFICIENT,
    MIN_PUBLISHED,
    MIN_SOLID,
    Table,
    count_text,
    format_interval,
    format_number,
    format_percent,
)
from painreg.tidy import vocabulary


def mean_decimals(suffix: str) -> int:
    """Decimals of a mean change of figure 34's set: the EQ-5D index (0-1) needs two."""
    return 2 if suffix == "eq5d_index" else 1


def mean_change_table(
    nat: dict[str, Any],
    *,
    prefix: str = "mean_change_",
    title: str = "Medelförändring från initialt till avslut",
) -> Table:
    """Mean change with a 95 % t interval per measure of figure 34's set: end − initial,
    or (``prefix`` ``mean_change_1y_``) one year − initial."""
    from painreg.analytics.indicators import MEAN_CHANGES

    rows = []
    for suffix, *_rest in MEAN_CHANGES:
        v = nat.get(f"{prefix}{suffix}")
        if v is None or v["n"] < MIN_PUBLISHED:
            continue
        mean, low, high = mean_ci(v)
        d = mean_decimals(suffix)
        rows.append(
            [BY_KEY[f"mean_change_{suffix}"].title_sv.removeprefix("Medelförändring, "),
             format_number(v["n"]), format_number(mean, d), format_interval(low, high, d)]
        )  # fmt: skip
    return Table.of_values(
        title,
        ["Mått", "n", "Medelförändring", "95 % KI"],
        rows,
        note="Positiv förändring är förbättring för EQ-VAS, EQ-5D-index och RAND-36, "
        "negativ för smärtintensitet, HAD, PCS och smärtans svårighetsgrad (MPI).",
    )


def instrument_name(instrument: str) -> str:
    """The instrument's Swedish name (its id only when the catalogue lacks it)."""
    from painreg.instruments import InstrumentError, get_instrument

    try:
        return get_instrument(instrument).name.get("sv") or instrument
    except (InstrumentError, KeyError):
        return instrument


def completeness_tables(
    context: tuple[Register, Filters | None], level: str, year: int
) -> list[Table]:
    from painreg.analytics.analyses import completeness, dropout_analysis

    register, filters = context
    comp = completeness(register, year, level, filters=filters)
    rows = []
    for r in comp.itertuples(index=False):
        if r.forms < MIN_PUBLISHED:
            continue
        rows.append(
            [f"{instrument_name(r.instrument)} ({OCCASION_SV.get(r.occasion, r.occasion)})",
             format_number(r.forms),
             format_percent(r.form_completeness), format_percent(r.item_completeness)]
        )  # fmt: skip
    tables = [
        Table.of_values(
            "Ifyllnadsgrad per mätinstrument och tillfälle",
            ["Instrument", "Formulär", "Kompletta formulär", "Besvarade frågor"],
            rows,
        )
    ]
    drop = []
    for r in dropout_analysis(register, year, level, filters=filters):
        if min(r.n_responders, r.n_nonresponders) < MIN_PUBLISHED:
            continue
        share_row = r.method != "mann_whitney"
        value = (lambda v: format_percent(v)) if share_row else (lambda v: format_number(v, 1))
        drop.append(
            [r.measure, format_number(r.n_responders), format_number(r.n_nonresponders),
             value(r.responders), value(r.nonresponders), format_number(r.smd, 2),
             format_number(r.p_value, 3), TEST_SV[r.method]]
        )  # fmt: skip
    tables.append(
        Table.of_values(
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


def casemix_section(
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
    rows, grey = [], []
    for u in units:
        if u.n < MIN_PUBLISHED or (unit is not None and u.unit_id != unit):
            continue
        grey.append(u.n < MIN_SOLID)
        rows.append(
            [names.get(u.unit_id, u.unit_id), format_number(u.n), format_number(u.observed),
             format_number(u.expected, 1), format_number(u.ratio, 2),
             format_interval(u.low, u.high, 2)]
        )  # fmt: skip
    if not units:
        section.paragraphs.append(INSUFFICIENT.capitalize() + " för en modell.")
    section.tables.append(
        Table.of_values(
            "Observerat och förväntat per enhet",
            ["Enhet", "n", "Observerat", "Förväntat", "O/F", "95 % KI"],
            rows,
            grey=grey,
        )
    )
    return section


def regional_coverage_table(data: dict[str, Any]) -> Table:
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
            elif tot >= MIN_PUBLISHED:
                rows.append(
                    [label_of(group), count_text(cov["registered"]), format_number(tot),
                     format_percent(cov["registered"] / tot)]
                )  # fmt: skip
    return Table.of_values(
        "Täckningsgrad per sjukvårdsregion och region",
        ["Område", "Registrerade", "Rapporterat totalt", "Täckningsgrad"],
        rows,
        note="Summerat över de enheter som rapporterat totalt antal patienter.",
    )


def coverage_table(data: dict[str, Any], names: dict[str, str], unit: str | None) -> Table:
    rows, grey = [], []
    for u, v in unit_rows(data, "coverage"):
        if unit is not None and u != unit:
            continue
        reg, tot = v["registered"], v["reported_total"]
        if tot is None:
            if reg >= MIN_PUBLISHED:
                rows.append([names.get(u, u), count_text(reg), "ej rapporterat", ""])
                grey.append(False)
            continue
        if tot < MIN_PUBLISHED:
            continue
        rows.append(
            [names.get(u, u), count_text(reg), format_number(tot), format_percent(reg / tot)]
        )
        grey.append(tot < MIN_SOLID)
    return Table.of_values(
        "Täckningsgrad per enhet",
        ["Enhet", "Registrerade", "Rapporterat totalt", "Täckningsgrad"],
        rows,
        grey=grey,
    )
