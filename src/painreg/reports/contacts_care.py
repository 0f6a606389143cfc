"""Prescribing, named contacts, referrals and the monthly series of the contact follow-up.

The tables and charts a region reads beside the follow-up
(:mod:`painreg.reports.contacts_report` renders them with the rest), from the
dict of :func:`painreg.contacts.analysis.analyze`; the same publishing rules:
counts 1-4 hidden, shares over fewer than 5 not shown, health centres with
fewer than 5 listed or cohort patients left out of charts.
"""

from __future__ import annotations

from typing import Any

from painreg.analytics.stats import wilson_interval
from painreg.reports.publishing import (
    MIN_PUBLISHED,
    PRIMARY_MARK,
    Cell,
    Table,
    chart_svg,
    format_number,
    format_percent,
)

GROUP_LABELS = {
    "opioids": "Opioider",
    "benzodiazepines": "Bensodiazepiner",
    "z_drugs": "Z-läkemedel",
    "gabapentinoids": "Gabapentinoider",
    "any": "Något av dem",
}
MONTHLY_LABELS = {
    "patients": "Patienter i kohorten",
    "multiple_professions": "Fler än en profession satte diagnosen",
    "single_profession_single_caregiver": "Samma vårdgivare vid alla diagnoskontakter",
    "frequent_attenders": "Mångbesökare",
    "continuity_upc": "Kontinuitet UPC (medelvärde)",
    "sick_leave": "Sjukskrivna",
    "addictive_drugs": "Beroendeframkallande läkemedel",
    "with_regular_physician": "Listade med fast läkarkontakt",
    "referrals_within_90": "Första besök inom vårdgarantins 90 dagar",
}
#: Monthly measures that are counts or means, not shares.
NOT_SHARES = ("patients", "continuity_upc")


def count_cell(value: int | None) -> Cell:
    """A count under the primary rule: 1-4 hidden (the contact report's one count cell)."""
    if value is None:
        return Cell("–")
    if 0 < value < MIN_PUBLISHED:
        return Cell(PRIMARY_MARK, css="suppressed")
    return Cell(format_number(value), value)


def _share(count: int, denominator: int) -> Cell:
    if denominator < MIN_PUBLISHED or 0 < count < MIN_PUBLISHED:
        return Cell("–", css="suppressed")
    share = count / denominator
    return Cell(format_percent(share, 1), share, number_format="0.0%")


def _days(value: float | None, n: int) -> Cell:
    if value is None or n < MIN_PUBLISHED:
        return Cell("–", css="suppressed")
    return Cell(format_number(value, 0), value, number_format="0")


def _name(result: dict[str, Any], unit_id: str) -> str:
    ref = (result.get("units_reference") or {}).get(unit_id)
    return ref["name"] if ref else unit_id


def _level(level: int | None) -> str:
    return f"Nivå {level}" if level else "Okänd nivå"


def tables(result: dict[str, Any]) -> list[Table]:
    """The tables of the optional inputs present in ``result``, in reading order."""
    out: list[Table] = []
    if "prescriptions" in result:
        out += _prescription_tables(result)
    if "named_contacts" in result:
        out.append(_named_table(result))
    if "referrals" in result:
        out += _referral_tables(result)
    if "monthly" in result:
        out += _monthly_tables(result)
    return out


