"""The catalogue: every definition loads, looks alike and names the ids others code against."""

from __future__ import annotations

import re
from importlib import resources

import pytest
import yaml

from painreg.instruments import (
    InstrumentError,
    find_item,
    get_instrument,
    instrument_ids,
    validate_value,
)
from painreg.instruments.model import DEFINITION_KEYS

#: Fixed score columns (docs/instruments.md, the scores of each instrument).
FIXED_SCORES = {
    "hads": ("anxiety", "depression", "anxiety_category", "depression_category"),
    "pcs": ("total", "rumination", "magnification", "helplessness"),
    "eq5d3l": ("index", "vas"),
    "eq5d5l": ("index", "vas"),
    "rand36": (
        "physical_functioning",
        "role_physical",
        "role_emotional",
        "energy_fatigue",
        "emotional_wellbeing",
        "social_functioning",
        "pain",
        "general_health",
    ),
    "sf36": ("pf", "rp", "bp", "gh", "vt", "sf", "re", "mh", "pcs", "mcs"),
    "tsk": ("total", "high"),
    "isi": ("total", "band"),
    "cpaq": ("activity_engagement", "pain_willingness", "total"),
    "cpaq8": ("activity_engagement", "pain_willingness", "total"),
    "wai": ("score", "category"),
}

EXPECTED_INSTRUMENTS = {
    "nprs", "painsites", "background", "hads", "pcs", "eq5d3l", "eq5d5l", "rand36", "sf36",
    "mpi", "wai", "lisat11", "cpaq", "cpaq8", "tsk", "isi", "activity", "global", "satisfaction",
}  # fmt: skip


def test_it_defines_every_instrument_of_the_register() -> None:
    assert set(instrument_ids()) == EXPECTED_INSTRUMENTS


@pytest.mark.parametrize(("instrument_id", "names"), sorted(FIXED_SCORES.items()))
def test_it_uses_the_fixed_score_names(instrument_id: str, names: tuple[str, ...]) -> None:
    assert get_instrument(instrument_id).score_names == names


def test_every_definition_file_has_the_same_shape() -> None:
    """The ibis habit: one shape repeated (same top-level keys, in the same order)."""
    folder = resources.files("painreg.instruments") / "definitions"
    orders = set()
    for entry in folder.iterdir():
        if entry.name.endswith(".yaml"):
            data = yaml.safe_load(entry.read_text(encoding="utf-8"))
            assert set(data) == DEFINITION_KEYS, entry.name
            orders.add(tuple(data))
    assert len(orders) == 1


@pytest.mark.parametrize("instrument_id", sorted(EXPECTED_INSTRUMENTS))
def test_item_ids_follow_the_catalogue_convention(instrument_id: str) -> None:
    instrument = get_instrument(instrument_id)
    assert instrument.items
    for item in instrument.items:
        if instrument_id.startswith("eq5d"):
            assert re.fullmatch(rf"{instrument_id}_(mo|sc|ua|pd|ad|vas)", item.id)
        elif instrument_id == "global":
            assert item.id in {"global_life_1", "global_pain_1", "global_painhandling_1"}
        else:
            assert re.fullmatch(rf"{instrument_id}_\d+", item.id)
        assert find_item(item.id) == item


def test_it_finds_items_and_refuses_unknown_ones() -> None:
    assert find_item("hads_3").values == (0.0, 1.0, 2.0, 3.0)
    assert find_item("eq5d5l_vas").values is None
    assert find_item("tsk_4").reversed is True
    with pytest.raises(InstrumentError, match="hads_99: unknown item id"):
        find_item("hads_99")
    with pytest.raises(InstrumentError, match="unknown instrument 'sf12'"):
        get_instrument("sf12")
    with pytest.raises(InstrumentError, match="no version 9"):
        get_instrument("hads", 9)


@pytest.mark.parametrize(
    ("item_id", "value", "expected"),
    [("hads_3", 2, 2.0), ("hads_3", "3", 3.0), ("hads_3", None, None), ("hads_3", "", None),
     ("eq5d5l_vas", 73, 73.0), ("background_1", 0.5, 0.5)],
)  # fmt: skip
def test_it_validates_a_value(item_id: str, value: object, expected: float | None) -> None:
    assert validate_value(item_id, value) == expected


@pytest.mark.parametrize(
    ("item_id", "value", "message"),
    [
        ("hads_3", 4, "hads_3: 4 is outside 0-3"),
        ("hads_3", -1, "hads_3: -1 is outside 0-3"),
        ("hads_3", 1.5, r"hads_3: 1.5 is not an allowed value \(0-3\)"),
        ("hads_3", "many", "hads_3: 'many' is not a number"),
        ("eq5d5l_vas", 50.5, r"eq5d5l_vas: 50.5 is not an allowed value \(0-100\)"),
        ("background_4", 10, r"background_4: 10 is not an allowed value \(0, 25, 50, 75, 100\)"),
        ("wai_1", True, "wai_1: True is not a number"),
    ],
)
def test_it_names_the_item_of_an_invalid_value(item_id: str, value: object, message: str) -> None:
    with pytest.raises(InstrumentError, match=f"^{message}$"):
        validate_value(item_id, value)


def test_definitions_keep_their_thresholds_in_data() -> None:
    """DOMAIN.md: thresholds live in the instrument definitions, not in code."""
    hads = get_instrument("hads")
    bands = hads.score_def("anxiety_category").params["bands"]
    assert [b["max"] for b in bands] == [7, 10, 21]
    assert get_instrument("pcs").change["total"]["min_change"] == 15.1
    assert get_instrument("tsk").score_def("high").params["above"] == 37


def test_every_licensed_instrument_says_its_texts_do_not_ship() -> None:
    """DOMAIN.md: texts ship only for RAND-36, the pain scale and the register's own questions."""
    shipping = {i for i in instrument_ids() if get_instrument(i).texts_may_ship}
    assert shipping == {
        "rand36",
        "nprs",
        "background",
        "painsites",
        "activity",
        "global",
        "satisfaction",
    }


def test_the_docstring_examples_run() -> None:
    """The ibis habit: docstrings with runnable examples."""
    import doctest

    import painreg.instruments as package
    from painreg.instruments import change, engine, texts

    for module in (package, change, engine, texts):
        result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
        assert result.failed == 0, module.__name__
