"""The Excel appendix of one care level: one sheet per indicator, one row per unit.

Everything the report shows for units: counts, response rates, coverage,
completeness, every outcome, the mean changes, baseline values, the patient
mix, work-related measures and main diagnoses. Formatted for people: frozen
headers, Swedish number formats, the publishing rules applied (a unit under
the threshold is left out of a sheet, 5-9 greyed; counts suppressed), text
never a formula (:class:`painreg.reports.publishing.ExcelBook`).
"""

from __future__ import annotations

from typing import Any

from painreg.analytics.context import AGE_GROUPS, CHANGE_OUTCOMES, EDUCATION, WORK_MEASURES
from painreg.analytics.indicators import BY_KEY
from painreg.reports import render
from painreg.reports.annual.labels import CATEGORY_SV, EDUCATION_SV, REASON_SV, WORK_SV
from painreg.reports.publishing import MIN_PUBLISHED, MIN_SOLID, ExcelBook, Table, count_text


def appendix(
    level: str,
    year: int,
    data: dict[str, Any],
    names: dict[str, str],
    completeness: Any = None,
) -> bytes:
    """The workbook of one care level's indicators (``level`` names the file, not the data);
    ``completeness``: its completeness per unit (``analyses.completeness(by_unit=True)``)."""
    book = ExcelBook()
    units = sorted(data["units"].items())
    # Completed and discontinued: a count table, suppressed.
    reasons = list(data["national"]["discontinued"])
    shown_units = [
        (u, v)
        for u, v in units
        if v["completed_rehab"] + sum(v["discontinued"].values()) >= MIN_PUBLISHED
    ]
    if shown_units:
        table = render.suppressed_table(
            [names.get(u, u) for u, _ in shown_units],
            ["Avslutade"] + [REASON_SV[r] for r in reasons],
            [
                [v["completed_rehab"]] + [v["discontinued"][r] for r in reasons]
                for _, v in shown_units
            ],
        )
        book.table_sheet(
            Table(f"Avslutade och avbrott {year}", ["Enhet", *table["columns"][1:]], table["rows"]),
            "Avslutade och avbrott",
        )
    # Rates
    for key in ("response_rate_end", "response_rate_1y"):
        rows, grey = [], []
        for u, v in [("Nationellt", data["national"])] + [(names.get(u, u), v) for u, v in units]:
            r = v[key]
            s = render.share(r["numerator"], r["denominator"])
            if not s.shown:
                continue
            rows.append([u, r["denominator"], s.share, s.low, s.high])
            grey.append(s.status == "grey")
        book.table_sheet(
            Table.of_values(
                f"{BY_KEY[key].title_sv} {year}",
                ["Enhet", "Nämnare", "Andel", "KI låg", "KI hög"],
                rows,
                kinds=["text", "int", "pct", "pct", "pct"],
                grey=grey,
            ),
            BY_KEY[key].title_sv,
        )
    # Coverage
    rows = []
    for u, v in units:
        c = v["coverage"]
        tot = c["reported_total"]
        if (tot if tot is not None else c["registered"]) < MIN_PUBLISHED:
            continue
        registered = c["registered"]
        rows.append(
            [
                names.get(u, u),
                registered if registered >= MIN_PUBLISHED else count_text(registered),
                tot if tot is not None else "ej rapporterat",
                (c["registered"] / tot) if tot else None,
            ]
        )
    book.table_sheet(
        Table.of_values(
            f"Täckningsgrad {year}",
            ["Enhet", "Registrerade", "Rapporterat totalt", "Täckningsgrad"],
            rows,
            kinds=["text", "int", "int", "pct"],
        ),
        "Täckningsgrad",
    )
    # Outcomes
    for key in CHANGE_OUTCOMES:
        if key not in data["national"]:
            continue
        cats = list(BY_KEY[key].categories)
        rows, grey = [], []
        for u, v in [("Nationellt", data["national"][key])] + [
            (names.get(u, u), v[key]) for u, v in units
        ]:
            s = render.share(v["improved"], v["n"])
            if not s.shown:
                continue
            rows.append([u, v["n"], s.share, s.low, s.high] + [v[c] / v["n"] for c in cats[1:]])
            grey.append(s.status == "grey")
        book.table_sheet(
            Table.of_values(
                f"{BY_KEY[key].title_sv} {year}",
                ["Enhet", "n", "Förbättrad", "KI låg", "KI hög"]
                + [CATEGORY_SV[c] for c in cats[1:]],
                rows,
                kinds=["text", "int", "pct", "pct", "pct"] + ["pct"] * (len(cats) - 1),
                grey=grey,
            ),
            BY_KEY[key].title_sv,
        )
    _mean_change_sheet(book, year, data, units, names)
    _baseline_sheet(book, year, data, units, names)
    _patient_mix_sheet(book, year, data, units, names)
    _work_sheet(book, year, data, units, names)
    _diagnosis_sheet(book, year, data, units, names)
    if completeness is not None:
        _completeness_sheet(book, year, completeness, names)
    return book.close()


