"""One person is one patient however the digits of the number were typed.

A personnummer in Arabic-Indic, full-width or Devanagari digits is the same
number as in ASCII digits (``tidy.personnummer.normalise``); every input
path (staff forms, import, FHIR, the patient's identity check, the command
line) reads it through that normalisation, and what cannot be read as a
number is refused with one clear message.
"""

from __future__ import annotations

import csv
import datetime as dt
import unicodedata
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from painreg.tidy import personnummer as pnr

PERSONNUMMER = "19121212-1212"
DIGITS = "191212121212"

#: The same number written in other scripts' decimal digits (Unicode category Nd).
_SCRIPTS = {
    "arabic-indic": "\u0660",  # ٠
    "extended arabic-indic": "\u06f0",  # ۰ (Persian, Urdu)
    "full-width": "\uff10",  # ０
    "devanagari": "\u0966",  # ०
    "mathematical bold": "\U0001d7ce",  # 𝟎 (NFKC folds it)
}


def _in_script(text: str, zero: str) -> str:
    """``text`` with its ASCII digits written from ``zero`` of another script."""
    return "".join(chr(ord(zero) + int(ch)) if ch.isdigit() else ch for ch in text)


@pytest.mark.parametrize("script", sorted(_SCRIPTS))
def test_a_number_in_another_scripts_digits_parses_to_the_same_ascii_digits(script: str) -> None:
    typed = _in_script(PERSONNUMMER, _SCRIPTS[script])
    assert not typed.isascii()
    number = pnr.parse(typed)
    assert number.digits == DIGITS
    assert number == pnr.parse(PERSONNUMMER)


def test_a_full_width_hyphen_is_read_as_the_separator() -> None:
    assert pnr.parse("19121212\uff0d1212").digits == DIGITS


def test_the_normalisation_maps_every_unicode_decimal_digit_to_ascii() -> None:
    zeros = [chr(c) for c in range(0x110000) if unicodedata.decimal(chr(c), None) == 0]
    assert len(zeros) > 50  # Unicode 15 has some 70 scripts with decimal digits
    for zero in zeros:
        assert pnr.normalise(_in_script("0123456789", zero)) == "0123456789", hex(ord(zero))


def test_letters_that_are_not_digits_are_refused_with_a_message_that_says_so() -> None:
    with pytest.raises(pnr.PersonnummerError) as caught:
        pnr.parse("19121212\u20131212")  # en dash, not a hyphen
    assert caught.value.code == "characters"
    assert "siffror" in caught.value.message("sv")
    assert "digits" in caught.value.message("en")


def test_an_interchange_id_in_other_digits_is_a_personnummer_not_a_pseudonym() -> None:
    typed = _in_script(DIGITS, _SCRIPTS["arabic-indic"])
    assert pnr.looks_like_personnummer(typed)
    assert pnr.patient_key(typed) == DIGITS
    assert pnr.patient_key("a3f9c0") == "a3f9c0"


def test_an_interchange_id_with_another_dash_is_refused_by_the_validator_not_made_a_pseudonym(
    tmp_path: Path,
) -> None:
    from painreg.tidy.validation import Known, validate_directory

    (tmp_path / "patients.csv").write_text(
        "patient_id,sex,birth_year\n19121212\u20131212,M,1912\n", encoding="utf-8"
    )
    report = validate_directory(tmp_path, Known())
    assert [(p.column, p.reason) for p in report.problems] == [
        (
            "patient_id",
            "looks like a personnummer but is not valid: " + pnr.MESSAGES["characters"][1],
        )
    ]


# --- every input path, against the database -----------------------------------


@pytest.fixture
def world(sec2_world: SimpleNamespace) -> SimpleNamespace:
    return sec2_world


@pytest.mark.django_db
def test_a_registration_typed_in_arabic_indic_digits_goes_to_the_existing_patient(
    world: SimpleNamespace,
) -> None:
    from painreg.registry import actions
    from painreg.registry.models import Patient

    today = dt.date.today()
    actions.create_registration(
        user=world.alice,
        unit=world.unit,
        personnummer=_in_script(PERSONNUMMER, _SCRIPTS["arabic-indic"]),
        category="assessment",
        first_visit_date=today,
        main_diagnosis="M79.7",
    )
    assert list(Patient.objects.values_list("personnummer", flat=True)) == [DIGITS]


@pytest.mark.django_db
def test_the_unit_search_finds_the_patient_by_full_width_digits(world: SimpleNamespace) -> None:
    from painreg.registry import access

    found = access.find_patient_in_unit(
        world.alice, world.unit, _in_script(PERSONNUMMER, _SCRIPTS["full-width"])
    )
    assert found == world.registration.patient


@pytest.mark.django_db
def test_an_import_of_the_same_id_in_arabic_indic_digits_adds_no_pseudonymous_patient(
    world: SimpleNamespace, tmp_path: Path
) -> None:
    from painreg.interop.export import export_register
    from painreg.interop.load import import_register
    from painreg.registry.models import Patient

    export_register(tmp_path, username="test")
    for name in ("patients.csv", "registrations.csv"):
        path = tmp_path / name
        with path.open(newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
        for row in rows:
            row["patient_id"] = _in_script(row["patient_id"], _SCRIPTS["arabic-indic"])
        with path.open("w", newline="", encoding="utf-8") as f:
            writer = csv.DictWriter(f, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
    import_register(tmp_path, username="test")
    assert list(Patient.objects.values_list("personnummer", "external_id")) == [(DIGITS, None)]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("answer", "status"),
    [
        # The date of birth in Arabic-Indic digits: the right answer.
        (_in_script("1912-12-12", _SCRIPTS["arabic-indic"]), 302),
        # Kharosthi digits are digits (str.isdigit) but not decimal digits: four of
        # them look like the last four digits of the number to a naive check.
        ("\U00010a40\U00010a41\U00010a42\U00010a43", 400),
    ],
    ids=["arabic-indic date of birth", "kharosthi digits"],
)
def test_the_identity_check_reads_other_digits_and_never_fails_on_them(
    world: SimpleNamespace, client: Any, answer: str, status: int
) -> None:
    from painreg.eprom import actions

    occasion = world.registration.occasions.get(kind="end")
    _invitation, token = actions.create_invitation(
        user=world.alice, occasion=occasion, email="patient@example.org"
    )
    response = client.post(f"/enkat/{token}/", {"identity": answer})
    assert response.status_code == status
    if status == 302:
        assert f"/enkat/{token}/sida/" in response["Location"]


@pytest.mark.django_db
def test_the_fhir_import_matches_the_subject_given_in_devanagari_digits(
    world: SimpleNamespace,
) -> None:
    from painreg.interop import fhir

    bundle = fhir.export_responses(world.registration.occasions.all())
    resources = [entry["resource"] for entry in bundle["entry"]]
    for resource in resources:
        identifier = resource["subject"]["identifier"]
        identifier["value"] = _in_script(identifier["value"], _SCRIPTS["devanagari"])
    assert fhir.import_responses(resources)


@pytest.mark.django_db
def test_the_access_extract_command_takes_the_number_in_arabic_indic_digits(
    world: SimpleNamespace, capsys: pytest.CaptureFixture[str]
) -> None:
    from painreg import cli

    typed = _in_script(PERSONNUMMER, _SCRIPTS["arabic-indic"])
    assert cli.main(["access-extract", typed, "--format", "csv"]) == 0
    assert capsys.readouterr().out.startswith("time,user,unit,kind,action,detail")
