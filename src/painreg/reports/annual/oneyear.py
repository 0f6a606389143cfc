"""The annual report's one-year outcomes, unit coverage and outcomes read in context.

Decisions (DOMAIN.md, "One-year outcomes", "Unit coverage"; docs/decisions.md):

- The one-year outcomes of the report's year Y are those of the patients who
  completed rehabilitation in Y − 1 (their one-year answers arrive during Y).
  Each one-year measure is shown as the end measures are: national share with
  its Wilson interval, the change categories per unit, a funnel plot against
  the national value, under the same publishing rules. Beside it: the same
  patients' result at the end of rehabilitation (the cohort of Y − 1) and the
  sustained improvement (improved at end and still at one year).
- The report states its data cut-off: one-year answers of Y − 1 can arrive
  until January Y + 1, so the figures may still grow.
- Unit coverage is counted per care level (providing, connected, delivering,
  reporting totals); primary care has no national list of providing units,
  as the 2021 report says, which is said beside its figure.
- In context: the baseline category distribution per unit beside its change
  categories (read before comparing units), the share free of
  catastrophizing (PCS < 30) and satisfied with the vocational situation
  (LiSat-11) before and after.
"""

from __future__ import annotations

from typing import Any

from painreg.analytics.compute import compute_indicators
from painreg.analytics.context import CHANGE_OUTCOMES, Filters
from painreg.analytics.indicators import (
    BY_KEY,
    CHANGE_SOURCES,
    SUSTAINED_CHANGES,
    one_year_key,
    sustained_key,
)
from painreg.analytics.load import Register
from painreg.instruments import change_rule
from painreg.reports import render
from painreg.reports.annual.figures import outcome_section
from painreg.reports.annual.labels import CATEGORY_SV, HEALTHCARE_REGION_SV, LEVEL_SHORT, WAI_SV
from painreg.reports.annual.model import Section, pct
from painreg.reports.annual.tables import mean_change_table
from painreg.reports.publishing import (
    INSUFFICIENT,
    MIN_PUBLISHED,
    MIN_SOLID,
    Table,
    format_number,
    format_percent,
)
from painreg.tidy import vocabulary

#: Said beside primary care's unit coverage (the 2021 report, "Anslutning").
NO_PRIMARY_LIST = (
    "Det finns ingen nationell förteckning över primärvårdsenheter som bedriver MMR; "
    "anslutningsgraden i primärvården avser de enheter registret känner till."
)


def _cutoff(year: int) -> str:
    return (
        f"Ettårsuppföljningen avser patienter som avslutade rehabiliteringen {year - 1}. "
        f"Deras svar vid uppföljningen kan komma in till och med januari {year + 1}, så "
        "siffrorna kan ännu öka."
    )


# --------------------------------------------------------------------------- unit coverage


def unit_coverage_paragraphs(level: str, nat: dict[str, Any]) -> list[str]:
    """Anslutningsgrad and the units reporting totals, as the 2021 report writes them."""
    uc = nat.get("unit_coverage")
    if uc is None:
        return []
    text = (
        f"Anslutning: {format_number(uc['connected'])} av {format_number(uc['providing'])} "
        f"enheter som bedriver MMR är anslutna"
    )
    if uc["providing"]:
        text += f" (anslutningsgrad {format_percent(uc['connected'] / uc['providing'])})"
    text += (
        f"; {format_number(uc['delivering'])} levererade data och "
        f"{format_number(uc['reporting_totals'])} av {format_number(uc['delivering'])} "
        "rapporterade sitt totala antal patienter."
    )
    out = [text]
    if level == "primary":
        out.append(NO_PRIMARY_LIST)
    return out


def unit_coverage_table(data: dict[str, Any]) -> Table:
    """Unit coverage per healthcare region and region (counts of units: never suppressed,
    they count units, not patients)."""
    regions = vocabulary.REGIONS.headings()
    rows = []
    for key, label_of in (
        ("healthcare_regions", lambda k: f"Sjukvårdsregion {HEALTHCARE_REGION_SV.get(k, k)}"),
        ("regions", lambda k: regions.get(k, k)),
    ):
        for group, values in data.get(key, {}).items():
            uc = values.get("unit_coverage")
            if uc is None or not uc["providing"]:
                continue
            rows.append(
                [label_of(group), uc["providing"], uc["connected"],
                 uc["connected"] / uc["providing"], uc["delivering"], uc["reporting_totals"]]
            )  # fmt: skip
    return Table.of_values(
        "Anslutning per sjukvårdsregion och region",
        ["Område", "Bedriver MMR", "Anslutna", "Anslutningsgrad", "Levererade data",
         "Rapporterade totalt antal"],
        rows,
        kinds=["text", "int", "int", "pct", "int", "int"],
        note="Antal enheter. En enhet bedriver MMR ett år då dess aktiva period omfattar året.",
    )  # fmt: skip


# --------------------------------------------------------------------------- one year


