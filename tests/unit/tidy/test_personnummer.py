"""Personnummer and samordningsnummer validation (registry.personnummer).

Valid numbers are Skatteverket's published test numbers (19121212-1212,
"Tolvan Tolvansson") and the samordningsnummer example of SKV 707
(701063-2391); the others are made invalid one rule at a time.
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from painreg.tidy.personnummer import (
    MESSAGES,
    PersonnummerError,
    is_valid,
    luhn_check_digit,
    parse,
)

TODAY = dt.date(2026, 11, 22)


@pytest.mark.parametrize(
    "text",
    ["19121212-1212", "191212121212", "121212+1212", " 19121212-1212 "],
)
def test_it_accepts_skatteverkets_test_number_in_every_form(text: str) -> None:
    number = parse(text, today=TODAY)
    assert number.digits == "191212121212"
    assert number.formatted == "19121212-1212"
    assert number.birth_date == dt.date(1912, 12, 12)
    assert number.sex == "M"  # 9th digit (1) is odd
    assert not number.is_coordination_number


def test_it_decides_the_century_of_a_ten_digit_number_by_the_separator() -> None:
    """`-` = younger than 100 on the reference date, `+` = 100 or older."""
    assert parse("121212-1212", today=TODAY).birth_date == dt.date(2012, 12, 12)
    assert parse("121212+1212", today=TODAY).birth_date == dt.date(1912, 12, 12)


def test_it_puts_a_birthday_later_this_year_in_the_previous_century() -> None:
    # 26-12-24 has not yet come on 2026-11-22: with "-" it is 1926 (99 years old).
    text = "261224-" + "000"
    text += str(luhn_check_digit("261224000"))
    assert parse(text, today=TODAY).birth_date == dt.date(1926, 12, 24)


def test_it_accepts_a_samordningsnummer_with_sixty_added_to_the_day() -> None:
    number = parse("701063-2391", today=TODAY)
    assert number.is_coordination_number
    assert number.birth_date == dt.date(1970, 10, 3)
    assert number.digits == "197010632391"
    assert number.sex == "M"


def test_it_derives_female_sex_from_an_even_ninth_digit() -> None:
    nine = "800101002"
    number = parse(f"{nine[:6]}-{nine[6:]}{luhn_check_digit(nine)}", today=TODAY)
    assert number.sex == "F"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("1912121212", "format"),  # ten digits without separator: century unknown
        ("19121212+1212", "format"),  # + only in the ten-digit form
        ("19121212 1212", "format"),
        ("abc", "format"),
        ("19121312-1212", "month"),
        ("19120012-1212", "month"),
        ("19120230-1212", "day"),
        ("19121200-1212", "day"),
        ("19121292-1212", "day"),  # samordningsnummer day 32
        ("19121240-1212", "day"),  # between 31 and 61
        ("19121212-1213", "checksum"),
        ("20301212-1212", "future"),
    ],
)
def test_it_names_each_kind_of_error(text: str, code: str) -> None:
    with pytest.raises(PersonnummerError) as exc:
        parse(text, today=TODAY)
    assert exc.value.code == code
    assert str(exc.value) == MESSAGES[code][0]
    assert exc.value.message("en") == MESSAGES[code][1]


def test_every_message_exists_in_swedish_and_english_and_differs() -> None:
    assert MESSAGES
    for sv, en in MESSAGES.values():
        assert sv and en and sv != en
    assert len({sv for sv, _ in MESSAGES.values()}) == len(MESSAGES)


def test_it_accepts_29_february_only_in_a_leap_year() -> None:
    nine = "000229123"
    assert is_valid(f"20000229-123{luhn_check_digit(nine)}", today=TODAY)
    nine = "010229123"
    with pytest.raises(PersonnummerError) as exc:
        parse(f"20010229-123{luhn_check_digit(nine)}", today=TODAY)
    assert exc.value.code == "day"


def test_the_luhn_digit_matches_the_published_examples() -> None:
    """Skatteverket SKV 704: 811218-987 gives check digit 6; 121212-121 gives 2."""
    assert luhn_check_digit("811218987") == 6
    assert luhn_check_digit("121212121") == 2


@given(
    born=st.dates(min_value=dt.date(1900, 1, 1), max_value=TODAY),
    serial=st.integers(min_value=0, max_value=999),
    coordination=st.booleans(),
)
def test_every_well_formed_number_parses_the_same_in_all_its_forms(
    born: dt.date, serial: int, coordination: bool
) -> None:
    """Property: 12-digit, 12-digit with dash and the 10-digit form with the right
    separator name the same person; changing the check digit is always caught."""
    day = born.day + (60 if coordination else 0)
    nine = f"{born:%y%m}{day:02d}{serial:03d}"
    check = luhn_check_digit(nine)
    twelve = f"{born:%Y%m}{day:02d}{serial:03d}{check}"
    aged_100 = (TODAY.year - born.year, TODAY.month, TODAY.day) >= (100, born.month, born.day)
    ten = f"{nine[:6]}{'+' if aged_100 else '-'}{nine[6:]}{check}"
    forms = [twelve, f"{twelve[:8]}-{twelve[8:]}", ten]
    parsed = {parse(f, today=TODAY) for f in forms}
    assert len(parsed) == 1
    number = parsed.pop()
    assert number.birth_date == born and number.is_coordination_number == coordination
    wrong = f"{twelve[:-1]}{(check + 1) % 10}"
    assert not is_valid(wrong, today=TODAY)
