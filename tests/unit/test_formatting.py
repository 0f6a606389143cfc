"""Swedish number formatting (Språkrådet, Svenska skrivregler: decimal comma, space groups)."""

from __future__ import annotations

from painreg.reports.publishing import NBSP, format_number, format_percent, round_half_up


def test_it_uses_decimal_comma_and_space_groups() -> None:
    assert format_number(15_200_000) == f"15{NBSP}200{NBSP}000"
    assert format_number(3.14159, 2) == "3,14"


def test_it_rounds_half_up_as_registers_do() -> None:
    assert round_half_up(10.5) == 11
    assert round_half_up(2.675, 2) == 2.68
    assert format_number(0.25, 1) == "0,3"


def test_it_formats_percentages_with_a_space_before_the_sign() -> None:
    assert format_percent(0.881) == f"88{NBSP}%"
    assert format_percent(0.125, 1, lang="en") == "12.5%"


def test_negative_zero_has_no_sign() -> None:
    assert format_number(-0.04, 1) == "0,0"


def test_it_accepts_numpy_numbers() -> None:
    import numpy as np

    assert format_number(np.float64(1234.5), 1) == f"1{NBSP}234,5"
    assert format_number(np.int64(7)) == "7"
