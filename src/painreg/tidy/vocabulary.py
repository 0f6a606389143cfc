"""Every code list of the register, with its Swedish and English labels, in one place.

Decision: a code (the value stored in the database and written in the
interchange files) and its labels are declared once, here. The interchange
schema (:mod:`painreg.tidy.schema`) takes its enums from these lists, the
Django models their ``TextChoices``, the analytics their categories and the
reports and the dashboard their headings, so a code cannot be added, renamed
or relabelled in one place and forgotten in another.

Each code has two labels per language:

* ``label``: the term as a form or a detail page shows it, lower-case
  (Django's convention for choices): ``"universitet eller högskola"``;
* ``heading``: the term as a table row, column or chart legend shows it,
  capitalised and, where the report uses one, shorter
  (``"Universitet/högskola"``). Without an explicit heading it is the label
  with a capital first letter.

The 21 regions are data (``data/regions.csv``: SCB county code, official
name, the short name SKR's reports use, and the healthcare region,
sjukvårdsregion, of förordning 2023:1203); the migration that fills the
database's region table reads the same file through :data:`REGIONS`.

Pure Python: no Django (the Django apps, the analytics and the generators
all import it).
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

REGIONS_CSV = Path(__file__).with_name("data") / "regions.csv"
LANGUAGES: tuple[str, ...] = ("sv", "en")


def _capitalised(text: str) -> str:
    """First letter upper-case, the rest as written (``"KBT-baserat"`` stays)."""
    return text[:1].upper() + text[1:]


@dataclass(frozen=True)
class Code:
    """One code of a list: the stored ``value`` and its labels in Swedish and English."""

    value: str
    sv: str
    en: str
    heading_sv: str | None = None
    heading_en: str | None = None

    def label(self, language: str = "sv") -> str:
        """The label in a form (English for ``en``/``en-gb``, Swedish otherwise)."""
        return self.en if language.startswith("en") else self.sv

    def heading(self, language: str = "sv") -> str:
        """The label as a table or chart heading."""
        if language.startswith("en"):
            return self.heading_en or _capitalised(self.en)
        return self.heading_sv or _capitalised(self.sv)


@dataclass(frozen=True)
class CodeList:
    """An ordered list of codes; the order is the order forms and tables show."""

    name: str
    codes: tuple[Code, ...]
    _by_value: dict[str, Code] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_value", {c.value: c for c in self.codes})
        if len(self._by_value) != len(self.codes):
            raise ValueError(f"code list {self.name} repeats a value")

    def __iter__(self) -> Iterator[Code]:
        return iter(self.codes)

    def __len__(self) -> int:
        return len(self.codes)

    def __contains__(self, value: object) -> bool:
        return value in self._by_value

    def __getitem__(self, value: str) -> Code:
        return self._by_value[value]

    @property
    def values(self) -> tuple[str, ...]:
        return tuple(c.value for c in self.codes)

    def labels(self, language: str = "sv") -> dict[str, str]:
        """Value -> form label."""
        return {c.value: c.label(language) for c in self.codes}

    def headings(self, language: str = "sv") -> dict[str, str]:
        """Value -> table heading."""
        return {c.value: c.heading(language) for c in self.codes}


def _list(name: str, *codes: tuple[str, ...]) -> CodeList:
    return CodeList(name, tuple(Code(*c) for c in codes))


#: Legal sex (kön); the headings name the groups in tables.
SEXES = _list(
    "sex",
    ("F", "kvinna", "female", "Kvinnor", "Women"),
    ("M", "man", "male", "Män", "Men"),
)

#: Care level (vårdnivå) of a unit: results of the two are never pooled.
CARE_LEVELS = _list(
    "care_level",
    ("primary", "primärvård", "primary care"),
    ("specialist", "specialistvård", "specialist care"),
)

#: Care levels 1-4 of pain care (nivåstrukturering, Läkartidningen's article;
#: DOMAIN.md "Care levels 1-4"): a unit's optional level, stored as the number.
PAIN_CARE_LEVELS = _list(
    "pain_care_level",
    ("1", "nivå 1: primärvård", "level 1: primary care"),
    ("2", "nivå 2: interdisciplinärt team i primärvården",
     "level 2: interdisciplinary team in primary care"),
    ("3", "nivå 3: specialiserad smärtvård", "level 3: specialised pain care"),
    ("4", "nivå 4: regionalt smärt- och kunskapscentrum",
     "level 4: regional pain and knowledge centre"),
)  # fmt: skip
#: The register's care level of each pain care level (1-2 primary, 3-4 specialist).
CARE_LEVEL_OF_PAIN_CARE_LEVEL: dict[int, str] = {
    1: "primary", 2: "primary", 3: "specialist", 4: "specialist"
}  # fmt: skip

#: Patient category (patientkategori) of a registration.
REGISTRATION_CATEGORIES = _list(
    "category",
    ("assessment", "endast utredning", "assessment only"),
    ("rehab", "multimodal rehabilitering", "multimodal rehabilitation"),
)

#: Reason of a discontinued rehabilitation (orsak till avbrott); empty counts as ``other``.
DISCONTINUATION_REASONS = _list(
    "discontinuation_reason",
    ("own_decision", "eget beslut", "own decision"),
    ("other_medical", "annan medicinsk kontakt", "other medical contact"),
    ("other", "annat", "other"),
)

#: Highest completed education (utbildning).
EDUCATION = _list(
    "education",
    ("compulsory", "grundskola", "compulsory school"),
    ("upper_secondary", "gymnasium", "upper secondary school"),
    ("university", "universitet eller högskola", "university", "Universitet/högskola"),
    ("other", "annan", "other"),
)

#: Work-oriented measures taken during rehabilitation (arbetslivsinriktade åtgärder).
WORK_MEASURES = _list(
    "work_measures",
    ("rehab_plan", "rehabiliteringsplan", "rehabilitation plan"),
    ("rtw_action_plan", "handlingsplan för återgång i arbete", "action plan for return to work",
     "Handlingsplan för återgång"),
    ("ergonomic", "ergonomiska åtgärder", "ergonomic measures"),
    ("planned_meetings", "planerade möten med andra aktörer", "planned meetings with other actors",
     "Planerade möten"),
    ("workplace_visit", "arbetsplatsbesök", "workplace visit"),
)  # fmt: skip

#: Kind of programme (programmets inriktning).
PROGRAMMES = _list(
    "programme",
    ("cbt", "KBT-baserat", "CBT-based", "KBT", "CBT"),
    ("act", "ACT-baserat", "ACT-based", "ACT", "ACT"),
    ("digital", "digitalt", "digital"),
    ("on_site", "på plats", "on site"),
)

#: The three occasions a patient answers (mättillfällen).
OCCASIONS = _list(
    "occasion",
    ("initial", "initialt", "initial"),
    ("end", "avslut", "end"),
    ("followup_1y", "1-årsuppföljning", "one-year follow-up", "1 år", "1 year"),
)

#: Status of an occasion (see :func:`painreg.tidy.rules.occasion_status`).
OCCASION_STATUSES = _list(
    "occasion_status",
    ("not_started", "ej påbörjad", "not started"),
    ("partial", "delvis besvarad", "partly answered"),
    ("answered", "besvarad", "answered"),
    ("signed_off", "klarmarkerad", "signed off"),
)

#: Change categories of a measure between two occasions (DOMAIN.md, change
#: categories): four for HADS, WAI, PCS and EQ-VAS, three for the global questions.
CHANGE_CATEGORIES = _list(
    "change_category",
    ("improved", "förbättrad", "improved"),
    ("unchanged_positive", "oförändrat positiv", "unchanged, positive"),
    ("unchanged_negative", "oförändrat negativ", "unchanged, negative"),
    ("unchanged", "oförändrad", "unchanged"),
    ("worsened", "försämrad", "worsened"),
)

#: Who entered an answer.
ANSWER_SOURCES = _list(
    "source",
    ("patient", "patient", "patient"),
    ("staff", "personal", "staff"),
    ("import", "import", "import"),
)

#: Benefit of a sick-leave period from Försäkringskassan (DOMAIN.md, "Sick leave from
#: Försäkringskassan").
SICK_LEAVE_BENEFITS = _list(
    "benefit",
    ("sickness", "sjukpenning", "sickness benefit"),
    ("rehabilitation", "rehabiliteringspenning", "rehabilitation benefit"),
    ("sickness_compensation", "sjukersättning", "sickness compensation"),
    ("activity_compensation", "aktivitetsersättning", "activity compensation"),
)

#: The benefit groups the sick-leave figures are shown for (all together and split).
SICK_LEAVE_GROUPS = _list(
    "sick_leave_group",
    ("all", "alla förmåner", "all benefits", "Alla förmåner", "All benefits"),
    ("benefit", "sjukpenning och rehabiliteringspenning", "sickness and rehabilitation benefit",
     "Sjuk- och rehabiliteringspenning", "Sickness and rehabilitation benefit"),
    ("compensation", "sjukersättning och aktivitetsersättning",
     "sickness and activity compensation", "Sjuk- och aktivitetsersättning",
     "Sickness and activity compensation"),
)  # fmt: skip

#: The group indicators count a missing education (or other missing code) in.
#: Not a code of any list: no row stores it.
UNKNOWN = Code("unknown", "uppgift saknas", "not stated")

#: Healthcare regions (sjukvårdsregioner, förordning 2023:1203): six groups of regions.
HEALTHCARE_REGIONS = _list(
    "healthcare_region",
    ("stockholm_gotland", "Stockholm-Gotland", "Stockholm-Gotland"),
    ("mellansverige", "Mellansverige", "Central Sweden"),
    ("sydostra", "Sydöstra", "South East"),
    ("sodra", "Södra", "South"),
    ("vastra", "Västra", "West"),
    ("norra", "Norra", "North"),
)


def _regions() -> tuple[CodeList, dict[str, str]]:
    with REGIONS_CSV.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    codes = tuple(
        Code(r["code"], r["name"], r["name"], r["short_name"], r["short_name"]) for r in rows
    )
    return CodeList("region", codes), {r["code"]: r["healthcare_region"] for r in rows}


#: The 21 regions by SCB county code (länskod; 02, 11, 15 and 16 no longer exist).
#: Label: the official name ("Region Sörmland"); heading: SKR's short form
#: ("Södermanland"), which the regional tables and the annual report show.
REGIONS, HEALTHCARE_REGION_OF = _regions()
#: The SCB county codes of the 21 regions, in code order.
REGION_CODES: tuple[str, ...] = REGIONS.values

#: Every code list, by the interchange column (or model field) it codes.
CODE_LISTS: dict[str, CodeList] = {
    c.name: c
    for c in (
        SEXES,
        CARE_LEVELS,
        REGISTRATION_CATEGORIES,
        DISCONTINUATION_REASONS,
        EDUCATION,
        WORK_MEASURES,
        PROGRAMMES,
        OCCASIONS,
        OCCASION_STATUSES,
        CHANGE_CATEGORIES,
        ANSWER_SOURCES,
        SICK_LEAVE_BENEFITS,
        SICK_LEAVE_GROUPS,
        HEALTHCARE_REGIONS,
        REGIONS,
    )
}
