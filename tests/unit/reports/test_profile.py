"""Response profile: measures, bands from the definitions, reference quartiles, charts."""

from __future__ import annotations

from painreg.reports import profile


def test_hads_bands_come_from_the_definition():
    """DOMAIN.md (change categories): HADS 0-7, 8-10, 11-21."""
    measures = profile.measures_of([("initial", "hads", "anxiety", 9.0)])
    (hads,) = measures
    assert [(b.low, b.high) for b in hads.bands] == [(0, 7), (8, 10), (11, 21)]
    assert profile.table_rows(hads)[0]["band"] == "borderline"


def test_reference_quartiles_match_r_type_7():
    """R: quantile(1:10) gives 25% 3.25, 50% 5.5, 75% 7.75 (type 7, R's default)."""
    ref = profile.reference([float(v) for v in range(1, 11)])
    assert (ref.q1, ref.median, ref.q3, ref.n) == (3.25, 5.5, 7.75, 10)


def test_no_reference_below_five_patients():
    assert profile.reference([1.0, 2.0, 3.0, 4.0]) is None


def test_numbers_use_the_decimal_comma():
    (hads,) = profile.measures_of([("initial", "hads", "anxiety", 9.0)])
    hads.references["initial"] = profile.Reference(12, 6.25, 8.5, 11.75)
    row = profile.table_rows(hads)[0]
    assert row["median"] == "8,5" and row["iqr"] == "6,3–11,8"


def test_the_chart_is_svg_rendered_without_a_browser():
    (hads,) = profile.measures_of(
        [("initial", "hads", "anxiety", 12.0), ("end", "hads", "anxiety", 6.0)]
    )
    hads.references["initial"] = profile.Reference(30, 6.0, 9.0, 12.0)
    svg = profile.chart_svg(hads)
    assert svg.startswith("<svg") and "HADS anxiety" in svg


def test_category_and_text_scores_are_not_charted():
    measures = profile.measures_of([("initial", "hads", "anxiety_category", 1.0)])
    assert measures == []
