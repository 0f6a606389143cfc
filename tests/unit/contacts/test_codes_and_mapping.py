"""Diagnosis codes (DOMAIN.md: upper case, no dot, by prefix) and the mapping file."""

from __future__ import annotations

import pytest

from painreg.contacts.codes import is_valid_code, matches, normalise_code, normalise_prefixes
from painreg.contacts.mapping import load_mapping, shipped_mapping
from painreg.errors import UserError


def test_it_compares_codes_without_the_dot_and_by_prefix():
    # DOMAIN.md: R52.2 matches R522, not R521.
    assert matches("R52.2", ("R522",))
    assert matches("r522", normalise_prefixes(["R52.2"]))
    assert not matches("R52.1", ("R522",))
    assert matches("M54.5;R52.2", ("R52",))


def test_it_accepts_ksh97p_codes_as_codes():
    assert is_valid_code(normalise_code("j45-p"))
    assert matches("J45-P", ("J45",))
    assert not matches("J45-P", ("J459",))  # the grouped code is less specific


def test_it_rejects_a_malformed_prefix():
    with pytest.raises(UserError, match="not an ICD-10"):
        normalise_prefixes(["52.2"])
    with pytest.raises(UserError, match="at least one"):
        normalise_prefixes([])


@pytest.mark.parametrize(
    ("label", "canonical"),
    [
        ("Läkare", "physician"),
        ("Fysioterapeut/sjukgymnast", "physiotherapist"),
        ("Arbetsterapeut", "occupational_therapist"),
        ("Sjuksköterska", "nurse"),
        ("Psykolog", "psychologist"),
        ("Undersköterska", "assistant_nurse"),
        ("Kurator", "counsellor"),
        ("Rehabkoordinator", "rehab_coordinator"),
        ("physician", "physician"),
    ],
)
def test_the_shipped_mapping_knows_the_professions_of_the_health_centre_report(label, canonical):
    assert shipped_mapping().value_map("profession")[label.casefold()] == canonical


def test_it_never_guesses_an_unknown_profession():
    assert "trollkarl" not in shipped_mapping().value_map("profession")


def test_a_user_mapping_is_laid_over_the_shipped_one(tmp_path):
    path = tmp_path / "m.yaml"
    path.write_text(
        "columns:\n  Pnr: patient_id\nvalues:\n  profession:\n    Naprapat: other\n",
        encoding="utf-8",
    )
    mapping = load_mapping(path)
    assert mapping.columns["pnr"] == "patient_id"
    assert mapping.value_map("profession")["naprapat"] == "other"
    assert mapping.value_map("profession")["läkare"] == "physician"


def test_a_mapping_to_an_unknown_profession_is_refused(tmp_path):
    path = tmp_path / "m.yaml"
    path.write_text("values:\n  profession:\n    Naprapat: chiropractor\n", encoding="utf-8")
    with pytest.raises(UserError, match="not one of"):
        load_mapping(path)
