"""EQ-5D index values against published value-set tables and peer-package test vectors."""

from __future__ import annotations

import csv

import pytest

from painreg.instruments import InstrumentError, score

from .conftest import DATA

DIMS = ("mo", "sc", "ua", "pd", "ad")


def _answers(version: str, state: str) -> dict[str, int]:
    return {f"{version}_{dim}": int(level) for dim, level in zip(DIMS, state, strict=True)}


def _index(version: str, state: str, value_set: str) -> float:
    return score(version, _answers(version, state), value_set=value_set)["index"]


def _table(name: str) -> list[tuple[str, float]]:
    with (DATA / name).open(encoding="utf-8") as handle:
        return [(row["state"], float(row["value"])) for row in csv.DictReader(handle)]


def test_it_gives_every_swedish_3l_state_the_published_value() -> None:
    """Source: EuroQol eq5dsuite value table EQ-5D-3L/SE.csv (Burström 2014), all 243 states.

    eq5dsuite sets 11111 to 1 by convention; DOMAIN.md keeps the model's 0.9694,
    so 11111 is checked separately below.
    """
    table = _table("eq5dsuite_3l_SE.csv")
    assert len(table) == 243
    for state, expected in table:
        if state == "11111":
            continue
        assert _index("eq5d3l", state, "se-3l-2014") == pytest.approx(expected, abs=1e-6), state


def test_it_values_full_health_in_the_swedish_3l_set_at_0_9694() -> None:
    """Source: DOMAIN.md and Burström 2014 (the model constant; R package eq5d TTO.csv)."""
    assert _index("eq5d3l", "11111", "se-3l-2014") == pytest.approx(0.9694, abs=1e-12)


def test_it_uses_the_swedish_3l_set_by_default() -> None:
    """Source: DOMAIN.md (se-3l-2014 is the default for 3L)."""
    answers = _answers("eq5d3l", "12321")
    assert score("eq5d3l", answers)["index"] == _index("eq5d3l", "12321", "se-3l-2014")


def test_it_gives_every_uk_3l_state_the_published_value() -> None:
    """Source: EuroQol eq5dsuite value table EQ-5D-3L/UK.csv (Dolan 1997), all 243 states."""
    table = _table("eq5dsuite_3l_UK.csv")
    assert len(table) == 243
    for state, expected in table:
        assert _index("eq5d3l", state, "uk-3l-1997") == pytest.approx(expected, abs=1e-6), state


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        # EuroQol eq5dsuite EQ-5D-5L/SE_2020.csv (values rounded to 3 decimals there)
        ("11111", 0.976),
        ("11115", 0.739),
        ("12345", 0.497),
        ("15555", 0.296),
        ("53154", 0.442),
        ("53555", 0.244),
        ("54321", 0.713),
        ("55555", 0.243),
        # R package eq5d tests/testthat/test-eq5d5l.R, "Sweden"
        ("22335", 0.528),
        ("34543", 0.503),
    ],
)
def test_it_matches_the_swedish_2020_5l_value_set(state: str, expected: float) -> None:
    """Sources: eq5dsuite EQ-5D-5L/SE_2020.csv; R package eq5d test-eq5d5l.R (Burström 2020)."""
    assert _index("eq5d5l", state, "se-5l-2020") == pytest.approx(expected, abs=0.0005 + 1e-9)


def test_it_keeps_the_swedish_2020_model_unrounded() -> None:
    """Source: Burström 2020 model (eq5d VT.csv): 11111 = 0.9755, 11115 = 0.9755-0.2339-0.0023."""
    assert _index("eq5d5l", "11111", "se-5l-2020") == pytest.approx(0.9755, abs=1e-12)
    assert _index("eq5d5l", "11115", "se-5l-2020") == pytest.approx(0.7393, abs=1e-12)


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        ("51143", 0.427),
        ("51355", -0.016),
        ("52454", -0.001),
        ("53333", 0.595),
        ("54555", -0.268),
        ("55111", 0.709),
        ("55555", -0.314),
    ],
)
def test_it_matches_the_swedish_2022_5l_value_set(state: str, expected: float) -> None:
    """Source: EuroQol eq5dsuite EQ-5D-5L/SE_2022.csv (Sun et al. 2022)."""
    assert _index("eq5d5l", state, "se-5l-2022") == pytest.approx(expected, abs=0.0005 + 1e-9)


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        ("23245", 0.247),
        ("11111", 1.0),
        ("11112", 0.922),
        ("11121", 0.937),
        ("11211", 0.950),
        ("12111", 0.950),
        ("21111", 0.942),
        ("55555", -0.285),
    ],
)
def test_it_matches_the_england_5l_value_set(state: str, expected: float) -> None:
    """Source: R package eq5d tests/testthat/test-eq5d5l.R, "England" (Devlin et al. 2018)."""
    assert _index("eq5d5l", state, "en-5l-2018") == pytest.approx(expected, abs=0.0005 + 1e-9)


def test_it_uses_the_swedish_2020_set_by_default_for_5l() -> None:
    """Source: DOMAIN.md (se-5l-2020 is the default for 5L)."""
    answers = _answers("eq5d5l", "34543")
    assert score("eq5d5l", answers)["index"] == _index("eq5d5l", "34543", "se-5l-2020")


def test_it_gives_no_index_when_a_dimension_is_missing() -> None:
    """Source: DOMAIN.md (any dimension missing: no index)."""
    answers = _answers("eq5d5l", "12345")
    answers["eq5d5l_pd"] = None  # type: ignore[assignment]
    answers["eq5d5l_vas"] = 55
    assert score("eq5d5l", answers) == {"index": None, "vas": 55.0}


def test_it_rejects_an_unknown_value_set() -> None:
    with pytest.raises(InstrumentError, match="unknown value set 'dk-5l'"):
        score("eq5d5l", _answers("eq5d5l", "11111"), value_set="dk-5l")


def test_it_rejects_a_5l_level_on_the_3l() -> None:
    with pytest.raises(InstrumentError, match="eq5d3l_mo: 4 is outside 1-3"):
        score("eq5d3l", _answers("eq5d3l", "41111"))


def test_it_rejects_a_vas_above_100() -> None:
    with pytest.raises(InstrumentError, match="eq5d5l_vas: 101 is outside 0-100"):
        score("eq5d5l", {"eq5d5l_vas": 101})
