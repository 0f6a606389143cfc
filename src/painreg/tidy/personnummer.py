"""Swedish personal identity numbers (personnummer) and coordination numbers.

Pure Python, no Django: the web forms, the import validator and the tests all
use this one parser.

Rules (Skatteverket, "Personnummer och samordningsnummer", SKV 704, and
folkbokföringslagen 18 §):

* Accepted forms: ``YYYYMMDDNNNN``, ``YYYYMMDD-NNNN``, ``YYMMDD-NNNN`` and
  ``YYMMDD+NNNN``. In the ten-digit form the separator carries the century:
  ``-`` for someone younger than 100 years on the reference date, ``+`` from
  the year they turn 100. Surrounding blanks are ignored; anything else is a
  format error (we do not guess a century for ``YYMMDDNNNN``: a wrong guess
  would silently make another person).
* Digits are read in any script: every Unicode decimal digit (Arabic-Indic
  ``١``, full-width ``１``, Devanagari ``१`` ...) is taken as its ASCII digit
  and compatibility forms (full-width hyphen) as their plain form, by
  :func:`normalise` before anything else, so one person is one number however
  it was typed. NFKC alone would not do: it leaves Arabic-Indic digits as they
  are, while a regular expression's ``\\d`` and ``int()`` accept them.
* A coordination number (samordningsnummer) adds 60 to the day of birth.
* The last digit is a Luhn (mod 10) check digit over the ten-digit form
  ``YYMMDDNNN``.
* The second-to-last digit is odd for men and even for women.

Every kind of error has its own Swedish message (shown next to the field) and
an English one; both name what to do.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

__all__ = [
    "Personnummer",
    "PersonnummerError",
    "is_valid",
    "looks_like_personnummer",
    "luhn_check_digit",
    "normalise",
    "parse",
    "patient_key",
]

# re.ASCII: ``\d`` is 0-9 only, so nothing that skipped :func:`normalise` gets through.
_PATTERN = re.compile(
    r"^(?:(?P<century>\d{2})(?P<yy>\d{2})(?P<mm>\d{2})(?P<dd>\d{2})(?P<sep12>-?)"
    r"|(?P<yy10>\d{2})(?P<mm10>\d{2})(?P<dd10>\d{2})(?P<sep10>[-+]))"
    r"(?P<serial>\d{3})(?P<check>\d)$",
    re.ASCII,
)

#: The interchange format's personnummer: 12 digits, optionally ``YYYYMMDD-NNNN``
#: (ARCHITECTURE.md); any other ``patient_id`` is an external pseudonym.
_INTERCHANGE_SHAPE = re.compile(r"^[0-9]{8}-?[0-9]{4}$")

#: code -> (Swedish message, English message). Kept together so that a new
#: kind of error cannot get one language only.
MESSAGES: dict[str, tuple[str, str]] = {
    "empty": (
        "Ange ett personnummer eller samordningsnummer.",
        "Enter a personal identity number or coordination number.",
    ),
    "format": (
        "Personnumret har fel format. Skriv ÅÅÅÅMMDD-NNNN, ÅÅÅÅMMDDNNNN, ÅÅMMDD-NNNN "
        "eller ÅÅMMDD+NNNN (+ för den som fyllt 100 år).",
        "The number has the wrong format. Write YYYYMMDD-NNNN, YYYYMMDDNNNN, YYMMDD-NNNN "
        "or YYMMDD+NNNN (+ for someone aged 100 or more).",
    ),
    "month": (
        "Månaden i personnumret finns inte (måste vara 01–12).",
        "The month in the number does not exist (must be 01-12).",
    ),
    "day": (
        "Dagen i personnumret finns inte i den månaden. Samordningsnummer har dagen plus 60.",
        "The day in the number does not exist in that month. Coordination numbers add 60 "
        "to the day.",
    ),
    "future": (
        "Födelsedatumet i personnumret ligger i framtiden. Kontrollera år och skiljetecken "
        "(- eller +).",
        "The date of birth in the number is in the future. Check the year and the separator "
        "(- or +).",
    ),
    "characters": (
        "Personnumret innehåller tecken som inte är siffror. Skriv bara siffror och - eller +.",
        "The number contains characters that are not digits. Write digits and - or + only.",
    ),
    "checksum": (
        "Kontrollsiffran stämmer inte. Kontrollera att numret är rätt inskrivet.",
        "The check digit is wrong. Check that the number was typed correctly.",
    ),
}


class PersonnummerError(ValueError):
    """An invalid personnummer; ``code`` says which rule failed (see ``MESSAGES``)."""

    def __init__(self, code: str) -> None:
        self.code = code
        self.message_sv, self.message_en = MESSAGES[code]
        super().__init__(self.message_sv)

    def message(self, language: str = "sv") -> str:
        return self.message_en if language.startswith("en") else self.message_sv


@dataclass(frozen=True)
class Personnummer:
    """A validated number. ``digits`` is the canonical 12-digit form ``YYYYMMDDNNNN``."""

    digits: str
    birth_date: dt.date
    sex: str  # "F" | "M"
    is_coordination_number: bool

    @property
    def formatted(self) -> str:
        """``YYYYMMDD-NNNN``: the form shown to staff."""
        return f"{self.digits[:8]}-{self.digits[8:]}"

    @property
    def birth_year(self) -> int:
        return self.birth_date.year

    def __str__(self) -> str:
        return self.formatted


def luhn_check_digit(nine_digits: str) -> int:
    """The Luhn digit for ``YYMMDDNNN``: weights 2,1,2,...; digits of products summed."""
    total = 0
    for i, ch in enumerate(nine_digits):
        product = int(ch) * (2 if i % 2 == 0 else 1)
        total += product - 9 if product > 9 else product
    return (10 - total % 10) % 10


def normalise(text: str | None) -> str:
    """``text`` with blanks stripped, compatibility forms folded (NFKC) and every
    Unicode decimal digit replaced by its ASCII digit.

    The one normalisation of typed identifiers and dates of birth: web forms,
    import, FHIR, the patient's identity check and the command line all read
    numbers through it (directly or through :func:`parse`).

    >>> normalise(" ١٩٦٠٠٩٠٨-٣٢٧٧ ")
    '19600908-3277'
    >>> normalise("１９６０－０９－０８")
    '1960-09-08'
    """
    folded = unicodedata.normalize("NFKC", text or "").strip()
    return "".join(
        str(unicodedata.decimal(ch)) if ch.isdecimal() and not ch.isascii() else ch for ch in folded
    )


def parse(text: str | None, *, today: dt.date | None = None) -> Personnummer:
    """Validate ``text`` and return the number; raise :class:`PersonnummerError`.

    ``today`` is the reference date for the century of the ten-digit form and
    for the future-date check (default: the current date).

    >>> parse("19121212-1212").formatted
    '19121212-1212'
    >>> parse("121212+1212", today=dt.date(2026, 1, 1)).birth_date
    datetime.date(1912, 12, 12)
    """
    today = today or dt.date.today()
    text = normalise(text)
    if not text:
        raise PersonnummerError("empty")
    m = _PATTERN.match(text)
    if m is None:
        raise PersonnummerError("format" if text.isascii() else "characters")
    g = m.groupdict()
    ten_digit = g["yy10"] is not None
    yy, mm, dd = (g["yy10"], g["mm10"], g["dd10"]) if ten_digit else (g["yy"], g["mm"], g["dd"])
    month, day = int(mm), int(dd)
    coordination = day > 60
    birth_day = day - 60 if coordination else day
    if not 1 <= month <= 12:
        raise PersonnummerError("month")
    if ten_digit:
        year = _century_year(int(yy), month, birth_day, plus=g["sep10"] == "+", today=today)
    else:
        year = int(g["century"] + yy)
    if birth_day < 1 or birth_day > calendar.monthrange(year, month)[1]:
        raise PersonnummerError("day")
    birth_date = dt.date(year, month, birth_day)
    if birth_date > today:
        raise PersonnummerError("future")
    nine = f"{yy}{mm}{dd}{g['serial']}"
    if luhn_check_digit(nine) != int(g["check"]):
        raise PersonnummerError("checksum")
    return Personnummer(
        digits=f"{year:04d}{mm}{dd}{g['serial']}{g['check']}",
        birth_date=birth_date,
        sex="M" if int(g["serial"][2]) % 2 == 1 else "F",
        is_coordination_number=coordination,
    )


def is_valid(text: str | None, *, today: dt.date | None = None) -> bool:
    try:
        parse(text, today=today)
    except PersonnummerError:
        return False
    return True


def looks_like_personnummer(patient_id: str) -> bool:
    """Whether an interchange ``patient_id`` is meant as a personnummer (12 digits,
    optional ``-``, in any script) rather than an external pseudonymous id.

    Twelve digits around another dash (an en dash, say) look like one too, so
    that :func:`parse` refuses them with a message instead of the id becoming
    a second, pseudonymous identity of the same person.
    """
    text = normalise(patient_id)
    if _INTERCHANGE_SHAPE.match(text):
        return True
    digits = text[:8] + text[9:]
    return (
        len(text) == 13
        and digits.isascii()
        and digits.isdigit()
        and unicodedata.category(text[8]) == "Pd"
    )


def patient_key(patient_id: str) -> str:
    """The register's key for an interchange ``patient_id``: the canonical 12 digits
    of a personnummer (raises :class:`PersonnummerError` if it is not a valid
    one), any other id unchanged (an external pseudonym)."""
    return parse(patient_id).digits if looks_like_personnummer(patient_id) else patient_id


def _century_year(yy: int, month: int, day: int, *, plus: bool, today: dt.date) -> int:
    """The full year of a ten-digit number: the latest year ending in ``yy`` whose
    birthday is not after ``today`` (``-``), or a hundred years earlier (``+``).

    An impossible day is checked by the caller; here 29 February of a common
    year is compared as 28 February so the century is still decided.
    """
    year = today.year - (today.year - yy) % 100
    last = calendar.monthrange(year, month)[1]
    if (year, month, min(day, last)) > (today.year, today.month, today.day):
        year -= 100
    return year - 100 if plus else year