def _share_sheet(
    book: ExcelBook,
    title: str,
    sheet: str,
    rows_in: list[tuple[str, dict[str, Any]]],
    key: str,
    columns: list[tuple[str, str]],
    total: str = "n",
) -> None:
    """One row per group of ``value[key]``: its total and the share of each column's category."""
    rows, grey = [], []
    for label, values in rows_in:
        v = values.get(key)
        if not v or v[total] < MIN_PUBLISHED:
            continue
        rows.append([label, v[total]] + [v[c] / v[total] for c, _ in columns])
        grey.append(v[total] < MIN_SOLID)
    book.table_sheet(
        Table.of_values(
            title,
            ["Enhet", "n", *[h for _, h in columns]],
            rows,
            kinds=["text", "int"] + ["pct"] * len(columns),
            grey=grey,
        ),
        sheet,
    )


def _groups(data: dict[str, Any], units: list[tuple[str, Any]], names: dict[str, str]):  # type: ignore[no-untyped-def]
    return [("Riket", data["national"])] + [(names.get(u, u), v) for u, v in units]


def _mean_change_sheet(book, year, data, units, names) -> None:  # type: ignore[no-untyped-def]
    from painreg.analytics.indicators import MEAN_CHANGES
    from painreg.reports.annual.model import mean_ci

    rows, grey = [], []
    for label, values in _groups(data, units, names):
        for suffix, *_rest in MEAN_CHANGES:
            key = f"mean_change_{suffix}"
            v = values.get(key)
            if not v or v["n"] < MIN_PUBLISHED:
                continue
            mean, low, high = mean_ci(v)
            title = BY_KEY[key].title_sv.removeprefix("Medelförändring, ")
            rows.append([label, title, v["n"], round(mean, 1), round(low, 1), round(high, 1)])
            grey.append(v["n"] < MIN_SOLID)
    table = Table.of_values(
        f"Medelförändring från initialt till avslut {year}",
        ["Enhet", "Mått", "n", "Medelförändring", "KI låg", "KI hög"], rows,
        kinds=["text", "text", "int", "dec", "dec", "dec"], grey=grey,
        note="95 % konfidensintervall (t-fördelning).",
    )  # fmt: skip
    book.table_sheet(table, "Medelförändring")