def one_year_sections(
    level: str,
    year: int,
    data: dict[str, Any],
    names: dict[str, str],
    unit: str | None,
    context: tuple[Register, Filters | None] | None = None,
) -> list[Section]:
    """The one-year overview (end and one year side by side, sustained improvement,
    mean changes) and one section per one-year measure (units, funnel plot)."""
    nat = data["national"]
    keys = [k for k in CHANGE_OUTCOMES if one_year_key(k) in nat]
    if not keys:
        return []
    ended = _ended(context, level, year - 1, keys)
    groups = [("Riket", nat, ended["national"] if ended else None)]
    if unit is not None:
        mine = data["units"].get(unit)
        if mine is not None:
            theirs = ended["units"].get(unit, {}) if ended else None
            groups.insert(0, (names.get(unit, unit), mine, theirs))
    sections = [_overview(level, year, keys, groups)]
    for key in keys:
        section = outcome_section(one_year_key(key), level, year, data, names, unit)
        section.title = (
            f"{BY_KEY[key].title_sv} ett år efter avslut, {LEVEL_SHORT[level]} "
            f"(avslutade {year - 1})"
        )
        sections.append(section)
    return sections


def _ended(
    context: tuple[Register, Filters | None] | None, level: str, year: int, keys: list[str]
) -> dict[str, Any] | None:
    """The end measures of the patients who completed in ``year`` (the one-year cohort):
    the care level's ``national`` and ``units``."""
    if context is None:
        return None
    register, filters = context
    result = compute_indicators(register, year, filters=filters, keys=keys, regions=False)
    return result["care_levels"][level]


def _overview(
    level: str,
    year: int,
    keys: list[str],
    groups: list[tuple[str, dict[str, Any], dict[str, Any] | None]],
) -> Section:
    """End and one year side by side per group (the unit, then the nation)."""
    short = LEVEL_SHORT[level]
    section = Section(f"Utfall ett år efter avslut, {short} (avslutade {year - 1})")
    section.paragraphs.append(_cutoff(year))
    for name, values, _ended in groups:
        rr = values.get("response_rate_1y")
        if rr is not None:
            s = render.share(rr["numerator"], rr["denominator"])
            who = "riket" if name == "Riket" else name
            section.paragraphs.append(
                f"Svarsfrekvens vid ettårsuppföljningen, {who}: {s.text()} "
                f"({format_number(rr['numerator'])} av {format_number(rr['denominator'])})."
            )
    for name, values, ended in groups:
        _side_by_side(section, name, keys, values, ended, chart=name == groups[0][0])
        section.tables.append(sustained_table(values, name))
        section.tables.append(mean_change_1y_table(values, name))
    return section


def _side_by_side(
    section: Section,
    name: str,
    keys: list[str],
    values: dict[str, Any],
    ended: dict[str, Any] | None,
    chart: bool,
) -> None:
    rows, grey, bars = [], [], []
    for key in keys:
        label = BY_KEY[key].title_sv
        one = values[one_year_key(key)]
        at_end = (ended or {}).get(key)
        s1 = render.share(one["improved"], one["n"])
        end_cells = ["", ""]
        if at_end is not None:
            end_cells = [format_number(at_end["n"]), pct(at_end["improved"], at_end["n"])]
            if at_end["n"] >= MIN_PUBLISHED:
                bars.append({"mått": label, "tillfälle": "Vid avslut",
                             "andel": at_end["improved"] / at_end["n"]})  # fmt: skip
        if one["n"] >= MIN_PUBLISHED:
            bars.append({"mått": label, "tillfälle": "Efter ett år",
                         "andel": one["improved"] / one["n"]})  # fmt: skip
        sustained = values.get(sustained_key(key))
        kept = ""
        if sustained is not None:
            kept = pct(sustained["sustained"], sustained["n"])
        rows.append(
            [label, *end_cells, format_number(one["n"]), s1.text(), s1.interval_text(), kept]
        )
        grey.append(s1.status == "grey")
    if bars and chart:
        section.add_bars(
            bars, x="mått", y="andel", color="tillfälle", title=f"Andel förbättrade, {name}",
            horizontal=True,
        )  # fmt: skip
    section.tables.append(
        Table.of_values(
            f"Förbättrade vid avslut och efter ett år (samma patienter), {name}",
            [
                "Mått",
                "n vid avslut",
                "Förbättrade vid avslut",
                "n efter ett år",
                "Förbättrade efter ett år",
                "95 % KI",
                "Bestående förbättring",
            ],
            rows,
            grey=grey,
            note="Bestående förbättring: andelen av dem som förbättrats vid avslut (och "
            "besvarat måttet vid alla tre tillfällena) som fortfarande är förbättrade efter "
            "ett år jämfört med före rehabiliteringen.",
        )
    )


