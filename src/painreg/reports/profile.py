"""The individual response profile (svarsprofil) of one registration.

For each scored measure of the registration: the patient's score at each
occasion, the measure's category bands from the instrument definition (e.g.
HADS 0-7 / 8-10 / 11-21) and the national reference of the same care level
at the same occasion (median and interquartile range), so that clinician and
patient can talk about it.

Decisions (docs/eprom.md, "Response profile"):

* Scores are the stored ones (``registry`` stores what ``instruments``
  computes); bands come from the category scores of the definition
  (``of: <score>``, ``bands``), never from this module.
* The reference counts signed-off registrations of patients in the register
  at units of the same care level (DOMAIN.md: a registration not signed off
  counts nowhere; the care levels are never pooled). Quartiles are the
  linear-interpolation percentiles (numpy's default, = R type 7). Fewer than
  5 patients: no reference is shown (publishing rules).
* Charts: Altair (Vega-Lite) rendered to SVG by vl-convert, no browser, with
  the Swedish number locale; numbers in the tables through
  ``painreg.reports.publishing`` (decimal comma).
"""

from __future__ import annotations

import base64
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

from painreg import instruments
from painreg.reports import publishing
from painreg.reports.publishing import MIN_PUBLISHED, format_number
from painreg.tidy import vocabulary

OCCASIONS = vocabulary.OCCASIONS.values
OCCASION_LABELS = {language: vocabulary.OCCASIONS.headings(language) for language in ("sv", "en")}
#: Fewest patients a reference is drawn from: the publishing threshold.
MIN_REFERENCE_N = MIN_PUBLISHED
BAND_COLOURS = ("#e3f1e6", "#fbf0d0", "#f7dcdc", "#eadcf0", "#dde8f3")


@dataclass
class Band:
    low: float
    high: float
    label: str


@dataclass
class Reference:
    n: int
    q1: float
    median: float
    q3: float


@dataclass
class Measure:
    instrument: str
    score: str
    title: str
    range: tuple[float, float]
    bands: list[Band]
    values: dict[str, float] = field(default_factory=dict)
    references: dict[str, Reference] = field(default_factory=dict)
    svg: str = ""

    @property
    def decimals(self) -> int:
        return 0 if all(float(v).is_integer() for v in self.values.values()) else 2


def _bands(instrument: instruments.Instrument, score: instruments.ScoreDef) -> list[Band]:
    for candidate in instrument.scores:
        if candidate.type == "category" and candidate.params.get("of") == score.name:
            raw = candidate.params.get("bands") or ()
            low = score.range[0] if score.range else 0.0
            integer = all(float(b["max"]).is_integer() for b in raw)
            out = []
            for band in raw:
                high = float(band["max"])
                out.append(Band(low, high, str(band["label"])))
                low = high + 1 if integer else high
            return out
    return []


def measures_of(scores: list[tuple[str, str, str, float]]) -> list[Measure]:
    """Measures from stored scores ``(occasion, instrument, score, value)``: numeric
    scores with a defined range, in catalogue order."""
    found: dict[tuple[str, str], Measure] = {}
    for occasion, instrument_id, score_name, value in scores:
        try:
            instrument = instruments.get_instrument(instrument_id)
            definition = instrument.score_def(score_name)
        except instruments.InstrumentError:
            continue
        if definition.type != "number" or definition.range is None:
            continue
        key = (instrument_id, score_name)
        if key not in found:
            found[key] = Measure(
                instrument=instrument_id,
                score=score_name,
                title=f"{instrument.id.upper()} {score_name.replace('_', ' ')}",
                range=definition.range,
                bands=_bands(instrument, definition),
            )
        found[key].values[occasion] = value
    return sorted(found.values(), key=lambda m: (m.instrument, m.score))