def _prescription_tables(result: dict[str, Any]) -> list[Table]:
    rx = result["prescriptions"]
    n = result["patients"]
    cohort = Table(
        "Beroendeframkallande läkemedel i kohorten",
        ["Läkemedelsgrupp", "Patienter", "Andel av kohorten", "Varav under 50 år"],
        note="Patienter med minst ett recept i gruppen under perioden (ATC-koder enligt "
        "DOMAIN.md). \u201dNågot av dem\u201d räknar varje patient en gång.",
        key="prescriptions",
    )
    for group, counts in rx["cohort"].items():
        count = counts["patients"]
        cohort.rows.append(
            [
                Cell(GROUP_LABELS.get(group, group)),
                count_cell(count),
                _share(count, n),
                count_cell(counts["patients_under_50"]),
            ]
        )
    groups = list(rx["cohort"])
    by_unit = Table(
        "Förskrivning till patienter under 50 år per vårdcentral",
        ["Vårdcentral", *[GROUP_LABELS.get(g, g) for g in groups]],
        note="Alla patienter i uttaget under 50 år (oavsett diagnos) med recept från enheten "
        "under perioden.",
        key="prescriptions_by_unit",
    )
    rates = result.get("prescriptions_per_1000_listed", {})
    for uid, counts in rx["under_50_by_unit"].items():
        row = [Cell(_name(result, uid))] + [count_cell(counts.get(g, 0)) for g in groups]
        by_unit.rows.append(row)
    out = [cohort, by_unit]
    if rates:
        per = Table(
            "Patienter under 50 år med recept per 1 000 listade",
            ["Vårdcentral", *[GROUP_LABELS.get(g, g) for g in groups]],
            key="prescriptions_per_1000",
        )
        for uid, values in rates.items():
            if values.get("listed", 0) < MIN_PUBLISHED:
                continue  # a rate over fewer listed patients gives the count away
            counts = rx["under_50_by_unit"][uid]
            per.rows.append(
                [Cell(_name(result, uid))]
                + [
                    Cell("–", css="suppressed")
                    if 0 < counts.get(g, 0) < MIN_PUBLISHED
                    else Cell(format_number(values[g], 1), values[g], number_format="0.0")
                    for g in groups
                ]
            )
        out.append(per)
    return out


def _named_table(result: dict[str, Any]) -> Table:
    t = Table(
        "Fast läkarkontakt och fast vårdkontakt",
        [
            "",
            "Listade",
            "Med fast läkarkontakt",
            "Med fast vårdkontakt",
            "Kontinuitet med fast läkare",
        ],
        note="Kohortens patienter listade periodens sista dag. Kontinuitet = andel av patientens "
        "läkarkontakter som var med den namngivna läkaren, medelvärde.",
        key="named_contacts",
    )

    def row(label: str, m: dict[str, Any]) -> list[Cell]:
        cont = m["continuity_named_physician"]
        listed = m["listed"]
        return [
            Cell(label),
            count_cell(listed),
            _share(m["with_regular_physician"], listed),
            _share(m["with_regular_contact"], listed),
            Cell("–", css="suppressed")
            if cont is None or m["with_regular_physician"] < MIN_PUBLISHED
            else Cell(format_number(cont, 2), cont, number_format="0.00"),
        ]

    t.rows.append(row("Alla", result["named_contacts"]))
    for uid, m in result.get("named_contacts_by_unit", {}).items():
        if m["listed"] >= MIN_PUBLISHED:
            t.rows.append(row(_name(result, uid), m))
    return t


def _referral_tables(result: dict[str, Any]) -> list[Table]:
    refs = result["referrals"]
    wait = refs["wait_days_to_first_visit"]
    summary = Table(
        "Remisser och väntetid till första besök",
        ["", "Skickade", "Returnerade", "Median (dagar)", "90:e percentil", "Inom 90 dagar"],
        note="Remisser skickade under perioden; väntetiden räknas även när besöket ligger "
        "efter perioden.",
        key="referrals",
    )

    def cells(label: str, sent: int, returned: int, w: dict[str, Any]) -> list[Cell]:
        return [
            Cell(label),
            count_cell(sent),
            count_cell(returned),
            _days(w["median"], w["n"]),
            _days(w["p90"], w["n"]),
            _share(w["within_90"], w["n"]),
        ]

    summary.rows.append(cells("Alla", refs["sent"], refs["returned"], wait))
    flows = result["referral_flows"]
    for r in flows["by_to_unit"]:
        summary.rows.append(
            cells(
                "Till " + _name(result, r["to_unit_id"]),
                r["sent"],
                r["returned"],
                r["wait_days_to_first_visit"],
            )
        )
    levels = Table(
        "Remissflöden mellan vårdnivåer",
        ["Från", "Till", "Skickade", "Returnerade", "Median väntetid (dagar)", "Inom 90 dagar"],
        note="Vårdnivåerna enligt enhetsfilen (--units): 1 primärvård, 2 primärvårdens "
        "team, 3 specialiserad smärtvård, 4 regionalt smärtcentrum.",
        key="referral_levels",
    )
    for r in flows["levels"]:
        levels.rows.append(
            [
                Cell(_level(r["from_level"])),
                Cell(_level(r["to_level"])),
                count_cell(r["sent"]),
                count_cell(r["returned"]),
                _days(r["wait_days_to_first_visit"]["median"], r["wait_days_to_first_visit"]["n"]),
                _share(
                    r["wait_days_to_first_visit"]["within_90"], r["wait_days_to_first_visit"]["n"]
                ),
            ]
        )
    queue = Table(
        f"Väntande remisser {flows['queue_on']}",
        ["Mottagande enhet", "Väntande"],
        key="referral_queue",
    )
    for uid, n in flows["queue_by_to_unit"].items():
        queue.rows.append([Cell(_name(result, uid)), count_cell(n)])
    return [summary, levels, queue]


