"""Shared rendering pieces: proportions and count tables under the publishing rules."""

from __future__ import annotations

import pytest

from painreg.reports import render


def test_a_proportion_below_5_is_not_shown():
    s = render.share(2, 4)
    assert not s.shown and s.text() == render.NOT_SHOWN and s.interval_text() == ""


def test_a_proportion_with_5_to_9_is_greyed_and_carries_its_wilson_interval():
    s = render.share(3, 7)
    assert s.status == "grey"
    assert s.text() == "43\xa0%"
    # Wilson 95% for 3/7 by the score formula (checked against Newcombe 1998 in analytics)
    assert (s.low, s.high) == pytest.approx((0.1582, 0.7495), abs=5e-4)


def test_a_proportion_of_10_or_more_is_shown_plainly_with_swedish_format():
    s = render.share(81, 263)
    assert s.status == "ok"
    assert s.text(1) == "30,8\xa0%"
    assert s.interval_text() == "26 till 37\xa0%"  # one interval format everywhere


def test_a_count_table_hides_small_counts_and_a_second_cell():
    table = render.suppressed_table(["A", "B"], ["x1", "x2", "x3"], [[3, 12, 20], [9, 7, 6]])
    assert table["columns"] == ["", "x1", "x2", "x3", "Totalt"]
    assert [cell.text for cell in table["rows"][0][:3]] == ["A", "<5", "x"]
    assert table["rows"][-1][0].text == "Totalt"
    # A shown count keeps its number (Excel writes it as a number), a hidden one has none.
    assert table["rows"][0][3].value == 20 and table["rows"][0][1].value is None


def test_a_funnel_chart_renders_to_svg_with_swedish_labels():
    points = [{"label": "A", "n": 30, "share": 0.5}, {"label": "B", "n": 80, "share": 0.7}]
    svg = render.chart_svg(render.funnel_chart(points, 0.6, "Andel förbättrade", highlight="A"))
    assert svg.startswith("<svg") and "Antal patienter" in svg
