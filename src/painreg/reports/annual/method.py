"""The report's front matter: the summary (the year's main figures per care
level) and the method section, whose definitions are generated from the
indicator catalogue (:data:`painreg.analytics.indicators.INDICATORS`), so the
report says what each number counts in the words the code counts it by.
"""

from __future__ import annotations

from typing import Any

from painreg.analytics.context import CHANGE_OUTCOMES
from painreg.analytics.indicators import INDICATORS, Indicator
from painreg.reports import render
from painreg.reports.annual.labels import CATEGORY_SV, LEVEL_SHORT
from painreg.reports.annual.model import Section
from painreg.reports.publishing import (
    INSUFFICIENT,
    MIN_PUBLISHED,
    MIN_SOLID,
    NOT_SHOWN,
    PRIMARY_MARK,
    SECONDARY_MARK,
    Table,
    format_number,
)

#: The populations of the catalogue, in Swedish (a test checks every one is here).
POPULATION_SV = {
    "completed rehab registrations of the year (signed off, not discontinued)": (
        "avslutade MMR under året (signerade, ej avbrutna)"
    ),
    "rehab registrations of the year": "MMR-registreringar under året (avbrutna inräknade)",
    "registrations of the year": "registreringar under året (utredning och MMR)",
    "rehab registrations by year of rehab_end_date": "MMR-registreringar, räknade på avslutsåret",
    "assessment registrations by year of first_visit_date": (
        "utredningar, räknade på året för första besöket"
    ),
    "completed rehab registrations of the previous year": "avslutade MMR föregående år",
    "assessment registrations of the year": "utredningar under året",
    "completed rehab registrations of year − 1 (signed off, not discontinued)": (
        "avslutade MMR året före (signerade, ej avbrutna), följda ett år"
    ),
}
#: How each kind of indicator is shown.
KIND_SV = {
    "count": "antal",
    "rate": "andel med 95 % konfidensintervall (Wilson)",
    "coverage": "andel registrerade av enhetens rapporterade totala antal",
    "categories": "fördelning över kategorierna",
    "sums": "medelvärde med 95 % konfidensintervall (t-fördelning)",
    "long": "antal per kod, de vanligaste",
}


def definition(indicator: Indicator) -> list[str]:
    """One row of the method table: measure, shown as, population."""
    shown = KIND_SV[indicator.kind]
    if indicator.kind == "categories" and indicator.key in CHANGE_OUTCOMES:
        cats = ", ".join(CATEGORY_SV[c].lower() for c in indicator.categories)
        shown = f"andel per förändringskategori ({cats}); andel förbättrade med 95 % KI"
    population = POPULATION_SV.get(indicator.population, indicator.population)
    return [indicator.title_sv, shown, population]


def method_section() -> Section:
    """How the numbers are counted and published (generated, not written by hand)."""
    section = Section("Metod och definitioner")
    section.paragraphs += [
        "Rapporten bygger på registreringar i Nationellt register över smärtrehabilitering "
        "(NRS). En MMR-registrering räknas till året då rehabiliteringen avslutades (även "
        "vid avbrott), en utredning till året för det första besöket. Registreringar som "
        "inte är signerade räknas inte. Specialistvård (MMRsv) och primärvård (MMRpv) "
        "redovisas var för sig och slås aldrig ihop.",
        "Förändring från initialt till avslut bedöms per patient med måttets gränser för "
        "kliniskt relevant förändring: förbättrad, oförändrat positiv (oförändrad men i "
        "ett gott läge), oförändrat negativ och försämrad. Patienter räknas när måttet är "
        "komplett vid båda tillfällena; de globala frågorna när de besvarats vid avslut.",
        f"Publiceringsregler: grupper med färre än {MIN_PUBLISHED} patienter i nämnaren "
        f"visas inte ({NOT_SHOWN}) men ingår i totalerna. Antal 1–{MIN_PUBLISHED - 1} visas "
        f"som \u201d{PRIMARY_MARK}\u201d och ytterligare celler döljs "
        f"(\u201d{SECONDARY_MARK}\u201d) så att inget dolt antal kan räknas fram. Andelar "
        f"med nämnare {MIN_PUBLISHED}–{MIN_SOLID - 1} är gråmarkerade ({INSUFFICIENT}). "
        "Enheter jämförs med riket i trattdiagram (95 % och 99,8 % gränser) och rangordnas "
        "inte. Konfidensintervall skrivs \u201da till b\u201d.",
    ]
    section.tables.append(
        Table.of_values(
            "Mått och definitioner",
            ["Mått", "Redovisas som", "Population"],
            [definition(i) for i in INDICATORS],
            note="Genererad från registrets indikatorkatalog.",
        )
    )
    return section


def summary_section(year: int, current: dict[str, Any], levels: list[str]) -> Section:
    """The year's main figures per care level, in a few sentences and one table."""
    section = Section(f"Sammanfattning {year}")
    rows = []
    for level in levels:
        nat = current["care_levels"][level]["national"]
        rr = nat["response_rate_end"]
        s = render.share(rr["numerator"], rr["denominator"])
        units = len(current["care_levels"][level]["units"])
        section.paragraphs.append(
            f"{LEVEL_SHORT[level]}: {format_number(nat['completed_rehab'])} patienter avslutade "
            f"multimodal rehabilitering {year} vid {format_number(units)} enheter; "
            f"svarsfrekvensen vid avslut var {s.text()}."
        )
        for key in CHANGE_OUTCOMES:
            v = nat.get(key)
            if v is None:
                continue
            share = render.share(v["improved"], v["n"])
            rows.append(
                [LEVEL_SHORT[level], INDICATOR_TITLE[key], format_number(v["n"]), share.text(),
                 share.interval_text()]
            )  # fmt: skip
    section.tables.append(
        Table.of_values(
            f"Andel förbättrade från initialt till avslut {year}",
            ["Vårdnivå", "Mått", "n", "Förbättrade", "95 % KI"],
            rows,
        )
    )
    return section


INDICATOR_TITLE = {i.key: i.title_sv for i in INDICATORS}
