"""The code lists: one declaration, and every interchange enum is one of them."""

from __future__ import annotations

import pytest

from painreg.tidy import schema, vocabulary

#: Interchange column -> the code list its codes come from.
ENUM_LISTS = {
    ("units", "region_code"): vocabulary.REGIONS,
    ("units", "care_level"): vocabulary.CARE_LEVELS,
    ("patients", "sex"): vocabulary.SEXES,
    ("registrations", "category"): vocabulary.REGISTRATION_CATEGORIES,
    ("registrations", "discontinuation_reason"): vocabulary.DISCONTINUATION_REASONS,
    ("registrations", "education"): vocabulary.EDUCATION,
    ("registrations", "work_measures"): vocabulary.WORK_MEASURES,
    ("registrations", "programme"): vocabulary.PROGRAMMES,
    ("answers", "occasion"): vocabulary.OCCASIONS,
    ("answers", "source"): vocabulary.ANSWER_SOURCES,
    ("scores", "occasion"): vocabulary.OCCASIONS,
    ("sick_leave", "benefit"): vocabulary.SICK_LEAVE_BENEFITS,
}


def test_every_coded_interchange_column_takes_its_codes_from_the_vocabulary() -> None:
    coded = {
        (table.name, column.name): column.choices
        for table in schema.TABLES.values()
        for column in table.columns
        if column.choices is not None
    }
    assert set(coded) == set(ENUM_LISTS)
    for key, choices in coded.items():
        assert choices == ENUM_LISTS[key].values, key


def test_the_21_regions_are_the_scb_county_codes_in_use() -> None:
    """SCB, Sveriges regionala indelningar: länskoder 01, 03-10, 12-14, 17-25
    (02, 11, 15 and 16 were merged away)."""
    assert vocabulary.REGION_CODES == (
        "01", "03", "04", "05", "06", "07", "08", "09", "10", "12", "13",
        "14", "17", "18", "19", "20", "21", "22", "23", "24", "25",
    )  # fmt: skip
    assert vocabulary.REGIONS["14"].label() == "Västra Götalandsregionen"
    assert vocabulary.REGIONS["04"].heading() == "Södermanland"


def test_every_region_belongs_to_its_healthcare_region() -> None:
    """Förordning (2023:1203) om sjukvårdsregioner: the six groups of regions."""
    groups: dict[str, list[str]] = {}
    for code, group in vocabulary.HEALTHCARE_REGION_OF.items():
        groups.setdefault(group, []).append(code)
    assert groups == {
        "stockholm_gotland": ["01", "09"],
        "mellansverige": ["03", "04", "17", "18", "19", "20", "21"],
        "sydostra": ["05", "06", "08"],
        "sodra": ["07", "10", "12", "13"],
        "vastra": ["14"],
        "norra": ["22", "23", "24", "25"],
    }
    assert set(groups) == set(vocabulary.HEALTHCARE_REGIONS.values)


def test_a_heading_is_the_capitalised_label_unless_the_table_shortens_it() -> None:
    education = vocabulary.EDUCATION
    assert education["compulsory"].heading() == "Grundskola"
    assert education["university"].label() == "universitet eller högskola"
    assert education["university"].heading() == "Universitet/högskola"
    assert vocabulary.PROGRAMMES["cbt"].heading() == "KBT"
    assert vocabulary.PROGRAMMES["digital"].heading("en") == "Digital"
    assert vocabulary.SEXES.headings() == {"F": "Kvinnor", "M": "Män"}


def test_a_label_is_english_for_any_english_language_code_and_swedish_otherwise() -> None:
    reason = vocabulary.DISCONTINUATION_REASONS["other_medical"]
    assert reason.label("en-gb") == "other medical contact"
    assert reason.label("sv") == reason.label("nb") == "annan medicinsk kontakt"


def test_a_code_list_refuses_a_value_given_twice() -> None:
    with pytest.raises(ValueError, match="repeats"):
        vocabulary.CodeList("x", (vocabulary.Code("a", "a", "a"), vocabulary.Code("a", "b", "b")))


def test_every_code_has_a_swedish_and_an_english_label() -> None:
    for codes in vocabulary.CODE_LISTS.values():
        for code in codes:
            for language in vocabulary.LANGUAGES:
                assert code.label(language).strip(), (codes.name, code.value, language)