def reference(values: list[float]) -> Reference | None:
    """Median and quartiles (numpy linear = R type 7); None below MIN_REFERENCE_N values."""
    if len(values) < MIN_REFERENCE_N:
        return None
    q1, median, q3 = np.percentile(np.asarray(values, dtype=float), [25, 50, 75])
    return Reference(len(values), float(q1), float(median), float(q3))


def chart_svg(measure: Measure, language: str = "sv") -> str:
    """Bands as background, reference IQR as a bar with the median, the patient as a line."""
    import altair as alt
    import pandas as pd

    labels = OCCASION_LABELS.get(language, OCCASION_LABELS["sv"])
    order = [labels[o] for o in OCCASIONS]
    low, high = measure.range
    layers = []
    if measure.bands:
        bands = pd.DataFrame(
            [
                {"low": b.low, "high": b.high, "band": f"{b.label}", "colour": BAND_COLOURS[i % 5]}
                for i, b in enumerate(measure.bands)
            ]
        )
        layers.append(
            alt.Chart(bands)
            .mark_rect(opacity=0.9)
            .encode(
                y=alt.Y("low:Q", scale=alt.Scale(domain=[low, high])),
                y2="high:Q",
                color=alt.Color("colour:N", scale=None),
            )
        )
    refs = pd.DataFrame(
        [
            {"occasion": labels[o], "q1": r.q1, "median": r.median, "q3": r.q3}
            for o, r in measure.references.items()
        ]
    )
    x = alt.X("occasion:N", sort=order, scale=alt.Scale(domain=order), title=None)
    if not refs.empty:
        layers.append(
            alt.Chart(refs)
            .mark_bar(size=28, color="#9fb3c8", opacity=0.8)
            .encode(x=x, y="q1:Q", y2="q3:Q")
        )
        layers.append(
            alt.Chart(refs)
            .mark_tick(color="#1f3b57", thickness=3, size=28)
            .encode(x=x, y="median:Q")
        )
    points = pd.DataFrame(
        [{"occasion": labels[o], "value": v} for o, v in measure.values.items() if o in labels]
    )
    if not points.empty:
        line = alt.Chart(points).encode(
            x=x,
            y=alt.Y("value:Q", scale=alt.Scale(domain=[low, high]), title=None),
        )
        layers.append(line.mark_line(color="#b00020", strokeWidth=2.5))
        layers.append(line.mark_point(color="#b00020", filled=True, size=90))
    chart = alt.layer(*layers).properties(width=260, height=180, title=measure.title)
    return publishing.chart_svg(chart)


def svg_data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def table_rows(measure: Measure, language: str = "sv") -> list[dict[str, str]]:
    labels = OCCASION_LABELS.get(language, OCCASION_LABELS["sv"])
    rows = []
    for occasion in OCCASIONS:
        value = measure.values.get(occasion)
        ref = measure.references.get(occasion)
        band = next(
            (b.label for b in measure.bands if value is not None and b.low <= value <= b.high), ""
        )
        rows.append(
            {
                "occasion": labels[occasion],
                "value": format_number(value, measure.decimals, lang=language),
                "band": band,
                "median": format_number(ref.median, 1, lang=language) if ref else "",
                "iqr": (
                    f"{format_number(ref.q1, 1, lang=language)}–"
                    f"{format_number(ref.q3, 1, lang=language)}"
                    if ref
                    else ""
                ),
                "n": str(ref.n) if ref else "",
            }
        )
    return rows


def band_text(measure: Measure, language: str = "sv") -> str:
    return " / ".join(
        f"{format_number(b.low, 0, lang=language)}–{format_number(b.high, 0, lang=language)} "
        f"{b.label}"
        for b in measure.bands
    )


def group_reference_values(
    rows: list[tuple[str, str, str, float]],
) -> dict[tuple[str, str, str], list[float]]:
    out: dict[tuple[str, str, str], list[float]] = defaultdict(list)
    for occasion, instrument_id, score_name, value in rows:
        out[(instrument_id, score_name, occasion)].append(value)
    return out
