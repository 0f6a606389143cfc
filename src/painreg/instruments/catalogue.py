"""The instrument catalogue (docs/instruments.md), rendered from the definitions.

Design decision (datasette/cog habit): the catalogue that capture, imports and
analysts rely on for item ids and codes is generated from the same YAML the
scoring reads, and ``tests/unit/test_docs_drift.py`` fails when the committed
file is stale (``python -m painreg.cli.docgen`` rewrites it).
"""

from __future__ import annotations

from painreg.instruments.model import Instrument, ScoreDef, get_instrument, instrument_ids
from painreg.instruments.texts import shipped_packs


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _source_min(instrument: Instrument, name: str) -> float | None:
    for score in instrument.scores:
        if score.name == name and score.range is not None:
            return score.range[0]
    if name in instrument.item_ids:
        return instrument.item(name).min
    return None


def _rule(instrument: Instrument, score: ScoreDef) -> str:
    p = score.params
    kind = score.kind
    if kind == "sum":
        missing = int(p.get("max_missing", 0))
        rule = "sum of items"
        if missing:
            rule += f"; up to {missing} missing prorated (mean x {len(score.items)}, half up)"
        else:
            rule += "; every item required"
        return rule
    if kind == "mean":
        return "mean of the answered items (recoded 0-100)"
    if kind == "item":
        return f"the answer to {score.items[0]}"
    if kind == "total":
        return " + ".join(p["of"]) + " (missing if any part is)"
    if kind == "category":
        bands, low, parts = p["bands"], _source_min(instrument, p["of"]), []
        for band in bands:
            high = _fmt(band["max"])
            span = (
                f"<= {high}"
                if low is None
                else high
                if low == band["max"]
                else f"{_fmt(low)}-{high}"
            )
            parts.append(f"{band['label']} {span}")
            low = float(band["max"]) + (1 if float(band["max"]).is_integer() else 0)
        return f"from {p['of']}: " + ", ".join(f"`{x}`" for x in parts)
    if kind == "flag":
        for test, word in (("above", ">"), ("at_least", ">="), ("below", "<"), ("at_most", "<=")):
            if test in p:
                return f"true when {p['of']} {word} {_fmt(p[test])}"
    if kind == "eq5d_index":
        return "value set model (option `value_set`); any dimension missing: none"
    if kind == "sf36_scale":
        return (
            f"half rule, mean substitution, (raw - {_fmt(p['raw_min'])}) / "
            f"{_fmt(p['raw_max'] - p['raw_min'])} x 100"
        )
    if kind == "sf36_bodily_pain":
        return "items 21 and 22 scored jointly (Ware 1993), 0-100"
    if kind == "sf36_summary":
        return "norm-based T-score from the 8 scales (1990 US norms); all 8 needed"
    if kind == "mpi_scale":
        return "mean of the answered items of the holder's item key"
    if kind == "mpi_profile":
        return "holder's classifier; `not_classified` without parameters"
    return kind


def _change(instrument: Instrument) -> list[str]:
    lines = []
    for measure, rule in instrument.change.items():
        kind = rule["rule"]
        if kind == "category_shift":
            text = (
                f"band of `{rule['category']}` at initial vs end ({rule['better']} is better); "
                f"same band: unchanged positive if {', '.join(rule['positive'])}, else negative"
            )
        elif kind == "threshold":
            edge = (
                f"end < {_fmt(rule['positive_below'])}"
                if "positive_below" in rule
                else f"end >= {_fmt(rule['positive_at_least'])}"
            )
            text = (
                f"change counts when it reaches {_fmt(rule['min_change'])} "
                f"({rule['better']} is better); otherwise unchanged positive if {edge}"
            )
        else:
            text = f"band of `{rule['category']}` of the end answer"
        lines.append(f"- `{measure}`: {text}")
    return lines


def _codes(instrument: Instrument) -> list[str]:
    rows = ["| item | codes | required | reversed | recode |", "|---|---|---|---|---|"]
    for item in instrument.items:
        codes = item.describe_range()
        if item.values is None:
            codes += " (number" + ("" if item.integer else ", fractions allowed") + ")"
        recode = (
            ", ".join(f"{_fmt(k)}→{_fmt(v)}" for k, v in item.recode.items()) if item.recode else ""
        )
        rows.append(
            f"| `{item.id}` | {codes} | {'yes' if item.required else 'no'} | "
            f"{'yes' if item.reversed else ''} | {recode} |"
        )
    return rows


def render_instrument(instrument: Instrument) -> list[str]:
    texts = "item texts ship" if instrument.texts_may_ship else "licensed texts: text pack"
    lines = [
        f'<a id="{instrument.id}"></a>',
        "",
        f"## `{instrument.id}`: {instrument.name['en']}",
        "",
        f"*{instrument.name['sv']}*. Version {instrument.version}; {texts}.",
        "",
        instrument.description,
        "",
        f"**Source.** {instrument.source}",
        "",
        f"**Licence.** {instrument.licence}",
        "",
        *_codes(instrument),
        "",
        "| score | type | range | rule |",
        "|---|---|---|---|",
    ]
    for score in instrument.scores:
        rng = f"{_fmt(score.range[0])}-{_fmt(score.range[1])}" if score.range else ""
        if score.type == "category":
            rng = " \\| ".join(score.labels)
        elif score.type == "boolean":
            rng = "true \\| false"
        detail = _rule(instrument, score) + (f" ({score.description})" if score.description else "")
        lines.append(f"| `{score.name}` | {score.type} | {rng} | {detail} |")
    lines.append("")
    change = _change(instrument)
    if change:
        lines += ["**Change categories** (initial vs end):", "", *change, ""]
    sets = instrument.options.get("value_sets")
    if sets:
        lines += [f"**Value sets** (default `{instrument.options['value_set']}`):", ""]
        for name, model in sets.items():
            lines.append(f"- `{name}`: {model['source']}; full health {_fmt(model['full_health'])}")
        lines.append("")
    return lines


def render_markdown() -> str:
    """docs/instruments.md: every instrument, item id, code, score, rule, source, licence."""
    ids = instrument_ids()
    packs = sorted((p.instrument, p.language, p.placeholder) for p in shipped_packs())
    lines = [
        "# Instrument catalogue",
        "",
        "Generated from `src/painreg/instruments/definitions/` by `make docs`; do not edit by",
        "hand. Item ids are the `item` values of the interchange `answers` table; score names",
        "are the columns of `painreg score` and the `score` values of the `scores` table.",
        "How scoring, value sets and text packs work: [scoring.md](scoring.md).",
        "",
        "| instrument | name | version | items | scores |",
        "|---|---|---|---|---|",
    ]
    for instrument_id in ids:
        instrument = get_instrument(instrument_id)
        lines.append(
            f"| [`{instrument.id}`](#{instrument.id}) | {instrument.name['en']} | "
            f"{instrument.version} | {len(instrument.items)} | "
            f"{', '.join(instrument.score_names)} |"
        )
    texts = ", ".join(f"`{i}` ({lang})" for i, lang, placeholder in packs if not placeholder)
    holders = ", ".join(f"`{i}`" for i, _, placeholder in packs if placeholder)
    lines += [
        "",
        f"Shipped text packs with wording: {texts}.",
        "",
        f"Placeholder packs (texts loaded by the registry holder under licence): {holders}.",
        "",
    ]
    for instrument_id in ids:
        lines += render_instrument(get_instrument(instrument_id))
    return "\n".join(lines).rstrip() + "\n"
