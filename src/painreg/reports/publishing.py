"""Numbers and dates as Swedish readers expect them (the one place for it).

Swedish conventions (Språkrådet, *Svenska skrivregler*): decimal comma, a
space (here U+00A0, no-break, so a number never wraps) between groups of
three digits in numbers of five digits or more and, as Swedish statistics
publications do, also in four-digit numbers; percentages with a space before
the sign ("12,5 %"); a minus sign (U+2212) for negative numbers. English
output uses the dot and comma conventions instead.

Used by every rendered output (HTML, PDF, Excel labels, dashboard); JSON and
the interchange files keep plain machine numbers.
"""

from __future__ import annotations

import math

NBSP = "\u00a0"
MINUS = "\u2212"


def format_number(value: float | int | None, decimals: int = 0, *, lang: str = "sv") -> str:
    """Format a number for people.

    >>> format_number(1234567.891, 1)
    '1\xa0234\xa0567,9'
    >>> format_number(-0.5, 1)
    '−0,5'
    >>> format_number(1234.5, 1, lang="en")
    '1,234.5'
    >>> format_number(None)
    ''
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    # Python rounds half to even on exact binary halves; registers round half up.
    rounded = round_half_up(abs(value), decimals)
    text = f"{rounded:,.{decimals}f}"
    negative = value < 0 and rounded != 0
    if lang == "sv":
        text = text.replace(",", NBSP).replace(".", ",")
        return (MINUS if negative else "") + text
    return ("-" if negative else "") + text


def format_percent(value: float | None, decimals: int = 0, *, lang: str = "sv") -> str:
    """Format a share (0..1) as a percentage: ``0.125 -> '12,5 %'`` (sv), ``'12.5%'`` (en)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    number = format_number(value * 100, decimals, lang=lang)
    return f"{number}{NBSP}%" if lang == "sv" else f"{number}%"


def round_half_up(value: float, decimals: int = 0) -> float:
    """Round half away from zero at ``decimals`` (10.5 -> 11, 0.125 -> 0.13 at 2).

    Uses the decimal representation of the float's shortest repr, so 2.675 rounds
    to 2.68 as a person reading "2.675" expects.
    """
    from decimal import ROUND_HALF_UP, Decimal

    quantum = Decimal(1).scaleb(-decimals)
    # float() first: numpy scalars repr as "np.float64(...)", which Decimal rejects.
    return float(Decimal(repr(float(value))).quantize(quantum, rounding=ROUND_HALF_UP))