def sustained_table(nat: dict[str, Any], name: str = "Riket") -> Table:
    """Sustained improvement per measure with its Wilson interval."""
    rows, grey = [], []
    for key in SUSTAINED_CHANGES:
        v = nat.get(sustained_key(key))
        if v is None:
            continue
        s = render.share(v["sustained"], v["n"])
        rows.append([BY_KEY[key].title_sv, format_number(v["n"]), s.text(), s.interval_text()])
        grey.append(s.status == "grey")
    return Table.of_values(
        f"Bestående förbättring ett år efter avslut, {name}",
        ["Mått", "Förbättrade vid avslut (n)", "Fortfarande förbättrade", "95 % KI"],
        rows,
        grey=grey,
    )


def mean_change_1y_table(nat: dict[str, Any], name: str = "Riket") -> Table:
    """Mean change initial → one year with a 95 % t interval (figure 34's set)."""
    return mean_change_table(
        nat,
        prefix="mean_change_1y_",
        title=f"Medelförändring från initialt till ett år efter avslut, {name}",
    )


# --------------------------------------------------------------------------- in context


def baseline_labels(key: str) -> dict[str, str]:
    """Swedish headings of a change measure's baseline categories (its bands as
    ranges, or the limit of an unchanged positive value)."""
    instrument, measure = CHANGE_SOURCES[key]
    rule = change_rule("eq5d5l" if instrument == "eqvas" else instrument, measure)
    if rule["rule"] == "category_shift":
        if instrument == "wai":
            return {label: WAI_SV.get(label, label) for label, _ in rule["bands"]}
        out, low = {}, 0.0
        for label, high in rule["bands"]:
            out[label] = f"{format_number(low)}–{format_number(high)}"
            low = high + 1
        return out
    if "positive_below" in rule:
        limit = format_number(float(rule["positive_below"]))
        return {"positive": f"< {limit}", "negative": f"≥ {limit}"}
    limit = format_number(float(rule["positive_at_least"]))
    return {"positive": f"≥ {limit}", "negative": f"< {limit}"}


def context_section(
    level: str, year: int, data: dict[str, Any], names: dict[str, str], unit: str | None
) -> Section:
    """Outcomes read in context: baseline per unit beside its change categories, and
    the shares free of catastrophizing and satisfied with the vocational situation."""
    short = LEVEL_SHORT[level]
    nat = data["national"]
    section = Section(f"Utfall i sitt sammanhang: utgångsläge och förändring, {short} {year}")
    section.paragraphs.append(
        "Enheternas patienter skiljer sig redan före rehabiliteringen. Läs därför "
        "fördelningen i utgångsläget bredvid förändringen: en enhet vars patienter ofta "
        "skattar sig positivt redan initialt har färre som kan förbättras."
    )
    for key in SUSTAINED_CHANGES:
        base_key = f"{key}_baseline"
        if base_key not in nat or key not in nat:
            continue
        section.tables.append(_baseline_table(key, data, names, unit))
    before_after = []
    for stem, label in (
        ("pcs_free", "Fria från katastrofiering (PCS < 30)"),
        ("lisat_vocation_satisfied", "Nöjda med yrkessituationen (LiSat-11)"),
    ):
        for suffix, when, later in (("", "avslut", "end"), ("_1y", "ett år", "followup_1y")):
            v = nat.get(stem + suffix)
            if v is None:
                continue
            before_after.append(
                [f"{label}, före och {when}", format_number(v["n"]), pct(v["initial"], v["n"]),
                 pct(v[later], v["n"])]
            )  # fmt: skip
    if before_after:
        section.tables.append(
            Table.of_values(
                "Före och efter rehabiliteringen (samma patienter)",
                ["Mått", "n", "Före", "Efter"],
                before_after,
                note=f"Vid avslut: avslutade {year}; efter ett år: avslutade {year - 1}.",
            )
        )
    return section


def _baseline_table(
    key: str, data: dict[str, Any], names: dict[str, str], unit: str | None
) -> Table:
    labels = baseline_labels(key)
    base_key = f"{key}_baseline"
    rows, grey = [], []
    hidden = 0
    groups = [("Riket", data["national"])] + [
        (f"{names.get(u, u)} ({u})", v) for u, v in sorted(data["units"].items())
    ]
    for label, values in groups:
        base, change = values[base_key], values.get(key)
        if change is None:
            continue
        if base["n"] < MIN_PUBLISHED:
            hidden += label != "Riket"
            continue
        if unit is not None and label != "Riket" and not label.endswith(f"({unit})"):
            continue
        rows.append(
            [label, format_number(base["n"])]
            + [pct(base[c], base["n"]) for c in labels]
            + [pct(change["improved"], change["n"]), pct(change["unchanged_positive"], change["n"])]
        )
        grey.append(base["n"] < MIN_SOLID)
    note = f"{hidden} enheter med färre än {MIN_PUBLISHED} patienter visas inte." if hidden else ""
    if not rows:
        note = INSUFFICIENT.capitalize() + "."
    return Table.of_values(
        f"{BY_KEY[key].title_sv}: utgångsläge och förändring per enhet",
        ["Enhet", "n", *[f"Initialt {h}" for h in labels.values()],
         CATEGORY_SV["improved"], CATEGORY_SV["unchanged_positive"]],
        rows,
        grey=grey,
        note=note,
    )  # fmt: skip
