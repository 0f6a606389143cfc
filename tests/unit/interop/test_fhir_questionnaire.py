"""FHIR Questionnaires of every instrument validate and carry the catalogue's item ids."""

from __future__ import annotations

import json

import pytest

from painreg import instruments
from painreg.cli import main
from painreg.interop import fhir


@pytest.mark.parametrize("instrument_id", instruments.instrument_ids())
def test_every_instrument_gives_a_valid_r4_questionnaire(instrument_id):
    from fhir.resources.R4B.questionnaire import Questionnaire

    resource = fhir.questionnaire(instrument_id)
    parsed = Questionnaire.model_validate(resource)
    definition = instruments.get_instrument(instrument_id)
    assert [item.linkId for item in parsed.item] == list(definition.item_ids)
    assert parsed.url == f"urn:painreg:questionnaire:{instrument_id}"


def test_coded_items_list_the_catalogue_codes_and_numeric_items_their_range():
    hads = fhir.questionnaire("hads")
    codes = [o["valueCoding"]["code"] for o in hads["item"][0]["answerOption"]]
    assert codes == ["0", "1", "2", "3"]
    vas = next(i for i in fhir.questionnaire("eq5d5l")["item"] if i["linkId"] == "eq5d5l_vas")
    assert vas["type"] == "integer"
    assert [e["valueInteger"] for e in vas["extension"]] == [0, 100]


def test_licensed_texts_stay_marked_placeholders_and_free_texts_ship():
    assert fhir.questionnaire("hads")["item"][0]["text"].startswith("[TEXT NOT LICENSED]")
    assert not fhir.questionnaire("nprs", "en")["item"][0]["text"].startswith("[TEXT")


def test_the_command_writes_the_questionnaire_to_a_file(tmp_path):
    out = tmp_path / "hads.json"
    assert main(["fhir", "questionnaire", "hads", "--output", str(out)]) == 0
    assert json.loads(out.read_text())["resourceType"] == "Questionnaire"


def test_the_command_refuses_an_unknown_instrument_in_one_line(capsys):
    assert main(["fhir", "questionnaire", "nosuch"]) == 2
    err = capsys.readouterr().err
    assert "unknown instrument 'nosuch'" in err and "Traceback" not in err