def _monthly_value(name: str, value: Any, patients: int, parts: list[int] | None) -> Cell:
    """A month's cell: the count, the mean UPC (5 or more patients) or a share under the
    publishing rules of its own count and denominator."""
    if value is None:
        return Cell("–", css="suppressed")
    if name == "patients":
        return count_cell(value)
    if name in NOT_SHARES:
        if patients < MIN_PUBLISHED:
            return Cell("–", css="suppressed")
        return Cell(format_number(value, 2), value, number_format="0.00")
    return _share(*parts) if parts else Cell("–", css="suppressed")


def _published(name: str, values: dict[str, Any], parts: dict[str, list[int]]) -> bool:
    """Whether a month's value of ``name`` may be shown (a chart's point)."""
    if values.get(name) is None or values["patients"] < MIN_PUBLISHED:
        return False
    return name in NOT_SHARES or not _share(*parts[name]).css


def _value_text(name: str, value: float) -> str:
    """A monthly measure's value as text: a count, a mean or a percentage."""
    if name == "patients":
        return format_number(value, 0)
    if name in NOT_SHARES:
        return format_number(value, 2)
    return format_percent(value, 1)


def _monthly_tables(result: dict[str, Any]) -> list[Table]:
    monthly = result["monthly"]
    months = list(monthly)
    names = [n for n in MONTHLY_LABELS if any(n in m for m in monthly.values())]
    series = Table(
        "Månad för månad",
        ["Månad", *[MONTHLY_LABELS[n] for n in names]],
        note="Varje månads kohort är patienterna som fick diagnosen den månaden. En andel "
        f"visas när nämnaren är minst {MIN_PUBLISHED} och antalet inte är dolt; månader med "
        f"färre än {MIN_PUBLISHED} patienter visar bara antalet.",
        key="monthly",
    )
    for month in months:
        values = monthly[month]
        counts = result.get("monthly_counts", {}).get(month, {})
        series.rows.append(
            [Cell(month)]
            + [
                _monthly_value(name, values.get(name), values["patients"], counts.get(name))
                for name in names
            ]
        )
    runs = Table(
        "Serieanalys enligt Anhøjs regler",
        ["Mått", "Baslinje", "Median", "Längsta serie (gräns)", "Korsningar (gräns)", "Signal"],
        note="Längsta serie: flest punkter i rad på samma sida om medianen; en längre serie än "
        "gränsen, eller färre korsningar än gränsen, är en signal om förändring. Punkter på "
        "medianen räknas inte; med färre än 10 användbara punkter bedöms ingen signal.",
        key="run_charts",
    )
    for name, chart in result.get("run_charts", {}).items():
        base = chart["baseline"] or {}
        median = chart["median"]
        signal = chart["signal"]
        runs.rows.append(
            [
                Cell(MONTHLY_LABELS.get(name, name)),
                Cell(f"{base.get('from', '')}–{base.get('to', '')}"),
                Cell("–")
                if median is None
                else count_cell(round(median))
                if name == "patients"
                else Cell(_value_text(name, median)),
                Cell(f"{chart['longest_run']} ({chart['longest_run_limit'] or '–'})"),
                Cell(f"{chart['crossings']} ({chart['crossings_limit'] or '–'})"),
                Cell("ej bedömd" if signal is None else "ja" if signal else "nej"),
            ]
        )
    return [series, runs]


