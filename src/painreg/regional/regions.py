"""The 21 Swedish regions by SCB county code (länskod), with the names reports use.

Decision: every regional table is keyed by the two-digit SCB county code
(Statistics Sweden, *Sveriges regionala indelningar*), never by a name, because
the source reports spell names inconsistently ("Norrbottn", "Norrbottnen",
"Sörmland" and "Södermanland" in the same SKR 2020 report). ``00`` is SCB's
code for the whole country (Riket) and is used for nationally published
figures that have no regional breakdown.
"""

from __future__ import annotations

from painreg.tidy import vocabulary

NATIONAL_CODE = "00"

#: SCB county code -> the region's name as shown in tables (SKR's short form,
#: ``vocabulary.REGIONS``' heading).
REGIONS: dict[str, str] = vocabulary.REGIONS.headings()

NATIONAL_NAME = "Hela riket"


def normalise_region_code(text: str, *, allow_national: bool = True) -> str | None:
    """``"1"``, ``"01"``, ``"01 Stockholms län"`` -> ``"01"``; None if not a region code.

    Spreadsheet programs drop the leading zero of ``01``; SCB's exports put the
    code first in the region label, so the leading digits are the code.

    >>> normalise_region_code("01 Stockholms län")
    '01'
    >>> normalise_region_code("9")
    '09'
    >>> normalise_region_code("02") is None
    True
    """
    text = text.strip()
    digits = ""
    for char in text:
        if char.isdigit():
            digits += char
        else:
            break
    if not digits or len(digits) > 2:
        return None
    code = digits.zfill(2)
    if code == NATIONAL_CODE:
        return code if allow_national else None
    return code if code in REGIONS else None


def region_name(code: str) -> str:
    return NATIONAL_NAME if code == NATIONAL_CODE else REGIONS.get(code, code)
