"""The sick-leave section of the annual and the unit report: the hand-computed figures of
``tests/unit/analytics/sick_leave_fixture`` (each registration six times, so they may be
shown), Swedish number formats and the publishing rules."""

from __future__ import annotations

import pytest

from painreg.analytics.compute import compute_indicators
from painreg.analytics.load import register_from_arrow
from painreg.reports.annual.sick_leave import sick_leave_section
from tests.unit.analytics import sick_leave_fixture as fx

COPIES = 6


@pytest.fixture(scope="module")
def register():  # type: ignore[no-untyped-def]
    return register_from_arrow(fx.copies(COPIES))


def _texts(table) -> list[list[str]]:  # type: ignore[no-untyped-def]
    return [[c.text for c in row] for row in table.rows]


def test_the_national_section(register) -> None:  # type: ignore[no-untyped-def]
    data = compute_indicators(register, 2020)["care_levels"]["specialist"]
    names = {"S1": "Smärtenhet 1", "S2": "Smärtenhet 2"}
    section = sick_leave_section(register, "specialist", 2020, data, names, None)
    assert section is not None
    text = " ".join(section.paragraphs)
    assert "täcker 2019-01-01 till 2022-06-30" in text
    assert "sjuklöneperiod" in text
    # none_after: 6 of 12 (r2's copies of r1's and r2's)
    assert "av 12 med sjukfrånvaro året före" in text and "hade 6 (50\u00a0%" in text
    tables = {t.title: t for t in section.tables}
    assert _texts(tables["Nationellt MMRsv 2020: alla förmåner"]) == [
        ["Året före första besöket", "12", "25,0", "25,0", "100\u00a0%"],
        ["Första året efter avslut", "18", "14,2", "12,5", "67\u00a0%"],
        ["Andra året efter avslut", "6", "2,5", "2,5", "100\u00a0%"],
    ]
    # benefit split (r1: 48.5 / 5 / 0 and 0 / 7.5 / 2.5; r2 1.5 / 0; r3 - / 30)
    assert _texts(tables["Nationellt 2020: Sjuk- och aktivitetsersättning"])[1] == [
        "Första året efter avslut", "18", "2,5", "0,0", "33\u00a0%"
    ]  # fmt: skip
    per_unit = _texts(tables["Per enhet: alla förmåner"])
    # S2: nothing observable before (shown as 0, the rest not shown)
    assert per_unit == [
        ["Smärtenhet 1", "12", "25,0", "6,3", "50\u00a0%"],
        ["Smärtenhet 2", "0", "–", "30,0", "–"],
    ]
    # regions: Stockholm (01) holds S1, Västra Götaland (14) S2
    assert _texts(tables["Per region: alla förmåner"]) == [
        ["Stockholm", "12", "25,0", "6,3", "50\u00a0%"],
        ["Västra Götaland", "0", "–", "30,0", "–"],
    ]
    assert section.charts  # the series over the observable years


def test_the_unit_section_and_small_numbers(register) -> None:  # type: ignore[no-untyped-def]
    data = compute_indicators(register, 2020)["care_levels"]["primary"]
    section = sick_leave_section(register, "primary", 2020, data, {"P1": "VC 1"}, "P1")
    tables = {t.title: t for t in section.tables}
    # P1: six registrations, none on sick leave (a mean of 0 is shown)
    assert _texts(tables["VC 1 2020: alla förmåner"])[0] == [
        "Året före första besöket", "6", "0,0", "0,0", "0\u00a0%"
    ]  # fmt: skip
    assert "Per enhet: alla förmåner" not in tables


def test_without_an_extract_there_is_no_section() -> None:
    tables = fx.copies(COPIES)
    del tables["sick_leave"], tables["sick_leave_coverage"]
    register = register_from_arrow(tables)
    data = compute_indicators(register, 2020)["care_levels"]["specialist"]
    assert sick_leave_section(register, "specialist", 2020, data, {}, None) is None


def test_counts_under_five_are_marked(tmp_path) -> None:  # type: ignore[no-untyped-def]
    register = register_from_arrow(fx.tables())
    data = compute_indicators(register, 2020)["care_levels"]["specialist"]
    section = sick_leave_section(register, "specialist", 2020, data, {}, None)
    first = _texts(section.tables[0])
    assert first[0] == ["Året före första besöket", "<5", "–", "–", "–"]
