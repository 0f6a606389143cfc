"""The shape of the synthetic national register: the report's figures, as data.

Decision: every figure the generator aims at is written here once, next to
the place in the source it comes from (``shared/seeds/nrs-annual-report-2021.txt``,
*NRS Årsrapport 2021*, cited as "report" with its section). Figures the
report shows only as a chart (volumes before 2018, primary care before 2021,
education and diagnosis mixes) are our own plausible readings and are marked
"(ours)"; tests check only the figures the report states in its text.

Counting (``DOMAIN.md``): the report's "registered MMRsv 2021: 2531" are the
*completed* rehab registrations of the year; the discontinued (139 + 49 + 42
= 230) come on top, which gives the report's "8%" (230 / 2761 = 8.3%).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from painreg.tidy import vocabulary

#: Completed (not discontinued) rehab registrations per year and care level.
#: specialist 2018-2021: report, "Figur 23. Antal avslutade patienter, MMRsv
#: 2018-2021" (3264, 2943, 2357, 2531); primary 2021: report, "Beskrivning av
#: patienter som avslutades 2021" (479). Other years (ours), following
#: figure 2's shape: growth to 2018, the 2020 pandemic dip, primary units
#: leaving in 2020.
COMPLETED_REHAB: dict[str, dict[int, int]] = {
    "specialist": {
        2013: 2760, 2014: 2880, 2015: 3010, 2016: 3120, 2017: 3190,
        2018: 3264, 2019: 2943, 2020: 2357, 2021: 2531,
    },
    "primary": {
        2013: 0, 2014: 160, 2015: 300, 2016: 470, 2017: 580,
        2018: 640, 2019: 660, 2020: 505, 2021: 479,
    },
}  # fmt: skip

#: Assessment-only registrations (patientkategori 1) by year of first visit.
#: specialist 2021: report (1851 "som utreddes utan att gå igenom
#: rehabilitering"); other years (ours), "mindre påverkan på antalet utredda"
#: in 2020. Primary care has the category since autumn 2020 (report,
#: introduction): small numbers (ours).
ASSESSMENT_ONLY: dict[str, dict[int, int]] = {
    "specialist": {
        2013: 1650, 2014: 1720, 2015: 1800, 2016: 1880, 2017: 1930,
        2018: 1990, 2019: 2010, 2020: 1820, 2021: 1851,
    },
    "primary": {2020: 12, 2021: 55},
}  # fmt: skip

#: Discontinuations 2021 by reason (report, "Orsak till avbrott"):
#: specialist 139 own decision, 49 other medical contact, 42 other;
#: primary 12, 15, 14. Other years: the same rate and mix per care level.
DISCONTINUED_2021: dict[str, dict[str, int]] = {
    "specialist": {"own_decision": 139, "other_medical": 49, "other": 42},
    "primary": {"own_decision": 12, "other_medical": 15, "other": 14},
}

#: Share of men (report, Del 3: "andel män ... konstant på 20-22%", MMRsv);
#: assessment-only and primary (ours): women go on to rehab more often
#: (report, figure 26).
MEN_SHARE: dict[tuple[str, str], float] = {
    ("specialist", "rehab"): 0.21,
    ("specialist", "assessment"): 0.26,
    ("primary", "rehab"): 0.19,
    ("primary", "assessment"): 0.22,
}

#: Age bands 18-25 / 26-65 / 66+ (report, Del 3: "8-10% ... 89-91% ... 1%").
AGE_BANDS: tuple[tuple[int, int, float], ...] = ((18, 25, 0.09), (26, 65, 0.90), (66, 74, 0.01))

#: Education mix (ours, read off figures 24-25: university more common in
#: MMRsv than in MMRpv and than in assessment only). Last entry: missing.
EDUCATION_MIX: dict[tuple[str, str], dict[str | None, float]] = {
    ("specialist", "rehab"): {
        "compulsory": 0.11, "upper_secondary": 0.49, "university": 0.34, "other": 0.03, None: 0.03
    },
    ("specialist", "assessment"): {
        "compulsory": 0.16, "upper_secondary": 0.50, "university": 0.26, "other": 0.04, None: 0.04
    },
    ("primary", "rehab"): {
        "compulsory": 0.13, "upper_secondary": 0.56, "university": 0.25, "other": 0.03, None: 0.03
    },
    ("primary", "assessment"): {
        "compulsory": 0.15, "upper_secondary": 0.55, "university": 0.23, "other": 0.03, None: 0.04
    },
}  # fmt: skip

#: Main diagnoses (ours, after figures 35-36: primary less specific and more
#: low back pain; specialist more "other" diagnoses). Codes from
#: ``tidy/data/pain_diagnoses.csv``.
DIAGNOSIS_MIX: dict[str, dict[str, float]] = {
    "specialist": {
        "M79.7": 0.19, "M54.5": 0.12, "M54.2": 0.10, "R52.2": 0.12, "M79.1": 0.08,
        "M54.4": 0.05, "M53.1": 0.04, "M25.5": 0.04, "M35.7": 0.04, "G44.2": 0.03,
        "M79.6": 0.04, "R52.9": 0.05, "M54.9": 0.04, "G62.9": 0.02, "M89.0": 0.04,
    },
    "primary": {
        "M79.7": 0.13, "M54.5": 0.22, "M54.2": 0.13, "R52.2": 0.12, "M79.1": 0.12,
        "M54.4": 0.05, "M53.1": 0.04, "M25.5": 0.04, "R52.9": 0.09, "M54.9": 0.06,
    },
}  # fmt: skip
SECONDARY_DIAGNOSIS_SHARE = 0.35

#: Work-oriented measures in MMRsv 2021 (report, "Arbetsinriktade åtgärder":
#: work focus for 95%; the action plan most common; ergonomics frequent;
#: planned meetings for "knappt hälften"; workplace visits 4%).
WORK_MEASURE_SHARE: dict[str, float] = {
    "rtw_action_plan": 0.78,
    "rehab_plan": 0.70,
    "ergonomic": 0.60,
    "planned_meetings": 0.45,
    "workplace_visit": 0.04,
}
WORK_FOCUS_SHARE = 0.95

#: Response at ``end`` among completed rehab (report, "Svarsfrekvens": 93%
#: NRSpv, 78% NRSsv); the first form is answered by 98% ("Ifyllnadsgrad ...
#: 98% för det första formuläret"). Discontinued and one-year rates (ours).
END_RESPONSE: dict[str, float] = {"specialist": 0.78, "primary": 0.93}
INITIAL_RESPONSE = 0.98
DISCONTINUED_END_RESPONSE = 0.25
FOLLOWUP_RESPONSE: dict[str, float] = {"specialist": 0.55, "primary": 0.65}

#: Instrument missing within an answered form (whole instrument skipped) and
#: single items skipped, tuned so that the report's "bortfall" on the
#: mandatory instruments lands at 24-33% (NRSsv) and 9-20% (NRSpv) together
#: with non-response (report, "Bortfall (missing data)").
INSTRUMENT_SKIP: dict[str, tuple[float, float]] = {
    "specialist": (0.03, 0.09),
    "primary": (0.02, 0.10),
}
ITEM_SKIP = 0.012

#: Global change questions at ``end``, share answering 1..7 (1 = much better).
#: Improved (1-3) is the report's national figure: handling the life
#: situation 88% MMRsv / 79% MMRpv (figures 3-4); pain experience 59% / 56%
#: (figures 5-6); handling pain (primary) 79% improved, 1% worse. The split
#: inside the improved and worsened bands is ours.
GLOBAL_DISTRIBUTION: dict[tuple[str, str], tuple[float, ...]] = {
    ("global_life", "specialist"): (0.24, 0.38, 0.26, 0.09, 0.015, 0.01, 0.005),
    ("global_life", "primary"): (0.18, 0.33, 0.28, 0.17, 0.02, 0.01, 0.01),
    ("global_pain", "specialist"): (0.08, 0.24, 0.27, 0.33, 0.04, 0.025, 0.015),
    ("global_pain", "primary"): (0.07, 0.22, 0.27, 0.36, 0.04, 0.025, 0.015),
    ("global_painhandling", "primary"): (0.17, 0.34, 0.28, 0.20, 0.006, 0.003, 0.001),
    ("global_painhandling", "specialist"): (0.17, 0.34, 0.28, 0.20, 0.006, 0.003, 0.001),
}

#: EQ-VAS change (report, "Förändrat hälsotillstånd"): improved (>= +10)
#: 55% MMRsv / 41% MMRpv, worsened (<= -10) 13% / 14%.
EQ_VAS_CHANGE: dict[str, tuple[float, float]] = {
    "specialist": (0.55, 0.13),
    "primary": (0.41, 0.14),
}

#: Coverage (report, "Täckning"): about 85% in 2021; 33 of 38 specialist
#: units reported their total. Primary care has no coverage figure.
COVERAGE = 0.85
TOTALS_REPORTED_SHARE = 33 / 38

#: A unit's share of its care level's volume is lognormal (ours); a few
#: units are deliberately small (report: units with few patients exist).
UNIT_SIZE_SIGMA = 0.5
SMALL_UNIT_WEIGHT = 0.08


@dataclass(frozen=True)
class UnitSpec:
    """A unit of the synthetic register: where, which level, when it reported."""

    unit_id: str
    name: str
    region_code: str
    care_level: str
    first_year: int
    last_year: int | None  # None: still active
    last_month: int = 12  # month of the last year it reported (stopping mid-year)
    small: bool = False


# Specialist units per region: every region has one (report: "Samtliga
# regioner är representerade"); 38 deliver data in 2021 of which 2 stop
# during the year; 3 stopped earlier and 2 started later (ours).
_SPECIALIST_REGIONS = (
    "01", "01", "01", "01", "01", "01", "03", "03", "04", "05", "05", "05", "06", "06",
    "07", "08", "09", "10", "12", "12", "12", "12", "12", "13", "14", "14", "14", "14",
    "14", "14", "17", "18", "18", "19", "20", "21", "22", "23", "24", "24", "25",
)  # fmt: skip
_SPECIALIST_CHANGES: dict[int, dict[str, object]] = {
    3: {"last_year": 2015},
    11: {"last_year": 2017},
    27: {"last_year": 2019},
    5: {"first_year": 2017},
    29: {"first_year": 2019},
    14: {"last_year": 2021, "last_month": 6},
    33: {"last_year": 2021, "last_month": 9},
    9: {"small": True},
    16: {"small": True},
    39: {"small": True},
}
#: Units that provide MMR but deliver no data (units table only, no random
#: stream): the report's 39 specialist units with an assignment, all
#: connected, of which 38 delivered data in 2021 ("Anslutning").
UNITS_WITHOUT_DATA: tuple[dict[str, object], ...] = (
    {"unit_id": "S042", "name": "Smärtrehab Västerbotten 3", "region_code": "24",
     "care_level": "specialist", "active_from": dt.date(2021, 9, 1), "active_to": None,
     "pain_care_level": 3},
)  # fmt: skip

# Primary units: few regions run MMR in primary care; a handful since 2014-16,
# many leaving in 2020 ("Flera avhopp gjordes under 2020"), new ones since;
# 17 report in 2021 (report, "Anslutning").
_PRIMARY: tuple[tuple[str, int, int | None], ...] = (
    ("12", 2014, None), ("12", 2014, None), ("12", 2015, None), ("10", 2016, None),
    ("05", 2016, None), ("05", 2017, None), ("20", 2017, None), ("12", 2018, None),
    ("12", 2018, None), ("14", 2018, None), ("01", 2019, None), ("24", 2019, None),
    ("13", 2019, None), ("12", 2020, None), ("07", 2020, None), ("14", 2021, None),
    ("03", 2021, None), ("14", 2014, 2019), ("14", 2015, 2019), ("01", 2015, 2020),
    ("01", 2016, 2019), ("06", 2016, 2020), ("18", 2017, 2019), ("21", 2017, 2020),
    ("08", 2014, 2017), ("25", 2018, 2020),
)  # fmt: skip
_PRIMARY_SMALL = {4, 12, 16}

#: Region names in the synthetic units' names: SKR's short names, except that
#: the units of region 04 have always been named after "Region Sörmland" (the
#: synthetic register stays the same for the same seed and scale).
_REGION_NAMES = {**vocabulary.REGIONS.headings(), "04": "Sörmland"}


def _named(prefix: str, region_codes: list[str]) -> list[str]:
    counts: dict[str, int] = {}
    names = []
    for code in region_codes:
        counts[code] = counts.get(code, 0) + 1
        names.append(f"{prefix} {_REGION_NAMES[code]} {counts[code]}")
    return names


def unit_specs() -> list[UnitSpec]:
    """All units of the synthetic register (the same for every seed and scale)."""
    units: list[UnitSpec] = []
    names = _named("Smärtrehab", list(_SPECIALIST_REGIONS))
    for i, code in enumerate(_SPECIALIST_REGIONS):
        change = _SPECIALIST_CHANGES.get(i, {})
        units.append(
            UnitSpec(
                unit_id=f"S{i + 1:03d}",
                name=names[i],
                region_code=code,
                care_level="specialist",
                first_year=int(change.get("first_year", 2010)),  # type: ignore[call-overload]
                last_year=change.get("last_year"),  # type: ignore[arg-type]
                last_month=int(change.get("last_month", 12)),  # type: ignore[call-overload]
                small=bool(change.get("small", False)),
            )
        )
    names = _named("MMR-team vc", [code for code, _, _ in _PRIMARY])
    for i, (code, first, last) in enumerate(_PRIMARY):
        units.append(
            UnitSpec(
                unit_id=f"P{i + 1:03d}",
                name=names[i],
                region_code=code,
                care_level="primary",
                first_year=first,
                last_year=last,
                small=i in _PRIMARY_SMALL,
            )
        )
    return units


#: Background questions at ``initial`` (instrument ``background``), all ours:
#: the report gives no national distribution of them. Pain duration in
#: years: log-normal, median 6 years (longer with more severe pain), never
#: longer than the patient's age less 5 years. Work status (codes 1-7 of the
#: catalogue) per care level: more on sickness or activity compensation in
#: specialist care. Sick-leave extent (0-100%) depends on the work status.
#: Health-care visits for the pain in the last year: negative binomial.
PAIN_DURATION_MEDIAN_YEARS = 6.0
PAIN_DURATION_SDLOG = 0.85
WORK_STATUS_MIX: dict[str, dict[int, float]] = {
    "specialist": {1: 0.45, 2: 0.10, 3: 0.05, 4: 0.02, 5: 0.30, 6: 0.02, 7: 0.06},
    "primary": {1: 0.58, 2: 0.09, 3: 0.05, 4: 0.03, 5: 0.18, 6: 0.02, 7: 0.05},
}
SICK_LEAVE_EXTENT: dict[str, dict[int, float]] = {
    "working": {0: 0.55, 25: 0.12, 50: 0.20, 75: 0.05, 100: 0.08},
    "compensated": {0: 0.02, 25: 0.10, 50: 0.30, 75: 0.10, 100: 0.48},
    "other": {0: 1.0},
}
HEALTHCARE_VISITS_MEAN: dict[str, float] = {"specialist": 14.0, "primary": 10.0}
