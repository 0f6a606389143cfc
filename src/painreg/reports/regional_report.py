"""Rendering of the regional tables and the planning page: HTML, Excel, JSON, SVG charts.

Computes nothing the core (:mod:`painreg.regional`) could compute: it turns
the dictionaries of :func:`painreg.regional.tables.build_tables` and
:func:`painreg.regional.planning.build_planning` into people's formats.

Decisions:

* A cell that was not reported reads "ej rapporterat" (DOMAIN.md); a rate
  without a population reads "–" and the page says why.
* Per 1000 with one decimal in Swedish format (:mod:`painreg.reports.publishing`);
  a rate above 0 that rounds to 0,0 is shown "<0,1" (the report prints
  "< 0,1" for such a rate).
* Shares (sex, provider) are shown for denominators of 5 or more and greyed
  and marked "otillräckligt underlag" below 10 (DOMAIN.md, publishing rules).
  The treatment counts themselves are shown as published: they are the
  regions' own aggregate reports, already public, not register patients.
* HTML is rendered with Jinja2 (autoescaped) from
  ``templates/regional/*.html``; charts are Altair specifications rendered to
  SVG by vl-convert (no browser) and embedded inline, and also written as
  files; Excel via XlsxWriter with numbers as numbers.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from painreg.outputs import write_output, write_outputs
from painreg.regional.regions import NATIONAL_CODE, REGIONS, region_name
from painreg.reports.publishing import (
    INSUFFICIENT,
    MIN_PUBLISHED,
    MIN_SOLID,
    Cell,
    ExcelBook,
    Table,
    chart_svg,
    format_number,
    format_percent,
    render_template,
)

NOT_REPORTED = "ej rapporterat"
NO_RATE = "–"

#: Swedish labels of the measures, as the SKR report names them.
MEASURE_LABELS: dict[str, str] = {
    "kbt": "KBT",
    "ipt": "IPT",
    "ikbt": "I-KBT",
    "pdt": "PDT",
    "emdr": "EMDR",
    "other_psych": "Annan psykologisk behandling",
    "mmr1": "MMR 1",
    "mmr2": "MMR 2",
    "behavioural": "Beteendemedicinsk behandling",
    "active_training": "Aktiv specifik träning",
    "other_pain": "Annan smärtbehandling",
    "kbt_ipt": "KBT och IPT",
    "mmr_total": "MMR totalt",
    "psych_total": "Behandlingar vid psykisk ohälsa",
    "pain_total": "Behandlingar vid långvarig smärta",
    "total_treatments": "Behandlingar totalt",
    "men": "Män",
    "women": "Kvinnor",
    "private": "Privata vårdgivare",
    "public": "Offentliga vårdgivare",
    "employer_contacts": "Kontakter med arbetsgivare",
    "employment_service_contacts": "Kontakter med Arbetsförmedlingen",
    "kbt_ipt_per_1000": "KBT och IPT per 1000 invånare",
    "mmr_per_1000": "MMR per 1000 invånare",
}


def count_cell(value: int | None) -> Cell:
    if value is None:
        return Cell(NOT_REPORTED, css="not-reported")
    return Cell(format_number(value), value)


def rate_cell(value: float | None, count: int | None) -> Cell:
    if count is None:
        return Cell(NOT_REPORTED, css="not-reported")
    if value is None:
        return Cell(NO_RATE, css="no-rate")
    if 0 < value < 0.05:
        return Cell("<0,1", value, number_format="0.0")
    return Cell(format_number(value, 1), value, number_format="0.0")


def share_cell(part: int | None, whole: int | None) -> Cell:
    """``"n (p %)"``; the share only for denominators of 5 or more, greyed below 10."""
    if part is None:
        return Cell(NOT_REPORTED, css="not-reported")
    if whole is None or whole < MIN_PUBLISHED:
        return Cell(format_number(part), part)
    text = f"{format_number(part)} ({format_percent(part / whole)})"
    if whole < MIN_SOLID:
        return Cell(f"{text} {INSUFFICIENT}", part, css="insufficient")
    return Cell(text, part)


def _rows(tables: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    regions = sorted(tables["regions"].items(), key=lambda kv: kv[0])
    return [*regions, (NATIONAL_CODE, tables["national"])]


def table_models(tables: dict[str, Any]) -> list[Table]:
    """Tables 2-8 of the report, as cells."""
    year = tables["year"]
    band = tables["age_band"]
    no_pop = (
        ""
        if tables["population_source"]
        else " Utan befolkningsfil beräknas inga tal per 1000 invånare (–)."
    )
    models: list[Table] = []

    def add(key: str, title: str, columns: list[str], make: Any, note: str = "") -> None:
        table = Table(title, ["Region", *columns], note=note, key=key)
        for code, level in _rows(tables):
            table.rows.append([Cell(region_name(code), css="name"), *make(level)])
        models.append(table)

    add(
        "table2",
        f"Tabell 2. Antal genomförda behandlingar vid psykisk ohälsa {year}",
        [
            "KBT",
            "IPT",
            f"KBT/IPT per 1000 inv. ({band} år)",
            "I-KBT",
            "PDT",
            "EMDR",
            "Annan psykologisk behandling",
        ],
        lambda v: [
            count_cell(v["kbt"]),
            count_cell(v["ipt"]),
            rate_cell(v["kbt_ipt_per_1000"], v["kbt_ipt"]),
            *(count_cell(v[c]) for c in ("ikbt", "pdt", "emdr", "other_psych")),
        ],
        "Per 1000 invånare beräknas för KBT och IPT." + no_pop,
    )
    add(
        "table3",
        f"Tabell 3. Antal genomförda behandlingar vid långvarig smärta {year}",
        [
            "MMR 1",
            "MMR 2",
            "MMR totalt",
            f"MMR per 1000 inv. ({band} år)",
            "Beteendemedicinsk behandling",
            "Aktiv specifik träning",
            "Annan smärtbehandling",
        ],
        lambda v: [
            *(count_cell(v[c]) for c in ("mmr1", "mmr2", "mmr_total")),
            rate_cell(v["mmr_per_1000"], v["mmr_total"]),
            *(count_cell(v[c]) for c in ("behavioural", "active_training", "other_pain")),
        ],
        no_pop.strip(),
    )
    add(
        "table4",
        f"Tabell 4. Antal och andel kvinnor och män som fått behandling {year}",
        ["Män n (%)", "Kvinnor n (%)"],
        lambda v: [
            share_cell(v["men"], _total(v["men"], v["women"])),
            share_cell(v["women"], _total(v["men"], v["women"])),
        ],
    )
    add(
        "table5",
        f"Tabell 5. Behandlingar utförda av privata och offentliga vårdgivare {year}",
        ["Privat n (%)", "Offentlig n (%)"],
        lambda v: [
            share_cell(v["private"], _total(v["private"], v["public"])),
            share_cell(v["public"], _total(v["private"], v["public"])),
        ],
    )
    compensation = tables.get("compensation") or {}
    comp_regions = compensation.get("regions", {})

    def contacts(v: dict[str, Any]) -> list[Cell]:
        comp = (
            compensation.get("payable_sek")
            if v["code"] == NATIONAL_CODE
            else comp_regions.get(v["code"], {}).get("payable_sek")
        )
        money = (
            Cell(NOT_REPORTED, css="not-reported")
            if v["contacts_total"] is None
            else Cell(format_number(comp), comp)
            if comp is not None
            else Cell(NO_RATE)
        )
        return [
            count_cell(v["employer_contacts"]),
            count_cell(v["employment_service_contacts"]),
            money,
        ]

    add(
        "table6",
        f"Tabell 6. Kontakter med arbetsgivare och Arbetsförmedlingen {year}",
        ["Arbetsgivare", "Arbetsförmedlingen", "Ersättning (kr)"],
        contacts,
        _compensation_note(compensation),
    )
    change = _change_table(tables)
    if change is not None:
        models.append(change)
    for key, measure, rate_key, title, label in (
        ("table7", "kbt_ipt", "kbt_ipt_per_1000", "Tabell 7. KBT och IPT över tid", "KBT, IPT"),
        ("table8", "mmr_total", "mmr_per_1000", "Tabell 8. MMR över tid", "MMR totalt"),
    ):
        models.append(_series_table(tables, key, measure, rate_key, title, label))
    return models


def _change_table(tables: dict[str, Any]) -> Table | None:
    """Every national measure reported both this year and the previous one."""
    change = tables["national"].get("change") or {}
    if not change:
        return None
    year = tables["year"]
    table = Table(
        f"Förändring sedan {year - 1}, riket",
        ["Mått", str(year - 1), str(year), "Förändring", "Procent"],
        note="Endast mått som rapporterats båda åren; summor jämförs bara när samma delar "
        "rapporterats båda åren.",
        key="change",
    )
    for measure, c in change.items():
        decimals = 1 if measure.endswith("per_1000") else 0
        fmt = "0.0" if decimals else "0"

        def cell(value: float, decimals: int = decimals, fmt: str = fmt) -> Cell:
            return Cell(format_number(value, decimals), value, number_format=fmt)

        relative = c["relative"]
        table.rows.append(
            [
                Cell(MEASURE_LABELS.get(measure, measure), css="name"),
                cell(c["previous"]),
                cell(tables["national"][measure]),
                cell(c["difference"]),
                Cell("–", css="no-rate")
                if relative is None
                else Cell(format_percent(relative), relative, number_format="0%"),
            ]
        )
    return table


def _total(a: int | None, b: int | None) -> int | None:
    return None if a is None and b is None else (a or 0) + (b or 0)


def _compensation_note(comp: dict[str, Any]) -> str:
    if not comp:
        return "Ingen ersättningsregel för året (ange --compensation-rate för att beräkna)."
    parts = [
        f"Ersättning {format_number(comp['rate_sek'])} kr per patient där kontakt tagits "
        "med arbetsgivare eller Arbetsförmedlingen",
    ]
    if comp.get("cap_sek") is not None:
        parts.append(f"högst {format_number(comp['cap_sek'] / 1e6, 1)} Mkr för riket")
    text = ", ".join(parts) + "."
    if comp.get("computed_sek") is not None:
        text += f" Beräknat: {format_number(comp['computed_sek'] / 1e6, 1)} Mkr"
        if comp.get("capped"):
            payable = format_number(comp["payable_sek"] / 1e6, 1)
            text += f", begränsat till {payable} Mkr (alla regioners belopp skalas lika)"
        text += "."
    if comp.get("paid_sek") is not None:
        text += f" Utbetalt: {format_number(comp['paid_sek'] / 1e6, 1)} Mkr."
    return text


def _series_table(
    tables: dict[str, Any], key: str, measure: str, rate_key: str, title: str, label: str
) -> Table:
    years = sorted({row["year"] for row in tables["series"]})
    by = {(row["year"], row["region_code"]): row for row in tables["series"]}
    columns: list[str] = []
    for year in years:
        columns += [f"{year} {label}", f"{year} per 1000"]
    table = Table(
        f"{title} ({years[0]}–{years[-1]})",
        ["Region", *columns],
        note="Per 1000 invånare i åldern 16–65 år före 2017 och 16–67 år från 2017 "
        "(som i SKR:s rapporter).",
        key=key,
    )
    for code in [*sorted(REGIONS), NATIONAL_CODE]:
        cells = [Cell(region_name(code), css="name")]
        for year in years:
            row = by.get((year, code), {})
            cells += [count_cell(row.get(measure)), rate_cell(row.get(rate_key), row.get(measure))]
        table.rows.append(cells)
    return table


# ----------------------------------------------------------------------------- charts


def svg(chart: Any) -> str:
    """A chart of these pages as SVG text, numbers in Swedish (3 816; 1,5)."""
    return chart_svg(chart)


def series_charts(tables: dict[str, Any]) -> dict[str, str]:
    """Figures 1-3 of the report: KBT/IPT, I-KBT and MMR nationally over time."""
    import altair as alt

    national = [r for r in tables["series"] if r["region_code"] == NATIONAL_CODE]
    charts: dict[str, str] = {}
    for key, measure, title in (
        ("figure1", "kbt_ipt", "Figur 1. KBT och IPT, riket"),
        ("figure2", "ikbt", "Figur 2. I-KBT, riket"),
        ("figure3", "mmr_total", "Figur 3. MMR, riket"),
    ):
        points = [
            {"år": str(r["year"]), "antal": r[measure]} for r in national if r[measure] is not None
        ]
        if not points:
            continue
        chart = (
            alt.Chart(alt.Data(values=points), title=title)
            .mark_line(point=True)
            .encode(x=alt.X("år:O", title="År"), y=alt.Y("antal:Q", title="Antal behandlingar"))
            .properties(width=480, height=220)
        )
        charts[key] = svg(chart)
    return charts


# ----------------------------------------------------------------------------- writers


def excel_bytes(models: list[Table]) -> bytes:
    """One sheet per table, named by its key."""
    book = ExcelBook()
    for model in models:
        book.table_sheet(model, model.key, note="")
    return book.close()


def _json_text(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False) + "\n"


def write_json(path: Path, data: dict[str, Any]) -> None:
    write_output(path, _json_text(data))


def _write_all(output: Path, stem: str, data: dict[str, Any], charts: dict[str, str], html: str,
               models: list[Table] | None = None) -> list[Path]:  # fmt: skip
    """Write the rendered files; everything is rendered before the first write, so bad
    input never leaves half a report behind."""
    files: list[tuple[str, str | bytes]] = [(f"{stem}.json", _json_text(data))]
    if models is not None:
        files.append((f"{stem}.xlsx", excel_bytes(models)))
    files += [(f"{stem}-{key}.svg", text) for key, text in charts.items()]
    files.append((f"{stem}.html", html))
    return write_outputs(output, files)


def write_tables_report(tables: dict[str, Any], output: Path) -> list[Path]:
    """HTML, Excel, JSON and the SVG figures of ``painreg regional tables``; returns the files."""
    models = table_models(tables)
    charts = series_charts(tables)
    html = render_template(
        "regional/tables.html",
        trim_blocks=True,
        tables=tables,
        models=models,
        charts=charts,
        labels=MEASURE_LABELS,
        NOT_REPORTED=NOT_REPORTED,
    )
    return _write_all(output, f"regional-tables-{tables['year']}", tables, charts, html, models)


def planning_charts(planning: dict[str, Any]) -> dict[str, str]:
    """Need against delivered, waits per unit and the queue over the year."""
    import altair as alt

    charts: dict[str, str] = {}
    need = planning.get("need") or {}
    bars = [
        {"mått": label, "per 1000": value}
        for label, value in (
            ("Behov (antagande)", need.get("need_per_1000")),
            (
                "Behov, lågt",
                None
                if not need.get("population") or need.get("need_low") is None
                else need["need_low"] / need["population"] * 1000,
            ),
            (
                "Behov, högt",
                None
                if not need.get("population") or need.get("need_high") is None
                else need["need_high"] / need["population"] * 1000,
            ),
            ("Genomförd MMR (statistik)", need.get("delivered_statistics_per_1000")),
            ("Genomförd MMR (registret)", need.get("delivered_register_per_1000")),
        )
        if value is not None
    ]
    if bars:
        charts["need"] = svg(
            alt.Chart(alt.Data(values=bars), title="Behov och genomförd MMR per 1000 invånare")
            .mark_bar()
            .encode(y=alt.Y("mått:N", sort=None, title=None), x=alt.X("per 1000:Q"))
            .properties(width=420, height=160)
        )
    waiting = planning.get("waiting")
    if waiting:
        points = []
        for unit in waiting["units"]:
            wait = unit["waits"]["first_visit_to_rehab_start"]
            if wait["n"] >= MIN_PUBLISHED:  # publishing rule: no group under the threshold
                points += [
                    {"enhet": unit["name"], "mått": "median", "dagar": wait["median_days"]},
                    {"enhet": unit["name"], "mått": "90:e percentil", "dagar": wait["p90_days"]},
                ]
        if points:
            charts["waits"] = svg(
                alt.Chart(
                    alt.Data(values=points), title="Väntetid första besök → rehabstart (dagar)"
                )
                .mark_bar()
                .encode(
                    y=alt.Y("enhet:N", title=None),
                    x=alt.X("dagar:Q"),
                    color=alt.Color("mått:N", title=None),
                    yOffset="mått:N",
                )
                .properties(width=420)
            )
        # Publishing rules: counts 1-4 are not shown, so those months are left out.
        months = [
            {"månad": row["date"][:7], "kö": label, "antal": row[key]}
            for row in waiting["queue_by_month"]
            for key, label in (
                ("waiting_for_first_visit", "till första besök"),
                ("waiting_for_rehab", "till rehabstart"),
            )
            if row[key] is not None and not 0 < row[key] < MIN_PUBLISHED
        ]
        if months:
            charts["queue"] = svg(
                alt.Chart(
                    alt.Data(values=months),
                    title=f"Kö vid varje månads slut (1–{MIN_PUBLISHED - 1} visas inte)",
                )
                .mark_line(point=True)
                .encode(
                    x=alt.X("månad:O", title=None),
                    y=alt.Y("antal:Q", title="Väntande"),
                    color=alt.Color("kö:N", title=None),
                )
                .properties(width=420, height=200)
            )
    return charts


def write_planning_report(planning: dict[str, Any], output: Path) -> list[Path]:
    """HTML page with charts, and JSON, of ``painreg regional planning``."""
    charts = planning_charts(planning)
    html = render_planning_html(planning, charts)
    stem = f"regional-planning-{planning['region_code']}-{planning['year']}"
    return _write_all(output, stem, planning, charts, html)


def queue_cells(planning: dict[str, Any]) -> list[str]:
    """Queue to rehab per unit and in total as text, with small-cell suppression.

    DOMAIN.md publishing rules: counts 1-4 read "<5" and a further cell is
    hidden where the total would give a hidden one away
    (:func:`painreg.analytics.stats.suppress_counts`).
    """
    from painreg.analytics.stats import suppress_counts

    waiting = planning.get("waiting")
    if not waiting or not waiting["units"]:
        return []
    counts = [[unit["queue"]["waiting_for_rehab"]] for unit in waiting["units"]]
    shown = suppress_counts(counts).display(format_number)
    return [row[0] for row in shown]


def render_planning_html(
    planning: dict[str, Any], charts: dict[str, str] | None = None, *, standalone: bool = True
) -> str:
    charts = planning_charts(planning) if charts is None else charts
    return render_template(
        "regional/planning.html",
        trim_blocks=True,
        p=planning,
        charts=charts,
        queue_cells=queue_cells(planning),
        standalone=standalone,
        NOT_REPORTED=NOT_REPORTED,
    )
