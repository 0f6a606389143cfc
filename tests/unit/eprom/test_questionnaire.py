"""The questionnaire's pages and answer checks (pure Python over the catalogue)."""

from __future__ import annotations

import pytest

from painreg import instruments
from painreg.eprom import questionnaire, tokens, uitext


def test_every_configured_form_names_known_instruments_in_order():
    for level in questionnaire.CARE_LEVELS:
        for kind in questionnaire.OCCASION_KINDS:
            ids = questionnaire.form_instruments(level, kind)
            assert ids and all(i in instruments.instrument_ids() for i in ids)
    assert questionnaire.form_instruments("primary", "initial")[0] == "background"


def test_long_instruments_are_split_into_short_pages_and_short_ones_are_not():
    pages = questionnaire.pages(["hads", "nprs", "rand36"], size=7)
    hads = [p for p in pages if p.instrument == "hads"]
    assert [len(p.items) for p in hads] == [7, 7] and hads[1].part == 2 and hads[1].parts == 2
    assert [p.number for p in pages] == list(range(1, len(pages) + 1))
    rand36 = [p for p in pages if p.instrument == "rand36"]
    assert sum(len(p.items) for p in rand36) == 36 and max(len(p.items) for p in rand36) <= 7


def test_required_items_must_be_answered_only_when_moving_forward():
    _, errors = questionnaire.check_answers(["hads_1", "hads_2"], {"hads_1": "1"})
    assert [(e.item, e.code) for e in errors] == [("hads_2", "required")]
    _, errors = questionnaire.check_answers(["hads_1", "hads_2"], {"hads_1": "1"}, require=False)
    assert errors == []


def test_optional_items_may_be_skipped():
    clean, errors = questionnaire.check_answers(["global_painhandling_1"], {})
    assert errors == [] and clean == {"global_painhandling_1": None}


def test_values_outside_the_catalogue_are_errors_with_a_message_in_both_languages():
    _, errors = questionnaire.check_answers(
        ["hads_1", "eq5d5l_vas"], {"hads_1": "7", "eq5d5l_vas": "101"}
    )
    assert [e.item for e in errors] == ["hads_1", "eq5d5l_vas"]
    assert errors[1].message("sv") == "Skriv ett heltal från 0 till 100."
    assert errors[1].message("en") == "Enter a whole number from 0 to 100."


def test_a_decimal_comma_is_accepted_where_fractions_are_allowed():
    clean, errors = questionnaire.check_answers(["background_1"], {"background_1": "2,5"})
    assert errors == [] and clean["background_1"] == 2.5


def test_missing_required_names_the_pages_to_go_back_to():
    ids = ["nprs", "hads"]
    answers = {f"hads_{i}": 1 for i in range(1, 15)}
    assert [p.number for p in questionnaire.missing_required(ids, answers)] == [1]


@pytest.mark.parametrize("language", ["sv", "en"])
def test_ui_packs_have_every_text(language):
    pack = uitext.get(language)
    assert set(pack.texts) == set(uitext.get("sv").texts) and pack.direction == "ltr"


def test_tokens_are_256_bit_and_only_their_hash_is_a_lookup_key(settings):
    nonce = tokens.new_nonce()
    token = tokens.token_for(nonce)
    assert len(token) == 43 and tokens.token_for(nonce) == token
    assert tokens.hash_token(token) != token and len(tokens.hash_token(token)) == 64
    settings.SECRET_KEY = "another-key"
    assert tokens.token_for(nonce) != token  # the secret is needed to rebuild a link
