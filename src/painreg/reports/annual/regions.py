"""Results per region: each region (SCB county) against the nation ("riket")
for every outcome, for the regions' own follow-up.

A region's values are the sums over its units of the care level
(:func:`painreg.analytics.compute.compute_indicators`, ``regions``); the
publishing rules apply as to units (a region under the threshold is not
shown, 5-9 greyed), and every share has its Wilson interval.
"""

from __future__ import annotations

from typing import Any

from painreg.analytics.context import CHANGE_OUTCOMES
from painreg.analytics.indicators import BY_KEY
from painreg.reports import render
from painreg.reports.annual.labels import LEVEL_SHORT
from painreg.reports.annual.model import Section
from painreg.reports.publishing import MIN_PUBLISHED, NOT_SHOWN, Table, format_number
from painreg.tidy import vocabulary

NATION = "Riket"


def region_rows(
    data: dict[str, Any], key: str, numerator: str, denominator: str
) -> tuple[list[list[str]], list[bool], int]:
    """The nation and every region with enough patients: rows, greyed flags, hidden count."""
    names = vocabulary.REGIONS.headings()
    rows, grey, hidden = [], [], 0
    groups = [(NATION, data["national"])] + [
        (names.get(code, code), values) for code, values in sorted(data.get("regions", {}).items())
    ]
    for label, values in groups:
        v = values.get(key)
        if v is None:
            continue
        s = render.share(v[numerator], v[denominator])
        if not s.shown:
            hidden += label != NATION
            continue
        rows.append([label, format_number(v[denominator]), s.text(), s.interval_text()])
        grey.append(s.status == "grey")
    return rows, grey, hidden


def regions_section(level: str, year: int, data: dict[str, Any]) -> Section:
    """Every region against the nation: response rate and the share improved of each outcome."""
    section = Section(f"Resultat per region, {LEVEL_SHORT[level]} {year}")
    section.paragraphs.append(
        "Varje region jämförs med riket. Regionens värde summerar de enheter i regionen som "
        f"rapporterar till registret. Regioner med färre än {MIN_PUBLISHED} patienter i "
        f"nämnaren visas inte ({NOT_SHOWN}) men ingår i riket."
    )
    measures = [("response_rate_end", "numerator", "denominator", "Svarsfrekvens vid avslut")]
    measures += [
        (key, "improved", "n", f"{BY_KEY[key].title_sv}: andel förbättrade")
        for key in CHANGE_OUTCOMES
        if key in data["national"]
    ]
    for key, numerator, denominator, title in measures:
        rows, grey, hidden = region_rows(data, key, numerator, denominator)
        note = f"{hidden} regioner med för få patienter visas inte." if hidden else ""
        section.tables.append(
            Table.of_values(title, ["Region", "n", "Andel", "95 % KI"], rows, grey=grey, note=note)
        )
    return section