def _baseline_sheet(book, year, data, units, names) -> None:  # type: ignore[no-untyped-def]
    rows, grey = [], []
    for label, values in _groups(data, units, names):
        cells, shown = [label], False
        for key, num, den in (
            ("hads_anxiety_case_initial", "numerator", "denominator"),
            ("hads_depression_case_initial", "numerator", "denominator"),
            ("wai_category_initial", "poor", "n"),
            ("activity_initial", "none", "n"),
        ):
            v = values.get(key)
            ok = bool(v) and v[den] >= MIN_PUBLISHED
            shown |= ok
            cells += [
                (v[den] if ok else count_text(v[den])) if v else 0,
                v[num] / v[den] if ok else None,
            ]
        if shown:
            rows.append(cells)
            grey.append(False)
    book.table_sheet(
        Table.of_values(
            f"Utgångsvärden (initialt) {year}",
            [
                "Enhet",
                "n ångest",
                "Ångest HAD 11–21",
                "n depression",
                "Depression HAD 11–21",
                "n WAI",
                "Dålig arbetsförmåga (WAI 0–5)",
                "n aktivitet",
                "Ingen fysisk aktivitet",
            ],
            rows,
            kinds=["text", "int", "pct", "int", "pct", "int", "pct", "int", "pct"],
            note=f"Andelar visas för nämnare från {MIN_PUBLISHED}.",
        ),
        "Utgångsvärden",
    )


def _patient_mix_sheet(book, year, data, units, names) -> None:  # type: ignore[no-untyped-def]
    groups = _groups(data, units, names)
    _share_sheet(book, f"Kön {year} (avslutade MMR)", "Kön", groups, "sex",
                 [("F", "Kvinnor"), ("M", "Män")])  # fmt: skip
    _share_sheet(book, f"Åldersgrupper {year} (avslutade MMR)", "Åldersgrupper", groups,
                 "age_group", [(a, f"{a} år") for a in AGE_GROUPS])  # fmt: skip
    _share_sheet(book, f"Högsta utbildning {year} (avslutade MMR)", "Utbildning", groups,
                 "education_rehab", [(e, EDUCATION_SV[e]) for e in EDUCATION])  # fmt: skip


def _work_sheet(book, year, data, units, names) -> None:  # type: ignore[no-untyped-def]
    _share_sheet(book, f"Arbetsinriktade åtgärder {year}", "Arbetsinriktade åtgärder",
                 _groups(data, units, names), "work_measures",
                 [(m, WORK_SV[m]) for m in WORK_MEASURES])  # fmt: skip


def _diagnosis_sheet(book, year, data, units, names) -> None:  # type: ignore[no-untyped-def]
    """The nation's ten most common main diagnoses: their shares per unit.

    Shares over the unit's completed patients, not a count table: a units x
    diagnoses count table needs the small-cell suppression's exact search,
    which on a table this size takes minutes (docs/annual-report.md,
    Performance); a share is published for denominators from the threshold.
    """
    top = list(data["national"].get("main_diagnosis", {}))[:10]
    if not top:
        return
    groups = [
        (
            label,
            {
                "d": {
                    "n": v.get("completed_rehab", 0),
                    **{d: v.get("main_diagnosis", {}).get(d, 0) for d in top},
                }
            },
        )
        for label, v in _groups(data, units, names)
    ]
    _share_sheet(
        book,
        f"Vanligaste huvuddiagnoser {year} (andel av avslutade MMR)",
        "Huvuddiagnoser",
        groups,
        "d",
        [(d, d) for d in top],
    )


def _completeness_sheet(book, year, frame, names) -> None:  # type: ignore[no-untyped-def]
    from painreg.reports.annual.labels import OCCASION_SV
    from painreg.reports.annual.tables import instrument_name

    rows = []
    for r in frame.sort_values(["unit_id", "instrument", "occasion"]).itertuples(index=False):
        if r.forms < MIN_PUBLISHED:
            continue
        rows.append(
            [names.get(r.unit_id, r.unit_id), instrument_name(r.instrument),
             OCCASION_SV.get(r.occasion, r.occasion), int(r.forms),
             float(r.form_completeness), float(r.item_completeness)]
        )  # fmt: skip
    book.table_sheet(
        Table.of_values(
            f"Ifyllnadsgrad {year}",
            [
                "Enhet",
                "Instrument",
                "Tillfälle",
                "Formulär",
                "Kompletta formulär",
                "Besvarade frågor",
            ],
            rows,
            kinds=["text", "text", "text", "int", "pct", "pct"],
        ),
        "Ifyllnadsgrad",
    )
