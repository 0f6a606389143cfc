"""The contact-extract follow-up as people read it: HTML, PDF (WeasyPrint), Excel (XlsxWriter).

Renders the dict of :func:`painreg.contacts.analysis.analyze`; computes no
measure itself. Publishing rules (DOMAIN.md) apply to everything here, while
the JSON stays the unsuppressed internal file:

* counts 1-4 are shown as "<5"; additive tables (sex, number of professions,
  episode lengths, each with its total) get secondary suppression from
  :func:`painreg.analytics.stats.suppress_counts`; lists that do not add up
  to a published total (professions, combinations, caregivers) get the
  primary rule. Caregiver-level counts are always suppressed below 5.
* a share is shown when its denominator is 5 or more and its count is not
  hidden (a share of a hidden count would give the count away), greyed and
  marked "otillräckligt underlag" below 10;
* a group (health centre) with fewer than 5 cohort patients is not shown (it
  still counts in the region's figures); if exactly one centre is hidden,
  the smallest shown one is hidden too, so the hidden one cannot be
  recovered from the region total;
* continuity means are shown for 5 or more patients;
* individual patients' contact counts (``top_contacts``) are not shown: only
  the sum over the ten most frequent attenders, for a cohort of 10 or more.

Everything is rendered in memory first and the files written last, each via
a temporary name, so a failure never leaves half a report.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from painreg.analytics.stats import suppress_counts
from painreg.contacts.schema import PROFESSION_LABELS_SV, PROFESSIONS
from painreg.outputs import write_outputs
from painreg.reports import contacts_care
from painreg.reports.contacts_care import count_cell as _count
from painreg.reports.publishing import (
    INSUFFICIENT,
    MIN_PUBLISHED,
    MIN_SOLID,
    PRIMARY_MARK,
    SECONDARY_MARK,
    Cell,
    ExcelBook,
    Table,
    format_number,
    format_percent,
    render_template,
)
from painreg.reports.render import suppressed_cells

#: Cohort size from which the ten most frequent attenders' total is shown.
MIN_TOP_CONTACTS = 10
PUBLISHING_NOTE = (
    f"Antal 1–{MIN_PUBLISHED - 1} visas som {PRIMARY_MARK}; {SECONDARY_MARK} döljer ett "
    "antal som annars kunde räknas fram ur summorna. Andelar visas när nämnaren är minst "
    f"{MIN_PUBLISHED} och antalet inte är dolt; under {MIN_SOLID} är de grå och markerade "
    f"{INSUFFICIENT}. Vårdcentraler med färre än {MIN_PUBLISHED} patienter i kohorten visas "
    "inte men ingår i regionens siffror."
)
SHARE_LABELS = {
    "multiple_professions": "Fler än en profession satte diagnosen",
    "single_profession_single_caregiver": "Samma vårdgivare vid alla diagnoskontakter",
    "multiple_caregivers_any_profession": "Minst två vårdgivare inom samma profession",
    "frequent_attenders": "Mångbesökare",
    "sick_leave": "Sjukskrivna",
}


def _share(count_cell: Cell, count: int, denominator: int) -> Cell:
    if denominator < MIN_PUBLISHED or count_cell.css:
        return Cell("–", css="suppressed")
    share = count / denominator
    if denominator < MIN_SOLID:
        return Cell(f"{format_percent(share, 1)} ({INSUFFICIENT})", share, "insufficient", "0.0%")
    return Cell(format_percent(share, 1), share, number_format="0.0%")


def _additive(
    labels: list[str], counts: list[int], total_label: str = "Totalt"
) -> list[list[Cell]]:
    """Rows of a one-column count table with its total, primary and secondary suppression."""
    if not counts:
        return [[Cell(label), Cell("0", 0)] for label in [*labels, total_label]]
    cells = suppressed_cells(suppress_counts([[c] for c in counts]))
    return [[Cell(label), row[0]] for label, row in zip([*labels, total_label], cells, strict=True)]


def _prof(name: str) -> str:
    return PROFESSION_LABELS_SV.get(name, name)


def _group_tables(m: dict[str, Any], prefix: str = "") -> list[Table]:
    n = m["patients"]
    tables: list[Table] = []

    t = Table("Patienter i kohorten", ["", "Antal"], key=f"{prefix}patients")
    t.rows = _additive(
        ["Kvinnor", "Män"], [m["patients_by_sex"]["F"], m["patients_by_sex"]["M"]], "Patienter"
    )
    if n >= MIN_PUBLISHED and m["birth_year_min"] is not None:
        t.rows.append([Cell("Födda"), Cell(f"{m['birth_year_min']}–{m['birth_year_max']}")])
    tables.append(t)

    t = Table(
        "Professioner som satte diagnosen",
        ["Profession", "Patienter", "Andel av kohorten"],
        note="Samma patient kan ha fått diagnosen av flera professioner.",
        key=f"{prefix}professions",
    )
    for prof, count in m["diagnosed_by_profession"].items():
        cell = _count(count)
        t.rows.append([Cell(_prof(prof)), cell, _share(cell, count, n)])
    tables.append(t)

    dist = m["professions_count_distribution"]
    t = Table(
        "Antal professioner som satte diagnosen per patient",
        ["Antal professioner", "Patienter"],
        key=f"{prefix}profession_count",
    )
    t.rows = _additive([f"{k}" for k in dist], list(dist.values()), "Patienter")
    tables.append(t)

    t = Table(
        "Kombinationer av professioner (två eller fler)",
        ["Professioner", "Patienter"],
        key=f"{prefix}combinations",
    )
    for combo in m["profession_combinations"]:
        names = ", ".join(_prof(p) for p in sorted(combo["professions"], key=PROFESSIONS.index))
        t.rows.append([Cell(names), _count(combo["patients"])])
    tables.append(t)

    t = Table(
        "Vårdgivare och mångbesökare",
        ["Mått", "Patienter", "Andel av kohorten"],
        note=f"Vårdgivarnivå: antal under {MIN_PUBLISHED} visas alltid som {PRIMARY_MARK}. "
        "Mångbesökare: fler än "
        f"{m['frequent_threshold']} kontakter (alla orsaker) under perioden.",
        key=f"{prefix}caregivers",
    )
    rows = [
        (
            SHARE_LABELS["single_profession_single_caregiver"],
            m["single_profession_single_caregiver"],
        ),
        (
            SHARE_LABELS["multiple_caregivers_any_profession"],
            m["multiple_caregivers_any_profession"],
        ),
        *(
            (f"Minst två {_prof(p).lower()}", v)
            for p, v in m["multiple_caregivers_same_profession"].items()
        ),
        (SHARE_LABELS["frequent_attenders"], m["frequent_attenders"]),
    ]
    for label, count in rows:
        cell = _count(count)
        t.rows.append([Cell(label), cell, _share(cell, count, n)])
    if n >= MIN_TOP_CONTACTS and len(m["top_contacts"]) == 10:
        total = sum(m["top_contacts"])
        t.rows.append(
            [
                Cell("Kontakter hos de tio mest frekventa besökarna, tillsammans"),
                Cell(format_number(total), total),
                Cell(""),
            ]
        )
    tables.append(t)

    c = m["continuity"]
    t = Table(
        "Kontinuitet (alla kontakter med identifierad vårdgivare)",
        ["", "Patienter", "UPC", "COC", "SECON", "MMCI"],
        note=f"Medelvärden över patienter med minst {c['min_visits']} kontakter. UPC: "
        "andel kontakter hos den vanligaste vårdgivaren (Breslau & Reeb); COC: Bice & "
        "Boxerman; SECON: andel på varandra följande kontakter hos samma vårdgivare "
        "(Steinwachs); MMCI: Magill & Senf.",
        key=f"{prefix}continuity",
    )
    for label, values in [
        ("Alla professioner", c),
        *((_prof(p), v) for p, v in c["by_profession"].items()),
    ]:
        patients = values["patients"]
        row = [Cell(label), _count(patients)]
        for key in ("upc", "coc", "secon", "mmci"):
            if patients >= MIN_PUBLISHED and values[key] is not None:
                css = "insufficient" if patients < MIN_SOLID else ""
                row.append(Cell(format_number(values[key], 2), values[key], css, "0.00"))
            else:
                row.append(Cell("–", css="suppressed"))
        t.rows.append(row)
    tables.append(t)

    if "sick_leave" in m:
        s = m["sick_leave"]
        t = Table(
            "Sjukskrivning kopplad till diagnosen",
            ["", "Antal"],
            note=f"Sjukfall: intyg från samma enhet med högst {s['gap_days']} dagar "
            "emellan; längd = slut − start + 1 dagar.",
            key=f"{prefix}sick_leave",
        )
        t.rows = _additive(
            ["Kvinnor", "Män"], [s["by_sex"]["F"], s["by_sex"]["M"]], "Sjukskrivna patienter"
        )
        lengths = s["episodes_by_length"]
        labels = {
            "<90": "Sjukfall kortare än 90 dagar",
            "90-365": "Sjukfall 90–365 dagar",
            ">365": "Sjukfall längre än 365 dagar",
        }
        t.rows += _additive([labels[k] for k in lengths], list(lengths.values()), "Sjukfall")
        tables.append(t)
    return tables


def _comparison_table(result: dict[str, Any]) -> Table:
    comp = result["comparison"]
    p, q = result["period"], comp["period"]
    t = Table(
        "Jämförelse mellan perioderna",
        [
            "Mått",
            f"{p['from']}–{p['to']}",
            f"{q['from']}–{q['to']}",
            "Skillnad (procentenheter)",
            "95 % konfidensintervall",
        ],
        note="Skillnad = perioden minus jämförelseperioden; intervall enligt Newcombe "
        "(hybrid score). Visas när båda andelarna kan visas.",
        key="comparison",
    )
    for name, d in comp["differences"].items():
        label = (
            SHARE_LABELS.get(name)
            or "Diagnos satt av " + _prof(name.removeprefix("diagnosed_by_")).lower()
        )
        (x1, n1), (x2, n2) = d["period"], d["compare"]
        c1, c2 = _count(x1), _count(x2)
        s1, s2 = _share(c1, x1, n1), _share(c2, x2, n2)
        row = [Cell(label), s1, s2]
        if s1.css == "suppressed" or s2.css == "suppressed" or d["difference_pp"] is None:
            row += [Cell("–", css="suppressed"), Cell("–", css="suppressed")]
        else:
            low, high = d["ci95_pp"]
            row += [
                Cell(
                    format_number(d["difference_pp"], 1),
                    d["difference_pp"] / 100,
                    number_format="0.0",
                ),
                Cell(f"{format_number(low, 1)} till {format_number(high, 1)}"),
            ]
        t.rows.append(row)
    return t


def _units_table(units: dict[str, dict[str, Any]]) -> Table:
    shown = {u: m for u, m in units.items() if m["patients"] >= MIN_PUBLISHED}
    hidden = [u for u in units if u not in shown]
    if len(hidden) == 1 and shown:
        # Secondary: one hidden centre could be recovered from the region total.
        smallest = min(shown, key=lambda u: (shown[u]["patients"], u))
        shown.pop(smallest)
    t = Table(
        "Vårdcentralerna sida vid sida",
        ["Mått", *shown],
        note=f"{len(units) - len(shown)} vårdcentral(er) med få patienter visas inte "
        "men ingår i regionens siffror.",
        key="units",
    )
    rows: list[tuple[str, Any]] = [
        ("Patienter", lambda m: (m["patients"], None)),
        (
            SHARE_LABELS["multiple_professions"],
            lambda m: (m["multiple_professions"], m["patients"]),
        ),
        (
            SHARE_LABELS["single_profession_single_caregiver"],
            lambda m: (m["single_profession_single_caregiver"], m["patients"]),
        ),
        (SHARE_LABELS["frequent_attenders"], lambda m: (m["frequent_attenders"], m["patients"])),
    ]
    for label, get in rows:
        row = [Cell(label)]
        for m in shown.values():
            count, denominator = get(m)
            cell = _count(count)
            row.append(cell if denominator is None else _share(cell, count, denominator))
        t.rows.append(row)
    for key in ("upc", "coc", "secon", "mmci"):
        row = [Cell(f"Kontinuitet {key.upper()}")]
        for m in shown.values():
            c = m["continuity"]
            if c["patients"] >= MIN_PUBLISHED and c[key] is not None:
                row.append(Cell(format_number(c[key], 2), c[key], number_format="0.00"))
            else:
                row.append(Cell("–", css="suppressed"))
        t.rows.append(row)
    return t


def build_tables(result: dict[str, Any]) -> list[Table]:
    """Every table of the report, suppressed, in reading order."""
    tables = _group_tables(result)
    if "comparison" in result:
        tables.append(_comparison_table(result))
    if "units" in result:
        tables.append(_units_table(result["units"]))
    tables += contacts_care.tables(result)
    v = result["validation"]["contacts"]
    t = Table(
        "Underlaget",
        ["", "Rader"],
        note="Avvisade rader listas med fil, rad, kolumn och orsak i JSON-filen.",
        key="validation",
    )
    t.rows = [
        [Cell("Rader i filerna"), Cell(format_number(v["rows"]), v["rows"])],
        [Cell("Avvisade rader"), Cell(format_number(v["rejected"]), v["rejected"])],
        [
            Cell("Dubbletter (räknade en gång)"),
            Cell(format_number(v["duplicate_rows"]), v["duplicate_rows"]),
        ],
    ]
    tables.append(t)
    return tables


def _titles(result: dict[str, Any]) -> tuple[str, str]:
    codes = ", ".join(result["diagnoses"])
    title = f"Uppföljning av patienter med diagnos {codes}"
    p = result["period"]
    where = (
        f"vårdcentral {result['unit']}" if result.get("unit") else "alla vårdcentraler i underlaget"
    )
    return title, f"Period {p['from']} till {p['to']}, {where}."


def render_html(result: dict[str, Any]) -> str:
    title, subtitle = _titles(result)
    return render_template(
        "contacts/report.html",
        title=title,
        subtitle=subtitle,
        tables=build_tables(result),
        charts=contacts_care.charts(result),
        publishing_note=PUBLISHING_NOTE,
    )


def render_excel(result: dict[str, Any]) -> bytes:
    """Every table on one sheet, one under the other, as the HTML reads."""
    book = ExcelBook()
    book.stacked_sheet("Uppföljning", _titles(result), build_tables(result), PUBLISHING_NOTE)
    return book.close()


def write_report(result: dict[str, Any], directory: Path) -> list[Path]:
    """Render report.html, report.pdf and report.xlsx, then write them (all or nothing)."""
    import weasyprint

    html = render_html(result)
    pdf = weasyprint.HTML(string=html).write_pdf()
    xlsx = render_excel(result)
    return write_outputs(
        Path(directory), [("report.html", html), ("report.pdf", pdf), ("report.xlsx", xlsx)]
    )
