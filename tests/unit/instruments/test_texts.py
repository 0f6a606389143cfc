"""Text packs: shipped wording, placeholders for licensed instruments, loading a holder's pack."""

from __future__ import annotations

from pathlib import Path

import pytest

from painreg.instruments import (
    InstrumentError,
    get_instrument,
    instrument_ids,
    item_text,
    option_labels,
)
from painreg.instruments.texts import (
    PLACEHOLDER_MARK,
    load_pack,
    placeholder_pack,
    shipped_packs,
    text_pack,
)


def test_it_ships_texts_only_where_domain_allows() -> None:
    packs = list(shipped_packs())
    assert packs
    for pack in packs:
        may_ship = get_instrument(pack.instrument).texts_may_ship
        assert pack.placeholder is not may_ship, pack.pack


def test_it_ships_rand_credit_line() -> None:
    pack = text_pack("rand36", "en")
    assert pack is not None
    assert "developed at RAND as part of the Medical Outcomes Study" in pack.credit


def test_every_own_question_has_swedish_and_english_text() -> None:
    for instrument_id in ("nprs", "background", "painsites", "activity", "global", "satisfaction"):
        items = get_instrument(instrument_id).items
        assert items, instrument_id
        for item in items:
            for lang in ("sv", "en"):
                assert PLACEHOLDER_MARK not in item_text(item.id, lang)


def test_it_marks_licensed_texts_as_placeholders() -> None:
    assert item_text("hads_1").startswith(PLACEHOLDER_MARK)
    assert all(label.startswith(PLACEHOLDER_MARK) for label in option_labels("hads_1").values())


def test_shipped_placeholder_packs_match_the_template() -> None:
    shipped = Path(__file__).parents[3] / "src/painreg/instruments/textpacks"
    licensed = [i for i in instrument_ids() if not get_instrument(i).texts_may_ship]
    assert "hads" in licensed  # a licensed questionnaire (DOMAIN.md): only placeholders ship
    for instrument_id in licensed:
        text = (shipped / f"{instrument_id}.sv.yaml").read_text(encoding="utf-8")
        assert text == placeholder_pack(instrument_id, "sv")


def _holder_pack(tmp_path: Path, **changes: object) -> Path:
    text = placeholder_pack("wai", "sv").replace(f"{PLACEHOLDER_MARK} ", "Licensierad ")
    text = text.replace("placeholder: true", "placeholder: false")
    for old, new in changes.items():
        text = text.replace(old, str(new))
    path = tmp_path / "wai-sv.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_it_loads_a_holder_pack_and_uses_it(tmp_path: Path) -> None:
    target = load_pack(_holder_pack(tmp_path))
    assert target.name == "wai.sv.yaml"
    assert item_text("wai_1") == "Licensierad wai_1"
    assert option_labels("wai_1")[10.0] == "Licensierad 10"


def test_it_refuses_a_pack_with_an_unknown_item(tmp_path: Path) -> None:
    path = _holder_pack(tmp_path, wai_1="wai_2")
    with pytest.raises(InstrumentError, match="wai_2 is not an item of wai"):
        load_pack(path)
    assert item_text("wai_1").startswith(PLACEHOLDER_MARK)  # nothing stored


def test_it_refuses_a_pack_still_marked_placeholder(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(placeholder_pack("hads", "sv"), encoding="utf-8")
    with pytest.raises(InstrumentError, match="placeholder: true"):
        load_pack(path)


def test_it_refuses_an_option_that_is_not_a_code(tmp_path: Path) -> None:
    path = _holder_pack(tmp_path, **{"  10: 'Licensierad 10'": "  11: 'Licensierad 11'"})
    with pytest.raises(InstrumentError, match="wai_1 option 11 is not a coded value"):
        load_pack(path)
