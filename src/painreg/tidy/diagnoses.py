"""ICD-10 diagnosis codes: format check, normal form, and the bundled search list.

Pure Python, no Django. The register records ICD-10-SE codes (Socialstyrelsen)
such as ``M79.7``. We check the *format* only (a letter, two digits, then
optionally a dot and one or two further characters; ``M797`` is accepted and
written ``M79.7``); whether a well-formed code exists is the classification's
business, and the bundled list (``data/pain_diagnoses.csv``: common pain
diagnoses with their Swedish names, shortened from ICD-10-SE) only helps
staff find one.
"""

from __future__ import annotations

import csv
import functools
import re
from dataclasses import dataclass
from pathlib import Path

_DATA = Path(__file__).with_name("data") / "pain_diagnoses.csv"
_CODE = re.compile(r"^([A-Z])(\d{2})(?:\.?([0-9][0-9A-Z]?|[0-9A-Z]))?$")

MESSAGE_SV = "Diagnoskoden har fel format. Skriv en ICD-10-kod, till exempel M79.7 eller R52.2."
MESSAGE_EN = (
    "The diagnosis code has the wrong format. Write an ICD-10 code, such as M79.7 or R52.2."
)


class DiagnosisCodeError(ValueError):
    def __init__(self, code: str) -> None:
        self.code = code
        self.message_sv, self.message_en = MESSAGE_SV, MESSAGE_EN
        super().__init__(MESSAGE_SV)


def normalize_icd10(code: str) -> str:
    """``'m797'`` -> ``'M79.7'``; raises :class:`DiagnosisCodeError` for a malformed code.

    >>> normalize_icd10(" r52.2 ")
    'R52.2'
    >>> normalize_icd10("R51")
    'R51'
    """
    text = (code or "").strip().upper().replace(" ", "")
    m = _CODE.match(text)
    if m is None:
        raise DiagnosisCodeError(code)
    letter, digits, rest = m.groups()
    return f"{letter}{digits}" + (f".{rest}" if rest else "")


def is_valid_icd10(code: str) -> bool:
    try:
        normalize_icd10(code)
    except DiagnosisCodeError:
        return False
    return True


@dataclass(frozen=True)
class Diagnosis:
    code: str
    name_sv: str
    name_en: str

    def name(self, language: str = "sv") -> str:
        return self.name_en if language.startswith("en") else self.name_sv


@functools.cache
def pain_diagnoses() -> tuple[Diagnosis, ...]:
    """The bundled list of common pain diagnoses, in file order."""
    with _DATA.open(encoding="utf-8", newline="") as f:
        return tuple(Diagnosis(r["code"], r["name_sv"], r["name_en"]) for r in csv.DictReader(f))


def search(query: str, *, limit: int = 20) -> list[Diagnosis]:
    """Diagnoses whose code starts with, or whose name contains, ``query`` (case-insensitive).

    >>> [d.code for d in search("fibro")]
    ['M79.7']
    """
    q = (query or "").strip().casefold()
    if not q:
        return []
    q_code = q.replace(".", "")
    hits = [
        d
        for d in pain_diagnoses()
        if d.code.replace(".", "").casefold().startswith(q_code)
        or q in d.name_sv.casefold()
        or q in d.name_en.casefold()
    ]
    return hits[:limit]


def name_of(code: str, language: str = "sv") -> str | None:
    for d in pain_diagnoses():
        if d.code == code:
            return d.name(language)
    return None
