"""The Excel appendix of one care level: one sheet per indicator, one row per unit."""

from __future__ import annotations

from typing import Any

from painreg.analytics.context import CHANGE_OUTCOMES
from painreg.analytics.indicators import BY_KEY
from painreg.reports import render
from painreg.reports.annual.labels import CATEGORY_SV, REASON_SV
from painreg.reports.publishing import MIN_PUBLISHED, ExcelBook, Table, count_text


def appendix(level: str, year: int, data: dict[str, Any], names: dict[str, str]) -> bytes:
    """The workbook of one care level's indicators (``level`` names the file, not the data)."""
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
    return book.close()
