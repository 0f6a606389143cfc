"""Diagnosis codes: ICD-10(-SE) and KSH97-P, compared without the dot, by prefix.

DOMAIN.md: codes are compared upper-cased without the dot, by prefix
(``R52.2`` matches ``R522``, not ``R521``); KSH97-P codes the same way.
KSH97-P (Socialstyrelsen's primary-care version of ICD-10) writes its
grouped codes with a ``-P`` suffix (``J45-P``); ICD-10-SE adds up to two
extra characters after the four-character code (``M79.7``, ``S72.00``,
``M17.0A`` with a region letter). So a normalised code is one letter, two
digits, up to four more digits or letters, and optionally ``-P``.

In an expression a contact's codes are kept as one string wrapped in
separators, ``";R522;M545;"``, so "some code starts with P" is the plain
substring test ``contains(";" + P)``: one string operation that every
engine runs the same way and fast, where arrays would not.
"""

from __future__ import annotations

import re

from painreg.errors import UserError

#: One normalised code (upper case, no dot, no spaces).
CODE_PATTERN = r"[A-Z][0-9]{2}[0-9A-Z]{0,4}(-P)?"
_CODE_RE = re.compile(rf"^{CODE_PATTERN}$")
#: A normalised, separator-wrapped code list: ``;;`` (no codes) or ``;A;B;``; empty
#: elements (``;A;;B;``, a doubled separator in the export) are allowed.
CODE_LIST_PATTERN = rf"^;(({CODE_PATTERN})?;)*$"
#: A diagnosis prefix given on the command line: at least the letter and two digits.
_PREFIX_RE = re.compile(r"^[A-Z][0-9]{2}[0-9A-Z]{0,4}(-P?)?$")


def normalise_code(code: str) -> str:
    """``" r52.2 "`` -> ``"R522"``; ``"j45-p"`` -> ``"J45-P"``.

    >>> normalise_code("r52.2")
    'R522'
    """
    return code.strip().upper().replace(".", "").replace(" ", "")


def is_valid_code(code: str) -> bool:
    """Whether a normalised code has the shape of an ICD-10 or KSH97-P code."""
    return bool(_CODE_RE.match(code))


def normalise_prefixes(prefixes: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """Validate and normalise the ``--diagnosis`` prefixes (sorted, unique)."""
    result = set()
    for raw in prefixes:
        code = normalise_code(raw)
        if not _PREFIX_RE.match(code):
            raise UserError(
                f"--diagnosis {raw!r} is not an ICD-10 or KSH97-P code prefix; "
                "give at least a letter and two digits, e.g. R52 or R52.2"
            )
        result.add(code)
    if not result:
        raise UserError("give at least one --diagnosis code (e.g. --diagnosis R52.2)")
    return tuple(sorted(result))


def matches(codes: str, prefixes: tuple[str, ...]) -> bool:
    """Pure-Python twin of the expression test (used by tests and small checks).

    >>> matches("R52.2;M54.5", ("R522",))
    True
    >>> matches("R52.1", ("R522",))
    False
    """
    wrapped = ";" + ";".join(normalise_code(c) for c in codes.split(";") if c.strip()) + ";"
    return any(f";{p}" in wrapped for p in prefixes)
