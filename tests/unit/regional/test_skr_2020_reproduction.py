"""The shipped example data reproduce the published tables of the SKR villkor 3 report 2020.

Source of every expected value: SKR, *Insatser för psykisk ohälsa och
långvarig smärta. Rapport villkor 3, överenskommelsen inom sjukskrivning och
rehabilitering 2020* (2021), tables 2-8 and the text (copied from the report
by hand into this file; the example data were taken from the report's
tables separately, so a transcription error in either shows up here).
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from painreg.regional.inputs import load_treatment_data
from painreg.regional.tables import build_tables
from painreg.reports.publishing import format_number, round_half_up

EXAMPLE = Path(__file__).resolve().parents[3] / "src/painreg/regional/examples/skr-2020"


@pytest.fixture(scope="module")
def tables() -> dict:
    return build_tables(load_treatment_data(EXAMPLE), 2020)


#: The "Summa" rows of tables 2-6 (2020).
PUBLISHED_NATIONAL = {
    "kbt": 56468, "ipt": 993, "ikbt": 9856, "pdt": 12610, "emdr": 363, "other_psych": 645,
    "mmr1": 894, "mmr2": 2922, "mmr_total": 3816, "behavioural": 220, "active_training": 949,
    "other_pain": 174, "men": 25453, "women": 60641, "private": 48832, "public": 37262,
    "employer_contacts": 4650, "employment_service_contacts": 414,
}  # fmt: skip

#: Table 4 (men %, women %) and table 5 (private %, public %), by SCB code.
PUBLISHED_SHARES = {
    "01": (28, 72, 85, 15), "03": (19, 81, 89, 11), "04": (31, 69, 28, 72),
    "05": (29, 71, 32, 68), "06": (28, 72, 36, 64), "07": (26, 74, 27, 73),
    "08": (33, 67, 13, 87), "10": (34, 66, 54, 46), "12": (29, 71, 94, 6),
    "13": (29, 71, 53, 47), "14": (32, 68, 42, 58), "17": (30, 70, 45, 55),
    "18": (30, 70, 12, 88), "19": (31, 69, 67, 33), "20": (31, 69, 13, 87),
    "21": (29, 71, 32, 68), "22": (21, 79, 66, 34), "23": (18, 82, 25, 75),
    "24": (22, 78, 22, 78), "25": (27, 73, 19, 81),
}  # fmt: skip


def _pct(value: float) -> int:
    return int(round_half_up(value * 100))


def test_it_reproduces_the_published_national_totals_of_tables_2_to_6(tables: dict) -> None:
    """SKR 2020, the Summa rows of tables 2-6."""
    national = tables["national"]
    assert {k: national[k] for k in PUBLISHED_NATIONAL} == PUBLISHED_NATIONAL


def test_it_reproduces_the_reported_total_of_86_094_treatments(tables: dict) -> None:
    """SKR 2020, Sammanfattning: 86 094 treatments; 5 159 for long-term pain."""
    assert tables["national"]["total_treatments"] == 86094
    assert tables["national"]["pain_total"] == 5159


def test_it_reproduces_the_published_national_percentages(tables: dict) -> None:
    """SKR 2020, tables 4 and 5: 30 % men / 70 % women; 57 % private / 43 % public."""
    national = tables["national"]
    keys = ("men_share", "women_share", "private_share", "public_share")
    assert [_pct(national[k]) for k in keys] == [
        30, 70, 57, 43,
    ]  # fmt: skip


@pytest.mark.parametrize("code", sorted(PUBLISHED_SHARES))
def test_it_reproduces_each_regions_published_percentages(tables: dict, code: str) -> None:
    """SKR 2020, tables 4 and 5, every region's percentages."""
    level = tables["regions"][code]
    shares = tuple(
        _pct(level[k]) for k in ("men_share", "women_share", "private_share", "public_share")
    )
    assert shares == PUBLISHED_SHARES[code]