# ----------------------------------------------------------------------------- charts


def charts(result: dict[str, Any]) -> list[dict[str, str]]:
    """``[{"title", "svg", "text"}]``: the follow-up's charts, each with a text alternative."""
    out: list[dict[str, str]] = []
    if "units" in result:
        chart = _units_chart(result)
        if chart:
            out.append(chart)
    if "monthly" in result:
        out += _run_chart_figures(result)
    return out


def _units_chart(result: dict[str, Any]) -> dict[str, str] | None:
    """Share diagnosed by several professions per health centre, with 95 % Wilson intervals."""
    import altair as alt

    points = []
    for uid, m in result["units"].items():
        n, x = m["patients"], m["multiple_professions"]
        if n < MIN_PUBLISHED or 0 < x < MIN_PUBLISHED:
            continue
        low, high = wilson_interval(x, n)
        points.append({"enhet": _name(result, uid), "andel": x / n, "låg": low, "hög": high})
    if len(points) < 2:
        return None
    title = "Andel där fler än en profession satte diagnosen, per vårdcentral"
    base = alt.Chart(alt.Data(values=points), title=title)
    y = alt.Y("enhet:N", title=None, sort="-x")
    chart = (
        base.mark_rule().encode(
            y=y,
            x=alt.X("låg:Q", title="Andel (95 % konfidensintervall)", axis=alt.Axis(format="%")),
            x2="hög:Q",
        )
        + base.mark_point(filled=True).encode(y=y, x="andel:Q")
    ).properties(width=420, height=max(60, 22 * len(points)))
    text = "; ".join(
        f"{p['enhet']}: {format_percent(p['andel'], 1)} "
        f"({format_percent(p['låg'], 1)} till {format_percent(p['hög'], 1)})"
        for p in points
    )
    return {"title": title, "svg": chart_svg(chart), "text": text}


def _run_chart_figures(result: dict[str, Any]) -> list[dict[str, str]]:
    import altair as alt

    monthly = result["monthly"]
    figures = []
    for name, analysis in result.get("run_charts", {}).items():
        if name == "patients" or analysis["median"] is None or not analysis["longest_run"]:
            continue  # nothing to read: no series, or every point on the median
        points = [
            {"månad": month, "värde": values[name]}
            for month, values in monthly.items()
            if _published(name, values, result.get("monthly_counts", {}).get(month, {}))
        ]
        if len(points) < 2:
            continue
        label = MONTHLY_LABELS.get(name, name)
        fmt = ".2f" if name in NOT_SHARES else "%"
        base = alt.Chart(alt.Data(values=points), title=f"Seriediagram: {label}")
        line = base.mark_line(point=True).encode(
            x=alt.X("månad:O", title=None),
            y=alt.Y("värde:Q", title=None, axis=alt.Axis(format=fmt)),
        )
        median = (
            alt.Chart(alt.Data(values=[{"median": analysis["median"]}]))
            .mark_rule(strokeDash=[4, 3], color="#555")
            .encode(y="median:Q")
        )
        chart = (line + median).properties(width=480, height=200)
        signal = analysis["signal"]
        verdict = (
            "ingen signal bedömd (för få punkter)"
            if signal is None
            else "signal om förändring"
            if signal
            else "ingen signal"
        )
        median_text = _value_text(name, analysis["median"])
        text = f"{label}, {len(points)} månader, median {median_text}: {verdict}."
        figures.append({"title": f"Seriediagram: {label}", "svg": chart_svg(chart), "text": text})
    return figures