def test_the_sex_and_provider_splits_add_up_to_each_regions_treatments(tables: dict) -> None:
    """Tables 4 and 5 count the same treatments as tables 2 and 3 (a transcription check)."""
    reported = {c: v for c, v in tables["regions"].items() if v["total_treatments"] is not None}
    assert "09" not in reported and len(reported) == 20  # every region but Gotland
    for code, level in reported.items():
        assert level["men"] + level["women"] == level["total_treatments"], code
        assert level["private"] + level["public"] == level["total_treatments"], code


def test_regions_that_did_not_report_are_not_reported_rather_than_zero(tables: dict) -> None:
    """SKR 2020 text: psychological treatment from all regions "utom två", pain "utom en",
    contacts "förutom två" (printed as 0 in the tables)."""
    assert tables["not_reported"] == {
        "psych": ["03", "09"],
        "pain": ["09"],
        "sex": ["09"],
        "provider": ["09"],
        "contacts": ["09", "12"],
    }
    assert tables["regions"]["09"]["mmr_total"] is None
    assert tables["regions"]["09"]["mmr_per_1000"] is None
    # Reported zeros stay zeros: Kalmar and Halland reported no MMR but other pain treatment.
    assert tables["regions"]["08"]["mmr_total"] == 0
    assert tables["regions"]["13"]["mmr_total"] == 0


def _published_series() -> list[dict[str, str]]:
    with (EXAMPLE / "published_per_1000.csv").open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_it_reproduces_every_count_of_tables_7_and_8(tables: dict) -> None:
    """SKR 2020, tables 7 (KBT/IPT) and 8 (MMR), 2009-2020, regions and Hela riket.
    Cells printed 0 for regions that did not report in 2020 are "not reported" here."""
    ours = {(r["year"], r["region_code"]): r for r in tables["series"]}
    not_reported_2020 = {("kbt_ipt", "03"), ("kbt_ipt", "09"), ("mmr_total", "09")}
    published = _published_series()
    assert len(published) == 2 * 22 * 8
    for row in published:
        year, code, measure = int(row["year"]), row["region_code"], row["measure"]
        expected = (
            None if year == 2020 and (measure, code) in not_reported_2020 else int(row["count"])
        )
        assert ours[(year, code)][measure] == expected, (year, code, measure)


def test_it_computes_the_published_extra_compensation(tables: dict) -> None:
    """SKR 2020: 3 000 kr × (4 650 + 414) = 15,2 Mkr of at most 50 Mkr; 15,2 Mkr paid out."""
    comp = tables["compensation"]
    assert comp["computed_sek"] == 15_192_000
    assert comp["payable_sek"] == 15_192_000 and not comp["capped"]
    assert format_number(comp["payable_sek"] / 1e6, 1) == "15,2"
    assert comp["paid_sek"] == 15_200_000
    assert comp["regions"]["12"]["computed_sek"] is None  # Skåne did not report contacts


def test_it_reproduces_the_published_changes_since_2019(tables: dict) -> None:
    """SKR 2020 text: MMR −8 %, PDT 13 808 → 12 610 (about −9 %), employer contacts
    4 622 → 4 650, employment service 596 → 414, KBT/IPT 57 567 → 57 461.
    I-KBT: the report says +145 %; 4 043 → 9 856 is +143,8 % (we give 144 %)."""
    change = tables["national"]["change"]
    assert _pct(change["mmr_total"]["relative"]) == -8
    assert _pct(change["pdt"]["relative"]) == -9
    assert change["employer_contacts"]["previous"] == 4622
    assert change["employment_service_contacts"]["difference"] == -182
    assert change["kbt_ipt"]["difference"] == 57461 - 57567
    assert _pct(change["ikbt"]["relative"]) == 144
    # 2019 was published without the other treatments: no total can be compared.
    assert "total_treatments" not in change and "pain_total" not in change
